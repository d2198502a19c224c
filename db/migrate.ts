// `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded PGlite.
import { closeDatabase, database } from "@/db";
import { describeDatabaseUrl } from "@/db/client";
import { env } from "@/config/env";

try {
  const e = env();
  const handle = database();
  await handle.migrate();
  console.log(
    `Migrations applied to ${e.databaseUrl ? describeDatabaseUrl(e.databaseUrl) : `PGlite at ${e.pgliteDir}`}`,
  );
  await closeDatabase();
} catch (error) {
  console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
