import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/testing/database";
import { db } from "./db/index.js";
import { dispatch } from "./routes/handlers.js";
import { healthCheck } from "./health.js";
import type { ZendeskHost } from "./host.js";

setupTestDatabase();

const nobody: ZendeskHost = {
  currentMember: async () => null,
  canManage: async () => false,
  signInPath: (returnTo) => `/login?returnTo=${encodeURIComponent(returnTo)}`,
};

const get = (path: string) => dispatch("GET", new Request(`http://localhost:3000/api/zendesk-connect${path}`), nobody);

describe("GET {basePath}/health", () => {
  it("answers 200 {status: ok}, uncached, to an anonymous caller when the database is migrated", async () => {
    const response = await get("/health");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("is unavailable when a host check fails (the host's own migrations)", async () => {
    expect(await healthCheck({ checks: [async () => true] })).toBe("ok");
    expect(await healthCheck({ checks: [async () => false] })).toBe("unavailable");
  });

  it("answers 503 {status: unavailable} and nothing more while a package migration is pending", async () => {
    // Forget the newest applied migration: the database is now one behind the shipped journal.
    await db.execute(
      sql`delete from drizzle.__zendesk_connect_migrations where created_at = (select max(created_at) from drizzle.__zendesk_connect_migrations)`,
    );
    const response = await get("/health");
    expect(response.status).toBe(503);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ status: "unavailable" });
  });
});
