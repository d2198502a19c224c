import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { db } from "../db/index.js";
import { zendeskConnectionEvents, zendeskConnections } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { resetEnvForTests } from "../config/env.js";
import {
  connectTestConnection,
  endpointCount,
  grantCount,
  SIM_GLOBAL_CLIENT,
  setupZendeskSimulator,
  storedConnection,
} from "@/testing/zendesk";
import { tokenRequest } from "@/testing/oauth";
import { openRefreshToken } from "../store/sealed.js";
import { disconnectConnection } from "../connect/disconnect.js";
import { newLeaseHolder, refreshConnection, refreshIfDue } from "./lifecycle.js";

/*
 * Guards that mutation testing found unpinned (issue #22): the disconnect noticing a renewal that
 * won the race, a keep-alive reservation yielding to a person, and the commit coming before
 * current.json.
 */

const hooks: { beforeRevoke?: () => Promise<void> } = {};

vi.mock("./revoke.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("./revoke.js")>();
  return {
    ...original,
    revokeAccessToken: async (...args: Parameters<typeof original.revokeAccessToken>) => {
      const hook = hooks.beforeRevoke;
      hooks.beforeRevoke = undefined;
      if (hook) await hook();
      return original.revokeAccessToken(...args);
    },
  };
});

setupTestDatabase();
const fixture = setupZendeskSimulator();

afterEach(() => {
  hooks.beforeRevoke = undefined;
});

describe("disconnect", () => {
  it("a renewal that stored while the disconnect's lease had lapsed is reported: the newest token was not revoked", async () => {
    const { connectionId, workspaceId } = await connectTestConnection(fixture.sim);
    hooks.beforeRevoke = async () => {
      // The disconnect's lease lapsed (a slow Zendesk); someone renews meanwhile.
      await db
        .update(zendeskConnections)
        .set({ refreshLeaseExpiresAt: new Date(Date.now() - 1000) })
        .where(eq(zendeskConnections.id, connectionId));
      expect(await refreshConnection(connectionId, { force: true })).toMatchObject({ ok: true, refreshed: true });
    };
    const result = await disconnectConnection(connectionId, null);
    expect(result).toMatchObject({
      ok: true,
      revocation: { status: "failed", reason: expect.stringMatching(/renewed while the disconnect ran/) },
    });
    const events = await db
      .select()
      .from(zendeskConnectionEvents)
      .where(eq(zendeskConnectionEvents.workspaceId, workspaceId));
    expect(events.map((e) => e.type)).toContain("revocation_failed");
    // Said honestly: the renewed pair is still live at Zendesk.
    expect(await fixture.sim.control.tokens({ subdomain: "acme" })).toHaveLength(1);
  });
});

describe("disconnect after a lost answer", () => {
  it("says in the history that the pair of a renewal whose answer was lost may still be live", async () => {
    const { connectionId, workspaceId } = await connectTestConnection(fixture.sim);
    // A renewal timed out after Zendesk rotated: its marker stays, its pair is live and unknown.
    const row = await storedConnection(connectionId);
    await tokenRequest(fixture.sim.instanceUrl("acme"), {
      grant_type: "refresh_token",
      refresh_token: openRefreshToken({ id: row.id, refreshTokenCiphertext: row.refreshTokenCiphertext! }),
      client_id: SIM_GLOBAL_CLIENT.id,
      client_secret: SIM_GLOBAL_CLIENT.secret,
    });
    await db
      .update(zendeskConnections)
      .set({ refreshInFlightSince: new Date(Date.now() - 60_000) })
      .where(eq(zendeskConnections.id, connectionId));

    expect(await disconnectConnection(connectionId, null)).toMatchObject({ ok: true });
    expect(await fixture.sim.control.tokens({ subdomain: "acme" })).toHaveLength(1);
    const events = await db
      .select()
      .from(zendeskConnectionEvents)
      .where(eq(zendeskConnectionEvents.workspaceId, workspaceId));
    expect(events.find((e) => e.data?.lostAnswer === true)).toMatchObject({
      type: "revocation_failed",
      // The admin's way to finish by hand, spelled out in the history.
      detail: expect.stringContaining(
        "Ask a Zendesk admin to list the OAuth tokens (GET /api/v2/oauth/tokens.json) and revoke this one with DELETE /api/v2/oauth/tokens/{id}.json. Until then it stays valid only until it expires; this app no longer holds it.",
      ),
    });
  });
});

describe("a keep-alive reservation", () => {
  it("yields to a person at once, but not to another keep-alive runner", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await db
      .update(zendeskConnections)
      .set({ refreshLeaseHolder: newLeaseHolder("reserve"), refreshLeaseExpiresAt: new Date(Date.now() + 60_000) })
      .where(eq(zendeskConnections.id, connectionId));
    expect(await refreshIfDue(connectionId, () => true)).toBe("busy");
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(0);

    // The reservation lasts a minute, past this test's timeout: a person who waited for it to
    // lapse (or polled for it) would time out or give up with refresh_in_progress instead.
    expect(await refreshConnection(connectionId, { force: true })).toMatchObject({ ok: true, refreshed: true });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
    // The person took the reservation over (and released it): the runner's hold is gone, not lapsed.
    expect(await storedConnection(connectionId)).toMatchObject({ tokenVersion: 2, refreshLeaseHolder: null });
  });
});

describe("commit first", () => {
  it("the rotated pair is committed and returned before current.json answers", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.clearLog();
    // current.json is held 5 s, within an 8 s HTTP timeout: a refresh that waited for it would
    // store its token id; one that returns first finds it unanswered.
    process.env.ZENDESK_HTTP_TIMEOUT_MS = "8000";
    resetEnvForTests();
    try {
      await fixture.sim.control.injectFault({ endpoint: "tokens_current", kind: "delay", delay_ms: 5000 });
      expect(await refreshConnection(connectionId, { force: true })).toMatchObject({ ok: true, refreshed: true });
      const stored = await storedConnection(connectionId);
      expect(stored.tokenVersion).toBe(2);
      // current.json has not named the token yet: it runs after the commit.
      expect(stored.zendeskTokenId).toBeNull();
      // Nor answered (the simulator logs a request as it answers it): the refresh returned first.
      expect(await endpointCount(fixture.sim, "tokens_current")).toBe(0);
    } finally {
      process.env.ZENDESK_HTTP_TIMEOUT_MS = "2000";
      resetEnvForTests();
    }
  });
});
