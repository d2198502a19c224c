import { type KeepAliveRunSummary, recordKeepAliveRun } from "./metrics.js";
import { SPAN, withOperationSpan } from "./spans.js";

/**
 * Runs one keep-alive pass inside its operation span (zendesk_connect.keep_alive, with the
 * run's counts) and records it (metrics and the zendesk_job_runs row). The CLI's refresh-due and
 * the cron route call it around refreshDueConnections(); a host running the keep-alive from its
 * own worker can do the same.
 */
export async function observeKeepAlive<T extends KeepAliveRunSummary>(run: () => Promise<T>): Promise<T> {
  return withOperationSpan(SPAN.keepAlive, {}, async (span) => {
    const started = performance.now();
    const summary = await run();
    span.setAttributes({
      "zendesk_connect.keep_alive.renewed": summary.refreshed,
      "zendesk_connect.keep_alive.skipped": summary.skipped,
      "zendesk_connect.keep_alive.failed": summary.failed,
      "zendesk_connect.keep_alive.needs_reconnect": summary.needsReconnect,
    });
    await recordKeepAliveRun(summary, performance.now() - started);
    return summary;
  });
}

/** A keep-alive summary's counts as log fields (never the per-connection results). */
export function keepAliveCounts(summary: KeepAliveRunSummary & { nonExpiring?: number }): Record<string, number> {
  return {
    renewed: summary.refreshed,
    skipped: summary.skipped,
    failed: summary.failed,
    needs_reconnect: summary.needsReconnect,
    ...(summary.nonExpiring !== undefined ? { non_expiring: summary.nonExpiring } : {}),
  };
}
