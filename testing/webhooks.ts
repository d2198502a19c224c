/**
 * Test fixture for webhooks: a signature-verifying receiver (testing/webhook-receiver.ts) that
 * the app's WEBHOOK_URL/WEBHOOK_SECRET point at, with fast delivery settings. Tests only.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { db } from "@/db";
import { webhookAlerts, webhookMessages } from "@pkg/db/schema";
import { resetEnvForTests } from "@pkg/config/env";
import { startWebhookReceiver, type WebhookReceiver } from "@/testing/webhook-receiver";

const ENV_KEYS = ["WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_TIMEOUT_MS", "WEBHOOK_RETRY_SCHEDULE_SECONDS"] as const;

export const newWebhookSecret = (bytes = 32) => `whsec_${randomBytes(bytes).toString("base64")}`;

export interface ReceiverFixture {
  readonly receiver: WebhookReceiver;
  readonly secrets: string[];
  /** The environment a child process needs to deliver to the same receiver. */
  childEnv(): NodeJS.ProcessEnv;
}

/** Call after setupTestDatabase(): starts the receiver and configures the app to deliver to it. */
export function setupWebhookReceiver(
  options: { secrets?: number; timeoutMs?: number; schedule?: string } = {},
): ReceiverFixture {
  let receiver: WebhookReceiver | undefined;
  const secrets = Array.from({ length: options.secrets ?? 1 }, () => newWebhookSecret());
  const saved: Partial<Record<(typeof ENV_KEYS)[number], string | undefined>> = {};
  beforeAll(async () => {
    receiver = await startWebhookReceiver(secrets);
    for (const key of ENV_KEYS) saved[key] = process.env[key];
    process.env.WEBHOOK_URL = `${receiver.url}/hooks/zendesk`;
    process.env.WEBHOOK_SECRET = secrets.join(" ");
    process.env.WEBHOOK_TIMEOUT_MS = String(options.timeoutMs ?? 2000);
    if (options.schedule) process.env.WEBHOOK_RETRY_SCHEDULE_SECONDS = options.schedule;
    resetEnvForTests();
  });
  beforeEach(async () => {
    receiver!.setMode({ kind: "ok" });
    receiver!.messages.length = 0;
    receiver!.redirectTargetHits = 0;
    receiver!.concurrentDuplicates = 0;
    await db.delete(webhookMessages);
    await db.delete(webhookAlerts);
  });
  afterAll(async () => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    resetEnvForTests();
    await receiver?.stop();
  });
  return {
    get receiver() {
      if (!receiver) throw new Error("the receiver starts in beforeAll");
      return receiver;
    },
    secrets,
    childEnv: () => ({ ...process.env }),
  };
}
