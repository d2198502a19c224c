/**
 * Upgrading a database Zendesk Connect 0.1 set up (the reference app's migrations 0000–0005,
 * replayed from testing/fixtures/zendesk-connect-0.1 under Drizzle's default ledger): the
 * package's migrate() and the app's migrations take over from it, and keep its data.
 */
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "./client.js";
import { adoptExistingSchema } from "./adopt-existing.js";

const legacyFolder = fileURLToPath(new URL("../../../../testing/fixtures/zendesk-connect-0.1", import.meta.url));
const appFolder = fileURLToPath(new URL("../../../../db/migrations", import.meta.url));

let cleanup: () => Promise<void> = async () => {};
afterAll(() => cleanup());

/** A throw-away database of the suite's kind (a Postgres database of its own, or PGlite in memory). */
async function freshDatabase(): Promise<DatabaseHandle> {
  const adminUrl = process.env.TEST_DB === "postgres" ? process.env.TEST_DATABASE_URL : undefined;
  if (!adminUrl) return openDatabase({ kind: "pglite", dir: "memory://" });
  const name = `zc_adopt_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = openDatabase({ kind: "postgres", url: url.toString() });
  cleanup = async () => {
    await handle.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
  return handle;
}

async function drizzleMigrate(handle: DatabaseHandle, migrationsFolder: string) {
  if (handle.kind === "postgres")
    await migratePostgres(drizzlePostgres({ client: handle.client as postgres.Sql }), { migrationsFolder });
  else await migratePglite(drizzlePglite({ client: handle.client as PGlite }), { migrationsFolder });
}

describe("a database set up by Zendesk Connect 0.1", () => {
  it("is taken over by the package's ledger and the app's squashed migration, its rows kept", async () => {
    const handle = await freshDatabase();
    await drizzleMigrate(handle, legacyFolder);
    const [user] = await handle.query(
      "insert into users (email, name, password_hash) values ('old@example.test', 'Old', 'x') returning id",
    );
    await handle.query(
      "insert into zendesk_connections (workspace_id, subdomain, mode, status, requested_scopes, granted_scopes, access_token_ciphertext, connected_by_user_id) values ('w1', 'acme', 'authorization_code', 'active', '{read}', '{read}', 'sealed', $1)",
      [user!.id],
    );

    await handle.migrate();
    await adoptExistingSchema(handle.query, {
      marker: "public.users",
      migrationsFolder: appFolder,
      migrationsTable: "__drizzle_migrations",
      migrationsSchema: "drizzle",
    });
    await drizzleMigrate(handle, appFolder);
    // Both again: nothing left to apply or adopt.
    await handle.migrate();
    expect(
      await adoptExistingSchema(handle.query, {
        marker: "public.users",
        migrationsFolder: appFolder,
        migrationsTable: "__drizzle_migrations",
        migrationsSchema: "drizzle",
      }),
    ).toBe(false);

    const [connections] = await handle.query("select count(*)::int as n from zendesk_connections");
    expect(connections!.n).toBe(1);
    const [users] = await handle.query("select count(*)::int as n from users");
    expect(users!.n).toBe(1);
    // Migrations after the squash still apply (0001: the keep-alive's job runs).
    const [jobRuns] = await handle.query("select to_regclass('public.zendesk_job_runs') is not null as present");
    expect(jobRuns!.present).toBe(true);
    const ledger = await handle.query("select hash from drizzle.__zendesk_connect_migrations order by id");
    expect(ledger.length).toBeGreaterThanOrEqual(2);
    await handle.close();
  });

  it("leaves a new database to the migrations themselves", async () => {
    const handle = openDatabase({ kind: "pglite", dir: "memory://" });
    await handle.migrate();
    const ledger = await handle.query("select count(*)::int as n from drizzle.__zendesk_connect_migrations");
    const [created] = await handle.query("select count(*)::int as n from zendesk_connections");
    expect(created!.n).toBe(0);
    expect(ledger[0]!.n).toBeGreaterThanOrEqual(2);
    await handle.close();
  });
});
