import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema.js";
import { adoptExistingSchema, type Query } from "./adopt-existing.js";

/** The one database type the rest of the code sees, whichever backend is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DatabaseTarget =
  | { kind: "postgres"; url: string }
  | { kind: "pglite"; dir: string }
  /** A client the host already opened (one pool or one PGlite per process, shared with the host's tables). */
  | { kind: "postgres-client"; client: postgres.Sql }
  | { kind: "pglite-client"; client: PGlite };

export interface DatabaseHandle {
  db: Db;
  kind: "postgres" | "pglite";
  /** The driver's client (postgres.js or PGlite): a host may build its own Drizzle instance over it. */
  client: postgres.Sql | PGlite;
  migrate(): Promise<void>;
  /** One SQL statement with positional parameters (either driver); for migrations and health checks. */
  query: Query;
  /** Fails fast with a one-line reason when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Queries issued since the handle was opened: for tests and benchmarks that count round-trips. */
  queryCount(): number;
  /** Calls `listener` with each statement's SQL text (never its parameters) until unsubscribed; for tests. */
  onQuery(listener: (sql: string) => void): () => void;
}

/**
 * The package's migrations ship beside dist/ (and src/): `../../migrations` from either. A
 * bundler (Next) may move this module, so the installed package under the working directory
 * is the fallback.
 */
export function migrationsFolder(): string {
  const candidates = [
    path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "migrations"),
    path.join(process.cwd(), "node_modules", "@zendesk-connect", "next", "migrations"),
  ];
  const found = candidates.find((dir) => existsSync(path.join(dir, "meta", "_journal.json")));
  if (!found) throw new Error("@zendesk-connect/next: its migrations folder is missing from the installed package");
  return found;
}

/**
 * The package's migration ledger (schema and table): its own, so a host's Drizzle migrations
 * (drizzle.__drizzle_migrations) never see these.
 */
export const PACKAGE_LEDGER = { schema: "drizzle", table: "__zendesk_connect_migrations" } as const;

// The newest table of 0.1's migrations marks a database 0.1 set up (adopt-existing.ts).
const LEGACY_MARKER = "public.zendesk_subdomain_checks";

const migrations = () => ({
  migrationsFolder: migrationsFolder(),
  migrationsTable: PACKAGE_LEDGER.table,
  migrationsSchema: PACKAGE_LEDGER.schema,
});

/** Opens a database: postgres.js for a URL, embedded PGlite for a directory (`memory://` for RAM). */
export function openDatabase(target: DatabaseTarget): DatabaseHandle {
  let count = 0;
  const listeners = new Set<(sql: string) => void>();
  const logger = {
    logQuery: (query: string) => {
      count++;
      for (const listener of listeners) listener(query);
    },
  };
  const onQuery = (listener: (sql: string) => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };

  if (target.kind === "postgres" || target.kind === "postgres-client") {
    const owned = target.kind === "postgres";
    const sql =
      target.kind === "postgres"
        ? postgres(target.url, {
            max: 10,
            connect_timeout: 5,
            onnotice: () => {},
            // Short idle lifetime keeps serverless and test processes from holding connections.
            idle_timeout: 20,
          })
        : target.client;
    const db = drizzlePostgres({ client: sql, schema, logger }) as unknown as Db;
    const query: Query = async (text, params = []) =>
      (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as Record<string, unknown>[];
    return {
      db,
      kind: "postgres",
      client: sql,
      query,
      migrate: async () => {
        const config = migrations();
        await adoptExistingSchema(query, { ...config, marker: LEGACY_MARKER });
        await migratePostgres(drizzlePostgres({ client: sql }), config);
      },
      ping: async () => {
        await sql`select 1`;
      },
      // A client the host passed in is the host's to close.
      close: async () => {
        if (owned) await sql.end({ timeout: 5 });
      },
      queryCount: () => count,
      onQuery,
    };
  }

  const owned = target.kind === "pglite";
  const client =
    target.kind === "pglite-client"
      ? target.client
      : target.dir === "memory://"
        ? new PGlite()
        : new PGlite(path.resolve(target.dir));
  const db = drizzlePglite({ client, schema, logger }) as unknown as Db;
  const query: Query = async (text, params = []) =>
    (await client.query<Record<string, unknown>>(text, params as unknown[])).rows;
  return {
    db,
    kind: "pglite",
    client,
    query,
    migrate: async () => {
      const config = migrations();
      await adoptExistingSchema(query, { ...config, marker: LEGACY_MARKER });
      await migratePglite(drizzlePglite({ client }), config);
    },
    ping: async () => {
      await client.query("select 1");
    },
    close: async () => {
      if (owned) await client.close();
    },
    queryCount: () => count,
    onQuery,
  };
}

/** Removes the password from a connection URL so it can appear in a message. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}
