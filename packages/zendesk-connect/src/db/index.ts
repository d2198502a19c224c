import { PGlite } from "@electric-sql/pglite";
import { env } from "../config/env.js";
import { configuredDatabase } from "../config/configure.js";
import { type DatabaseHandle, type Db, openDatabase } from "./client.js";

export type { Db, DatabaseHandle } from "./client.js";

// Cached on globalThis: Next's hot reload, and Next loading the package into more than one
// bundle, must not open a second PGlite on the same directory or a second pool.
const globalForDb = globalThis as unknown as { __zendeskConnectDb?: DatabaseHandle };

/**
 * The process's database handle, opened on first use: the client given to configure(), else
 * DATABASE_URL (postgres.js) or PGLITE_DIR (embedded PGlite).
 */
export function database(): DatabaseHandle {
  if (!globalForDb.__zendeskConnectDb) {
    const given = configuredDatabase();
    if (given) {
      globalForDb.__zendeskConnectDb = openDatabase(
        given instanceof PGlite ? { kind: "pglite-client", client: given } : { kind: "postgres-client", client: given },
      );
    } else {
      const e = env();
      globalForDb.__zendeskConnectDb = openDatabase(
        e.databaseUrl ? { kind: "postgres", url: e.databaseUrl } : { kind: "pglite", dir: e.pgliteDir },
      );
    }
  }
  return globalForDb.__zendeskConnectDb;
}

/** Closes the process's database (scripts and tests); the next use opens it again. */
export async function closeDatabase(): Promise<void> {
  const handle = globalForDb.__zendeskConnectDb;
  globalForDb.__zendeskConnectDb = undefined;
  await handle?.close();
}

/**
 * The one `db` for the rest of the package. Lazy, so importing a module never opens a
 * database (`next build` imports every route).
 */
export const db: Db = new Proxy({} as Db, {
  get(_target, property) {
    const real = database().db as unknown as Record<PropertyKey, unknown>;
    const value = real[property];
    return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(real) : value;
  },
});
