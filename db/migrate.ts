// `npm run db:migrate`: applies pending migrations (the package's, then the app's) to
// DATABASE_URL, or to the embedded PGlite.
import { closeDatabase, logger } from "@zendesk-connect/next";
import { migrateAll } from "@/db";

try {
  await migrateAll();
  logger.info(`Migrations applied to ${process.env.DATABASE_URL ? "DATABASE_URL" : "the embedded PGlite database"}`);
  await closeDatabase();
} catch (error) {
  logger.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
