// `npm run zendesk:refresh-due`: the keep-alive from a shell or a cron job. Prints one line and
// exits 1 when a refresh failed for a reason other than Zendesk refusing a connection (those
// connections now show "Needs reconnect"; that is their correct state, not a job failure).
// With embedded PGlite, run it only while the app is stopped (one process per data directory),
// or call /api/cron/zendesk-refresh instead. Also prunes expired data (lib/retention.ts).
import { closeDatabase } from "@/db";
import { formatRetentionSummary, pruneExpiredData } from "@/lib/retention";
import { formatKeepAliveSummary, refreshDueConnections, unattributedFailures } from "@/lib/zendesk/tokens/keep-alive";

try {
  const summary = await refreshDueConnections();
  console.log(formatKeepAliveSummary(summary));
  for (const r of summary.results) {
    if (r.outcome === "failed") console.log(`  ${r.subdomain} (${r.connectionId}): ${r.code}: ${r.message}`);
  }
  console.log(formatRetentionSummary(await pruneExpiredData()));
  process.exitCode = unattributedFailures(summary) > 0 ? 1 : 0;
} catch (error) {
  console.error(`zendesk keep-alive failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}
