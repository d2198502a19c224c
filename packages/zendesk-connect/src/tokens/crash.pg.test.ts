import { eq } from "drizzle-orm";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { zendeskConnections } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { startWorkerProcess } from "@/testing/worker-process";
import { connectTestConnection, grantCount, setupZendeskSimulator, storedConnection } from "@/testing/zendesk";
import { getAccessToken, refreshConnection, TOKEN_REASONS } from "./lifecycle.js";

/*
 * The guarantees of commit-first and the lease, proven with real processes on real Postgres:
 * a process SIGKILLed at the worst moments, and a slow Zendesk that must not hold pooled connections.
 */

setupTestDatabase();
const fixture = setupZendeskSimulator({ httpTimeoutMs: 8000 });

describe("a refreshing process killed", () => {
  it("during its post-commit follow-up (current.json slowed to 6 s): the rotated pair is committed and the next refresh succeeds", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.injectFault({ endpoint: "tokens_current", kind: "delay", delay_ms: 6000 });
    await fixture.sim.control.clearLog();
    const worker = startWorker(connectionId);
    await worker.ready;
    worker.go();
    // Zendesk answered the rotation and the pair is committed, while current.json is still pending.
    await expect
      .poll(async () => (await storedConnection(connectionId)).tokenVersion, { timeout: 10_000, interval: 50 })
      .toBe(2);
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
    await worker.kill();

    const row = await storedConnection(connectionId);
    expect(row).toMatchObject({ status: "active", refreshLeaseHolder: null, refreshInFlightSince: null });
    const next = await refreshConnection(connectionId, { force: true });
    expect(next).toMatchObject({ ok: true, refreshed: true });
    expect(await storedConnection(connectionId)).toMatchObject({ status: "active", tokenVersion: 3 });
    expect(await getAccessToken(connectionId)).toBeTruthy();
  }, 40_000);

  it("between Zendesk's answer and the commit: the next attempt records the loss as lostResponse, never mislabeled", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await fixture.sim.control.injectFault({
      endpoint: "token",
      grant_type: "refresh_token",
      kind: "delay",
      delay_ms: 800,
    });
    await fixture.sim.control.clearLog();
    const worker = startWorker(connectionId);
    await worker.ready;
    worker.go();
    // The worker claimed (lease committed) and is waiting for Zendesk: hold the row so its store waits.
    await expect
      .poll(async () => (await storedConnection(connectionId)).refreshLeaseHolder, { timeout: 10_000, interval: 20 })
      .not.toBeNull();
    const locker = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    const reserved = await locker.reserve();
    await reserved`begin`;
    await reserved`select id from zendesk_connections where id = ${connectionId} for update`;
    try {
      // Zendesk rotated the pair and answered; the worker's commit is blocked behind our lock.
      await expect
        .poll(
          async () =>
            (await fixture.sim.control.requestLog()).entries.filter(
              (e) => e.grant_type === "refresh_token" && e.status === 201,
            ).length,
          { timeout: 10_000, interval: 20 },
        )
        .toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await worker.kill();
    } finally {
      await reserved`rollback`;
      reserved.release();
      await locker.end();
    }
    const after = await storedConnection(connectionId);
    expect(after).toMatchObject({ tokenVersion: 1, status: "active" });
    expect(after.refreshInFlightSince).not.toBeNull();

    // Once the crashed holder's lease has lapsed (the clock moved on), the next attempt knows.
    const later = () => Date.now() + 60_000;
    const next = await refreshConnection(connectionId, { force: true, now: later });
    expect(next).toEqual({ ok: false, code: "needs_reconnect", message: TOKEN_REASONS.lostResponse });
    expect(await storedConnection(connectionId)).toMatchObject({
      status: "needs_reconnect",
      statusReason: TOKEN_REASONS.lostResponse,
    });
  }, 40_000);
});

describe("a slow Zendesk", () => {
  it("12 refreshes waiting on a 3 s token endpoint hold no pooled connection: a plain query still answers at once", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await connectTestConnection(fixture.sim)).connectionId);
    await fixture.sim.control.advanceClock(3700);
    await db.update(zendeskConnections).set({ accessTokenExpiresAt: new Date(Date.now() - 60_000) });
    await fixture.sim.control.injectFault({
      endpoint: "token",
      grant_type: "refresh_token",
      kind: "delay",
      delay_ms: 3000,
      times: 12,
    });
    const started = performance.now();
    const refreshes = Promise.all(ids.map((id) => getAccessToken(id)));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const queryStarted = performance.now();
    await db.select({ id: zendeskConnections.id }).from(zendeskConnections).where(eq(zendeskConnections.id, ids[0]!));
    const queryMs = performance.now() - queryStarted;
    const tokens = await refreshes;
    const totalMs = performance.now() - started;
    expect(new Set(tokens).size).toBe(12);
    // The pool has 10 connections: holding one per refresh would make the query wait ~2.5 s.
    expect(queryMs).toBeLessThan(1000);
    expect(totalMs).toBeGreaterThan(2900);
    console.info(`[measure] postgres: a plain query during 12 slow refreshes took ${Math.round(queryMs)} ms`);
  }, 60_000);
});

/** A child process running testing/refresh-worker.ts. */
function startWorker(connectionId: string) {
  return startWorkerProcess("refresh-worker.ts", [connectionId]);
}
