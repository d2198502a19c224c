import type { ZendeskConnection, ZendeskConnectionEventType } from "../db/schema.js";

/*
 * What the host app hears: the connection history (lib/zendesk/events.ts) mapped to lifecycle
 * webhooks. Pure: a history event plus the connection row as it stands in the same transaction.
 * Payloads carry identifiers, state and people-readable reasons only; never a token, secret or code.
 */

export const WEBHOOK_EVENT_TYPES = [
  "connection.created",
  "connection.reconnected",
  "connection.permissions_changed",
  "connection.refresh_failed",
  "connection.needs_reconnect",
  "connection.revoked",
  "connection.recovered",
  "connection.disconnected",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number] | "webhook.test";

export interface WebhookConnectionData {
  connection_id: string | null;
  workspace_id: string | null;
  subdomain: string;
  /** The stored state after the change: active, error, needs_reconnect, revoked; or disconnected. */
  status: string;
  scopes: string[];
  zendesk_user: { id: string | null; name: string | null; role: string | null };
  error_code?: string;
  reason?: string;
  /** refresh_failed: failed attempts so far, when counted. */
  attempts?: number;
  /** refresh_failed: when the product will try again by itself, when scheduled (null: on next use or keep-alive run). */
  next_attempt_at?: string | null;
  /** permissions_changed: scopes gained and lost. */
  added_scopes?: string[];
  removed_scopes?: string[];
  /** disconnected: what happened to the token at Zendesk. */
  revocation?: "revoked" | "failed" | "not_needed";
}

export interface WebhookEvent {
  type: WebhookEventType;
  /** ISO 8601, when the change happened. */
  timestamp: string;
  data: WebhookConnectionData | Record<string, unknown>;
}

/** The fields of a connection history event the mapping reads (structurally lib/zendesk's ConnectionEvent). */
export interface HistoryEvent {
  type: ZendeskConnectionEventType;
  connectionId: string | null;
  workspaceId: string;
  subdomain: string;
  detail?: string;
  data?: Record<string, unknown>;
}

export type ConnectionSnapshot = Pick<
  ZendeskConnection,
  | "id"
  | "workspaceId"
  | "subdomain"
  | "status"
  | "statusReason"
  | "lastError"
  | "grantedScopes"
  | "zendeskUserId"
  | "zendeskUserName"
  | "zendeskUserRole"
>;

/** Longest reason sent: reasons are sentences, and a body stays small. */
const MAX_REASON = 500;

/**
 * The webhook a history event stands for, or null when it is not one the host app hears of
 * (a routine refresh, a connection test, a refresh failure that is followed by its verdict).
 */
export function webhookEventFor(event: HistoryEvent, row: ConnectionSnapshot | null, at: Date): WebhookEvent | null {
  const type = webhookTypeFor(event, row);
  if (!type) return null;
  const data: WebhookConnectionData = {
    connection_id: event.connectionId,
    workspace_id: event.workspaceId,
    subdomain: event.subdomain,
    status: type === "connection.disconnected" ? "disconnected" : (row?.status ?? "unknown"),
    scopes: row ? [...row.grantedScopes] : [],
    zendesk_user: {
      id: row?.zendeskUserId ?? null,
      name: row?.zendeskUserName ?? null,
      role: row?.zendeskUserRole ?? null,
    },
  };
  const failure = asRecord(event.data?.failure);
  const errorCode = failure ? errorCodeOf(failure) : undefined;
  switch (type) {
    case "connection.refresh_failed": {
      if (errorCode) data.error_code = errorCode;
      setReason(data, row?.lastError ?? event.detail);
      data.attempts = typeof event.data?.attempts === "number" ? event.data.attempts : 1;
      const next = event.data?.nextAttemptAt;
      data.next_attempt_at = typeof next === "string" ? next : next instanceof Date ? next.toISOString() : null;
      break;
    }
    case "connection.needs_reconnect":
    case "connection.revoked":
      if (errorCode) data.error_code = errorCode;
      setReason(data, row?.statusReason ?? event.detail);
      break;
    case "connection.permissions_changed":
      data.added_scopes = stringList(event.data?.added);
      data.removed_scopes = stringList(event.data?.removed);
      break;
    case "connection.disconnected":
      data.revocation = revocationOf(event.data?.revocation);
      break;
    default:
      break;
  }
  return { type, timestamp: at.toISOString(), data };
}

function webhookTypeFor(event: HistoryEvent, row: ConnectionSnapshot | null): WebhookEventType | null {
  switch (event.type) {
    case "connected":
      return "connection.created";
    case "reconnected":
      return "connection.reconnected";
    case "scopes_changed":
      return "connection.permissions_changed";
    case "refreshed":
      // A routine renewal is not news; one that ends an error state is.
      return event.data?.recoveredFromError === true ? "connection.recovered" : null;
    case "refresh_failed":
      // A permanent verdict records refresh_failed and then needs_reconnect/revoked: only the verdict is sent.
      return row && (row.status === "needs_reconnect" || row.status === "revoked") ? null : "connection.refresh_failed";
    case "needs_reconnect":
      return "connection.needs_reconnect";
    case "revoked":
      // On Disconnect the revocation is reported by connection.disconnected (data.revocation).
      return row?.status === "revoked" ? "connection.revoked" : null;
    case "disconnected":
      return "connection.disconnected";
    default:
      return null;
  }
}

/** A stable, short code: the OAuth error Zendesk gave (invalid_grant, ...) or the kind of failure (timeout, ...). */
function errorCodeOf(failure: Record<string, unknown>): string | undefined {
  if (typeof failure.error === "string" && /^[a-z_]{1,64}$/.test(failure.error)) return failure.error;
  return typeof failure.kind === "string" ? failure.kind : undefined;
}

function revocationOf(value: unknown): "revoked" | "failed" | "not_needed" {
  return value === "revoked" || value === "failed" ? value : "not_needed";
}

function setReason(data: WebhookConnectionData, reason: string | null | undefined): void {
  if (reason) data.reason = reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
}
