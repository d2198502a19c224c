// `npm run mutation [-- <stryker options>]`: Stryker mutates the lifecycle, disconnect and webhook
// code (bench/mutation/stryker.config.mjs) and runs the suites that own it against Postgres
// (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres). Each mutant reruns a
// few test files, thousands of times over: the files copy one migrated template database instead
// of migrating their own (testing/database.ts), which is dropped at the end.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import postgres from "postgres";
import { closeDatabase, migrateAll } from "../db";

const adminUrl = process.env.TEST_DATABASE_URL?.trim() || "postgres://postgres@127.0.0.1:5432/postgres";
const template = `zc_mutation_${randomBytes(4).toString("hex")}`;
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });

// The event recorder numbers its files from 0 and never clears them: a shorter run would leave an
// earlier run's results behind (npm run mutation:survivors reads them all).
rmSync(".data/mutation/events", { recursive: true, force: true });
await admin.unsafe(`create database ${template}`);
let status = 1;
try {
  const url = new URL(adminUrl);
  url.pathname = `/${template}`;
  process.env.DATABASE_URL = url.toString();
  await migrateAll();
  // No session may stay on a template while databases are copied from it.
  await closeDatabase();
  const result = spawnSync("npx", ["stryker", "run", "bench/mutation/stryker.config.mjs", ...process.argv.slice(2)], {
    stdio: "inherit",
    env: {
      ...process.env,
      DATABASE_URL: undefined,
      TEST_DB: "postgres",
      TEST_DATABASE_URL: adminUrl,
      TEST_DATABASE_TEMPLATE: template,
    },
  });
  status = result.status ?? 1;
} finally {
  // Copies whose test was killed on a timeout never ran their own clean-up.
  const copies = await admin<
    { datname: string }[]
  >`select datname from pg_database where datname like ${`${template}\\_%`}`;
  for (const { datname } of copies) await admin.unsafe(`drop database if exists ${datname} with (force)`);
  await admin.unsafe(`drop database if exists ${template} with (force)`);
  await admin.end();
}
process.exit(status);
