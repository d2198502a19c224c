import type { PGlite } from "@electric-sql/pglite";
import { adoptExistingSchema, database, ledgerIsCurrent, migrate } from "@zendesk-connect/next";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import path from "node:path";
import type postgres from "postgres";
import * as schema from "./schema";

/*
 * The app's own tables (users, workspaces, memberships) on the one database client of the
 * process: @zendesk-connect/next opens it from DATABASE_URL or PGLITE_DIR (one pool, or one
 * PGlite per data directory) and the app builds its Drizzle instance over the same client.
 */

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

const globalForDb = globalThis as unknown as { __appDb?: { client: unknown; db: Db } };

function appDb(): Db {
  const handle = database();
  if (globalForDb.__appDb?.client !== handle.client) {
    const db =
      handle.kind === "postgres"
        ? (drizzlePostgres({ client: handle.client as postgres.Sql, schema }) as unknown as Db)
        : (drizzlePglite({ client: handle.client as PGlite, schema }) as unknown as Db);
    globalForDb.__appDb = { client: handle.client, db };
  }
  return globalForDb.__appDb.db;
}

/** The app's `db`. Lazy, so importing a module never opens a database (`next build` imports every route). */
export const db: Db = new Proxy({} as Db, {
  get(_target, property) {
    const real = appDb() as unknown as Record<PropertyKey, unknown>;
    const value = real[property];
    return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(real) : value;
  },
});

const migrationsFolder = path.join(process.cwd(), "db", "migrations");

/** Applies the app's own migrations (Drizzle's default ledger; the package keeps its own). */
export async function migrateApp(): Promise<void> {
  const handle = database();
  // A database the app set up before the package had its own migrations: its users table and
  // Drizzle's ledger exist, and the app's (squashed) first migration is recorded as applied.
  await adoptExistingSchema(handle.query, {
    marker: "public.users",
    migrationsFolder,
    migrationsTable: "__drizzle_migrations",
    migrationsSchema: "drizzle",
  });
  if (handle.kind === "postgres")
    await migratePostgres(drizzlePostgres({ client: handle.client as postgres.Sql }), { migrationsFolder });
  else await migratePglite(drizzlePglite({ client: handle.client as PGlite }), { migrationsFolder });
}

/** Whether every migration of the app's own journal is applied (the health route's second check). */
export function appMigrationsCurrent(): Promise<boolean> {
  return ledgerIsCurrent(migrationsFolder, { schema: "drizzle", table: "__drizzle_migrations" });
}

/** Every pending migration of this process's database: the package's, then the app's. */
export async function migrateAll(): Promise<void> {
  await migrate();
  await migrateApp();
}

export { closeDatabase, database } from "@zendesk-connect/next";
