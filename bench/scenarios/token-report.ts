import type { KeepAliveCostResult } from "./keep-alive-cost";
import type { SlowZendeskResult } from "./slow-zendesk";

export type { KeepAliveCostResult };

/** Scenario 7's target (issue 13), judged from the figures. */
export function slowZendeskTarget(s: SlowZendeskResult) {
  return {
    scenario: "7. Slow Zendesk isolation",
    target: `settings page p50 during ${s.refreshes} refreshes on a ${s.delayMs / 1000} s token endpoint ≤ 3 × idle`,
    measured: `${s.loaded.median} ms vs ${s.idle.median} ms idle: ${s.ratio ?? "—"}×`,
    met: s.ratio !== null && s.ratio <= 3 && s.refreshed === s.refreshes,
  };
}

/** Scenario 8's target: at most one rotation per idle connection per refresh-token window. */
export function keepAliveCostTarget(k: KeepAliveCostResult) {
  const allowed = Math.ceil(k.days / k.renewalEveryDays);
  return {
    scenario: "8. Keep-alive cost",
    target: `≤ 1 rotation per idle connection per refresh-token window (${k.renewalEveryDays} days): ≤ ${allowed} in ${k.days} days`,
    measured: `${k.ours.maxPerConnection} per connection (${k.ours.perConnectionPerDay}/day) vs ${k.baseline.perConnectionPerDay}/day for the old behaviour`,
    met: k.ours.maxPerConnection <= allowed,
  };
}

export function slowZendeskSection(s: SlowZendeskResult): string[] {
  return [
    "## 7. Slow Zendesk isolation",
    "",
    `${s.refreshes} connections due for the keep-alive are renewed by one \`GET /api/zendesk-connect/cron\` (all at once: \`ZENDESK_KEEPALIVE_CONCURRENCY=16\`) while the simulator's token endpoint answers each refresh after ${s.delayMs / 1000} s; meanwhile another user loads \`/settings/integrations\` one request after another. Baseline: the same page, idle, just before. A refresh that kept a pooled connection (10 per process) across the Zendesk call would make the page wait for the refreshes.`,
    "",
    "| page | n | p50 | p99 |",
    "|---|---|---|---|",
    `| idle | ${s.idle.n} | ${s.idle.median} ms | ${s.idle.p99} ms |`,
    `| during ${s.refreshes} slow refreshes (${s.refreshed} renewed) | ${s.loaded.n} | ${s.loaded.median} ms | ${s.loaded.p99} ms |`,
    "",
    `Ratio: ${s.ratio ?? "—"}×.`,
    "",
  ];
}

export function keepAliveCostSection(k: KeepAliveCostResult): string[] {
  return [
    "## 8. Keep-alive cost",
    "",
    `${k.connections} idle connections (never used), a keep-alive run every ${k.intervalMinutes} minutes of simulated time (the app's clock injected) for ${k.days} days (${k.runs} runs), on their own in-memory PGlite and simulator. Ours renews refresh tokens when they end within \`ZENDESK_KEEPALIVE_REFRESH_DAYS\`; the baseline is the old behaviour (idle access tokens count as due — what \`ZENDESK_KEEPALIVE_WARM_ACCESS_TOKENS=true\` still does). Rotations are refresh grants the simulator received.`,
    "",
    "| behaviour | rotations | per connection per day | most for one connection |",
    "|---|---|---|---|",
    `| refresh-token deadlines (ours) | ${k.ours.rotations} | ${k.ours.perConnectionPerDay} | ${k.ours.maxPerConnection} |`,
    `| access tokens kept warm (old, baseline) | ${k.baseline.rotations} | ${k.baseline.perConnectionPerDay} | ${k.baseline.maxPerConnection} |`,
    "",
  ];
}
