import type { PGlite } from "@electric-sql/pglite";
import type postgres from "postgres";
import { resetEnvForTests } from "./env.js";

/*
 * Explicit wiring, for hosts that want it. Without configure() the package reads the same
 * environment variables as always (DATABASE_URL or PGLITE_DIR, TOKEN_ENCRYPTION_KEYS, …).
 * Kept on globalThis: Next may load the package into more than one bundle of one process.
 */

export interface ZendeskConnectOptions {
  /**
   * The host's open database client, shared instead of opening another: a postgres.js `Sql`
   * or a PGlite instance. Default: DATABASE_URL (postgres.js), else PGLITE_DIR (PGlite).
   */
  database?: postgres.Sql | PGlite;
  /** Settings by their environment variable names, over process.env (e.g. a secrets manager's values). */
  env?: Record<string, string | undefined>;
}

const slot = globalThis as unknown as { __zendeskConnectOptions?: ZendeskConnectOptions };

/** Sets the package's wiring; call it once, before the first use (a worker's first lines, a host's config module). */
export function configure(options: ZendeskConnectOptions): void {
  const previous = slot.__zendeskConnectOptions;
  slot.__zendeskConnectOptions = { ...previous, ...options, env: { ...previous?.env, ...options.env } };
  resetEnvForTests();
}

export function configuredDatabase(): ZendeskConnectOptions["database"] {
  return slot.__zendeskConnectOptions?.database;
}

/** process.env with configure()'s overrides on top. */
export function settingsSource(): NodeJS.ProcessEnv {
  const overrides = slot.__zendeskConnectOptions?.env;
  return overrides ? { ...process.env, ...overrides } : process.env;
}
