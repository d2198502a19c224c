import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { zendeskSubdomainChecks } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { startWorkerProcess } from "@/testing/worker-process";
import { createTestAccount, endpointCount, setupZendeskSimulator, testSubdomain } from "@/testing/zendesk";
import { probeTimeoutMs } from "../transport/api.js";
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
    const started = performance.now();
    await expect(preflightSubdomain(workspaceId, ACME)).resolves.toEqual({ ok: true });
    // It waited at most the pre-flight's own timeout (plus a second's grace), then asked for itself
    // (the dead worker's request is still held by the simulator, answered to nobody).
    expect(performance.now() - started).toBeLessThan(probeTimeoutMs() + 1500);
    expect(await checkOf(workspaceId)).toMatchObject({ outcome: "found", startedAt: expect.any(Date) });
    expect((await checkOf(workspaceId))!.startedAt.getTime()).toBeGreaterThanOrEqual(killedAt.getTime());
    expect(await endpointCount(fixture.sim, "users_me")).toBe(1);
  }, 30_000);
});
