import { eq } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { env, resetEnvForTests } from "@/config/env";
import { db } from "@/db";
import { memberships } from "@/db/schema";
import { sessionCookieName } from "@/lib/auth/session-cookie";
import { throttleConnect } from "@/lib/throttle/attempts";
import { instanceUrl, zendeskSettings } from "@/lib/zendesk";
import { setupTestDatabase } from "@/testing/database";
import { createTestAccount, endpointCount, setupZendeskSimulator, testSubdomain } from "@/testing/zendesk";

/*
 * The connect form's subdomain check, called as the browser calls it: a real Auth.js session
 * cookie, the simulator over HTTP, the throttle rows in the database. Only next/headers' cookie
 * jar is stood in for (there is no request scope outside Next).
 */

const cookieJar = vi.hoisted(() => ({ cookies: {} as Record<string, string> }));
vi.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) => (name in cookieJar.cookies ? { name, value: cookieJar.cookies[name]! } : undefined),
  }),
}));

const { POST } = await import("./route");

setupTestDatabase();
const fixture = setupZendeskSimulator({ httpTimeoutMs: 2000 });
const ACME = testSubdomain("acme");

async function signIn(userId: string) {
  const salt = sessionCookieName();
  cookieJar.cookies = { [salt]: await encode({ token: { sub: userId }, secret: env().authSecret, salt }) };
}

function check(body: unknown, origin: string | null = env().appUrl) {
  return POST(
    new Request(`${env().appUrl}/api/integrations/zendesk/subdomain-check`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(origin ? { origin } : {}) },
      body: JSON.stringify(body),
    }),
  );
}

beforeEach(() => {
  cookieJar.cookies = {};
});

afterEach(() => {
  delete process.env.THROTTLE_CONNECT_WORKSPACE_ATTEMPTS;
  delete process.env.THROTTLE_SUBDOMAIN_CHECK_ATTEMPTS;
  delete process.env.THROTTLE_BASE_DELAY_SECONDS;
  resetEnvForTests();
});

describe("POST /api/integrations/zendesk/subdomain-check", () => {
  it("answers an owner with Zendesk's verdict and the origin to warm up", async () => {
    const { userId } = await createTestAccount();
    await signIn(userId);
    const found = await check({ subdomain: ` https://${ACME}.zendesk.com/agent ` });
    expect(found.status).toBe(200);
    expect(found.headers.get("cache-control")).toBe("no-store");
    const { origin } = instanceUrl(ACME, zendeskSettings().baseUrlTemplate);
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await found.json()).toEqual({ subdomain: ACME, found: true, origin });

    const unknown = testSubdomain("no-such-account");
    const missing = await check({ subdomain: unknown });
    expect(await missing.json()).toMatchObject({ subdomain: unknown, found: false, code: "unknown_subdomain" });
    expect(await endpointCount(fixture.sim, "users_me")).toBe(2);
  });

  it("refuses, before any trip to Zendesk, no session, a member, another site and a malformed subdomain", async () => {
    expect((await check({ subdomain: ACME })).status).toBe(401);

    const { userId, workspaceId } = await createTestAccount();
    await signIn(userId);
    expect((await check({ subdomain: ACME }, "https://attacker.example")).status).toBe(403);
    const malformed = await check({ subdomain: "not a subdomain!" });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: "invalid_subdomain", message: expect.any(String) });

    await db.update(memberships).set({ role: "member" }).where(eq(memberships.workspaceId, workspaceId));
    const member = await check({ subdomain: ACME });
    expect(member.status).toBe(403);
    expect(await member.json()).toMatchObject({ error: "not_allowed" });
    expect(await endpointCount(fixture.sim, "users_me")).toBe(0);
  });

  it("is refused while the workspace's Connect is throttled, and counts none of its attempts", async () => {
    process.env.THROTTLE_CONNECT_WORKSPACE_ATTEMPTS = "2";
    process.env.THROTTLE_BASE_DELAY_SECONDS = "60"; // a block that outlasts a slow machine's pauses
    resetEnvForTests();
    const { userId, workspaceId } = await createTestAccount();
    await signIn(userId);
    await throttleConnect(workspaceId);
    // One connect used, one left: checking as often as the person types takes none of it.
    for (let i = 0; i < 3; i++) expect((await check({ subdomain: ACME })).status).toBe(200);
    expect(await throttleConnect(workspaceId)).toEqual({ ok: true });

    const refused = await check({ subdomain: ACME });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(50);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toEqual({
      error: "too_many_attempts",
      message: `Too many attempts — try again in ${retryAfter} seconds.`,
    });
    expect(await endpointCount(fixture.sim, "users_me")).toBe(3);
  });

  it("has its own count per user, apart from Connect's", async () => {
    process.env.THROTTLE_SUBDOMAIN_CHECK_ATTEMPTS = "2";
    process.env.THROTTLE_BASE_DELAY_SECONDS = "60";
    resetEnvForTests();
    const { userId, workspaceId } = await createTestAccount();
    await signIn(userId);
    expect((await check({ subdomain: ACME })).status).toBe(200);
    expect((await check({ subdomain: ACME })).status).toBe(200);
    expect((await check({ subdomain: ACME })).status).toBe(429);
    expect(await throttleConnect(workspaceId)).toEqual({ ok: true });
    expect(await endpointCount(fixture.sim, "users_me")).toBe(2);
  });
});
