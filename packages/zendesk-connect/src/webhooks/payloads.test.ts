import { describe, expect, it } from "vitest";
import { type ConnectionSnapshot, type HistoryEvent, WEBHOOK_EVENT_TYPES, webhookEventFor } from "./payloads.js";

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

describe("webhookEventFor, field by field", () => {
  const data = (event: HistoryEvent, r: ConnectionSnapshot | null = row()) =>
    webhookEventFor(event, r, at)!.data as Record<string, unknown>;

  it("without a row (deleted in the same transaction): unknown status, no scopes, no user", () => {
    expect(webhookEventFor(history("connected"), null, at)).toEqual({
      type: "connection.created",
      timestamp: "2026-01-01T00:00:00.000Z",
      data: {
        connection_id: "c1",
        workspace_id: "w1",
        subdomain: "acme",
        status: "unknown",
        scopes: [],
        zendesk_user: { id: null, name: null, role: null },
      },
    });
    // Without a row a refresh failure is still news; a revocation is not (Disconnect reports it).
    expect(typeOf(history("refresh_failed"), null)).toBe("connection.refresh_failed");
    expect(typeOf(history("revoked"), null)).toBeNull();
    // A verdict without a row takes its reason from the event; a renewal without data is routine.
    expect(data(history("needs_reconnect", { detail: "Refused." }), null)).toMatchObject({
      status: "unknown",
      reason: "Refused.",
    });
    expect(typeOf(history("refreshed"))).toBeNull();
    expect(typeOf(history("refresh_failed"), row({ status: "revoked" }))).toBeNull();
  });

  it("copies the scopes rather than sharing the row's array", () => {
    const r = row({ grantedScopes: ["read", "write"] });
    const scopes = data(history("connected"), r).scopes as string[];
    expect(scopes).toEqual(["read", "write"]);
    expect(scopes).not.toBe(r.grantedScopes);
  });

  it("a verdict carries Zendesk's OAuth error as its code, else the kind of failure, and the row's reason", () => {
    const verdict = (failure: unknown, over: Partial<ConnectionSnapshot> = {}, detail?: string) =>
      data(
        history("needs_reconnect", { detail, data: { failure } }),
        row({ status: "needs_reconnect", statusReason: "Zendesk refused the refresh token.", ...over }),
      );
    expect(verdict({ kind: "refused", error: "invalid_grant" })).toEqual({
      connection_id: "c1",
      workspace_id: "w1",
      subdomain: "acme",
      status: "needs_reconnect",
      scopes: ["read"],
      zendesk_user: { id: "10001", name: "Ada Admin", role: "admin" },
      error_code: "invalid_grant",
      reason: "Zendesk refused the refresh token.",
    });
    // Only a plain OAuth error code is passed on; anything else falls back to the kind.
    expect(verdict({ kind: "refused", error: "Invalid_Grant" }).error_code).toBe("refused");
    expect(verdict({ kind: "refused", error: "a".repeat(65) }).error_code).toBe("refused");
    expect(verdict({ kind: "refused", error: "x".repeat(64) }).error_code).toBe("x".repeat(64));
    expect(verdict({ kind: "refused", error: "invalid grant" }).error_code).toBe("refused");
    expect(verdict({ kind: "refused", error: 400 }).error_code).toBe("refused");
    expect(verdict({ kind: 7 })).not.toHaveProperty("error_code");
    expect(verdict("invalid_grant")).not.toHaveProperty("error_code");
    expect(verdict(null)).not.toHaveProperty("error_code");
    // The row's reason first; the event's detail when the row has none; no reason at all otherwise.
    expect(verdict(undefined, { statusReason: null }, "From the event.").reason).toBe("From the event.");
    expect(verdict(undefined, { statusReason: null })).not.toHaveProperty("reason");
    expect(verdict(undefined, { statusReason: "" })).not.toHaveProperty("reason");
    const revoked = data(
      history("revoked", { data: { failure: { kind: "invalid_token" } } }),
      row({ status: "revoked", statusReason: "Revoked in Zendesk." }),
    );
    expect(revoked).toMatchObject({ status: "revoked", error_code: "invalid_token", reason: "Revoked in Zendesk." });
  });

  it("a reason is cut to 500 characters, ending with an ellipsis, only when longer", () => {
    const reasonOf = (reason: string) =>
      data(history("needs_reconnect"), row({ status: "needs_reconnect", statusReason: reason })).reason as string;
    expect(reasonOf("r".repeat(500))).toBe("r".repeat(500));
    expect(reasonOf("r".repeat(501))).toBe(`${"r".repeat(499)}…`);
  });

  it("a refresh failure: attempts counted (1 when not), the next attempt as ISO text or null, the event's detail without a row error", () => {
    const failed = (eventData: Record<string, unknown>, lastError: string | null = null) =>
      data(
        history("refresh_failed", { detail: "Zendesk timed out.", data: eventData }),
        row({ status: "error", lastError }),
      );
    expect(failed({})).toMatchObject({ attempts: 1, next_attempt_at: null, reason: "Zendesk timed out." });
    expect(failed({})).not.toHaveProperty("error_code");
    expect(failed({ attempts: 4 }).attempts).toBe(4);
    expect(failed({ attempts: "4" }).attempts).toBe(1);
    expect(failed({ nextAttemptAt: "2026-01-01T01:00:00.000Z" }).next_attempt_at).toBe("2026-01-01T01:00:00.000Z");
    expect(failed({ nextAttemptAt: new Date("2026-01-01T02:00:00Z") }).next_attempt_at).toBe(
      "2026-01-01T02:00:00.000Z",
    );
    expect(failed({ nextAttemptAt: 1_767_229_200_000 }).next_attempt_at).toBeNull();
    expect(failed({ failure: { kind: "timeout" } }, "Zendesk did not answer.")).toMatchObject({
      error_code: "timeout",
      reason: "Zendesk did not answer.",
    });
  });

  it("permissions changed: the scopes gained and lost, strings only", () => {
    expect(
      data(history("scopes_changed", { data: { added: ["write", 3, null], removed: ["tickets:read"] } })),
    ).toMatchObject({
      added_scopes: ["write"],
      removed_scopes: ["tickets:read"],
    });
    const none = data(history("scopes_changed", { data: { added: "write" } }));
    expect(none).toMatchObject({ added_scopes: [], removed_scopes: [] });
    expect(none).not.toHaveProperty("reason");
  });

  it("disconnected: what happened to the token, not_needed unless revoked or failed", () => {
    const revocation = (value: unknown) => data(history("disconnected", { data: { revocation: value } })).revocation;
    expect(revocation("revoked")).toBe("revoked");
    expect(revocation("failed")).toBe("failed");
    expect(revocation("not_needed")).toBe("not_needed");
    expect(revocation("something else")).toBe("not_needed");
    expect(revocation(undefined)).toBe("not_needed");
    // The connection is gone, whatever the row still said in the transaction.
    expect(data(history("disconnected"), row({ status: "active" })).status).toBe("disconnected");
  });

  it("the other events carry only the common fields", () => {
    for (const [type, status] of [
      ["connected", "active"],
      ["reconnected", "active"],
      ["refreshed", "active"],
    ] as const) {
      const body = data(
        history(type, { data: { recoveredFromError: true, failure: { kind: "timeout" }, attempts: 2 } }),
        row({ status, statusReason: "x", lastError: "y" }),
      );
      expect(Object.keys(body).sort()).toEqual([
        "connection_id",
        "scopes",
        "status",
        "subdomain",
        "workspace_id",
        "zendesk_user",
      ]);
    }
  });

  it("lists the eight connection event types a host app subscribes to", () => {
    expect(WEBHOOK_EVENT_TYPES).toEqual([
      "connection.created",
      "connection.reconnected",
      "connection.permissions_changed",
      "connection.refresh_failed",
      "connection.needs_reconnect",
      "connection.revoked",
      "connection.recovered",
      "connection.disconnected",
    ]);
  });
});
