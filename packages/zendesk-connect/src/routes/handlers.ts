import { z } from "zod";
import { env } from "../config/env.js";
import type { ZendeskHost } from "../host.js";
import { describeError, errorSummary, unknownSubdomainMessage } from "../catalogue/error-codes.js";
import { checkSubdomain } from "../connect/subdomain-check.js";
import { statusReport } from "../store/status-report.js";
import { checkCronAuthorization, formatKeepAliveSummary, refreshDueConnections } from "../tokens/keep-alive.js";
import { formatRetentionSummary, pruneExpiredData } from "../retention.js";
import { deliverDueWebhooks, formatDeliveryCounts } from "../webhooks/deliver.js";
import { connectThrottled, throttleSubdomainCheck, tooManyAttemptsMessage } from "../throttle/attempts.js";
import { subdomainSchema } from "../transport/subdomain.js";
import { instanceUrl } from "../transport/urls.js";
import { CALLBACK_SUFFIX, zendeskSettings } from "../transport/settings.js";
import { handleZendeskCallback } from "./callback.js";
import { healthCheck, healthResponse } from "../health.js";
import { logger } from "../telemetry/log.js";
import { keepAliveCounts, observeKeepAlive } from "../telemetry/jobs.js";

/*
 * The package's routes under its base path (default /api/zendesk-connect), served by one
 * catch-all route file in the host:
 *   GET  /callback/zendesk   the OAuth callback (Auth.js inside the connect flow)
 *   GET  /status             the signed-in member's workspace connections (host banners)
 *   POST /subdomain-check    the connect form's "is there a Zendesk account here?"
 *   GET|POST /cron           the keep-alive, retention and webhook retries (Bearer CRON_SECRET)
 *   GET  /health             200 {"status":"ok"} when the database answers and the package's
 *                            migrations are current, else 503 {"status":"unavailable"} (no details)
 */

type Handler = (request: Request, host: ZendeskHost) => Promise<Response>;

const ROUTES: Record<string, { GET?: Handler; POST?: Handler }> = {
  [CALLBACK_SUFFIX]: { GET: handleZendeskCallback },
  "/status": { GET: status },
  "/subdomain-check": { POST: subdomainCheck },
  "/cron": { GET: cron, POST: cron },
  "/health": { GET: health },
};

/** Dispatches a request under the base path; 404 for an unknown path, 405 for a wrong method. */
export async function dispatch(method: "GET" | "POST", request: Request, host: ZendeskHost): Promise<Response> {
  const { basePath } = zendeskSettings();
  const pathname = new URL(request.url).pathname;
  const route = pathname.startsWith(basePath) ? ROUTES[pathname.slice(basePath.length)] : undefined;
  if (!route) return answer(404, { error: "not_found", message: "No such Zendesk Connect route." });
  const handler = route[method];
  if (!handler) return answer(405, { error: "method_not_allowed" }, { Allow: Object.keys(route).join(", ") });
  return handler(request, host);
}

async function status(_request: Request, host: ZendeskHost): Promise<Response> {
  const member = await host.currentMember();
  if (!member) return answer(401, { error: "unauthorized", message: "Sign in to read integration status" });
  const report = await statusReport(member.workspaceId);
  return answer(200, { workspace: { id: member.workspaceId, name: member.workspaceName ?? null }, ...report });
}

const bodySchema = z.object({ subdomain: subdomainSchema });

/**
 * The connect form asks, as the subdomain is entered, whether a Zendesk account answers there,
 * so the Connect click need not wait for that round trip (the connect reuses the recorded
 * verdict). The same rules as the connect itself: a signed-in owner or admin, throttled (per
 * user, and refused while the workspace's connects are). A route, not a server action, because
 * the browser runs server actions one at a time: Connect would queue behind the check.
 */
async function subdomainCheck(request: Request, host: ZendeskHost): Promise<Response> {
  // A page of this app asks; another site's page never gets an answer (or a probe) from here.
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== new URL(env().appUrl).origin)
    return answer(403, { error: "forbidden", message: "Requests from other sites are refused." });
  const member = await host.currentMember();
  if (!member) return answer(401, { error: "unauthorized", message: "Sign in to check a Zendesk address." });
  if (!member.canManageIntegrations)
    return answer(403, { error: "not_allowed", message: describeError("not_allowed").message });
  const limited = await throttleSubdomainCheck(member.userId);

  const parsed = bodySchema.safeParse(await request.json().catch(() => null));
  if (!parsed.success) {
    const issue = parsed.error.issues.find((i) => i.path[0] === "subdomain");
    return answer(400, { error: "invalid_subdomain", message: issue?.message ?? "Enter your Zendesk subdomain." });
  }
  const { subdomain } = parsed.data;
  // Its own count per user, and the workspace's connect throttle: no check while Connect is held back.
  const gate = limited.ok ? await connectThrottled(member.workspaceId) : limited;
  if (!gate.ok)
    return answer(
      429,
      { error: "too_many_attempts", message: tooManyAttemptsMessage(gate.retryAfterSeconds) },
      { "Retry-After": String(Math.ceil(gate.retryAfterSeconds)) },
    );

  const verdict = await checkSubdomain(member.workspaceId, subdomain);
  // The origin the consent page will come from: the form warms a connection to it.
  if (verdict.ok)
    return answer(200, {
      subdomain,
      found: true,
      origin: instanceUrl(subdomain, zendeskSettings().baseUrlTemplate).origin,
    });
  const message =
    verdict.code === "unknown_subdomain" ? unknownSubdomainMessage(subdomain) : errorSummary(verdict.code);
  return answer(200, { subdomain, found: false, code: verdict.code, message });
}

/** The keep-alive for schedulers (cron; Vercel Cron sends GET; a Kubernetes CronJob): Bearer CRON_SECRET. */
async function cron(request: Request): Promise<Response> {
  const authorization = checkCronAuthorization(request.headers.get("authorization"));
  if (authorization === "not_configured")
    return answer(503, { error: "cron_not_configured", message: "Set CRON_SECRET to enable this endpoint" });
  if (authorization === "unauthorized")
    return answer(401, { error: "unauthorized" }, { "WWW-Authenticate": 'Bearer realm="cron"' });
  const summary = await observeKeepAlive(() => refreshDueConnections());
  logger.info({ job: "keep_alive", ...keepAliveCounts(summary) }, formatKeepAliveSummary(summary));
  const retention = await pruneExpiredData();
  logger.info({ job: "retention" }, formatRetentionSummary(retention));
  const webhooks = await deliverDueWebhooks({ maxDurationMs: 20_000 }); // retries of the webhook outbox
  logger.info({ job: "webhooks", ...webhooks }, formatDeliveryCounts(webhooks));
  return answer(200, { ...summary, retention, webhooks });
}

/** Anonymous: the status only, never why (that goes to the log). */
async function health(): Promise<Response> {
  return healthResponse(await healthCheck());
}

function answer(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { "Cache-Control": "no-store", ...headers } });
}
