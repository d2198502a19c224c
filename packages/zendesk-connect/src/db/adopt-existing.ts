import { readMigrationFiles } from "drizzle-orm/migrator";

/** One SQL statement with positional parameters, answering its rows (either driver). */
export type Query = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

export interface LedgerOptions {
  /** A table the first migration creates (schema-qualified), e.g. "public.zendesk_subdomain_checks". */
  marker: string;
  migrationsFolder: string;
  migrationsTable: string;
  migrationsSchema: string;
}

/**
 * A database set up before this ledger existed: Zendesk Connect 0.1 (the reference app, and hosts
 * that copied its files) created these tables through the host's own Drizzle ledger, and the
 * first migration of this folder is exactly what those migrations built (squashed, column order
 * aside). When the marker table exists and the ledger has nothing at or after that migration, it
 * is recorded as applied, so migrate() goes on from there instead of failing on existing tables.
 * Returns whether it recorded it. A no-op on a new database and on one this ledger already knows.
 */
export async function adoptExistingSchema(query: Query, o: LedgerOptions): Promise<boolean> {
  const [marker] = await query("select to_regclass($1) is not null as present", [o.marker]);
  if (marker?.present !== true) return false;
  const first = readMigrationFiles({ migrationsFolder: o.migrationsFolder })[0];
  if (!first) return false;
  const ledger = `"${o.migrationsSchema}"."${o.migrationsTable}"`;
  // The ledger as Drizzle's migrator creates it, so it takes over from here.
  await query(`create schema if not exists "${o.migrationsSchema}"`);
  await query(`create table if not exists ${ledger} (id serial primary key, hash text not null, created_at bigint)`);
  const [known] = await query(`select count(*)::int as n from ${ledger} where created_at >= $1`, [first.folderMillis]);
  if (Number(known?.n ?? 0) > 0) return false;
  await query(`insert into ${ledger} (hash, created_at) values ($1, $2)`, [first.hash, first.folderMillis]);
  return true;
}
