import { migrateAll } from "@/db";
import { connectTestConnection } from "@/testing/zendesk";
import { AsyncLocalStorage } from "node:async_hooks";
import { spawn } from "node:child_process";
import { getAccessToken } from "@pkg/tokens/lifecycle";
import { loadIntegrationsData } from "@pkg/store/page-data";
import { withOperationSpan } from "@pkg/telemetry/spans";
import { startTelemetry } from "@pkg/telemetry/node-sdk";
import type { ZendeskSimulator } from "@zendesk-connect/simulator";
import type { SampleSizes } from "../support/config";
import { median, round, type Summary, summarize } from "../support/stats";

/*
 * Scenario 9, telemetry overhead (issue 23): the token hot path (getAccessToken on a valid token)
 * and the settings page's data load (loadIntegrationsData, one connection), each call inside a
 * span as a traced request would be, with the OpenTelemetry SDK exporting every span over
 * OTLP/HTTP JSON to a local receiver in its own process, as a collector is ("on"), versus no SDK
 * at all ("off": the API's no-ops, the default). Same process, same database, samples interleaved
 * off/on then on/off; the SDK is started before and shut down (flushed) after each "on" sample,
 * outside the timing. The figure is the median of the per-sample ratios (each pair measured back
 * to back, so load from other processes on the machine affects both sides alike).
 * Each call runs inside an AsyncLocalStorage context, as every request does in Next (its request
 * stores): on Node 20 an active AsyncLocalStorage is what makes promises dearer, and Next pays
 * that with or without OpenTelemetry. The hot path is also measured without it ("bare"), which
 * charges that cost to tracing.
 */

export interface OverheadSide {
  callsPerSecond: number[];
  medianCallsPerSecond: number;
  latency: Summary;
}

export interface OverheadPair {
  calls: number;
  off: OverheadSide;
  on: OverheadSide;
  /** Median over samples of (calls/s off ÷ calls/s on) in the same sample: the relative time a call costs traced (target ≤ 1.05). */
  ratio: number;
  /** per-call p50 on ÷ p50 off: the same from pooled latencies (less sensitive to one noisy sample). */
  p50Ratio: number;
}

export interface TelemetryOverheadResult {
  samples: number;
  spansExported: number;
  /** In a request context, as Next runs it: the judged figure. */
  hotPath: OverheadPair;
  pageData: OverheadPair;
  /** The hot path with no other AsyncLocalStorage active: tracing also pays for enabling one. */
  hotPathBare: OverheadPair;
}

const OTEL_ENV = {
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
  OTEL_SERVICE_NAME: "zendesk-connect-bench",
  OTEL_METRIC_EXPORT_INTERVAL: "600000",
};

// Stands for Next's request stores (workAsyncStorage, workUnitAsyncStorage).
const requestStore = new AsyncLocalStorage<{ request: number }>();

async function measure(
  fn: () => Promise<unknown>,
  calls: number,
  latencies: number[],
  inRequest: boolean,
): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    const traced = () => withOperationSpan("bench.request", {}, fn);
    await (inRequest ? requestStore.run({ request: i }, traced) : traced());
    latencies.push(performance.now() - t);
  }
  const perSecond = calls / ((performance.now() - started) / 1000);
  // Disabled again, so the "bare" workload really runs with no request store active.
  requestStore.disable();
  return perSecond;
}

export async function telemetryOverhead(sim: ZendeskSimulator, sizes: SampleSizes): Promise<TelemetryOverheadResult> {
  // The app's tables too (the test account): run.ts migrates only the package's when no page scenario runs.
  await migrateAll();
  const { connectionId, workspaceId } = await connectTestConnection(sim, { subdomain: "acme" });
  const receiver = await startSink();
  const saved = Object.fromEntries(
    ["OTEL_EXPORTER_OTLP_ENDPOINT", ...Object.keys(OTEL_ENV)].map((k) => [k, process.env[k]]),
  );
  const withSdk = async <T>(fn: () => Promise<T>): Promise<T> => {
    Object.assign(process.env, OTEL_ENV, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    const sdk = await startTelemetry();
    if (!sdk) throw new Error("the OpenTelemetry SDK did not start");
    try {
      return await fn();
    } finally {
      await sdk.shutdown();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  };

  const workloads = {
    hotPath: { fn: () => getAccessToken(connectionId), calls: sizes.hotSequentialCalls, inRequest: true },
    pageData: {
      fn: () => loadIntegrationsData(workspaceId, { includeClients: true }),
      calls: Math.max(20, Math.round(sizes.hotSequentialCalls / 3)),
      inRequest: true,
    },
    hotPathBare: { fn: () => getAccessToken(connectionId), calls: sizes.hotSequentialCalls, inRequest: false },
  };
  type Side = { cps: number[]; lat: number[] };
  const acc = Object.fromEntries(
    Object.keys(workloads).map((k) => [k, { off: { cps: [], lat: [] } as Side, on: { cps: [], lat: [] } as Side }]),
  ) as Record<keyof typeof workloads, { off: Side; on: Side }>;
  for (const { fn } of Object.values(workloads)) for (let i = 0; i < sizes.hotWarmupCalls / 5; i++) await fn();
  await withSdk(async () => {
    for (const { fn } of Object.values(workloads)) for (let i = 0; i < sizes.hotWarmupCalls / 5; i++) await fn();
  });

  // Twice the hot path's samples: the pairs are cheap, and the ratio is what is judged.
  const samples = sizes.hotSamples * 2;
  for (let s = 0; s < samples; s++) {
    const order = s % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const);
    for (const mode of order) {
      const run = async () => {
        for (const [name, w] of Object.entries(workloads) as [
          keyof typeof workloads,
          (typeof workloads)["hotPath"],
        ][]) {
          const a = acc[name][mode];
          a.cps.push(await measure(w.fn, w.calls, a.lat, w.inRequest));
        }
      };
      if (mode === "on") await withSdk(run);
      else await run();
    }
  }
  const spansExported = await receiver.spans();
  receiver.stop();

  const side = (a: { cps: number[]; lat: number[] }): OverheadSide => ({
    callsPerSecond: a.cps.map((v) => Math.round(v)),
    medianCallsPerSecond: Math.round(median(a.cps)),
    latency: summarize(a.lat),
  });
  const pair = (name: keyof typeof workloads): OverheadPair => {
    const off = side(acc[name].off);
    const on = side(acc[name].on);
    return {
      calls: workloads[name].calls,
      off,
      on,
      ratio: round(median(acc[name].off.cps.map((off, i) => off / acc[name].on.cps[i]!)), 3),
      p50Ratio: round(median(acc[name].on.lat) / median(acc[name].off.lat), 3),
    };
  };
  return {
    samples,
    spansExported,
    hotPath: pair("hotPath"),
    pageData: pair("pageData"),
    hotPathBare: pair("hotPathBare"),
  };
}

/** The receiver in its own process (bench/support/otlp-sink.ts). */
async function startSink(): Promise<{ url: string; spans(): Promise<number>; stop(): void }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/support/otlp-sink.ts"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [url, control] = await new Promise<[string, string]>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\S+) (\S+)/.exec(out);
      if (match) resolve([match[1]!, match[2]!]);
    });
    child.once("exit", () => reject(new Error(`the OTLP sink exited: ${out}`)));
  });
  return {
    url,
    spans: async () => ((await (await fetch(control)).json()) as { spans: number }).spans,
    stop: () => void child.kill("SIGTERM"),
  };
}
