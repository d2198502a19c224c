import { E2E_ENV } from "../../e2e/env";

/*
 * Where the benchmark runs: its own ports (dev uses 3000/4010, Playwright 3100/4110), its own
 * build folder and data, and the end-to-end suite's test-only secrets (never real ones).
 * The ports can be moved with BENCH_APP_PORT / BENCH_SIM_PORT / BENCH_BASELINE_PORT, so two
 * runs (two engineers, two worktrees) can share a machine.
 */
function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name} must be a TCP port, not "${raw}"`);
  return port;
}
export const BENCH_APP_PORT = portFromEnv("BENCH_APP_PORT", 3300);
export const BENCH_SIM_PORT = portFromEnv("BENCH_SIM_PORT", 4310);
/** The tutorial-style baseline app of the browser connect scenario (scenarios/tutorial-app.ts). */
export const BENCH_BASELINE_PORT = portFromEnv("BENCH_BASELINE_PORT", BENCH_APP_PORT + 10);
export const BENCH_APP_URL = `http://localhost:${BENCH_APP_PORT}`;
export const BENCH_BASELINE_URL = `http://localhost:${BENCH_BASELINE_PORT}`;
export const TUTORIAL_REDIRECT_URI = `${BENCH_BASELINE_URL}/callback`;
export const BENCH_DIST_DIR = ".next-bench";
export const BENCH_PGLITE_DIR = ".data/bench-pglite";
export const BENCH_LOG_DIR = ".data/bench-logs";
/** Password of the accounts the bench creates in its throw-away database (a fixture, not a secret). */
export const BENCH_PASSWORD = "bench-password-123";

/** The production-mode configuration of the bench app, the bench process and its workers. */
export const BENCH_ENV: Record<string, string> = {
  ...E2E_ENV,
  APP_URL: BENCH_APP_URL,
  ZENDESK_BASE_URL_TEMPLATE: `http://127.0.0.1:${BENCH_SIM_PORT}/{subdomain}`,
  ZENDESK_SIM_PORT: String(BENCH_SIM_PORT),
  NEXT_DIST_DIR: BENCH_DIST_DIR,
  NEXT_TELEMETRY_DISABLED: "1",
  NODE_ENV: "production",
};

/** Sample sizes. `--quick` shrinks them to check the harness, not to publish figures. */
export interface SampleSizes {
  stormWarmup: number;
  stormSamples: number;
  connectWarmup: number;
  connectSamples: number;
  pageWarmup: number;
  pageSamples: number;
  hotWarmupCalls: number;
  hotSamples: number;
  hotSequentialCalls: number;
  hotConcurrentCalls: number;
  browserConnectWarmup: number;
  browserConnectSamples: number;
}

export const FULL: SampleSizes = {
  stormWarmup: 1,
  stormSamples: 7,
  connectWarmup: 3,
  connectSamples: 30,
  pageWarmup: 10,
  pageSamples: 100,
  hotWarmupCalls: 500,
  hotSamples: 15,
  hotSequentialCalls: 300,
  hotConcurrentCalls: 600,
  browserConnectWarmup: 2,
  browserConnectSamples: 24,
};

export const QUICK: SampleSizes = {
  stormWarmup: 1,
  stormSamples: 2,
  connectWarmup: 1,
  connectSamples: 3,
  pageWarmup: 2,
  pageSamples: 5,
  hotWarmupCalls: 50,
  hotSamples: 2,
  hotSequentialCalls: 100,
  hotConcurrentCalls: 200,
  browserConnectWarmup: 1,
  browserConnectSamples: 3,
};

/** Fixed simulated Zendesk latency per request (ms) in the storm and connect scenarios. */
export const STORM_LATENCY_MS = 100;
export const CONNECT_LATENCY_MS = 50;
/** Latency of every Zendesk request in the browser connect scenario (issue 14: a realistic round trip). */
export const BROWSER_CONNECT_LATENCY_MS = 100;
/** The target of issue 14: the whole connect at most this many times the tutorial baseline. */
export const BROWSER_CONNECT_TARGET_RATIO = 1.3;
/** Concurrency of the hot-path throughput run: the postgres.js pool size (db/client.ts). */
export const HOT_CONCURRENCY = 10;
export const PAGE_SIZES = [1, 10, 100] as const;
