import { database } from "./index.js";

/**
 * Applies the package's pending migrations to its database (its own ledger table,
 * drizzle.__zendesk_connect_migrations: a host's own Drizzle migrations never see them).
 * Safe to call on every start: applied migrations are skipped.
 */
export async function migrate(): Promise<void> {
  await database().migrate();
}
