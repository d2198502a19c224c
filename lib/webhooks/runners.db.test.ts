import { type ChildProcess, spawn } from "node:child_process";
import { inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db";
import { webhookMessages } from "@/db/schema";
import { setupTestDatabase } from "@/db/test/database";
import { enqueueWebhook } from "./outbox";
import { setupWebhookReceiver } from "./test-support";

/*
 * Real processes on one Postgres: `scripts/webhooks-deliver.ts` (what `npm run webhooks:deliver`
 * runs), started with node + tsx directly so SIGKILL reaches the process that holds the leases.
 */

setupTestDatabase();
const hooks = setupWebhookReceiver({ timeoutMs: 2000 });
const onPostgres = process.env.TEST_DB === "postgres";

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
    ["--conditions=react-server", "--import", "tsx", "scripts/webhooks-deliver.ts"],
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

describe.skipIf(!onPostgres)("delivery runners on Postgres (separate processes)", () => {
  it("a runner SIGKILLed mid-delivery loses no event: its leased messages are sent again after the lease", async () => {
    const ids = await queue(20);
    hooks.receiver.setMode({ kind: "slow", delayMs: 1800 });
    const doomed = startRunner();
    // The first batch (8) is in flight at the receiver: kill the runner holding their leases.
    await hooks.receiver.waitFor((r) => r.messages.length >= 8, 30_000);
    doomed.child.kill("SIGKILL");
    expect((await doomed.done).code).toBeNull();
    const inFlightWhenKilled = new Set(hooks.receiver.messages.map((m) => m.id));
    expect(inFlightWhenKilled.size).toBe(8);

    hooks.receiver.setMode({ kind: "ok" });
    // A second runner right away sends the 12 others and leaves the leased 8 alone.
    const second = await startRunner().done;
    expect(second.code, second.stderr).toBe(0);
    expect(deliveredCount(second.stdout)).toBe(12);
    expect(hooks.receiver.concurrentDuplicates).toBe(0);

    // After the lease (1.5 x timeout + 1 s = 4 s) the killed runner's messages are due again.
    const leased = await db
      .select()
      .from(webhookMessages)
      .where(inArray(webhookMessages.id, [...inFlightWhenKilled]));
    const leaseEnd = Math.max(...leased.map((m) => m.leaseExpiresAt!.getTime()));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, leaseEnd - Date.now() + 100)));
    const third = await startRunner().done;
    expect(third.code, third.stderr).toBe(0);
    expect(deliveredCount(third.stdout)).toBe(8);

    const rows = await db.select().from(webhookMessages);
    expect(rows.every((r) => r.status === "delivered")).toBe(true);
    const acknowledged = new Set(hooks.receiver.messages.filter((m) => m.answered === 204).map((m) => m.id));
    expect(acknowledged).toEqual(new Set(ids));
    // The resent ones kept their webhook-id (the host app deduplicates by it).
    for (const id of inFlightWhenKilled) expect(hooks.receiver.messages.filter((m) => m.id === id)).toHaveLength(2);
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
