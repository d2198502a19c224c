import "server-only";
import { db } from "@/db";
import { type ZendeskConnectionEventType, zendeskConnectionEvents } from "@/db/schema";
import { enqueueConnectionWebhook } from "@/lib/webhooks/outbox";

/*
 * The single place connection state changes are recorded and emitted. Host apps subscribe
 * with onConnectionEvent (e.g. to email an admin when a connection needs reconnecting).
 */

export interface ConnectionEvent {
  type: ZendeskConnectionEventType;
  connectionId: string | null;
  workspaceId: string;
  subdomain: string;
  actorUserId: string | null;
  /** Human-readable and safe to show: never token material. */
  detail?: string;
  data?: Record<string, unknown>;
}

export type ConnectionEventListener = (event: ConnectionEvent & { at: Date }) => void | Promise<void>;

const listeners = new Set<ConnectionEventListener>();

/** Subscribes to connection events; returns the unsubscribe function. */
export function onConnectionEvent(listener: ConnectionEventListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

type Executor = Pick<typeof db, "insert" | "select">;

/** Records an event in the history table (inside the caller's transaction when given) and notifies listeners. */
export async function recordConnectionEvent(event: ConnectionEvent, executor: Executor = db): Promise<void> {
  await insertConnectionEvent(executor, event);
  notifyConnectionListeners([event]);
}

/**
 * Writes the history row and queues the host app's webhook in the caller's transaction, without
 * telling in-process listeners: call notifyConnectionListeners after that transaction commits.
 */
export async function insertConnectionEvent(executor: Executor, event: ConnectionEvent): Promise<void> {
  await executor.insert(zendeskConnectionEvents).values({
    connectionId: event.connectionId,
    workspaceId: event.workspaceId,
    subdomain: event.subdomain,
    type: event.type,
    actorUserId: event.actorUserId,
    detail: event.detail ?? null,
    data: event.data ?? null,
  });
  await enqueueConnectionWebhook(executor, event); // the host app's webhook, in the same transaction
}

/** Tells in-process listeners about committed events; a listener's failure never reaches the caller. */
export function notifyConnectionListeners(events: readonly ConnectionEvent[]): void {
  const at = new Date();
  for (const event of events) {
    for (const listener of listeners) {
      Promise.resolve()
        .then(() => listener({ ...event, at }))
        .catch((error: unknown) =>
          console.error(`[zendesk] connection event listener failed: ${error instanceof Error ? error.name : "error"}`),
        );
    }
  }
}
