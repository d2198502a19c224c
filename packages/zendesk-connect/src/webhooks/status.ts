import { and, count, desc, eq, gt } from "drizzle-orm";
import { db } from "../db/index.js";
import { webhookMessages } from "../db/schema.js";
import { enqueueWebhook } from "./outbox.js";
import { deliverMessages } from "./deliver.js";
import { endpointLabel, webhookSettings } from "./settings.js";

/*
 * The operator's view of deliveries (npm run webhooks:status / webhooks:send-test). The endpoint
 * is the operator's, so none of this appears on customers' pages.
 */

export interface DeliveryRow {
  id: string;
  type: string;
  connectionId: string | null;
  createdAt: Date;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
}

export interface DeliveryReport {
  endpoint: string | null;
  recent: DeliveryRow[];
  /** Pending messages that failed at least once. */
  retrying: number;
  failed: number;
  gone: number;
  pending: number;
}

export async function deliveryReport(limit = 20): Promise<DeliveryReport> {
  const { endpoint } = webhookSettings();
  const rows = await db.select().from(webhookMessages).orderBy(desc(webhookMessages.createdAt)).limit(limit);
  const byStatus = await db
    .select({ status: webhookMessages.status, n: count() })
    .from(webhookMessages)
    .groupBy(webhookMessages.status);
  const [retrying] = await db
    .select({ n: count() })
    .from(webhookMessages)
    .where(and(eq(webhookMessages.status, "pending"), gt(webhookMessages.attempts, 0)));
  const of = (status: string) => byStatus.find((s) => s.status === status)?.n ?? 0;
  return {
    endpoint: endpoint ? endpointLabel(endpoint.url) : null,
    recent: rows.map((r) => ({
      id: r.id,
      type: r.type,
      connectionId: r.connectionId,
      createdAt: r.createdAt,
      status: r.status,
      attempts: r.attempts,
      lastStatus: r.lastStatus,
      lastError: r.lastError,
      nextAttemptAt: r.status === "pending" ? r.nextAttemptAt : null,
    })),
    retrying: retrying?.n ?? 0,
    failed: of("failed"),
    gone: of("gone"),
    pending: of("pending"),
  };
}

export function formatDeliveryReport(report: DeliveryReport): string {
  const lines = [
    report.endpoint ? `Webhook endpoint: ${report.endpoint}` : "Webhooks are off (set WEBHOOK_URL and WEBHOOK_SECRET).",
    `Pending: ${report.pending} (${report.retrying} retrying after a failure) · failed: ${report.failed} · gone (410): ${report.gone}`,
  ];
  if (report.recent.length === 0) return [...lines, "No deliveries yet."].join("\n");
  const table = report.recent.map((r) => [
    r.createdAt.toISOString(),
    r.type,
    r.connectionId ?? "-",
    r.status,
    String(r.attempts),
    r.lastStatus !== null ? `HTTP ${r.lastStatus}` : (r.lastError ?? "-"),
    r.nextAttemptAt ? r.nextAttemptAt.toISOString() : "-",
  ]);
  const header = ["time", "event", "connection", "state", "attempts", "last answer", "next retry"];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const format = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [...lines, "", format(header), ...table.map(format)].join("\n");
}

/** Queues a webhook.test message and delivers it now; the outcome is in the outbox like any other. */
export async function sendTestWebhook(): Promise<{
  id: string;
  status: string;
  lastStatus: number | null;
  lastError: string | null;
}> {
  const id = await db.transaction((tx) =>
    enqueueWebhook(tx, {
      type: "webhook.test",
      timestamp: new Date().toISOString(),
      data: { message: "A test event from Zendesk Connect: your endpoint received and can verify it." },
    }),
  );
  // enqueueWebhook queues nothing while webhooks are off.
  if (!id) throw new Error("webhooks are off: set WEBHOOK_URL and WEBHOOK_SECRET");
  await deliverMessages([id]);
  const [row] = await db.select().from(webhookMessages).where(eq(webhookMessages.id, id));
  return { id, status: row!.status, lastStatus: row!.lastStatus, lastError: row!.lastError };
}
