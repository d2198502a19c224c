import { hostname } from "node:os";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { db } from "../db/index.js";
import { webhookAlerts, webhookMessages } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { deliverDueWebhooks, deliverMessages, formatDeliveryCounts, pruneDeliveredWebhooks } from "./deliver.js";
import { enableInProcessDelivery, scheduleDelivery, settleScheduledDeliveries } from "./kick.js";
import { enqueueConnectionWebhook, enqueueWebhook } from "./outbox.js";
import { resetEnvForTests } from "../config/env.js";
import { setupWebhookReceiver } from "@/testing/webhooks";
import { logger } from "../telemetry/log.js";

setupTestDatabase();
const fixture = setupWebhookReceiver({ secrets: 2, timeoutMs: 600 });

const event = (n = 1) => ({
  type: "connection.created" as const,
  timestamp: new Date().toISOString(),
  data: { connection_id: null, workspace_id: null, subdomain: `acme${n}`, status: "active", scopes: ["read"] },
});

async function queue(n = 1): Promise<string> {
  const id = await db.transaction((tx) => enqueueWebhook(tx, event(n)));
  if (!id) throw new Error("webhooks should be on");
  return id;
}

async function stored(id: string) {
  const [row] = await db.select().from(webhookMessages).where(eq(webhookMessages.id, id));
  return row!;
}

afterEach(() => vi.restoreAllMocks());

describe("webhook delivery", () => {
  it("delivers once, signed with both rotation secrets, and marks the message delivered", async () => {
    const id = await queue();
    expect(await deliverDueWebhooks()).toMatchObject({ delivered: 1, retrying: 0 });
    const [message] = fixture.receiver.messages;
    expect(message).toMatchObject({ id, answered: 204, verifiedWith: [true, true] });
    expect(message!.signature.split(" ")).toHaveLength(2);
    expect(await stored(id)).toMatchObject({ status: "delivered", attempts: 1, lastStatus: 204, leaseHolder: null });
    expect(await deliverDueWebhooks()).toMatchObject({ delivered: 0 });
    expect(fixture.receiver.messages).toHaveLength(1);
  });

  it("after a 500 retries the same webhook-id and body once the backoff has passed", async () => {
    fixture.receiver.setMode({ kind: "fail_once" });
    const id = await queue();
    const t0 = Date.now();
    expect(await deliverDueWebhooks()).toMatchObject({ delivered: 0, retrying: 1 });
    const failed = await stored(id);
    expect(failed).toMatchObject({ status: "pending", attempts: 1, lastStatus: 500, lastError: "HTTP 500" });
    expect(failed.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(t0 + 5000);
    // Not due yet: nothing is sent.
    expect(await deliverDueWebhooks()).toMatchObject({ delivered: 0, retrying: 0 });
    const later = () => new Date(Date.now() + 6000);
    expect(await deliverDueWebhooks({ now: later })).toMatchObject({ delivered: 1 });
    const [first, second] = fixture.receiver.messages;
    expect(first).toMatchObject({ id, answered: 500 });
    expect(second).toMatchObject({ id, answered: 204, body: first!.body });
    expect(second!.verifiedWith).toEqual([true, true]);
    expect(await stored(id)).toMatchObject({ status: "delivered", attempts: 2, lastStatus: 204 });
  });

  it("410 Gone stops the message for good", async () => {
    fixture.receiver.setMode({ kind: "status", status: 410 });
    const id = await queue();
    expect(await deliverDueWebhooks()).toMatchObject({ gone: 1 });
    expect(await deliverDueWebhooks({ now: () => new Date(Date.now() + 86_400_000 * 2) })).toMatchObject({
      delivered: 0,
      retrying: 0,
    });
    expect(fixture.receiver.messages).toHaveLength(1);
    expect(await stored(id)).toMatchObject({ status: "gone", lastStatus: 410 });
  });

  it("never follows a redirect: a 3xx is a failed attempt", async () => {
    fixture.receiver.setMode({ kind: "redirect" });
    const id = await queue();
    expect(await deliverDueWebhooks()).toMatchObject({ retrying: 1 });
    expect(fixture.receiver.redirectTargetHits).toBe(0);
    expect(await stored(id)).toMatchObject({ lastStatus: 302, lastError: "HTTP 302: redirect not followed" });
  });

  it("an endpoint slower than the timeout is a failed attempt, retried later", async () => {
    fixture.receiver.setMode({ kind: "slow", delayMs: 3000 });
    const id = await queue();
    expect(await deliverDueWebhooks()).toMatchObject({ retrying: 1 });
    // The receiver got the message and was still holding its answer (3 s) when the attempt gave up.
    expect(fixture.receiver.messages).toMatchObject([{ id, answered: null }]);
    expect(await stored(id)).toMatchObject({ status: "pending", lastStatus: null, lastError: "timeout" });
  });

  it("an attempt without an answer clears an earlier attempt's HTTP status: the last error is the timeout", async () => {
    fixture.receiver.setMode({ kind: "status", status: 500 });
    const id = await queue();
    expect(await deliverDueWebhooks()).toMatchObject({ retrying: 1 });
    expect(await stored(id)).toMatchObject({ lastStatus: 500, lastError: "HTTP 500" });
    fixture.receiver.setMode({ kind: "slow", delayMs: 3000 });
    expect(await deliverDueWebhooks({ now: () => new Date(Date.now() + 6000) })).toMatchObject({ retrying: 1 });
    expect(await stored(id)).toMatchObject({ status: "pending", attempts: 2, lastStatus: null, lastError: "timeout" });
  });

  it("follows the backoff schedule, then gives up after 8 attempts over more than 24 hours", async () => {
    // Attempts run on the app's clock; the receiver's 5-minute timestamp tolerance refuses the
    // later ones (400), which is a failure like the 500 it is asked to answer.
    fixture.receiver.setMode({ kind: "status", status: 500 });
    const id = await queue();
    const t0 = Date.now();
    let now = t0;
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 8; attempt++) {
      const counts = await deliverDueWebhooks({ now: () => new Date(now) });
      expect(counts.retrying + counts.failed).toBe(1);
      const row = await stored(id);
      expect(row.attempts).toBe(attempt);
      if (row.status === "failed") break;
      // One millisecond early: not due.
      expect(await deliverDueWebhooks({ now: () => new Date(row.nextAttemptAt.getTime() - 1) })).toMatchObject({
        retrying: 0,
      });
      waits.push(Math.round((row.nextAttemptAt.getTime() - now) / 1000));
      now = row.nextAttemptAt.getTime();
    }
    expect(waits).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect((now - t0) / 3_600_000).toBeGreaterThan(24);
    expect(await stored(id)).toMatchObject({ status: "failed", attempts: 8 });
    expect(fixture.receiver.messages).toHaveLength(8);
    expect(new Set(fixture.receiver.messages.map((m) => m.id))).toEqual(new Set([id]));
  });

  it("logs one error line an hour while deliveries fail, naming the endpoint and its last status only", async () => {
    fixture.receiver.setMode({ kind: "status", status: 503 });
    const errors = vi.spyOn(logger, "error").mockImplementation(() => {});
    await queue(1);
    await queue(2);
    // Two earlier failures each (the line starts at the third); every run below is due now, on the
    // real clock, so the receiver's timestamp check passes and it answers what it is told.
    const makeDue = (attempts?: number) =>
      db.update(webhookMessages).set({ nextAttemptAt: new Date(), ...(attempts ? { attempts } : {}) });
    await makeDue(2);
    expect(await deliverDueWebhooks()).toMatchObject({ retrying: 2 });
    await makeDue();
    expect(await deliverDueWebhooks()).toMatchObject({ retrying: 2 });
    expect(errors).toHaveBeenCalledTimes(1);
    const [fields, message] = errors.mock.calls[0] as unknown as [Record<string, unknown>, string];
    expect(message).toBe(
      `webhook deliveries to ${fixture.receiver.url}/hooks/zendesk are failing: last answer HTTP 503; 2 message(s) awaiting retry, 0 given up (see npm run webhooks:status)`,
    );
    expect(fields).toMatchObject({ component: "webhooks", last_answer: "HTTP 503", awaiting_retry: 2, given_up: 0 });
    const line = `${JSON.stringify(fields)} ${message}`;
    for (const secret of fixture.secrets) expect(line).not.toContain(secret.slice(6, 20));
    // The limiter is a row in the database (shared by every instance): an hour later, one more line.
    await db.update(webhookAlerts).set({ lastLoggedAt: new Date(Date.now() - 3_600_000 - 1000) });
    await makeDue();
    await deliverDueWebhooks();
    expect(errors).toHaveBeenCalledTimes(2);
  });

  it("a rolled-back transaction leaves no message", async () => {
    await expect(
      db.transaction(async (tx) => {
        await enqueueWebhook(tx, event());
        throw new Error("state change failed");
      }),
    ).rejects.toThrow("state change failed");
    expect(await db.select().from(webhookMessages)).toHaveLength(0);
  });

  it("deliverMessages sends only the given messages", async () => {
    const a = await queue(1);
    const b = await queue(2);
    expect(await deliverMessages([a])).toMatchObject({ delivered: 1 });
    expect(fixture.receiver.messages.map((m) => m.id)).toEqual([a]);
    expect(await stored(b)).toMatchObject({ status: "pending", attempts: 0 });
  });

  it("prunes delivered messages after the retention period (7 days), keeps the rest", async () => {
    const delivered = await queue(1);
    await deliverDueWebhooks();
    fixture.receiver.setMode({ kind: "status", status: 500 });
    const failing = await queue(2);
    await deliverDueWebhooks();
    expect(await pruneDeliveredWebhooks(new Date(Date.now() + 6 * 86_400_000))).toBe(0);
    expect(await pruneDeliveredWebhooks(new Date(Date.now() + 7 * 86_400_000 + 1000))).toBe(1);
    const left = await db.select({ id: webhookMessages.id }).from(webhookMessages);
    expect(left.map((r) => r.id)).toEqual([failing]);
    expect(left.map((r) => r.id)).not.toContain(delivered);
  });

  it("a run claims batch after batch until nothing is due: ten messages, ten deliveries, one each", async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => queue(i)));
    expect(await deliverDueWebhooks()).toEqual({ delivered: 10, retrying: 0, failed: 0, gone: 0, pruned: 0 });
    expect(fixture.receiver.messages.map((m) => m.id).sort()).toEqual([...ids].sort());
  });

  it("a run with no time left claims nothing (a cron request must answer in time)", async () => {
    const id = await queue();
    expect(await deliverDueWebhooks({ maxDurationMs: 0 })).toMatchObject({ delivered: 0, retrying: 0 });
    expect(await stored(id)).toMatchObject({ status: "pending", attempts: 0, leaseHolder: null });
    expect(fixture.receiver.messages).toHaveLength(0);
    expect(await deliverDueWebhooks({ maxDurationMs: 60_000 })).toMatchObject({ delivered: 1 });
  });

  it("a runner stalled after its claim never starts an attempt that could outlive the lease", async () => {
    // Timeout 600 ms, so the lease is 1.5 × 600 + 1000 = 1,900 ms: an attempt may start until 1,300 ms in.
    const stalled = (afterMs: number) => {
      const t0 = Date.now();
      let calls = 0;
      return () => new Date(calls++ === 0 ? t0 : t0 + afterMs);
    };
    const late = await queue(1);
    expect(await deliverDueWebhooks({ now: stalled(1301) })).toMatchObject({ delivered: 0, retrying: 1 });
    expect(fixture.receiver.messages).toHaveLength(0);
    expect(await stored(late)).toMatchObject({
      status: "pending",
      attempts: 1,
      lastStatus: null,
      lastError: "lease too short to send; retried later",
      leaseHolder: null,
    });
    await db.delete(webhookMessages);
    const inTime = await queue(2);
    expect(await deliverDueWebhooks({ now: stalled(1300) })).toMatchObject({ delivered: 1 });
    expect(fixture.receiver.messages.map((m) => m.id)).toEqual([inTime]);
  });

  it("an attempt's result is stored only while the lease is still its own", async () => {
    const holderPattern = new RegExp(
      `^${hostname().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:${process.pid}:[0-9a-f]{8}$`,
    );
    fixture.receiver.setMode({ kind: "slow", delayMs: 300 });
    const takeOver = async (id: string, change: { leaseHolder?: string; attempts?: number }) => {
      const run = deliverDueWebhooks();
      await fixture.receiver.waitFor((r) => r.messages.some((m) => m.id === id));
      const claimed = await stored(id);
      // The holder names the runner's host and process, so an operator can tell who holds a message.
      expect(claimed).toMatchObject({ attempts: 1, leaseHolder: expect.stringMatching(holderPattern) });
      await db.update(webhookMessages).set(change).where(eq(webhookMessages.id, id));
      expect(await run).toEqual({ delivered: 0, retrying: 0, failed: 0, gone: 0, pruned: 0 });
      return { claimed, after: await stored(id) };
    };
    // Another runner took the message over (the lease had expired).
    const a = await queue(1);
    expect((await takeOver(a, { leaseHolder: "another-runner" })).after).toMatchObject({
      status: "pending",
      leaseHolder: "another-runner",
      lastStatus: null,
      deliveredAt: null,
    });
    // This runner claimed it again meanwhile: the older attempt's answer is not this claim's.
    await db.delete(webhookMessages);
    const b = await queue(2);
    const { claimed, after } = await takeOver(b, { attempts: 2 });
    expect(after).toMatchObject({ status: "pending", attempts: 2, leaseHolder: claimed.leaseHolder, lastStatus: null });
  });

  it("tells the operator at once when a message is given up or gone, else from the third failed attempt", async () => {
    const errors = vi.spyOn(logger, "error").mockImplementation(() => {});
    const lastAnswers = () =>
      errors.mock.calls.map((call) => (call[0] as unknown as Record<string, unknown>).last_answer);
    const attemptWith = async (mode: Parameters<typeof fixture.receiver.setMode>[0], earlierAttempts: number) => {
      await db.delete(webhookAlerts);
      fixture.receiver.setMode(mode);
      const id = await queue();
      if (earlierAttempts)
        await db.update(webhookMessages).set({ attempts: earlierAttempts }).where(eq(webhookMessages.id, id));
      await deliverDueWebhooks();
      return id;
    };
    await attemptWith({ kind: "status", status: 503 }, 1);
    expect(errors).not.toHaveBeenCalled();
    // Delivered on its third attempt (a 200 is as good as a 204): nothing to tell.
    expect(await stored(await attemptWith({ kind: "status", status: 200 }, 2))).toMatchObject({
      status: "delivered",
      lastStatus: 200,
      lastError: null,
    });
    expect(errors).not.toHaveBeenCalled();
    expect(await stored(await attemptWith({ kind: "status", status: 410 }, 0))).toMatchObject({
      status: "gone",
      lastError: "410 Gone: the endpoint asked not to retry",
    });
    await attemptWith({ kind: "redirect" }, 2);
    // Every 3xx is a redirect not followed; a 400 is not a redirect.
    expect(await stored(await attemptWith({ kind: "status", status: 300 }, 2))).toMatchObject({
      status: "pending",
      lastError: "HTTP 300: redirect not followed",
    });
    expect(await stored(await attemptWith({ kind: "status", status: 400 }, 2))).toMatchObject({
      status: "pending",
      lastError: "HTTP 400",
    });
    await attemptWith({ kind: "slow", delayMs: 2000 }, 2);
    // The last wait of the schedule used: failed for good, at once.
    expect(await stored(await attemptWith({ kind: "status", status: 500 }, 7))).toMatchObject({
      status: "failed",
      attempts: 8,
      lastError: "HTTP 500 (after 8 attempts)",
    });
    expect(lastAnswers()).toEqual([
      "HTTP 410",
      "HTTP 302 (redirects are not followed)",
      "HTTP 300 (redirects are not followed)",
      "HTTP 400",
      "timeout",
      "HTTP 500",
    ]);
    const [fields, message] = errors.mock.calls.at(-1) as unknown as [Record<string, unknown>, string];
    expect(fields).toMatchObject({ awaiting_retry: 5, given_up: 2 });
    expect(message).toContain("; 5 message(s) awaiting retry, 2 given up (see npm run webhooks:status)");
  });

  it("deliverMessages waits for a message its caller has not committed yet", async () => {
    let inserted!: (id: string) => void;
    const idInTransaction = new Promise<string>((resolve) => (inserted = resolve));
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    const transaction = db.transaction(async (tx) => {
      inserted((await enqueueWebhook(tx, event()))!);
      await committed;
    });
    const id = await idInTransaction;
    const delivering = deliverMessages([id], { waitForCommit: true });
    await new Promise((resolve) => setTimeout(resolve, 150));
    commit();
    await transaction;
    expect(await delivering).toMatchObject({ delivered: 1 });
    expect(fixture.receiver.messages.map((m) => m.id)).toEqual([id]);
  });

  it("deliverMessages leaves a message that is not due, or leased to another runner, to the runners", async () => {
    const later = await queue(1);
    const leased = await queue(2);
    await db
      .update(webhookMessages)
      .set({ nextAttemptAt: new Date(Date.now() + 60_000) })
      .where(eq(webhookMessages.id, later));
    await db
      .update(webhookMessages)
      .set({ leaseHolder: "another-runner", leaseExpiresAt: new Date(Date.now() + 60_000) })
      .where(eq(webhookMessages.id, leased));
    const started = Date.now();
    expect(await deliverMessages([later, leased], { waitForCommit: true })).toMatchObject({ delivered: 0 });
    // Neither is waited for: the waits are for rows not yet visible (10 ms to 3 s).
    expect(Date.now() - started).toBeLessThan(1000);
    expect(fixture.receiver.messages).toHaveLength(0);
    expect(await stored(later)).toMatchObject({ attempts: 0 });
    expect(await deliverMessages([])).toEqual({ delivered: 0, retrying: 0, failed: 0, gone: 0, pruned: 0 });
  });

  it("deliverMessages without waiting leaves a message it cannot see yet to the runners, at once", async () => {
    const id = "msg_committed_later";
    const delivering = deliverMessages([id]);
    // Committed after the call looked: it is not picked up by this call.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await db.insert(webhookMessages).values({ id, type: "webhook.test", body: JSON.stringify(event()) });
    expect(await delivering).toMatchObject({ delivered: 0 });
    expect(await stored(id)).toMatchObject({ status: "pending", attempts: 0 });
    expect(fixture.receiver.messages).toHaveLength(0);
  });

  it("deliverMessages waiting for a message that never commits gives up after its waits (10 ms to 3 s)", async () => {
    let id = "";
    await expect(
      db.transaction(async (tx) => {
        id = (await enqueueWebhook(tx, event()))!;
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await deliverMessages([id], { waitForCommit: true })).toEqual({
      delivered: 0,
      retrying: 0,
      failed: 0,
      gone: 0,
      pruned: 0,
    });
    expect(await db.select().from(webhookMessages)).toHaveLength(0);
  });

  it("formats a run's counts as one line", () => {
    expect(formatDeliveryCounts({ delivered: 1, retrying: 2, failed: 3, gone: 4, pruned: 5 })).toBe(
      "webhooks: 1 delivered, 2 to retry, 3 failed, 4 gone, 5 pruned",
    );
  });
});

describe("the outbox", () => {
  it("stores the event as its body, with its type and the connection and workspace it names", async () => {
    const connectionId = "9b2c7f3e-1d4a-4c55-8e0a-7a1f2b3c4d5e";
    const named = {
      type: "connection.created" as const,
      timestamp: "2026-12-06T10:00:00.000Z",
      data: { ...event().data, connection_id: connectionId, workspace_id: "ws_1" },
    };
    const id = await db.transaction((tx) => enqueueWebhook(tx, named));
    expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(await stored(id!)).toMatchObject({
      type: "connection.created",
      connectionId,
      workspaceId: "ws_1",
      body: JSON.stringify(named),
      status: "pending",
      attempts: 0,
    });
    // Identifiers that are not strings are not stored as such.
    const other = await db.transaction((tx) =>
      enqueueWebhook(tx, {
        type: "webhook.test",
        timestamp: named.timestamp,
        data: { connection_id: 7, workspace_id: 8 },
      }),
    );
    expect(await stored(other!)).toMatchObject({ type: "webhook.test", connectionId: null, workspaceId: null });
  });

  it("a body above 64 KiB keeps the event, its identifiers and state, marked truncated", async () => {
    const huge = {
      type: "connection.needs_reconnect" as const,
      timestamp: "2026-12-06T10:00:00.000Z",
      data: { ...event().data, status: "needs_reconnect", reason: "r".repeat(70_000) },
    };
    const id = await db.transaction((tx) => enqueueWebhook(tx, huge));
    expect(JSON.parse((await stored(id!)).body)).toEqual({
      type: "connection.needs_reconnect",
      timestamp: huge.timestamp,
      data: { connection_id: null, workspace_id: null, subdomain: "acme1", status: "needs_reconnect", truncated: true },
    });
    // 64 KiB exactly is kept whole.
    const padding = 65_536 - JSON.stringify({ ...huge, data: { ...huge.data, reason: "" } }).length;
    const whole = { ...huge, data: { ...huge.data, reason: "r".repeat(padding) } };
    const kept = await db.transaction((tx) => enqueueWebhook(tx, whole));
    expect((await stored(kept!)).body).toBe(JSON.stringify(whole));
  });

  it("maps a history event with the connection as the transaction sees it; routine history queues nothing", async () => {
    const history = { connectionId: null, workspaceId: "ws_1", subdomain: "acme", actorUserId: null };
    const id = await db.transaction((tx) =>
      enqueueConnectionWebhook(tx, { ...history, type: "disconnected", data: { revocation: "revoked" } }),
    );
    expect(JSON.parse((await stored(id!)).body)).toMatchObject({
      type: "connection.disconnected",
      data: { workspace_id: "ws_1", status: "disconnected", revocation: "revoked", scopes: [] },
    });
    // A connection id nobody has: mapped without a row.
    const missing = await db.transaction((tx) =>
      enqueueConnectionWebhook(tx, {
        ...history,
        connectionId: "00000000-0000-4000-8000-000000000000",
        type: "connected",
      }),
    );
    expect(JSON.parse((await stored(missing!)).body).data).toMatchObject({
      status: "unknown",
      zendesk_user: { id: null },
    });
    expect(
      await db.transaction((tx) => enqueueConnectionWebhook(tx, { ...history, type: "test_succeeded" })),
    ).toBeNull();
    expect(await db.select().from(webhookMessages)).toHaveLength(2);
  });

  it("with webhooks off, queues nothing and sends nothing already queued", async () => {
    const queued = await queue();
    const url = process.env.WEBHOOK_URL;
    try {
      delete process.env.WEBHOOK_URL;
      const secret = process.env.WEBHOOK_SECRET;
      delete process.env.WEBHOOK_SECRET;
      resetEnvForTests();
      try {
        expect(await db.transaction((tx) => enqueueWebhook(tx, event()))).toBeNull();
        expect(
          await db.transaction((tx) =>
            enqueueConnectionWebhook(tx, {
              connectionId: null,
              workspaceId: "ws_1",
              subdomain: "acme",
              type: "connected",
            }),
          ),
        ).toBeNull();
        expect(await deliverDueWebhooks()).toMatchObject({ delivered: 0, retrying: 0 });
        expect(await deliverMessages([queued])).toMatchObject({ delivered: 0, retrying: 0 });
      } finally {
        process.env.WEBHOOK_SECRET = secret;
      }
    } finally {
      process.env.WEBHOOK_URL = url;
      resetEnvForTests();
    }
    expect(await db.select().from(webhookMessages)).toHaveLength(1);
    expect(await stored(queued)).toMatchObject({ status: "pending", attempts: 0, leaseHolder: null });
    expect(fixture.receiver.messages).toHaveLength(0);
  });

  it("delivers right after commit only where the process opted in; otherwise the runners do", async () => {
    const left = await queue(1);
    await settleScheduledDeliveries();
    expect(await stored(left)).toMatchObject({ status: "pending", attempts: 0 });
    enableInProcessDelivery();
    try {
      const sent = await queue(2);
      await settleScheduledDeliveries();
      expect(await stored(sent)).toMatchObject({ status: "delivered", attempts: 1 });
      expect(fixture.receiver.messages.map((m) => m.id)).toEqual([sent]);
      // A delivery that fails (here: an id Postgres cannot even read) logs only the kind of error.
      const errors = vi.spyOn(logger, "error").mockImplementation(() => {});
      scheduleDelivery(["msg_\u0000"]);
      await settleScheduledDeliveries();
      expect(errors).toHaveBeenCalledWith(
        { component: "webhooks", err_name: expect.any(String) },
        "immediate webhook delivery failed",
      );
    } finally {
      enableInProcessDelivery(false);
    }
  });
});
