import { eq } from "drizzle-orm";
import { database } from "@/db";
import { zendeskConnections } from "@pkg/db/schema";
import { connectTestConnection } from "@/testing/zendesk";
import { getAccessToken } from "@pkg/tokens/lifecycle";
import type { ZendeskSimulator } from "@zendesk-connect/simulator";
import { HOT_CONCURRENCY, type SampleSizes } from "../support/config";
import { median, round, type Summary, summarize } from "../support/stats";

/*
 * Scenario 4, token hot path: getAccessToken on a connection whose token is valid, in this
 * process, against the bench database. The baseline is the least any implementation must do:
 * read the connection row by id (the same select, without the checks and the decryption).
 */

interface Run {
  callsPerSecond: number[];
  /** Per-call latency, sequential runs pooled (ms). */
  latency: Summary;
  concurrentCallsPerSecond: number[];
  dbRoundTripsPerCall: number;
}

export interface HotPathResult {
  concurrency: number;
  samples: number;
  sequentialCalls: number;
  concurrentCalls: number;
  zendeskRequests: number;
  ours: Run & { medianCallsPerSecond: number; medianConcurrentCallsPerSecond: number };
  baseline: Run & { medianCallsPerSecond: number; medianConcurrentCallsPerSecond: number };
}

async function sequential(fn: () => Promise<unknown>, calls: number, latencies: number[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await fn();
    latencies.push(performance.now() - t);
  }
  return calls / ((performance.now() - started) / 1000);
}

async function concurrent(fn: () => Promise<unknown>, calls: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: HOT_CONCURRENCY }, async () => {
      while (next < calls) {
        next += 1;
        await fn();
      }
    }),
  );
  return calls / ((performance.now() - started) / 1000);
}

export async function tokenHotPath(sim: ZendeskSimulator, sizes: SampleSizes): Promise<HotPathResult> {
  const { connectionId } = await connectTestConnection(sim, { subdomain: "acme" });
  const ours = () => getAccessToken(connectionId);
  // The package's own Drizzle instance: the one getAccessToken reads through, and the one whose
  // statements database().queryCount() counts (the app's `db` shares the client, not the logger).
  const bare = () => database().db.select().from(zendeskConnections).where(eq(zendeskConnections.id, connectionId));
  await sim.control.clearLog();

  for (let i = 0; i < sizes.hotWarmupCalls; i++) {
    await ours();
    await bare();
  }
  const acc = {
    ours: { cps: [] as number[], ccps: [] as number[], lat: [] as number[], queries: 0, calls: 0 },
    baseline: { cps: [] as number[], ccps: [] as number[], lat: [] as number[], queries: 0, calls: 0 },
  };
  for (let s = 0; s < sizes.hotSamples; s++) {
    const order = s % 2 === 0 ? (["ours", "baseline"] as const) : (["baseline", "ours"] as const);
    for (const which of order) {
      const fn = which === "ours" ? ours : bare;
      const a = acc[which];
      const before = database().queryCount();
      a.cps.push(await sequential(fn, sizes.hotSequentialCalls, a.lat));
      a.ccps.push(await concurrent(fn, sizes.hotConcurrentCalls));
      a.queries += database().queryCount() - before;
      a.calls += sizes.hotSequentialCalls + sizes.hotConcurrentCalls;
    }
  }
  const log = await sim.control.requestLog();
  const run = (a: (typeof acc)["ours"]) => ({
    callsPerSecond: a.cps.map((v) => Math.round(v)),
    concurrentCallsPerSecond: a.ccps.map((v) => Math.round(v)),
    latency: summarize(a.lat),
    dbRoundTripsPerCall: round(a.queries / a.calls, 3),
    medianCallsPerSecond: Math.round(median(a.cps)),
    medianConcurrentCallsPerSecond: Math.round(median(a.ccps)),
  });
  return {
    concurrency: HOT_CONCURRENCY,
    samples: sizes.hotSamples,
    sequentialCalls: sizes.hotSequentialCalls,
    concurrentCalls: sizes.hotConcurrentCalls,
    zendeskRequests: log.total,
    ours: run(acc.ours),
    baseline: run(acc.baseline),
  };
}
