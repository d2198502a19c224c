import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { db } from "../db/index.js";
import { webhookAlerts, webhookMessages } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { deliverDueWebhooks, deliverMessages, pruneDeliveredWebhooks } from "./deliver.js";
import { enqueueWebhook } from "./outbox.js";
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
});
