import { type ChildProcess, spawn } from "node:child_process";
import { inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { webhookMessages } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { enqueueWebhook } from "./outbox.js";
import { setupWebhookReceiver } from "@/testing/webhooks";

/*
 * Real processes on one Postgres: `scripts/webhooks-deliver.ts` (what `npm run webhooks:deliver`
 * runs), started with node + tsx directly so SIGKILL reaches the process that holds the leases.
 */

setupTestDatabase();
const hooks = setupWebhookReceiver({ timeoutMs: 4000 });

async function queue(count: number): Promise<string[]> {
  return db.transaction(async (tx) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = await enqueueWebhook(tx, {
        type: "connection.created",
        timestamp: new Date().toISOString(),
        data: { connection_id: null, workspace_id: null, subdomain: `acme${i}`, status: "active", scopes: [] },
      });
      ids.push(id!);
    }
    return ids;
  });
}

function startRunner(): {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
} {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "packages/zendesk-connect/src/cli.ts", "webhooks", "deliver"],
    { env: hooks.childEnv(), stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

const deliveredCount = (stdout: string) => Number(/webhooks: (\d+) delivered/.exec(stdout)?.[1] ?? NaN);

describe("delivery runners on Postgres (separate processes)", () => {
  it("a runner SIGKILLed mid-delivery loses no event: its leased messages are sent again after the lease", async () => {
    const ids = await queue(20);
    hooks.receiver.setMode({ kind: "slow", delayMs: 3000 });
    const doomed = startRunner();
    // The first batch (8) is in flight at the receiver: kill the runner holding their leases.
    await hooks.receiver.waitFor((r) => r.messages.length >= 8, 30_000);
    doomed.child.kill("SIGKILL");
    expect((await doomed.done).code).toBeNull();
    const killedIds = new Set(hooks.receiver.messages.map((m) => m.id));
    expect(killedIds.size).toBe(8);
    const leased = await db
      .select()
      .from(webhookMessages)
      .where(inArray(webhookMessages.id, [...killedIds]));
    expect(leased.every((m) => m.status === "pending" && m.attempts === 1 && m.leaseExpiresAt)).toBe(true);
    const leaseEnd = new Map(leased.map((m) => [m.id, m.leaseExpiresAt!.getTime()]));

    hooks.receiver.setMode({ kind: "ok" });
    // Runners until the queue is empty: the 12 others go at once, the killed runner's 8 only once
    // their lease (1.5 x timeout + 1 s) has run out.
    let delivered = 0;
    for (let run = 0; run < 5 && delivered < 20; run++) {
      const result = await startRunner().done;
      expect(result.code, result.stderr).toBe(0);
      delivered += deliveredCount(result.stdout);
      if (delivered < 20) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(delivered).toBe(20);
    expect(hooks.receiver.concurrentDuplicates).toBe(0);
    const rows = await db.select().from(webhookMessages);
    expect(rows.every((r) => r.status === "delivered")).toBe(true);
    const acknowledged = new Set(hooks.receiver.messages.filter((m) => m.answered === 204).map((m) => m.id));
    expect(acknowledged).toEqual(new Set(ids));
    // Each killed message was sent once more, with its webhook-id, and never before its lease ended.
    for (const id of killedIds) {
      const resent = hooks.receiver.messages.filter((m) => m.id === id);
      expect(resent).toHaveLength(2);
      expect(resent[1]!.receivedAt).toBeGreaterThanOrEqual(leaseEnd.get(id)!);
    }
  }, 90_000);

  it("two runners deliver 100 queued events between them, each once, never one message twice at once", async () => {
    const ids = await queue(100);
    hooks.receiver.setMode({ kind: "slow", delayMs: 600 });
    const [a, b] = await Promise.all([startRunner().done, startRunner().done]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const split = [deliveredCount(a.stdout), deliveredCount(b.stdout)];
    console.info(`[measure] two runners delivered ${split.join(" + ")} of 100`);
    expect(split[0]! + split[1]!).toBe(100);
    expect(Math.min(...split)).toBeGreaterThan(0);
    expect(hooks.receiver.concurrentDuplicates).toBe(0);
    const receivedIds = hooks.receiver.messages.map((m) => m.id);
    expect(receivedIds).toHaveLength(100);
    expect(new Set(receivedIds)).toEqual(new Set(ids));
    expect(hooks.receiver.messages.every((m) => m.verifiedWith[0] && m.answered === 204)).toBe(true);
    const rows = await db.select().from(webhookMessages);
    expect(rows.every((r) => r.status === "delivered" && r.attempts === 1)).toBe(true);
  }, 90_000);
});
