import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema";

/** The one database type the rest of the code sees, whichever backend is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DatabaseTarget = { kind: "postgres"; url: string } | { kind: "pglite"; dir: string };

export interface DatabaseHandle {
  db: Db;
  kind: DatabaseTarget["kind"];
  migrate(): Promise<void>;
  /** Fails fast with a one-line reason when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Queries issued since the handle was opened: for tests and benchmarks that count round-trips. */
  queryCount(): number;
  /** Calls `listener` with each statement's SQL text (never its parameters) until unsubscribed; for tests. */
  onQuery(listener: (sql: string) => void): () => void;
}

const migrationsFolder = path.join(process.cwd(), "db", "migrations");

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

  if (target.kind === "postgres") {
    const sql = postgres(target.url, {
      max: 10,
      connect_timeout: 5,
      onnotice: () => {},
      // Short idle lifetime keeps serverless and test processes from holding connections.
      idle_timeout: 20,
    });
    const db = drizzlePostgres({ client: sql, schema, logger }) as unknown as Db;
    return {
      db,
      kind: "postgres",
      migrate: async () => {
        await migratePostgres(drizzlePostgres({ client: sql }), { migrationsFolder });
      },
      ping: async () => {
        await sql`select 1`;
      },
      close: () => sql.end({ timeout: 5 }),
      queryCount: () => count,
      onQuery,
    };
  }

  const client = target.dir === "memory://" ? new PGlite() : new PGlite(path.resolve(target.dir));
  const db = drizzlePglite({ client, schema, logger }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    migrate: async () => {
      await migratePglite(drizzlePglite({ client }), { migrationsFolder });
    },
    ping: async () => {
      await client.query("select 1");
    },
    close: () => client.close(),
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
