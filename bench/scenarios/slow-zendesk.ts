import { inArray } from "drizzle-orm";
import { db } from "@/db";
import { zendeskConnections } from "@pkg/db/schema";
import type { ZendeskSimulator } from "@zendesk-connect/simulator";
import { E2E_ENV } from "../../e2e/env";
import { type BenchAccount, connectInstances, createBenchAccount } from "../support/fixtures";
import type { BenchBrowser } from "../support/http-client";
import { ratio, type Summary, summarize } from "../support/stats";

/*
 * Slow Zendesk isolation (issue 13): `refreshes` connections renewed by the app's keep-alive (one
 * cron request, ZENDESK_KEEPALIVE_CONCURRENCY at once) against a token endpoint that answers after
 * `delayMs`, while another user loads the settings page. Baseline: the same page, idle, in the same
 * run. A refresh that held a pooled connection across the call would starve the page.
 */

/** The app renews every due connection of one keep-alive run at once (the scenario's refreshes). */
export const SLOW_ZENDESK_APP_ENV = { ZENDESK_KEEPALIVE_CONCURRENCY: "16" };

/** Phase A: an account whose `count` connections are due for the keep-alive (refresh token ends in a day). */
export async function prepareSlowZendesk(sim: ZendeskSimulator, count: number): Promise<BenchAccount> {
  const account = await createBenchAccount("slow@bench.test", "Bench slow Zendesk");
  const ids = await connectInstances(sim, account, 1, count);
  await db
    .update(zendeskConnections)
    .set({ refreshTokenExpiresAt: new Date(Date.now() + 86_400_000) })
    .where(inArray(zendeskConnections.id, ids));
  return account;
}

export interface SlowZendeskResult {
  refreshes: number;
  delayMs: number;
  idle: Summary;
  loaded: Summary;
  ratio: number | null;
  refreshed: number;
}

export async function slowZendesk(
  sim: ZendeskSimulator,
  appUrl: string,
  browser: BenchBrowser,
  { refreshes, delayMs, samples }: { refreshes: number; delayMs: number; samples: number },
): Promise<SlowZendeskResult> {
  const url = `${appUrl}/settings/integrations`;
  const idle: number[] = [];
  for (let i = 0; i < samples + 3; i++) {
    const r = await browser.request(url);
    if (r.status !== 200) throw new Error(`/settings/integrations answered ${r.status}`);
    if (i >= 3) idle.push(r.totalMs);
  }

  await sim.control.injectFault({
    endpoint: "token",
    grant_type: "refresh_token",
    kind: "delay",
    delay_ms: delayMs,
    times: refreshes,
  });
  const cron = fetch(`${appUrl}/api/zendesk-connect/cron`, {
    headers: { authorization: `Bearer ${E2E_ENV.CRON_SECRET}` },
  }).then(async (r) => (await r.json()) as { refreshed: number });
  // Wait until every refresh is waiting on Zendesk, then load the page while they wait.
  await new Promise((resolve) => setTimeout(resolve, Math.min(1000, delayMs / 4)));
  const loaded: number[] = [];
  const until = performance.now() + delayMs - 1500;
  while (loaded.length < samples && performance.now() < until) {
    const r = await browser.request(url);
    if (r.status !== 200) throw new Error(`/settings/integrations answered ${r.status} under load`);
    loaded.push(r.totalMs);
  }
  const { refreshed } = await cron;
  await sim.control.clearFaults();
  const idleSummary = summarize(idle);
  const loadedSummary = summarize(loaded);
  return {
    refreshes,
    delayMs,
    idle: idleSummary,
    loaded: loadedSummary,
    ratio: ratio(loadedSummary.median, idleSummary.median),
    refreshed,
  };
}
