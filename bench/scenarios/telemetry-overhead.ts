import { migrateAll } from "@/db";
import { connectTestConnection } from "@/testing/zendesk";
import { startOtlpReceiver } from "@/testing/otlp-receiver";
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
 * OTLP/HTTP JSON to a receiver in this process ("on") versus no SDK at all ("off": the API's
 * no-ops, the default). Same process, same database, samples interleaved off/on then on/off; the
 * SDK is started before and shut down (flushed) after each "on" sample, outside the timing.
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
  /** median calls/s off ÷ median calls/s on: the time a call costs with tracing on, relative (target ≤ 1.05). */
  ratio: number;
}

export interface TelemetryOverheadResult {
  samples: number;
  spansExported: number;
  hotPath: OverheadPair;
  pageData: OverheadPair;
}

const OTEL_ENV = {
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
  OTEL_SERVICE_NAME: "zendesk-connect-bench",
  OTEL_METRIC_EXPORT_INTERVAL: "600000",
};

async function measure(fn: () => Promise<unknown>, calls: number, latencies: number[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await withOperationSpan("bench.request", {}, fn);
    latencies.push(performance.now() - t);
  }
  return calls / ((performance.now() - started) / 1000);
}

export async function telemetryOverhead(sim: ZendeskSimulator, sizes: SampleSizes): Promise<TelemetryOverheadResult> {
  // The app's tables too (the test account): run.ts migrates only the package's when no page scenario runs.
  await migrateAll();
  const { connectionId, workspaceId } = await connectTestConnection(sim, { subdomain: "acme" });
  const receiver = await startOtlpReceiver();
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
    hotPath: { fn: () => getAccessToken(connectionId), calls: sizes.hotSequentialCalls },
    pageData: {
      fn: () => loadIntegrationsData(workspaceId, { includeClients: true }),
      calls: Math.max(20, Math.round(sizes.hotSequentialCalls / 10)),
    },
  };
  const acc = {
    hotPath: { off: { cps: [] as number[], lat: [] as number[] }, on: { cps: [] as number[], lat: [] as number[] } },
    pageData: { off: { cps: [] as number[], lat: [] as number[] }, on: { cps: [] as number[], lat: [] as number[] } },
  };
  for (const { fn } of Object.values(workloads)) for (let i = 0; i < sizes.hotWarmupCalls / 5; i++) await fn();
  await withSdk(async () => {
    for (const { fn } of Object.values(workloads)) for (let i = 0; i < sizes.hotWarmupCalls / 5; i++) await fn();
  });

  for (let s = 0; s < sizes.hotSamples; s++) {
    const order = s % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const);
    for (const mode of order) {
      const run = async () => {
        for (const [name, w] of Object.entries(workloads) as [
          keyof typeof workloads,
          (typeof workloads)["hotPath"],
        ][]) {
          const a = acc[name][mode];
          a.cps.push(await measure(w.fn, w.calls, a.lat));
        }
      };
      if (mode === "on") await withSdk(run);
      else await run();
    }
  }
  const spansExported = receiver.spans().length;
  await receiver.close();

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
      ratio: round(median(acc[name].off.cps) / median(acc[name].on.cps), 3),
    };
  };
  return { samples: sizes.hotSamples, spansExported, hotPath: pair("hotPath"), pageData: pair("pageData") };
}
