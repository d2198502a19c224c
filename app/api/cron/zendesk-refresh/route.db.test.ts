import { afterEach, describe, expect, it } from "vitest";
import { db } from "@/db";
import { throttles } from "@/db/schema";
import { setupTestDatabase } from "@/testing/database";
import { resetEnvForTests } from "@/config/env";
import * as route from "./route";

setupTestDatabase();

const SECRET = "cron-secret-for-route-tests-0123";
const URL = "http://localhost/api/cron/zendesk-refresh";

describe("/api/cron/zendesk-refresh", () => {
  afterEach(() => {
    delete process.env.CRON_SECRET;
    resetEnvForTests();
  });

  it("exports exactly GET (Vercel Cron) and POST", () => {
    const methods = Object.keys(route).filter((k) => /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$/.test(k));
    expect(methods.sort()).toEqual(["GET", "POST"]);
  });

  it.each(["GET", "POST"] as const)("%s checks the bearer secret the same way", async (method) => {
    const call = (authorization?: string) =>
      route[method](new Request(URL, { method, headers: authorization ? { authorization } : {} }));

    expect((await call(`Bearer ${SECRET}`)).status).toBe(503);
    process.env.CRON_SECRET = SECRET;
    resetEnvForTests();
    expect((await call()).status).toBe(401);
    expect((await call(`Bearer ${SECRET}x`)).status).toBe(401);
    expect((await call(`Basic ${SECRET}`)).status).toBe(401);
    const refused = await call("Bearer wrong-secret");
    expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="cron"');

    // A stale throttle row: the authorised run prunes it along with the keep-alive.
    await db.insert(throttles).values({
      key: `signup:address:test-${method}`,
      attempts: 3,
      lastAttemptAt: new Date(Date.now() - 86_400_000),
      expiresAt: new Date(Date.now() - 3_600_000),
    });
    const response = await call(`Bearer ${SECRET}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ refreshed: 0, failed: 0, retention: { throttles: 1 } });
    expect(JSON.stringify(body)).not.toContain(SECRET);
  });
});
