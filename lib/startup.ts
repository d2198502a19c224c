import { database } from "@/db";
import { describeDatabaseUrl } from "@/db/client";
import { ConfigError, env } from "@/config/env";

/**
 * Everything a server process checks before it serves: configuration, database reachability,
 * pending migrations. Throws an Error whose message is one line naming the problem.
 */
export async function prepareServer(): Promise<void> {
  const e = env();
  const handle = database();
  try {
    await handle.ping();
  } catch (error) {
    const where = e.databaseUrl
      ? `DATABASE_URL (${describeDatabaseUrl(e.databaseUrl)})`
      : `PGLITE_DIR (${e.pgliteDir})`;
    throw new Error(`cannot open the database at ${where}: ${reasonOf(error)}`);
  }
  if (e.migrateOnStart) await handle.migrate();
}

/** Runs prepareServer and, on failure, prints one line and exits: a bad start must not serve. */
export async function prepareServerOrExit(): Promise<void> {
  try {
    await prepareServer();
  } catch (error) {
    const prefix = error instanceof ConfigError ? "Configuration error" : "Start-up failed";
    console.error(`${prefix}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    return code && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}
