import { deliverDueWebhooks, formatDeliveryCounts } from "@/lib/webhooks/deliver";
import { formatRetentionSummary, pruneExpiredData } from "@/lib/retention";
import { checkCronAuthorization, formatKeepAliveSummary, refreshDueConnections } from "@/lib/zendesk";

// GET or POST /api/cron/zendesk-refresh: the keep-alive for schedulers (cron, Vercel Cron sends
// GET, Kubernetes CronJob). Thin: check the bearer secret, run the job and the retention
// clean-up, answer with their summary (no secrets).
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export { run as GET, run as POST };

async function run(request: Request): Promise<Response> {
  const authorization = checkCronAuthorization(request.headers.get("authorization"));
  if (authorization === "not_configured") {
    return Response.json(
      { error: "cron_not_configured", message: "Set CRON_SECRET to enable this endpoint" },
      { status: 503 },
    );
  }
  if (authorization === "unauthorized") {
    return Response.json(
      { error: "unauthorized" },
      { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="cron"' } },
    );
  }
  const summary = await refreshDueConnections();
  console.info(`[zendesk] ${formatKeepAliveSummary(summary)}`);
  const retention = await pruneExpiredData();
  console.info(`[zendesk] ${formatRetentionSummary(retention)}`);
  const webhooks = await deliverDueWebhooks({ maxDurationMs: 20_000 }); // retries of the webhook outbox
  console.info(`[webhooks] ${formatDeliveryCounts(webhooks)}`);
  return Response.json({ ...summary, retention, webhooks }, { headers: { "Cache-Control": "no-store" } });
}
