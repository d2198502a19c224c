import { describe, expect, it } from "vitest";
import { type ConnectionSnapshot, type HistoryEvent, webhookEventFor } from "./payloads.js";

const row = (over: Partial<ConnectionSnapshot> = {}): ConnectionSnapshot => ({
  id: "c1",
  workspaceId: "w1",
  subdomain: "acme" as ConnectionSnapshot["subdomain"],
  status: "active",
  statusReason: null,
  lastError: null,
  grantedScopes: ["read"],
  zendeskUserId: "10001",
  zendeskUserName: "Ada Admin",
  zendeskUserRole: "admin",
  ...over,
});
const history = (type: HistoryEvent["type"], over: Partial<HistoryEvent> = {}): HistoryEvent => ({
  type,
  connectionId: "c1",
  workspaceId: "w1",
  subdomain: "acme",
  ...over,
});
const at = new Date("2026-01-01T00:00:00Z");
const typeOf = (event: HistoryEvent, r: ConnectionSnapshot | null = row()) =>
  webhookEventFor(event, r, at)?.type ?? null;

describe("webhookEventFor (connection history → host-app webhooks)", () => {
  it("maps state changes and leaves routine history out", () => {
    expect(typeOf(history("connected"))).toBe("connection.created");
    expect(typeOf(history("reconnected"))).toBe("connection.reconnected");
    expect(typeOf(history("scopes_changed"))).toBe("connection.permissions_changed");
    expect(typeOf(history("needs_reconnect"), row({ status: "needs_reconnect" }))).toBe("connection.needs_reconnect");
    expect(typeOf(history("refreshed", { data: { recoveredFromError: true } }))).toBe("connection.recovered");
    expect(typeOf(history("refreshed", { data: { recoveredFromError: false } }))).toBeNull();
    for (const routine of ["test_succeeded", "test_failed", "revocation_failed"] as const)
      expect(typeOf(history(routine))).toBeNull();
  });

  it("a refresh failure is news only while transient; a revocation only when Zendesk revoked the connection", () => {
    expect(typeOf(history("refresh_failed"), row({ status: "error" }))).toBe("connection.refresh_failed");
    expect(typeOf(history("refresh_failed"), row({ status: "needs_reconnect" }))).toBeNull();
    expect(typeOf(history("revoked"), row({ status: "revoked" }))).toBe("connection.revoked");
    // Disconnect's own revocation is reported by connection.disconnected.
    expect(typeOf(history("revoked"), row({ status: "active" }))).toBeNull();
  });

  it("builds the documented body: identifiers, state, user, codes and reasons; nothing else", () => {
    const event = webhookEventFor(
      history("refresh_failed", {
        detail: "ignored when the row has its error",
        data: { attempts: 3, failure: { kind: "server_error", status: 503 }, trigger: "keep_alive" },
      }),
      row({ status: "error", lastError: "Zendesk answered 503".padEnd(900, ".") }),
      at,
    );
    expect(event).toEqual({
      type: "connection.refresh_failed",
      timestamp: "2026-01-01T00:00:00.000Z",
      data: {
        connection_id: "c1",
        workspace_id: "w1",
        subdomain: "acme",
        status: "error",
        scopes: ["read"],
        zendesk_user: { id: "10001", name: "Ada Admin", role: "admin" },
        error_code: "server_error",
        reason: expect.stringMatching(/^Zendesk answered 503\.+…$/),
        attempts: 3,
        next_attempt_at: null,
      },
    });
    expect((event!.data as { reason: string }).reason).toHaveLength(500);
    const disconnected = webhookEventFor(history("disconnected", { data: { revocation: "failed" } }), row(), at);
    expect(disconnected?.data).toMatchObject({ status: "disconnected", revocation: "failed" });
  });
});
