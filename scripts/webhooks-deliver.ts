// `npm run webhooks:deliver`: sends every due webhook (first attempts and retries) from the
// outbox, then prunes delivered messages past WEBHOOK_RETENTION_DAYS. Safe to run from several
// machines at once (messages are claimed with a lease). Prints one line; exits 1 on an error.
import { closeDatabase } from "@/db";
import { deliverDueWebhooks, formatDeliveryCounts } from "@/lib/webhooks/deliver";

try {
  console.log(formatDeliveryCounts(await deliverDueWebhooks()));
} catch (error) {
  console.error(`webhook delivery failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}
