// `npm run bench`: the benchmarks of issue 7 (not part of `npm test`). Starts what it needs — a
// production build in .next-bench, the Zendesk simulator on :4310, the app on :3300, and a
// database: a throw-away one on the server of DATABASE_URL, else embedded PGlite — runs each
// scenario with warm-up and repeated samples, and writes bench/results.md and bench/results.json.
//   --quick        few samples: checks the harness, figures not worth publishing
//   --skip-build   reuse .next-bench when it exists (only after `npm run bench` built it)
//   --out=PREFIX   write PREFIX.md and PREFIX.json instead of bench/results.*
import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeDatabase, database, db } from "@/db";
import { zendeskConnections } from "@/db/schema";
import { inArray } from "drizzle-orm";
import { resetEnvForTests } from "@/config/env";
import { writeReport } from "./report";
import { clientJs } from "./scenarios/client-js";
import { connectCallback } from "./scenarios/connect-callback";
import { refreshStorm } from "./scenarios/refresh-storm";
import { measurePageDataInProcess, settingsPage } from "./scenarios/settings-page";
import { tokenHotPath } from "./scenarios/token-hot-path";
import { BENCH_ENV, FULL, PAGE_SIZES, QUICK } from "./support/config";
import { type BenchDatabase, createBenchDatabase, viaProxy } from "./support/database";
import { addOwnedWorkspaces, type BenchAccount, connectInstances, createBenchAccount } from "./support/fixtures";
import { BenchBrowser, signIn } from "./support/http-client";
import { machineInfo } from "./support/machine";
import { buildApp, hasBuild, type RunningApp, startApp } from "./support/next-server";
import { startPgWireCounter, type WireCounter } from "./support/pg-wire-counter";
import { startBenchSimulator } from "./support/simulator";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const skipBuild = args.includes("--skip-build");
const outPrefix = args.find((a) => a.startsWith("--out="))?.slice("--out=".length) ?? "bench/results";
const sizes = quick ? QUICK : FULL;
const adminUrl = process.env.DATABASE_URL?.trim() || undefined;
const started = performance.now();

const log = (line: string) =>
  console.log(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);

const machine = machineInfo();
const cleanups: (() => Promise<unknown>)[] = [];
async function cleanUp() {
  for (const fn of cleanups.splice(0).reverse())
    await fn().catch((error: unknown) => console.error(`[bench] clean-up: ${(error as Error).message}`));
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  // 1. The production build, with the bench configuration.
  let buildMs: number | null = null;
  if (skipBuild && hasBuild()) log("reusing the build in .next-bench (--skip-build)");
  else {
    log("building the app (next build into .next-bench) ...");
    buildMs = await buildApp(BENCH_ENV);
    log(`built in ${(buildMs / 1000).toFixed(0)} s`);
  }

  // 2. Database and simulator. This process uses the bench configuration from here on.
  const benchDb: BenchDatabase = await createBenchDatabase(adminUrl, machine.pglite);
  cleanups.push(() => benchDb.drop());
  Object.assign(process.env, BENCH_ENV);
  if (benchDb.kind === "postgres") {
    process.env.DATABASE_URL = benchDb.url;
    delete process.env.PGLITE_DIR;
  } else {
    delete process.env.DATABASE_URL;
    process.env.PGLITE_DIR = benchDb.dir;
  }
  resetEnvForTests();
  log(`database: ${benchDb.describe}`);

  const pageConnections = PAGE_SIZES.reduce((n, s) => n + s, 0);
  const sim = await startBenchSimulator(pageConnections);
  cleanups.push(() => sim.stop());
  log(`simulator on ${sim.url} (${pageConnections} extra instances)`);

  // 3. Phase A: this process owns the database (PGlite allows one process at a time).
  await database().migrate();
  const pageAccounts = new Map<number, BenchAccount>();
  let first = 1;
  for (const size of PAGE_SIZES) {
    const account = await createBenchAccount(
      `page-${size}@bench.test`,
      `Bench ${size} connection${size === 1 ? "" : "s"}`,
    );
    await connectInstances(sim, account, first, size);
    first += size;
    pageAccounts.set(size, account);
  }
  const connectAccount = await createBenchAccount("connect@bench.test", "Bench connect");
  const connectWorkspaces = await addOwnedWorkspaces(
    connectAccount.userId,
    sizes.connectWarmup + sizes.connectSamples,
    "Bench connect flow",
  );
  log(
    `fixtures: ${pageConnections} connections in ${PAGE_SIZES.length} workspaces, ${connectWorkspaces.length} empty workspaces`,
  );

  const inProcessPageData = await measurePageDataInProcess(pageAccounts, quick ? 5 : 23);

  log("scenario 1: refresh storm ...");
  const storm = await refreshStorm(sim, sizes, {
    crossProcess: benchDb.kind === "postgres",
    workerEnv: { ...BENCH_ENV, DATABASE_URL: benchDb.kind === "postgres" ? benchDb.url : undefined },
  });
  log(`  ours: ${storm.ours.tokenRequests.join(",")} token request(s); naive: ${storm.naive.tokenRequests.join(",")}`);

  log("scenario 4: token hot path ...");
  const hot = await tokenHotPath(sim, sizes);
  log(
    `  ${hot.ours.medianCallsPerSecond} calls/s (bare read ${hot.baseline.medianCallsPerSecond}), ${hot.ours.dbRoundTripsPerCall} round-trips/call`,
  );
  await closeDatabase();

  // 4. Phase B: the production server (on Postgres, behind the statement counter).
  let wire: WireCounter | null = null;
  let serverDbEnv: Record<string, string | undefined>;
  if (benchDb.kind === "postgres") {
    wire = await startPgWireCounter({ host: benchDb.host, port: benchDb.port });
    const counter = wire;
    cleanups.push(() => counter.close());
    serverDbEnv = { DATABASE_URL: viaProxy(benchDb.url, wire.port), PGLITE_DIR: undefined };
  } else {
    serverDbEnv = { DATABASE_URL: undefined, PGLITE_DIR: benchDb.dir };
  }
  log("starting next start on :3300 ...");
  const app: RunningApp = await startApp({ ...BENCH_ENV, ...serverDbEnv });
  cleanups.push(() => app.stop());

  const browsers = new Map<number, BenchBrowser>();
  for (const size of PAGE_SIZES) {
    const browser = new BenchBrowser();
    await signIn(browser, app.url, pageAccounts.get(size)!.email);
    browsers.set(size, browser);
  }
  log("scenario 3: settings page scaling ...");
  const page = await settingsPage(app.url, browsers, inProcessPageData, wire, sizes);
  log(`  ${page.sizes.map((s) => `${s.connections}: ${s.total.median} ms`).join(", ")}`);

  log("scenario 2: connect callback ...");
  const connectBrowser = new BenchBrowser();
  await signIn(connectBrowser, app.url, connectAccount.email);
  const connect = await connectCallback(sim, app.url, connectBrowser, connectWorkspaces, sizes);
  log(
    `  callback ${connect.callback.total.median} ms (own ${connect.callback.own.median} ms); bare ${connect.baseline.total.median} ms (own ${connect.baseline.own.median} ms)`,
  );

  log("scenario 5: client JavaScript ...");
  const js = await clientJs(app.url, browsers.get(1)!, "/settings/integrations", "/bench-empty-page");
  log(`  ${js.page.gzipBytes} B gzip vs ${js.empty.gzipBytes} B for the empty page`);

  await app.stop();

  // 5. Phase C: check what the connect flows stored (PGlite is free again).
  const stored = await db
    .select({ id: zendeskConnections.id })
    .from(zendeskConnections)
    .where(inArray(zendeskConnections.workspaceId, connectWorkspaces));
  const expectedStored = sizes.connectWarmup + sizes.connectSamples;
  if (stored.length !== expectedStored)
    throw new Error(`the connect flows stored ${stored.length} connections, expected ${expectedStored}`);
  await closeDatabase();
  await cleanUp();

  mkdirSync(path.dirname(outPrefix), { recursive: true });
  const written = writeReport(outPrefix, {
    generatedAt: new Date().toISOString(),
    quick,
    durationSeconds: Math.round((performance.now() - started) / 1000),
    buildSeconds: buildMs === null ? null : Math.round(buildMs / 1000),
    machine,
    loadAverageAtEnd: os.loadavg().map((v) => Math.round(v * 100) / 100),
    database: { kind: benchDb.kind, version: benchDb.serverVersion },
    storm,
    connect,
    page,
    hot,
    js,
  });
  log(`wrote ${written.join(" and ")}`);
} catch (error) {
  console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await closeDatabase().catch(() => {});
  await cleanUp();
  process.exitCode = 1;
}
