// `npm run webhooks:send-test`: queues a signed `webhook.test` event and sends it now. Exits 0
// when the endpoint answered 2xx; otherwise prints its answer (a failed test is retried like
// any message: see npm run webhooks:status).
import { closeDatabase } from "@/db";
import { endpointLabel, webhookSettings } from "@/lib/webhooks/settings";
import { sendTestWebhook } from "@/lib/webhooks/status";

try {
  const result = await sendTestWebhook();
  const endpoint = endpointLabel(webhookSettings().endpoint!.url);
  const answer = result.lastStatus !== null ? `HTTP ${result.lastStatus}` : (result.lastError ?? "no answer");
  if (result.status === "delivered") console.log(`Test event ${result.id} delivered to ${endpoint} (${answer}).`);
  else {
    console.error(`Test event ${result.id} not delivered to ${endpoint}: ${answer} (state: ${result.status}).`);
    process.exitCode = 1;
  }
} catch (error) {
  console.error(`webhook test failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}
