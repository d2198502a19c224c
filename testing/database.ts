import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll } from "vitest";
import { closeDatabase, migrateAll } from "@/db";
import { resetEnvForTests } from "@pkg/config/env";

/**
 * Gives the calling test file a fresh, migrated database: in-memory PGlite by default, or a
 * throw-away database on the server of TEST_DATABASE_URL when TEST_DB=postgres.
 * Returns the backend kind once ready.
 */
export function setupTestDatabase(): { kind: () => "postgres" | "pglite" } {
  let dropName: string | undefined;
  let adminUrl: string | undefined;
  let kind: "postgres" | "pglite" = "pglite";

  beforeAll(async () => {
    if (process.env.TEST_DB === "postgres") {
      adminUrl = process.env.TEST_DATABASE_URL;
      if (!adminUrl) throw new Error("TEST_DB=postgres needs TEST_DATABASE_URL");
      // A migrated template (npm run mutation: thousands of short runs) is copied, not migrated
      // again; its copies carry its name, so the run drops the ones a killed test left behind.
      const template = process.env.TEST_DATABASE_TEMPLATE;
      dropName = `${template ?? "zc_test"}_${randomBytes(6).toString("hex")}`;
      const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database ${dropName}${template ? ` template ${template}` : ""}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${dropName}`;
      process.env.DATABASE_URL = url.toString();
      kind = "postgres";
    } else {
      delete process.env.DATABASE_URL;
      process.env.PGLITE_DIR = "memory://";
    }
    resetEnvForTests();
    await closeDatabase();
    if (!(kind === "postgres" && process.env.TEST_DATABASE_TEMPLATE)) await migrateAll();
  });

  afterAll(async () => {
    await closeDatabase();
    if (dropName && adminUrl) {
      const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${dropName} with (force)`);
      await admin.end();
    }
  });

  return { kind: () => kind };
}
