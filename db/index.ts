import { env } from "@/config/env";
import { type DatabaseHandle, type Db, openDatabase } from "./client";

export type { Db } from "./client";

// Cached on globalThis so Next's hot reload does not open a second PGlite on the same directory.
const globalForDb = globalThis as unknown as { __zendeskConnectDb?: DatabaseHandle };

/** The process's database handle, opened on first use from configuration. */
export function database(): DatabaseHandle {
  if (!globalForDb.__zendeskConnectDb) {
    const e = env();
    globalForDb.__zendeskConnectDb = openDatabase(
      e.databaseUrl ? { kind: "postgres", url: e.databaseUrl } : { kind: "pglite", dir: e.pgliteDir },
    );
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
 * The one `db` for the rest of the code. Lazy, so importing a module never opens a database
 * (`next build` imports every route).
 */
export const db: Db = new Proxy({} as Db, {
  get(_target, property) {
    const real = database().db as unknown as Record<PropertyKey, unknown>;
    const value = real[property];
    return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(real) : value;
  },
});
