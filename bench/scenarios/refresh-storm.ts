import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { getAccessToken } from "@pkg/tokens/lifecycle";
import { connectTestConnection, expireStoredAccessToken } from "@/testing/zendesk";
import type { ZendeskSimulator } from "@zendesk-connect/simulator";
import { type SampleSizes, STORM_LATENCY_MS } from "../support/config";
import { type Summary, summarize } from "../support/stats";
import { tokenDigest } from "@/testing/oauth";
import { type CallerRun, runCallers, type StormMode } from "./storm-callers";

/*
 * Scenario 1, refresh storm: a connection whose access token has expired, and every caller asks
 * for it at once. On Postgres: 2 processes x 50 concurrent getAccessToken; on PGlite (one
 * process per database) 1 process x 100. The baseline is naiveGetAccessToken in the same set-up.
 * Each sample uses a fresh connection; ours and the baseline alternate.
 */

export interface StormSide {
  /** Token requests (refresh grants) the simulator saw, per sample. */
  tokenRequests: number[];
  /** Callers that got no token, per sample. */
  failedCallers: number[];
  /** Callers whose token is the one the connection holds afterwards, per sample. */
  callersWithCurrentToken: number[];
  /** Distinct tokens handed out, per sample. */
  distinctTokens: number[];
  /** Database statements per caller, per sample (all processes). */
  queriesPerCaller: number[];
  /** Caller latency from the common start to its answer, all samples pooled (ms). */
  latency: Summary;
  /** Wall time until the last caller had its answer, per sample (ms). */
  wall: Summary;
  errorKinds: Record<string, number>;
}

export interface StormResult {
  layout: string;
  processes: number;
  callersPerProcess: number;
  simulatedLatencyMs: number;
  warmup: number;
  samples: number;
  ours: StormSide;
  naive: StormSide;
}

interface Worker {
  run(mode: StormMode, connectionId: string, calls: number): Promise<CallerRun>;
  stop(): Promise<void>;
}

function startWorker(env: Record<string, string | undefined>): Promise<Worker> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ["--conditions=react-server", "--import", "tsx", "bench/scenarios/storm-worker.ts"],
    { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const lines = createInterface({ input: child.stdout });
  const waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  lines.on("line", (line) => waiting.shift()?.resolve(line));
  child.on("exit", (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`storm worker exited ${code}: ${stderr.slice(-500)}`));
  });
  const next = () => new Promise<string>((resolve, reject) => waiting.push({ resolve, reject }));
  return next().then(() => ({
    async run(mode, connectionId, calls) {
      const answer = next();
      child.stdin.write(`${JSON.stringify({ cmd: "run", mode, connectionId, calls })}\n`);
      return JSON.parse(await answer) as CallerRun;
    },
    async stop() {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.stdin.end(`${JSON.stringify({ cmd: "exit" })}\n`);
      await exited;
    },
  }));
}

export async function refreshStorm(
  sim: ZendeskSimulator,
  sizes: SampleSizes,
  options: { crossProcess: boolean; workerEnv: Record<string, string | undefined> },
): Promise<StormResult> {
  const processes = options.crossProcess ? 2 : 1;
  const perProcess = options.crossProcess ? 50 : 100;
  const workers = options.crossProcess
    ? await Promise.all([startWorker(options.workerEnv), startWorker(options.workerEnv)])
    : [];
  const raw: Record<StormMode, { runs: CallerRun[][]; grants: number[]; current: string[] }> = {
    ours: { runs: [], grants: [], current: [] },
    naive: { runs: [], grants: [], current: [] },
  };
  try {
    for (let i = 0; i < sizes.stormWarmup + sizes.stormSamples; i++) {
      const order: StormMode[] = i % 2 === 0 ? ["ours", "naive"] : ["naive", "ours"];
      for (const mode of order) {
        const { connectionId } = await connectTestConnection(sim, { subdomain: "acme" });
        await expireStoredAccessToken(connectionId);
        await sim.control.setOptions({ latency_ms: STORM_LATENCY_MS });
        await sim.control.clearLog();
        const runs = options.crossProcess
          ? await Promise.all(workers.map((w) => w.run(mode, connectionId, perProcess)))
          : [await runCallers(mode, connectionId, perProcess)];
        const log = await sim.control.requestLog();
        await sim.control.setOptions({ latency_ms: 0 });
        if (i < sizes.stormWarmup) continue;
        raw[mode].runs.push(runs);
        raw[mode].grants.push(log.counts.by_grant_type.refresh_token ?? 0);
        raw[mode].current.push(tokenDigest(await getAccessToken(connectionId)));
      }
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }

  const side = (mode: StormMode): StormSide => {
    const { runs, grants, current } = raw[mode];
    const errorKinds: Record<string, number> = {};
    for (const sample of runs)
      for (const run of sample) for (const e of run.errors) errorKinds[e] = (errorKinds[e] ?? 0) + 1;
    const callers = processes * perProcess;
    return {
      tokenRequests: grants,
      failedCallers: runs.map((sample) => sample.reduce((n, r) => n + r.errors.length, 0)),
      callersWithCurrentToken: runs.map((sample, i) =>
        sample.reduce((n, r) => n + r.digests.filter((d) => d === current[i]).length, 0),
      ),
      distinctTokens: runs.map((sample) => new Set(sample.flatMap((r) => r.digests)).size),
      queriesPerCaller: runs.map(
        (sample) => Math.round((sample.reduce((n, r) => n + r.queries, 0) / callers) * 100) / 100,
      ),
      latency: summarize(runs.flatMap((sample) => sample.flatMap((r) => r.latenciesMs))),
      wall: summarize(runs.map((sample) => Math.max(...sample.flatMap((r) => r.latenciesMs)))),
      errorKinds,
    };
  };
  return {
    layout: options.crossProcess
      ? "2 processes × 50 concurrent callers (Postgres)"
      : "1 process × 100 concurrent callers (PGlite allows one process)",
    processes,
    callersPerProcess: perProcess,
    simulatedLatencyMs: STORM_LATENCY_MS,
    warmup: sizes.stormWarmup,
    samples: sizes.stormSamples,
    ours: side("ours"),
    naive: side("naive"),
  };
}
