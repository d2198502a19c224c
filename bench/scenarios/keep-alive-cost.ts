import { inArray } from "drizzle-orm";
import { closeDatabase, database, db } from "@/db";
import { zendeskConnections } from "@pkg/db/schema";
import { resetEnvForTests } from "@pkg/config/env";
import { startZendeskSimulator, type ZendeskSimulator } from "@zendesk-connect/simulator";
import { connectTestConnection } from "@/testing/zendesk";
import { refreshDueConnections } from "@pkg/tokens/keep-alive";
import { zendeskSettings } from "@pkg/transport/settings";
import { benchSeed } from "../support/simulator";
import { round } from "../support/stats";

/*
 * Keep-alive cost (issue 13): idle connections, a keep-alive run every `intervalMinutes` of simulated
 * time for `days` simulated days, with the app clock injected. Ours renews refresh tokens before
 * their deadline only; the baseline is the old behaviour (idle access tokens count as due), which is
 * what ZENDESK_KEEPALIVE_WARM_ACCESS_TOKENS=true still does. Counts refresh grants at the simulator.
 */

export interface KeepAliveCostResult {
  connections: number;
  days: number;
  intervalMinutes: number;
  runs: number;
  /** The refresh-token window: lifetime minus ZENDESK_KEEPALIVE_REFRESH_DAYS, in days. */
  renewalEveryDays: number;
  ours: { rotations: number; perConnectionPerDay: number; maxPerConnection: number };
  baseline: { rotations: number; perConnectionPerDay: number; maxPerConnection: number };
}

/**
 * Runs in this process on its own in-memory PGlite and its own simulator, so the keep-alive sees
 * only these idle connections (never the other scenarios' rows). Call with the bench database closed.
 */
export async function keepAliveCostIsolated(o: {
  connections: number;
  days: number;
  intervalMinutes: number;
}): Promise<KeepAliveCostResult> {
  const keys = ["DATABASE_URL", "PGLITE_DIR", "ZENDESK_BASE_URL_TEMPLATE"] as const;
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  const sim = await startZendeskSimulator({ port: 0, seed: benchSeed(0) });
  delete process.env.DATABASE_URL;
  process.env.PGLITE_DIR = "memory://";
  process.env.ZENDESK_BASE_URL_TEMPLATE = sim.baseUrlTemplate;
  resetEnvForTests();
  try {
    await database().migrate();
    const ids: string[] = [];
    for (let i = 0; i < o.connections; i++) ids.push((await connectTestConnection(sim)).connectionId);
    return await keepAliveCost(sim, ids, o);
  } finally {
    await closeDatabase();
    await sim.stop();
    for (const k of keys) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    resetEnvForTests();
  }
}

export async function keepAliveCost(
  sim: ZendeskSimulator,
  connectionIds: string[],
  { days, intervalMinutes }: { days: number; intervalMinutes: number },
): Promise<KeepAliveCostResult> {
  const s = zendeskSettings();
  const ours = await simulate(sim, connectionIds, days, intervalMinutes, false);
  const baseline = await simulate(sim, connectionIds, days, intervalMinutes, true);
  return {
    connections: connectionIds.length,
    days,
    intervalMinutes,
    runs: Math.floor((days * 24 * 60) / intervalMinutes),
    renewalEveryDays: round(s.refreshTokenTtlSeconds / 86_400 - s.keepAliveRefreshDays, 1),
    ours,
    baseline,
  };
}

async function simulate(
  sim: ZendeskSimulator,
  ids: string[],
  days: number,
  intervalMinutes: number,
  warm: boolean,
): Promise<KeepAliveCostResult["ours"]> {
  const saved = process.env.ZENDESK_KEEPALIVE_WARM_ACCESS_TOKENS;
  process.env.ZENDESK_KEEPALIVE_WARM_ACCESS_TOKENS = warm ? "true" : "false";
  resetEnvForTests();
  try {
    const before = await versions(ids);
    await sim.control.clearLog();
    const start = Date.now();
    const runs = Math.floor((days * 24 * 60) / intervalMinutes);
    for (let run = 1; run <= runs; run++) {
      const now = new Date(start + run * intervalMinutes * 60_000);
      await refreshDueConnections({ now });
    }
    const after = await versions(ids);
    const perConnection = ids.map((id) => after.get(id)! - before.get(id)!);
    const rotations = perConnection.reduce((a, b) => a + b, 0);
    const log = await sim.control.requestLog();
    if ((log.counts.by_grant_type.refresh_token ?? 0) !== rotations)
      throw new Error(
        `keep-alive cost: ${rotations} stored rotations but ${log.counts.by_grant_type.refresh_token} grants`,
      );
    // Put the clock of the stored rows back to now for the next pass (their tokens stay valid at the simulator).
    await db
      .update(zendeskConnections)
      .set({
        accessTokenExpiresAt: new Date(Date.now() + s().accessTokenTtlSeconds * 1000),
        refreshTokenExpiresAt: new Date(Date.now() + s().refreshTokenTtlSeconds * 1000),
      })
      .where(inArray(zendeskConnections.id, ids));
    return {
      rotations,
      perConnectionPerDay: round(rotations / ids.length / days, 3),
      maxPerConnection: Math.max(...perConnection),
    };
  } finally {
    if (saved === undefined) delete process.env.ZENDESK_KEEPALIVE_WARM_ACCESS_TOKENS;
    else process.env.ZENDESK_KEEPALIVE_WARM_ACCESS_TOKENS = saved;
    resetEnvForTests();
  }
}

const s = () => zendeskSettings();

async function versions(ids: string[]): Promise<Map<string, number>> {
  const rows = await db
    .select({ id: zendeskConnections.id, v: zendeskConnections.tokenVersion })
    .from(zendeskConnections)
    .where(inArray(zendeskConnections.id, ids));
  return new Map(rows.map((r) => [r.id, r.v]));
}
