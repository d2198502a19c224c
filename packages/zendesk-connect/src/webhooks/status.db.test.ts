import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { webhookMessages } from "../db/schema.js";
import { resetEnvForTests } from "../config/env.js";
import { setupTestDatabase } from "@/testing/database";
import { setupWebhookReceiver } from "@/testing/webhooks";
import { deliverDueWebhooks } from "./deliver.js";
import { enqueueWebhook } from "./outbox.js";
import { type DeliveryReport, deliveryReport, formatDeliveryReport, sendTestWebhook } from "./status.js";

/*
 * The operator's view of deliveries (`webhooks status`, `webhooks send-test`): what each state
 * counts as, what the table shows, and that the test event really goes out signed.
 */

setupTestDatabase();
// One retry after 5 s: a message fails for good on its second failed attempt.
const fixture = setupWebhookReceiver({ schedule: "5", timeoutMs: 600 });

async function queue(subdomain: string): Promise<string> {
  const id = await db.transaction((tx) =>
    enqueueWebhook(tx, {
      type: "connection.created",
      timestamp: new Date().toISOString(),
      data: { connection_id: null, workspace_id: null, subdomain, status: "active", scopes: ["read"] },
    }),
  );
  if (!id) throw new Error("webhooks should be on");
  return id;
}

/** Spreads creation times so "most recent first" has one answer. */
async function createdAt(id: string, secondsAgo: number) {
  await db
    .update(webhookMessages)
    .set({ createdAt: new Date(Date.now() - secondsAgo * 1000) })
    .where(eq(webhookMessages.id, id));
}

const inAMinute = () => new Date(Date.now() + 60_000);

describe("deliveryReport", () => {
  it("counts each state, newest first, and shows a next retry only for pending messages", async () => {
    fixture.receiver.setMode({ kind: "status", status: 503 });
    const failed = await queue("failed");
    await deliverDueWebhooks();
    await deliverDueWebhooks({ now: inAMinute });
    const retrying = await queue("retrying");
    await deliverDueWebhooks();
    fixture.receiver.setMode({ kind: "status", status: 410 });
    const gone = await queue("gone");
    await deliverDueWebhooks();
    fixture.receiver.setMode({ kind: "ok" });
    const delivered = await queue("delivered");
    await deliverDueWebhooks();
    const waiting = await queue("waiting");
    for (const [i, id] of [failed, retrying, gone, delivered, waiting].entries()) await createdAt(id, 50 - i * 10);

    const report = await deliveryReport();
    expect(report).toMatchObject({ pending: 2, retrying: 1, failed: 1, gone: 1 });
    expect(report.endpoint).toBe(`${fixture.receiver.url}/hooks/zendesk`);
    expect(report.recent.map((r) => r.id)).toEqual([waiting, delivered, gone, retrying, failed]);
    const row = (id: string) => report.recent.find((r) => r.id === id)!;
    expect(row(failed)).toMatchObject({ status: "failed", attempts: 2, lastStatus: 503, nextAttemptAt: null });
    expect(row(retrying)).toMatchObject({ status: "pending", attempts: 1, lastStatus: 503, lastError: "HTTP 503" });
    expect(row(retrying).nextAttemptAt).toBeInstanceOf(Date);
    expect(row(waiting)).toMatchObject({ status: "pending", attempts: 0, lastStatus: null, lastError: null });
    expect(row(waiting).nextAttemptAt).toBeInstanceOf(Date);
    expect(row(gone)).toMatchObject({ status: "gone", attempts: 1, lastStatus: 410, nextAttemptAt: null });
    expect(row(delivered)).toMatchObject({
      type: "connection.created",
      connectionId: null,
      status: "delivered",
      attempts: 1,
      lastStatus: 204,
      nextAttemptAt: null,
    });
    expect(row(delivered).createdAt).toBeInstanceOf(Date);

    expect((await deliveryReport(2)).recent.map((r) => r.id)).toEqual([waiting, delivered]);
  });

  it("an empty outbox counts zero everywhere", async () => {
    expect(await deliveryReport()).toEqual({
      endpoint: `${fixture.receiver.url}/hooks/zendesk`,
      recent: [],
      retrying: 0,
      failed: 0,
      gone: 0,
      pending: 0,
    });
  });

  it("shows the endpoint without its query string (it may carry a key), and says when webhooks are off", async () => {
    const url = process.env.WEBHOOK_URL!;
    try {
      process.env.WEBHOOK_URL = `${url}?key=s3cret-in-query`;
      resetEnvForTests();
      expect((await deliveryReport()).endpoint).toBe(url);
      delete process.env.WEBHOOK_URL;
      const secret = process.env.WEBHOOK_SECRET;
      delete process.env.WEBHOOK_SECRET;
      resetEnvForTests();
      try {
        expect((await deliveryReport()).endpoint).toBeNull();
        await expect(sendTestWebhook()).rejects.toThrow("webhooks are off: set WEBHOOK_URL and WEBHOOK_SECRET");
        expect(await db.select().from(webhookMessages)).toEqual([]);
      } finally {
        process.env.WEBHOOK_SECRET = secret;
      }
    } finally {
      process.env.WEBHOOK_URL = url;
      resetEnvForTests();
    }
  });
});

describe("formatDeliveryReport", () => {
  const at = new Date("2026-12-06T10:00:00.000Z");
  const base: DeliveryReport = {
    endpoint: "https://hooks.example.com/zendesk",
    recent: [],
    retrying: 1,
    failed: 2,
    gone: 3,
    pending: 4,
  };

  it("with no deliveries: the endpoint, the counts and a plain sentence", () => {
    expect(formatDeliveryReport(base)).toBe(
      [
        "Webhook endpoint: https://hooks.example.com/zendesk",
        "Pending: 4 (1 retrying after a failure) · failed: 2 · gone (410): 3",
        "No deliveries yet.",
      ].join("\n"),
    );
    expect(formatDeliveryReport({ ...base, endpoint: null }).split("\n")[0]).toBe(
      "Webhooks are off (set WEBHOOK_URL and WEBHOOK_SECRET).",
    );
  });

  it("a table whose columns fit their widest cell; the last answer is the HTTP status, else the error", () => {
    const report: DeliveryReport = {
      ...base,
      recent: [
        {
          id: "msg_1",
          type: "connection.needs_reconnect",
          connectionId: "c0ffee",
          createdAt: at,
          status: "pending",
          attempts: 2,
          lastStatus: 503,
          lastError: "HTTP 503",
          nextAttemptAt: new Date("2026-12-06T10:05:00.000Z"),
        },
        {
          id: "msg_2",
          type: "webhook.test",
          connectionId: null,
          createdAt: at,
          status: "pending",
          attempts: 1,
          lastStatus: null,
          lastError: "timeout",
          nextAttemptAt: null,
        },
        {
          id: "msg_4",
          type: "connection.created",
          connectionId: null,
          createdAt: at,
          status: "failed",
          attempts: 8,
          lastStatus: 500,
          lastError: "HTTP 500 (after 8 attempts)",
          nextAttemptAt: null,
        },
        {
          id: "msg_3",
          type: "connection.created",
          connectionId: null,
          createdAt: at,
          status: "delivered",
          attempts: 1,
          lastStatus: null,
          lastError: null,
          nextAttemptAt: null,
        },
      ],
    };
    expect(formatDeliveryReport(report).split("\n")).toEqual([
      "Webhook endpoint: https://hooks.example.com/zendesk",
      "Pending: 4 (1 retrying after a failure) · failed: 2 · gone (410): 3",
      "",
      "time                      event                       connection  state      attempts  last answer  next retry",
      "2026-12-06T10:00:00.000Z  connection.needs_reconnect  c0ffee      pending    2         HTTP 503     2026-12-06T10:05:00.000Z",
      "2026-12-06T10:00:00.000Z  webhook.test                -           pending    1         timeout      -",
      "2026-12-06T10:00:00.000Z  connection.created          -           failed     8         HTTP 500     -",
      "2026-12-06T10:00:00.000Z  connection.created          -           delivered  1         -            -",
    ]);
  });
});

describe("sendTestWebhook", () => {
  it("queues a webhook.test event and delivers it now, signed, and reports the answer", async () => {
    const result = await sendTestWebhook();
    expect(result).toEqual({
      id: expect.stringMatching(/^msg_[0-9a-f]{32}$/),
      status: "delivered",
      lastStatus: 204,
      lastError: null,
    });
    const [message] = fixture.receiver.verified();
    expect(message).toMatchObject({ id: result.id, answered: 204 });
    expect(message!.payload).toMatchObject({
      type: "webhook.test",
      data: { message: "A test event from Zendesk Connect: your endpoint received and can verify it." },
    });
    const [row] = await db.select().from(webhookMessages).where(eq(webhookMessages.id, result.id));
    expect(row).toMatchObject({ type: "webhook.test", status: "delivered", attempts: 1 });
  });

  it("an endpoint that fails leaves the test event queued for retry and says how it failed", async () => {
    fixture.receiver.setMode({ kind: "status", status: 500 });
    const result = await sendTestWebhook();
    expect(result).toMatchObject({ status: "pending", lastStatus: 500, lastError: "HTTP 500" });
    expect(fixture.receiver.messages).toHaveLength(1);
  });
});
