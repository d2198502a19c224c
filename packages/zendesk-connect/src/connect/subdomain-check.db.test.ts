import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { zendeskConnectIntents, zendeskSubdomainChecks } from "../db/schema.js";
import { resetEnvForTests } from "../config/env.js";
import { appZendeskHost } from "@/lib/auth/zendesk-host";
import { setupTestDatabase } from "@/testing/database";
import { createTestAccount, endpointCount, setupZendeskSimulator, testSubdomain } from "@/testing/zendesk";
import { prepareConnect } from "./flow.js";
import { checkSubdomain, preflightSubdomain } from "./subdomain-check.js";

/*
 * The pre-flight shared by the connect form's check and the connect itself: verdicts recorded
 * in the database per workspace and subdomain, a fresh "found" reused, a pending check joined,
 * everything else asked of Zendesk (the simulator over HTTP) again.
 */

setupTestDatabase();
const fixture = setupZendeskSimulator({ httpTimeoutMs: 2000 });
const ACME = testSubdomain("acme");
const UNKNOWN = testSubdomain("no-such-account");

afterEach(() => {
  delete process.env.ZENDESK_SUBDOMAIN_CHECK_TTL_SECONDS;
  resetEnvForTests();
});

async function checkRow(workspaceId: string, label: string) {
  const subdomain = testSubdomain(label);
  const [row] = await db
    .select()
    .from(zendeskSubdomainChecks)
    .where(and(eq(zendeskSubdomainChecks.workspaceId, workspaceId), eq(zendeskSubdomainChecks.subdomain, subdomain)));
  return row;
}

describe("checkSubdomain", () => {
  it("asks Zendesk once and records what it said, found or not", async () => {
    const { workspaceId } = await createTestAccount();
    await expect(checkSubdomain(workspaceId, ACME)).resolves.toEqual({ ok: true });
    await expect(checkSubdomain(workspaceId, UNKNOWN)).resolves.toEqual({ ok: false, code: "unknown_subdomain" });
    expect(await endpointCount(fixture.sim, "users_me")).toBe(2);
    expect(await checkRow(workspaceId, "acme")).toMatchObject({ outcome: "found", finishedAt: expect.any(Date) });
    expect(await checkRow(workspaceId, "no-such-account")).toMatchObject({ outcome: "unknown_subdomain" });
  });

  it("records a Zendesk that fails as that failure, so nobody waits on it", async () => {
    const { workspaceId } = await createTestAccount();
    await fixture.sim.control.injectFault({ endpoint: "users_me", kind: "status", status: 503, subdomain: "acme" });
    await expect(checkSubdomain(workspaceId, ACME)).resolves.toEqual({ ok: false, code: "zendesk_error" });
    expect(await checkRow(workspaceId, "acme")).toMatchObject({
      outcome: "zendesk_error",
      finishedAt: expect.any(Date),
    });
  });
});

describe("preflightSubdomain (the connect's pre-flight)", () => {
  it("reuses the form's fresh 'found' without asking Zendesk again", async () => {
    const { workspaceId } = await createTestAccount();
    await checkSubdomain(workspaceId, ACME);
    await expect(preflightSubdomain(workspaceId, ACME)).resolves.toEqual({ ok: true });
    expect(await endpointCount(fixture.sim, "users_me")).toBe(1);
  });

  it("asks again after a refusal (it may have been fixed since), for another workspace, and past the reuse period", async () => {
    const { workspaceId } = await createTestAccount();
    const other = await createTestAccount();
    await checkSubdomain(workspaceId, UNKNOWN);
    await expect(preflightSubdomain(workspaceId, UNKNOWN)).resolves.toEqual({ ok: false, code: "unknown_subdomain" });
    expect(await endpointCount(fixture.sim, "users_me")).toBe(2);

    await checkSubdomain(workspaceId, ACME);
    await expect(preflightSubdomain(other.workspaceId, ACME)).resolves.toEqual({ ok: true });
    expect(await endpointCount(fixture.sim, "users_me")).toBe(4);

    process.env.ZENDESK_SUBDOMAIN_CHECK_TTL_SECONDS = "60";
    resetEnvForTests();
    await db
      .update(zendeskSubdomainChecks)
      .set({ finishedAt: new Date(Date.now() - 61_000) })
      .where(eq(zendeskSubdomainChecks.workspaceId, workspaceId));
    await expect(preflightSubdomain(workspaceId, ACME)).resolves.toEqual({ ok: true });
    expect(await endpointCount(fixture.sim, "users_me")).toBe(5);
  });

  it("joins a check still in flight: waits for its answer and sends no request of its own", async () => {
    const { workspaceId } = await createTestAccount();
    // Zendesk's answer is held back until the pre-flight has started: no timing to race on.
    await fixture.sim.control.injectFault({ endpoint: "users_me", kind: "delay", delay_ms: 1200, subdomain: "acme" });
    const check = checkSubdomain(workspaceId, ACME);
    await expect.poll(async () => (await checkRow(workspaceId, "acme"))?.startedAt).toBeInstanceOf(Date);
    expect(await checkRow(workspaceId, "acme")).toMatchObject({ outcome: null, finishedAt: null });
    await expect(preflightSubdomain(workspaceId, ACME)).resolves.toEqual({ ok: true });
    expect(await checkRow(workspaceId, "acme")).toMatchObject({ outcome: "found", finishedAt: expect.any(Date) });
    await expect(check).resolves.toEqual({ ok: true });
    // It answered "found" with no request of its own (the simulator logs a request as it answers
    // it, so this is counted once both are done): the check's answer, so it came after it.
    expect(await endpointCount(fixture.sim, "users_me")).toBe(1);
  });

  it("a pending check whose process died is not waited for", async () => {
    const { workspaceId } = await createTestAccount();
    // What a check leaves behind when its process is killed between asking and recording.
    await db.insert(zendeskSubdomainChecks).values({
      workspaceId,
      subdomain: ACME,
      outcome: null,
      startedAt: new Date(Date.now() - 60_000),
      finishedAt: null,
    });
    // Waiting on it would take the probe timeout and the grace (5 s + 1 s here) before asking. A
    // witness request sent first, which the simulator holds 5 s, shows it was not waited for: the
    // connect's own request is answered while the witness is still unanswered.
    process.env.ZENDESK_HTTP_TIMEOUT_MS = "5000";
    resetEnvForTests();
    await fixture.sim.control.injectFault({ endpoint: "users_me", kind: "delay", delay_ms: 5000, subdomain: "globex" });
    const witness = fetch(`${fixture.sim.url}/globex/api/v2/users/me.json`);
    try {
      await expect.poll(async () => (await fixture.sim.control.faults()).length).toBe(0);
      await expect(preflightSubdomain(workspaceId, ACME)).resolves.toEqual({ ok: true });
      const log = await fixture.sim.control.requestLog();
      expect(log.entries.map((e) => [e.subdomain, e.endpoint, e.status])).toEqual([["acme", "users_me", 200]]);
      expect(await checkRow(workspaceId, "acme")).toMatchObject({ outcome: "found" });
    } finally {
      await witness;
      process.env.ZENDESK_HTTP_TIMEOUT_MS = "2000";
      resetEnvForTests();
    }
    // Now answered: the witness was on its way all along.
    expect((await fixture.sim.control.requestLog()).counts.by_endpoint).toEqual({ users_me: 2 });
  });
});

describe("prepareConnect", () => {
  it("refuses an unknown subdomain and keeps no intent for it", async () => {
    const { userId, workspaceId } = await createTestAccount();
    const result = await prepareConnect(
      { userId, workspaceId, subdomain: UNKNOWN, scopes: ["read"], oauthClientId: null },
      appZendeskHost,
    );
    expect(result).toEqual({ ok: false, code: "unknown_subdomain" });
    expect(
      await db.select().from(zendeskConnectIntents).where(eq(zendeskConnectIntents.workspaceId, workspaceId)),
    ).toEqual([]);
  });

  it("after the form found the subdomain, stores the intent without asking Zendesk again", async () => {
    const { userId, workspaceId } = await createTestAccount();
    await checkSubdomain(workspaceId, ACME);
    const result = await prepareConnect(
      { userId, workspaceId, subdomain: ACME, scopes: ["read"], oauthClientId: null },
      appZendeskHost,
    );
    expect(result.ok).toBe(true);
    expect(await endpointCount(fixture.sim, "users_me")).toBe(1);
  });
});
