import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/testing/database";
import { connectTestConnection, expireAccessToken, grantCount, setupZendeskSimulator } from "@/testing/zendesk";
import { getAccessToken, newLeaseHolder, refreshIfDue } from "./lifecycle.js";
import { setLocalTimeouts, tryLease } from "./lease.js";
import { eq, sql } from "drizzle-orm";
import { db } from "../db/index.js";
import { zendeskConnections } from "../db/schema.js";
import { refreshDueConnections } from "./keep-alive.js";
import { deliverDueWebhooks } from "../webhooks/deliver.js";
import { enqueueWebhook } from "../webhooks/outbox.js";
import { setupWebhookReceiver } from "@/testing/webhooks";
import { disconnectConnection } from "../connect/disconnect.js";

/*
 * Rows another session holds locked (an older version, another tool, a runner mid-claim) are
 * skipped at once, never waited for. A claim never takes a second pooled connection while its
 * transaction holds one (issue #22): with keep-alive concurrency at or above the pool size (10),
 * claims of locked rows that each waited for another connection would drain the pool until
 * Postgres cut their transactions off.
 */

setupTestDatabase();
const fixture = setupZendeskSimulator();

/**
 * Runs `body` while another session (an older version, another tool, a runner mid-claim) holds
 * `ids`' rows of `table` locked FOR UPDATE for `holdMs`; `released()` says whether it has let go
 * yet. The lock is always held its full time and given back before this returns.
 */
async function whileLocked(
  table: "zendesk_connections" | "webhook_messages",
  ids: string[],
  holdMs: number,
  body: (released: () => boolean) => Promise<void>,
): Promise<void> {
  const locker = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
  const reserved = await locker.reserve();
  let release: Promise<void> | undefined;
  try {
    await reserved`begin`;
    await reserved`select id from ${reserved(table)} where id in ${reserved(ids)} for update`;
    let released = false;
    release = new Promise((resolve) => setTimeout(resolve, holdMs)).then(async () => {
      released = true;
      await reserved`rollback`;
    });
    await body(() => released);
  } finally {
    await (release ?? reserved`rollback`);
    reserved.release();
    await locker.end();
  }
}

describe("claims of rows another process holds", () => {
  it("12 concurrent keep-alive claims of locked rows all answer busy at once", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i += 1) ids.push((await connectTestConnection(fixture.sim)).connectionId);
    // An older version (or another tool) holds the rows locked.
    await whileLocked("zendesk_connections", ids, 4000, async (released) => {
      // The locks are held 4 s (under the claims' 5 s lock_timeout), then released. A claim that
      // waited (for the lock, or for a second pooled connection while its transaction held one)
      // would finish only after that, and one that got the row would refresh it, not answer busy.
      const statuses = await Promise.all(ids.map((id) => refreshIfDue(id, () => true)));
      // All answered while the locks were still held.
      expect(released()).toBe(false);
      expect(statuses).toEqual(ids.map(() => "busy"));
      expect(await grantCount(fixture.sim, "refresh_token")).toBe(0);
    });
  }, 30_000);
});

describe("a keep-alive run and a row another session holds", () => {
  it("reserves and renews the other due rows at once, skipping the locked one", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { connectionId } = await connectTestConnection(fixture.sim);
      await db
        .update(zendeskConnections)
        .set({ refreshTokenExpiresAt: new Date(Date.now() + 86_400_000) })
        .where(eq(zendeskConnections.id, connectionId));
      ids.push(connectionId);
    }
    await whileLocked("zendesk_connections", [ids[0]!], 4000, async (released) => {
      expect(await refreshDueConnections({ concurrency: 2 })).toMatchObject({ refreshed: 2, failed: 0 });
      expect(released()).toBe(false);
    });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(2);
  }, 30_000);
});

describe("a claim's transaction", () => {
  it("answers busy while another session holds the row's lock: it never queues behind it", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await whileLocked("zendesk_connections", [connectionId], 3000, async (released) => {
      expect(await tryLease(connectionId, newLeaseHolder("disconnect"), 10_000, Date.now())).toBe("busy");
      expect(released()).toBe(false);
    });
  }, 30_000);

  it("is bounded: a stuck statement, lock wait or idle transaction is cut off", async () => {
    const settings = await db.transaction(async (tx) => {
      await setLocalTimeouts(tx);
      // postgres.js answers with the rows themselves (this suite runs on Postgres only).
      const rows = (await tx.execute(
        sql`select current_setting('lock_timeout') as lock, current_setting('statement_timeout') as statement, current_setting('idle_in_transaction_session_timeout') as idle`,
      )) as unknown as { lock: string; statement: string; idle: string }[];
      return rows[0];
    });
    expect(settings).toEqual({ lock: "5s", statement: "10s", idle: "10s" });
  });
});

describe("an on-use renewal and a row another session holds", () => {
  it("is not refused: it polls without queueing behind the lock and renews once the row is free", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireAccessToken(fixture.sim, connectionId);
    await whileLocked("zendesk_connections", [connectionId], 1500, async (released) => {
      // NOWAIT answers 55P03 while the lock is held: "busy", so the caller polls.
      await getAccessToken(connectionId);
      expect(released()).toBe(true);
    });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
  }, 30_000);
});

describe("a disconnect and a row another session holds", () => {
  it("is not refused: it polls without queueing behind the lock and ends the connection once it is free", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    await whileLocked("zendesk_connections", [connectionId], 1500, async (released) => {
      // NOWAIT answers "busy" while the lock is held (55P03); the claim tries again until its deadline.
      expect(await disconnectConnection(connectionId, null)).toMatchObject({ ok: true });
      expect(released()).toBe(true);
    });
    expect(await db.select().from(zendeskConnections).where(eq(zendeskConnections.id, connectionId))).toEqual([]);
  }, 30_000);
});

describe("webhook messages another session holds", () => {
  const webhooks = setupWebhookReceiver({ timeoutMs: 600 });

  it("a delivery run skips a locked message at once and delivers the others", async () => {
    const queue = (n: number) =>
      db.transaction((tx) =>
        enqueueWebhook(tx, {
          type: "webhook.test",
          timestamp: new Date().toISOString(),
          data: { message: `message ${n}` },
        }),
      );
    const [held, free] = [(await queue(1))!, (await queue(2))!];
    await whileLocked("webhook_messages", [held], 3000, async (released) => {
      expect(await deliverDueWebhooks()).toMatchObject({ delivered: 1 });
      // Answered while the lock was still held: the locked message was skipped, not waited for.
      expect(released()).toBe(false);
      expect(webhooks.receiver.messages.map((m) => m.id)).toEqual([free]);
    });
    expect(await deliverDueWebhooks()).toMatchObject({ delivered: 1 });
    expect(webhooks.receiver.messages.map((m) => m.id)).toEqual([free, held]);
  }, 30_000);
});
