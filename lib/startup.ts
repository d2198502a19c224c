import { ConfigError as PackageConfigError, database, describeDatabaseUrl, logger } from "@zendesk-connect/next";
import { migrateAll } from "@/db";
import { appEnv, ConfigError } from "@/config/env";

/**
 * Everything a server process checks before it serves: configuration, database reachability,
 * pending migrations (the package's, then the app's). Throws an Error whose message is one
 * line naming the problem.
 */
export async function prepareServer(): Promise<void> {
  const e = appEnv();
  const handle = database();
  try {
    await handle.ping();
  } catch (error) {
    const url = process.env.DATABASE_URL?.trim();
    const where = url
      ? `DATABASE_URL (${describeDatabaseUrl(url)})`
      : `PGLITE_DIR (${process.env.PGLITE_DIR ?? ".data/pglite"})`;
    throw new Error(`cannot open the database at ${where}: ${reasonOf(error)}`);
  }
  if (e.migrateOnStart) {
    await migrateAll();
  }
}

/** Runs prepareServer and, on failure, prints one line and exits: a bad start must not serve. */
export async function prepareServerOrExit(): Promise<void> {
  try {
    await prepareServer();
  } catch (error) {
    const config = error instanceof ConfigError || error instanceof PackageConfigError;
    logger.fatal(
      `${config ? "Configuration error" : "Start-up failed"}: ${error instanceof Error ? error.message : String(error)}`,
    );
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
