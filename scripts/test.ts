// `npm test`: every suite. Unit + integration on PGlite; integration again on Postgres when
// TEST_DATABASE_URL is set; then Playwright against a production build with the simulator.
//   --unit-only   skip the end-to-end suite      --e2e-only   only the end-to-end suite
//   --screenshots only README's screenshots (docs/screenshots), through the same build and servers
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { E2E_ENV } from "../e2e/env";

const args = new Set(process.argv.slice(2));
const screenshots = args.has("--screenshots");
const runUnit = !args.has("--e2e-only") && !screenshots;
const runE2e = !args.has("--unit-only");
const testDatabaseUrl = process.env.TEST_DATABASE_URL?.trim() || undefined;
const reportDir = path.resolve(".data/test-reports");
mkdirSync(reportDir, { recursive: true });

interface Tally {
  suite: string;
  passed: number;
  failed: number;
  skipped: number;
  ok: boolean;
}
const tallies: Tally[] = [];

function run(command: string, argv: string[], extraEnv: Record<string, string | undefined>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, argv, { stdio: "inherit", env: { ...process.env, ...extraEnv } });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function vitest(suite: string, extraEnv: Record<string, string | undefined>, filters: string[] = []) {
  const out = path.join(reportDir, `${suite}.json`);
  rmSync(out, { force: true });
  const code = await run(
    "npx",
    ["vitest", "run", ...filters, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`],
    extraEnv,
  );
  const report = existsSync(out)
    ? (JSON.parse(readFileSync(out, "utf8")) as {
        numPassedTests: number;
        numFailedTests: number;
        numPendingTests: number;
      })
    : { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0 };
  tallies.push({
    suite,
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests,
    ok: code === 0 && report.numPassedTests > 0,
  });
}

async function withE2eDatabase<T>(fn: (env: Record<string, string | undefined>) => Promise<T>): Promise<T> {
  if (testDatabaseUrl) {
    const name = `zc_e2e_${randomBytes(5).toString("hex")}`;
    const admin = postgres(testDatabaseUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(testDatabaseUrl);
    url.pathname = `/${name}`;
    try {
      return await fn({ DATABASE_URL: url.toString(), PGLITE_DIR: undefined });
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }
  const dir = path.resolve(".data/e2e-pglite");
  rmSync(dir, { recursive: true, force: true });
  return fn({ DATABASE_URL: undefined, PGLITE_DIR: dir });
}

async function e2e() {
  const build = await run("npx", ["next", "build"], { ...E2E_ENV, NODE_ENV: "production" });
  if (build !== 0) {
    tallies.push({ suite: "e2e (build)", passed: 0, failed: 1, skipped: 0, ok: false });
    return;
  }
  await withE2eDatabase(async (dbEnv) => {
    const seeded = await run("npx", ["tsx", "db/seed.ts"], { ...E2E_ENV, ...dbEnv, NODE_ENV: "production" });
    if (seeded !== 0) {
      tallies.push({ suite: "e2e (seed)", passed: 0, failed: 1, skipped: 0, ok: false });
      return;
    }
    const out = path.join(reportDir, "e2e.json");
    rmSync(out, { force: true });
    const code = await run(
      "npx",
      ["playwright", "test", "--reporter=list,json", ...(screenshots ? ["--project=screenshots"] : [])],
      {
        ...dbEnv,
        SCREENSHOTS: screenshots ? "1" : undefined,
        PLAYWRIGHT_JSON_OUTPUT_NAME: out,
        E2E_BACKEND: dbEnv.DATABASE_URL ? "postgres" : "pglite",
      },
    );
    const stats = existsSync(out)
      ? (
          JSON.parse(readFileSync(out, "utf8")) as {
            stats: { expected: number; unexpected: number; flaky: number; skipped: number };
          }
        ).stats
      : { expected: 0, unexpected: 0, flaky: 0, skipped: 0 };
    tallies.push({
      suite: `e2e (${dbEnv.DATABASE_URL ? "postgres" : "pglite"})`,
      passed: stats.expected + stats.flaky,
      failed: stats.unexpected,
      skipped: stats.skipped,
      ok: code === 0 && stats.expected > 0,
    });
  });
}

if (runUnit) {
  await vitest("unit+integration (pglite)", { TEST_DB: "pglite" });
  if (testDatabaseUrl)
    await vitest("integration (postgres)", { TEST_DB: "postgres", TEST_DATABASE_URL: testDatabaseUrl }, [".db.test."]);
  else console.log("\nTEST_DATABASE_URL is not set: integration tests ran on PGlite only.\n");
}
if (runE2e) await e2e();

console.log("\nSummary");
for (const t of tallies) {
  console.log(`  ${t.ok ? "ok  " : "FAIL"} ${t.suite}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
}
const passed = tallies.reduce((n, t) => n + t.passed, 0);
const failed = tallies.reduce((n, t) => n + t.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(tallies.every((t) => t.ok) ? 0 : 1);
