// `npm run bench`: the benchmarks of issues 7 and 14 (not part of `npm test`). Starts what it
// needs — a production build in .next-bench, the Zendesk simulator on :4310, the app on :3300,
// the tutorial baseline on :3310 (BENCH_SIM_PORT, BENCH_APP_PORT, BENCH_BASELINE_PORT move them),
// Chromium, and a database: a throw-away one on the server of DATABASE_URL, else embedded
// PGlite — runs each scenario with warm-up and repeated samples, and writes bench/results.md and
// bench/results.json.
//   --quick        few samples: checks the harness, figures not worth publishing
//   --skip-build   reuse .next-bench when it exists (only after `npm run bench` built it)
//   --out=PREFIX   write PREFIX.md and PREFIX.json instead of bench/results.*
//   --only=A,B     run only these scenarios (storm, callback, page, hot, js, connect, slow, keepalive, otel, paging); the other
//                  sections of PREFIX.json are kept, marked with the run they come from
import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeDatabase, db, migrateAll } from "@/db";
import { zendeskConnections } from "@pkg/db/schema";
import { inArray } from "drizzle-orm";
import { resetEnvForTests } from "@pkg/config/env";
import { parseOnly, type ReportData, type ScenarioKey, writeReport } from "./report";
import { clientJs } from "./scenarios/client-js";
import { connectInBrowser } from "./scenarios/connect-browser";
import { connectCallback } from "./scenarios/connect-callback";
import { refreshStorm } from "./scenarios/refresh-storm";
import { measurePageDataInProcess, settingsPage } from "./scenarios/settings-page";
import { tokenHotPath } from "./scenarios/token-hot-path";
import { telemetryOverhead } from "./scenarios/telemetry-overhead";
import { launchChromium } from "./support/chromium";
import { BENCH_APP_PORT, BENCH_ENV, BENCH_SIM_PORT, FULL, PAGE_SIZES, QUICK } from "./support/config";
import { keepAliveCostIsolated } from "./scenarios/keep-alive-cost";
import { simulatorPaging } from "./scenarios/simulator-paging";
import { prepareSlowZendesk, SLOW_ZENDESK_APP_ENV, slowZendesk as runSlowZendesk } from "./scenarios/slow-zendesk";
import { type BenchDatabase, createBenchDatabase, viaProxy } from "./support/database";
import { addOwnedWorkspaces, type BenchAccount, connectInstances, createBenchAccount } from "./support/fixtures";
import { BenchBrowser, signIn } from "./support/http-client";
import { machineInfo } from "./support/machine";
import { buildApp, hasBuild, type RunningApp, startApp } from "./support/next-server";
import { startPgWireCounter, type WireCounter } from "./support/pg-wire-counter";
import { startTutorialApp } from "./support/server-process";
import { startBenchSimulator } from "./support/simulator";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const skipBuild = args.includes("--skip-build");
const outPrefix = args.find((a) => a.startsWith("--out="))?.slice("--out=".length) ?? "bench/results";
const only = (() => {
  try {
    return parseOnly(args.find((a) => a.startsWith("--only="))?.slice("--only=".length));
  } catch (error) {
    console.error(`[bench] ${(error as Error).message}`);
    process.exit(2);
  }
})();
const runs = (scenario: ScenarioKey) => only === null || only.has(scenario);
const needsServer = runs("callback") || runs("page") || runs("js") || runs("connect") || runs("slow");
const needsPageAccounts = runs("page") || runs("js");
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
  if (only) log(`only: ${[...only].join(", ")}`);
  if (!needsServer) log("no scenario needs the app server: no build");
  else if (skipBuild && hasBuild()) log("reusing the build in .next-bench (--skip-build)");
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

  // Scenario 7 connects 16 accounts of its own (instances 1-16).
  const pageConnections = Math.max(
    needsPageAccounts ? PAGE_SIZES.reduce((n, s) => n + s, 0) : 0,
    runs("slow") ? 16 : 0,
  );
  const sim = await startBenchSimulator(pageConnections);
  cleanups.push(() => sim.stop());
  log(`simulator on ${sim.url} (${pageConnections} extra instances)`);

  // 3. Phase A: this process owns the database (PGlite allows one process at a time).
  await migrateAll(); // the package's tables and the app's (users, workspaces)
  const pageAccounts = new Map<number, BenchAccount>();
  let first = 1;
  for (const size of needsPageAccounts ? PAGE_SIZES : []) {
    const account = await createBenchAccount(
      `page-${size}@bench.test`,
      `Bench ${size} connection${size === 1 ? "" : "s"}`,
    );
    await connectInstances(sim, account, first, size);
    first += size;
    pageAccounts.set(size, account);
  }
  let connectAccount: BenchAccount | null = null;
  let connectWorkspaces: string[] = [];
  if (runs("callback")) {
    connectAccount = await createBenchAccount("connect@bench.test", "Bench connect");
    connectWorkspaces = await addOwnedWorkspaces(
      connectAccount.userId,
      sizes.connectWarmup + sizes.connectSamples,
      "Bench connect flow",
    );
  }
  // Scenario 6: one owner, a fresh workspace per connect (each one a first connect).
  let browserAccount: BenchAccount | null = null;
  let browserWorkspaces: string[] = [];
  if (runs("connect")) {
    browserAccount = await createBenchAccount("browser@bench.test", "Bench browser connect");
    browserWorkspaces = await addOwnedWorkspaces(
      browserAccount.userId,
      sizes.browserConnectWarmup + sizes.browserConnectSamples,
      "Bench browser connect",
    );
  }
  log(
    `fixtures: ${pageConnections} connections in ${pageAccounts.size} workspaces, ${connectWorkspaces.length + browserWorkspaces.length} empty workspaces`,
  );

  const slowAccount = runs("slow") ? await prepareSlowZendesk(sim, 16) : null;
  const inProcessPageData = runs("page") ? await measurePageDataInProcess(pageAccounts, quick ? 5 : 23) : null;

  let storm: ReportData["storm"];
  if (runs("storm")) {
    log("scenario 1: refresh storm ...");
    storm = await refreshStorm(sim, sizes, {
      crossProcess: benchDb.kind === "postgres",
      workerEnv: { ...BENCH_ENV, DATABASE_URL: benchDb.kind === "postgres" ? benchDb.url : undefined },
    });
    log(
      `  ours: ${storm.ours.tokenRequests.join(",")} token request(s); naive: ${storm.naive.tokenRequests.join(",")}`,
    );
  }

  let hot: ReportData["hot"];
  if (runs("hot")) {
    log("scenario 4: token hot path ...");
    hot = await tokenHotPath(sim, sizes);
    log(
      `  ${hot.ours.medianCallsPerSecond} calls/s (bare read ${hot.baseline.medianCallsPerSecond}), ${hot.ours.dbRoundTripsPerCall} round-trips/call`,
    );
  }
  let telemetry: ReportData["telemetry"];
  if (runs("otel")) {
    log("scenario 9: telemetry overhead ...");
    telemetry = await telemetryOverhead(sim, sizes);
    log(`  tracing on: ${telemetry.hotPath.ratio}× (hot path), ${telemetry.pageData.ratio}× (page data)`);
  }
  await closeDatabase();

  // 4. Phase B: the production server (on Postgres behind the statement counter when the settings
  // page is measured: it is the only scenario that reads it).
  let page: ReportData["page"];
  let connect: ReportData["connect"];
  let js: ReportData["js"];
  let browserConnect: ReportData["browserConnect"];
  let slowZendesk: ReportData["slowZendesk"];
  if (needsServer) {
    let wire: WireCounter | null = null;
    let serverDbEnv: Record<string, string | undefined>;
    if (benchDb.kind === "postgres") {
      if (runs("page")) {
        wire = await startPgWireCounter({ host: benchDb.host, port: benchDb.port });
        const counter = wire;
        cleanups.push(() => counter.close());
      }
      serverDbEnv = { DATABASE_URL: wire ? viaProxy(benchDb.url, wire.port) : benchDb.url, PGLITE_DIR: undefined };
    } else {
      serverDbEnv = { DATABASE_URL: undefined, PGLITE_DIR: benchDb.dir };
    }
    log(`starting next start on :${BENCH_APP_PORT} ...`);
    const app: RunningApp = await startApp({ ...BENCH_ENV, ...serverDbEnv, ...SLOW_ZENDESK_APP_ENV });
    cleanups.push(() => app.stop());

    const browsers = new Map<number, BenchBrowser>();
    for (const [size, account] of pageAccounts) {
      const browser = new BenchBrowser();
      await signIn(browser, app.url, account.email);
      browsers.set(size, browser);
    }
    if (runs("page")) {
      log("scenario 3: settings page scaling ...");
      page = await settingsPage(app.url, browsers, inProcessPageData!, wire, sizes);
      log(`  ${page.sizes.map((s) => `${s.connections}: ${s.total.median} ms`).join(", ")}`);
    }

    if (connectAccount) {
      log("scenario 2: connect callback ...");
      const connectBrowser = new BenchBrowser();
      await signIn(connectBrowser, app.url, connectAccount.email);
      connect = await connectCallback(sim, app.url, connectBrowser, connectWorkspaces, sizes);
      log(
        `  callback ${connect.callback.total.median} ms (own ${connect.callback.own.median} ms); bare ${connect.baseline.total.median} ms (own ${connect.baseline.own.median} ms)`,
      );
    }

    if (slowAccount) {
      log("scenario 7: slow Zendesk isolation ...");
      const slowBrowser = new BenchBrowser();
      await signIn(slowBrowser, app.url, slowAccount.email);
      slowZendesk = await runSlowZendesk(sim, app.url, slowBrowser, {
        refreshes: 16,
        delayMs: 6000,
        samples: quick ? 5 : 30,
      });
      log(
        `  page p50 ${slowZendesk.loaded.median} ms during ${slowZendesk.refreshed} slow refreshes vs ${slowZendesk.idle.median} ms idle`,
      );
    }

    if (runs("js")) {
      log("scenario 5: client JavaScript ...");
      js = await clientJs(app.url, browsers.get(1)!, "/settings/integrations", "/bench-empty-page");
      log(`  ${js.page.gzipBytes} B gzip vs ${js.empty.gzipBytes} B for the empty page`);
    }

    if (browserAccount) {
      log("scenario 6: connect in a browser ...");
      const tutorial = await startTutorialApp(BENCH_ENV);
      cleanups.push(() => tutorial.stop());
      const chromium = await launchChromium();
      cleanups.push(() => chromium.browser.close());
      log(`  ${chromium.describe}; the tutorial app on ${tutorial.url}`);
      browserConnect = await connectInBrowser(
        sim,
        chromium,
        { app: app.url, baseline: tutorial.url },
        { email: browserAccount.email, workspaceIds: browserWorkspaces },
        sizes,
        log,
      );
      log(
        `  whole ${browserConnect.ours.whole.median} ms vs ${browserConnect.baseline.whole.median} ms: ${browserConnect.ratios.whole}×`,
      );
      await chromium.browser.close();
      await tutorial.stop();
    }

    await app.stop();
  }

  // 5. Phase C: check what the connect flows stored (PGlite is free again).
  for (const workspaceIds of [connectWorkspaces, browserWorkspaces]) {
    if (workspaceIds.length === 0) continue;
    const stored = await db
      .select({ id: zendeskConnections.id })
      .from(zendeskConnections)
      .where(inArray(zendeskConnections.workspaceId, workspaceIds));
    if (stored.length !== workspaceIds.length)
      throw new Error(`the connect flows stored ${stored.length} connections, expected ${workspaceIds.length}`);
  }
  await closeDatabase();

  let keepAliveCost: ReportData["keepAliveCost"];
  if (runs("keepalive")) {
    log("scenario 8: keep-alive cost (simulated days) ...");
    keepAliveCost = await keepAliveCostIsolated({ connections: 3, days: 30, intervalMinutes: quick ? 120 : 30 });
    log(
      `  ${keepAliveCost.ours.perConnectionPerDay} rotations/connection/day vs ${keepAliveCost.baseline.perConnectionPerDay}`,
    );
  }
  let paging: ReportData["simulatorPaging"];
  if (runs("paging")) {
    log("scenario 10: simulator paging, 10,000 tickets, page[size]=100 ...");
    paging = await simulatorPaging({ samples: quick ? 2 : 7 });
    log(
      `  ${paging.ours.medianTicketsPerSecond} tickets/s by cursor vs ${paging.baseline.medianTicketsPerSecond} by offset pages (target ${paging.targetTicketsPerSecond})`,
    );
  }
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
    ports: { app: BENCH_APP_PORT, simulator: BENCH_SIM_PORT },
    only: only ? [...only] : null,
    storm,
    connect,
    page,
    hot,
    js,
    browserConnect,
    slowZendesk,
    keepAliveCost,
    telemetry,
    simulatorPaging: paging,
  });
  log(`wrote ${written.join(" and ")}`);
} catch (error) {
  console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await closeDatabase().catch(() => {});
  await cleanUp();
  process.exitCode = 1;
}
