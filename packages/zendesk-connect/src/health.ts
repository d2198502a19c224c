import { readMigrationFiles } from "drizzle-orm/migrator";
import { sql } from "drizzle-orm";
import { database } from "./db/index.js";
import { migrationsFolder, PACKAGE_LEDGER } from "./db/client.js";
import { logger } from "./telemetry/log.js";

/*
 * Health for load balancers and uptime checks: healthy when the database answers and the
 * package's migrations (its ledger against the journal it ships) are all applied — a process
 * whose code is ahead of its schema must not take traffic. Anonymous callers learn nothing else:
 * the body is {"status":"ok"} or {"status":"unavailable"}; the reason goes to the log.
 */

export type HealthStatus = "ok" | "unavailable";

export interface HealthCheckOptions {
  /** Further checks of the host (its own migrations: ledgerIsCurrent(…)); each resolves true when healthy. */
  checks?: ReadonlyArray<() => Promise<boolean>>;
  /** Past this the answer is "unavailable" (default 3000 ms): a hung database must not hang the probe. */
  timeoutMs?: number;
}

/** Whether every migration in `folder`'s journal is recorded in the ledger (Drizzle's rule: newest created_at ≥ newest migration). */
export async function ledgerIsCurrent(folder: string, ledger: { schema: string; table: string }): Promise<boolean> {
  const shipped = readMigrationFiles({ migrationsFolder: folder });
  if (shipped.length === 0) return true;
  const newest = Math.max(...shipped.map((m) => m.folderMillis));
  const result = await database().db.execute(
    sql.raw(`select max(created_at) as last from "${ledger.schema}"."${ledger.table}"`),
  );
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { last: unknown }[];
  const last = rows[0]?.last;
  return last !== null && last !== undefined && Number(last) >= newest;
}

/** The package's own migrations are all applied. */
export function packageMigrationsCurrent(): Promise<boolean> {
  return ledgerIsCurrent(migrationsFolder(), PACKAGE_LEDGER);
}

/** "ok" when the database answers, the package's migrations are current and every host check passes. */
export async function healthCheck(options: HealthCheckOptions = {}): Promise<HealthStatus> {
  const checks = [packageMigrationsCurrent, ...(options.checks ?? [])];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), options.timeoutMs ?? 3000);
  });
  const run = async (): Promise<string | null> => {
    await database().ping();
    for (const [index, check] of checks.entries())
      if (!(await check())) return index === 0 ? "package_migrations_pending" : "host_check_failed";
    return null;
  };
  try {
    const outcome = await Promise.race([run(), timeout]);
    if (outcome === null) return "ok";
    logger.warn({ reason: outcome }, "health check: unavailable");
    return "unavailable";
  } catch (error) {
    // A missing ledger table (never migrated) lands here too.
    logger.warn(
      { reason: "database_error", err_name: error instanceof Error ? error.name : "error" },
      "health check: unavailable",
    );
    return "unavailable";
  } finally {
    clearTimeout(timer);
  }
}

/** The health answer: 200 {"status":"ok"} or 503 {"status":"unavailable"}, never cached. */
export function healthResponse(status: HealthStatus): Response {
  return Response.json({ status }, { status: status === "ok" ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
