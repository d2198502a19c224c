// `npm test`: every suite. Unit + integration on PGlite; integration again on Postgres when
// TEST_DATABASE_URL is set; then Playwright against one production build with the simulator:
// on PGlite always, and again on Postgres when TEST_DATABASE_URL is set (each in a fresh database).
// A skipped test fails the run: CI must not pass with a test that did not run.
//   --unit-only   skip the end-to-end suites      --e2e-only   only the end-to-end suites
//   --screenshots only README's screenshots (docs/screenshots), through the same build and servers
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chromium } from "@playwright/test";
import type { JSONReport, JSONReportSuite } from "@playwright/test/reporter";
import type { JsonTestResult, JsonTestResults } from "vitest/reporters";
import postgres from "postgres";
import { E2E_ENV } from "../e2e/env";
import { SYSTEM_CHROMIUM } from "../e2e/browser";
import { suiteNotRun } from "./suite-not-run";

const args = new Set(process.argv.slice(2));
const screenshots = args.has("--screenshots");
const runUnit = !args.has("--e2e-only") && !screenshots;
const runE2e = !args.has("--unit-only");
const testDatabaseUrl = process.env.TEST_DATABASE_URL?.trim() || undefined;
const reportDir = path.resolve(".data/test-reports");
mkdirSync(reportDir, { recursive: true });
rmSync(path.join(reportDir, "summary.txt"), { force: true });

interface Tally {
  suite: string;
  passed: number;
  failed: number;
  skipped: number;
  ok: boolean;
  seconds?: number;
  /** Set when the suite did not run at all (and why); it then neither passes nor fails the run. */
  notRun?: string;
  /** The failed tests, named with the first line of why: CI often keeps only the summary. */
  failures?: string[];
}
const tallies: Tally[] = [];

function run(command: string, argv: string[], extraEnv: Record<string, string | undefined>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, argv, { stdio: "inherit", env: { ...process.env, ...extraEnv } });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function timed(fn: () => Promise<Omit<Tally, "seconds">>): Promise<void> {
  const started = performance.now();
  const tally = await fn();
  tallies.push({ ...tally, seconds: Math.round((performance.now() - started) / 100) / 10 });
}

function vitest(suite: string, extraEnv: Record<string, string | undefined>, filters: string[] = []) {
  return timed(async () => {
    const out = path.join(reportDir, `${suite.replace(/\W+/g, "-")}.json`);
    rmSync(out, { force: true });
    const code = await run(
      "npx",
      ["vitest", "run", ...filters, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`],
      extraEnv,
    );
    const report = existsSync(out)
      ? (JSON.parse(readFileSync(out, "utf8")) as VitestReport)
      : { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, testResults: [] };
    const skipped = report.numPendingTests + (report.numTodoTests ?? 0);
    return {
      suite,
      passed: report.numPassedTests,
      failed: report.numFailedTests,
      skipped,
      ok: code === 0 && report.numPassedTests > 0 && skipped === 0,
      failures: report.testResults.flatMap((file) => {
        const failed = file.assertionResults.filter((test) => test.status === "failed");
        // A file that failed outside its tests (an import, a hook) has no failed test to name.
        if (failed.length === 0 && file.status === "failed")
          return [failureLine(file.name, "(the file)", file.message)];
        return failed.map((test) => failureLine(file.name, test.fullName, test.failureMessages?.[0]));
      }),
    };
  });
}

type VitestReport = Pick<JsonTestResults, "numPassedTests" | "numFailedTests" | "numPendingTests" | "numTodoTests"> & {
  testResults: Pick<JsonTestResult, "name" | "status" | "message" | "assertionResults">[];
};

// The terminal colours Playwright puts in its messages.
const TERMINAL_COLOURS = /\u001b\[[0-9;]*m/g;

function failureLine(file: string, title: string, message: string | null | undefined) {
  const why = (message ?? "").replace(TERMINAL_COLOURS, "").trim().split("\n")[0]?.slice(0, 200);
  return `${path.relative(process.cwd(), path.resolve(file))} › ${title}${why ? ` — ${why}` : ""}`;
}

function playwrightFailures(suites: JSONReportSuite[] = []): string[] {
  return suites.flatMap((suite) => [
    ...suite.specs.flatMap((spec) =>
      spec.tests
        .filter((test) => test.status === "unexpected")
        .map((test) => failureLine(`e2e/${spec.file}:${spec.line}`, spec.title, test.results.at(-1)?.error?.message)),
    ),
    ...playwrightFailures(suite.suites),
  ]);
}

/** A throw-away database named for this run on the given server; dropped afterwards. */
async function withPostgresDatabase<T>(serverUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `zc_e2e_${randomBytes(5).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

/**
 * A browser for Playwright: Debian's Chromium (or CHROMIUM_PATH), else Playwright's own, else
 * Playwright's download (short timeout). Returns an error line naming both ways when all fail.
 */
function ensureBrowser(): string | undefined {
  if (existsSync(SYSTEM_CHROMIUM) || existsSync(chromium.executablePath())) return undefined;
  console.log("\nNo browser found for the end-to-end suites: installing Playwright's Chromium…");
  const install = spawnSync("npx", ["playwright", "install", "chromium"], { stdio: "inherit", timeout: 120_000 });
  if (install.status === 0 && existsSync(chromium.executablePath())) return undefined;
  return (
    "No browser for the end-to-end suites: Playwright's download failed (run `npx playwright install chromium` " +
    "where it can reach its CDN) and there is no system Chromium (install Debian's `chromium` package, " +
    `or point CHROMIUM_PATH at one; looked for ${SYSTEM_CHROMIUM}).`
  );
}

async function e2eSuite(backend: "pglite" | "postgres", dbEnv: Record<string, string | undefined>) {
  await timed(async () => {
    const suite = `e2e (${backend})`;
    const seeded = await run("npx", ["tsx", "scripts/seed.ts"], { ...E2E_ENV, ...dbEnv, NODE_ENV: "production" });
    if (seeded !== 0) return { suite: `${suite} seed`, passed: 0, failed: 1, skipped: 0, ok: false };
    const out = path.join(reportDir, `e2e-${backend}.json`);
    rmSync(out, { force: true });
    const code = await run(
      "npx",
      ["playwright", "test", "--reporter=list,json", ...(screenshots ? ["--project=screenshots"] : [])],
      {
        ...dbEnv,
        SCREENSHOTS: screenshots ? "1" : undefined,
        PLAYWRIGHT_JSON_OUTPUT_NAME: out,
        E2E_BACKEND: backend,
      },
    );
    const report = existsSync(out)
      ? (JSON.parse(readFileSync(out, "utf8")) as Pick<JSONReport, "stats" | "suites">)
      : { stats: { expected: 0, unexpected: 0, flaky: 0, skipped: 0 }, suites: [] };
    const stats = report.stats;
    return {
      suite,
      passed: stats.expected + stats.flaky,
      failed: stats.unexpected,
      skipped: stats.skipped,
      ok: code === 0 && stats.expected > 0 && stats.skipped === 0,
      failures: playwrightFailures(report.suites),
    };
  });
}

async function e2e() {
  const noBrowser = ensureBrowser();
  if (noBrowser) {
    console.error(`\n${noBrowser}`);
    process.exit(1);
  }
  const build = await run("npx", ["next", "build"], { ...E2E_ENV, NODE_ENV: "production" });
  if (build !== 0) {
    tallies.push({ suite: "e2e (build)", passed: 0, failed: 1, skipped: 0, ok: false });
    return;
  }
  const pgliteDir = path.resolve(".data/e2e-pglite");
  rmSync(pgliteDir, { recursive: true, force: true });
  await e2eSuite("pglite", { DATABASE_URL: undefined, PGLITE_DIR: pgliteDir });
  if (screenshots) return;
  if (testDatabaseUrl) {
    await withPostgresDatabase(testDatabaseUrl, (url) =>
      e2eSuite("postgres", { DATABASE_URL: url, PGLITE_DIR: undefined }),
    );
  } else notRun("e2e (postgres)");
}

function notRun(suite: string) {
  tallies.push(suiteNotRun(suite, process.env));
}

if (runUnit) {
  await vitest("unit+integration (pglite)", { TEST_DB: "pglite" });
  if (testDatabaseUrl)
    await vitest("integration (postgres)", { TEST_DB: "postgres", TEST_DATABASE_URL: testDatabaseUrl }, [
      ".db.test.",
      ".pg.test.",
    ]);
  else notRun("integration (postgres)");
}
if (runE2e) await e2e();

const lines = tallies.flatMap((t) => {
  if (t.notRun) return [`  ${t.ok ? "--  " : "FAIL"} ${t.suite}: did not run (${t.notRun})`];
  const counts = `${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped${t.skipped > 0 ? " (a skipped test fails the run)" : ""}`;
  return [
    `  ${t.ok ? "ok  " : "FAIL"} ${t.suite}: ${counts} in ${t.seconds}s`,
    ...(t.failures ?? []).map((failure) => `         ✗ ${failure}`),
  ];
});
const passed = tallies.reduce((n, t) => n + t.passed, 0);
const failed = tallies.reduce((n, t) => n + t.failed, 0);
const skipped = tallies.reduce((n, t) => n + t.skipped, 0);
// Kept for .ci/run, which prints it beside lint and format.
writeFileSync(path.join(reportDir, "summary.txt"), `${lines.join("\n")}\n`);
console.log(`\nSummary\n${lines.join("\n")}\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(tallies.every((t) => t.ok) ? 0 : 1);
