import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { zendeskSubdomainChecks } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { startWorkerProcess } from "@/testing/worker-process";
import { createTestAccount, endpointCount, setupZendeskSimulator, testSubdomain } from "@/testing/zendesk";
import { preflightSubdomain, type SubdomainVerdict } from "./subdomain-check.js";

/*
 * The form's check and the connect on different instances of the app, one Postgres between
 * them: the connect joins the other process's check in flight, and does not wait on one whose
 * process was SIGKILLed before it could record an answer.
 */

setupTestDatabase();
const fixture = setupZendeskSimulator({ httpTimeoutMs: 2000 });
const ACME = testSubdomain("acme");

async function checkOf(workspaceId: string) {
  const [row] = await db
    .select()
    .from(zendeskSubdomainChecks)
    .where(and(eq(zendeskSubdomainChecks.workspaceId, workspaceId), eq(zendeskSubdomainChecks.subdomain, ACME)));
  return row;
}

async function pendingCheck(workspaceId: string) {
  const row = await checkOf(workspaceId);
  return row !== undefined && row.finishedAt === null;
}

/** Another process checks acme for the workspace, Zendesk holding its answer `delayMs`; returns once the check is pending. */
async function checkInAnotherProcess(workspaceId: string, delayMs: number) {
  await fixture.sim.control.injectFault({ endpoint: "users_me", kind: "delay", delay_ms: delayMs, subdomain: "acme" });
  const worker = startWorkerProcess("subdomain-check-worker.ts", [workspaceId, "acme"]);
  await worker.ready;
  worker.go();
  await expect.poll(() => pendingCheck(workspaceId), { timeout: 10_000 }).toBe(true);
  return worker;
}

describe("the subdomain check across processes", () => {
  it("a connect joins another process's check in flight and asks Zendesk nothing itself", async () => {
    const { workspaceId } = await createTestAccount();
    const worker = await checkInAnotherProcess(workspaceId, 800);
    await expect(preflightSubdomain(workspaceId, ACME)).resolves.toEqual({ ok: true });
    await expect(worker.result<SubdomainVerdict>()).resolves.toEqual({ ok: true });
    expect(await endpointCount(fixture.sim, "users_me")).toBe(1);
  }, 30_000);

  it("a check whose process is SIGKILLed mid-request holds the connect no longer than a pre-flight may take", async () => {
    const { workspaceId } = await createTestAccount();
    const worker = await checkInAnotherProcess(workspaceId, 10_000);
    await worker.kill();
    const killedAt = new Date();
    await expect(preflightSubdomain(workspaceId, ACME)).resolves.toEqual({ ok: true });
    // It waited at most the pre-flight's own timeout (plus a second's grace: 3 s here), then asked
    // for itself: the simulator's log (a request is logged as it is answered) holds the connect's own
    // request only, the dead worker's still being held (10 s, answered to nobody).
    const log = await fixture.sim.control.requestLog();
    expect(log.entries.map((e) => [e.endpoint, e.status, e.fault])).toEqual([["users_me", 200, null]]);
    expect(await checkOf(workspaceId)).toMatchObject({ outcome: "found", startedAt: expect.any(Date) });
    expect((await checkOf(workspaceId))!.startedAt.getTime()).toBeGreaterThanOrEqual(killedAt.getTime());
  }, 30_000);
});
