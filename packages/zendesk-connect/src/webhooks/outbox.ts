import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "../db/index.js";
import { webhookMessages, zendeskConnections } from "../db/schema.js";
import { scheduleDelivery } from "./kick.js";
import { type HistoryEvent, type WebhookEvent, webhookEventFor } from "./payloads.js";
import { MAX_WEBHOOK_BODY_BYTES } from "./send.js";
import { webhookSettings } from "./settings.js";

/*
 * The transactional outbox. A message is written with the caller's executor, so inside the
 * transaction of the state change it reports: a rolled-back change leaves no message, a
 * committed one always has its message. Delivery happens after commit (see deliver.ts).
 */

type Executor = Pick<Db, "insert" | "select">;

/**
 * Queues one webhook in the caller's transaction and schedules a best-effort delivery after
 * the response. Returns the message id (its webhook-id), or null when webhooks are off.
 */
export async function enqueueWebhook(executor: Executor, event: WebhookEvent): Promise<string | null> {
  const settings = webhookSettings();
  if (!settings.endpoint) return null;
  const id = `msg_${randomUUID().replaceAll("-", "")}`;
  const data = event.data as { connection_id?: unknown; workspace_id?: unknown };
  await executor.insert(webhookMessages).values({
    id,
    type: event.type,
    connectionId: typeof data.connection_id === "string" ? data.connection_id : null,
    workspaceId: typeof data.workspace_id === "string" ? data.workspace_id : null,
    body: serialise(event),
  });
  scheduleDelivery([id]);
  return id;
}

/**
 * The outbox side of a connection history event: reads the connection as the same executor
 * sees it, maps the event (payloads.ts) and queues the webhook, if the host app hears of it.
 */
export async function enqueueConnectionWebhook(executor: Executor, event: HistoryEvent): Promise<string | null> {
  if (!webhookSettings().endpoint) return null;
  const [row] = event.connectionId
    ? await executor.select().from(zendeskConnections).where(eq(zendeskConnections.id, event.connectionId))
    : [];
  const webhook = webhookEventFor(event, row ?? null, new Date());
  return webhook ? enqueueWebhook(executor, webhook) : null;
}

function serialise(event: WebhookEvent): string {
  const body = JSON.stringify(event);
  if (Buffer.byteLength(body, "utf8") <= MAX_WEBHOOK_BODY_BYTES) return body;
  // Cannot happen with our fields (reasons are capped); still, never lose the event itself.
  const { connection_id, workspace_id, subdomain, status } = event.data as Record<string, unknown>;
  return JSON.stringify({ ...event, data: { connection_id, workspace_id, subdomain, status, truncated: true } });
}
