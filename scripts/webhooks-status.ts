// `npm run webhooks:status`: recent webhook deliveries (event, connection, time, attempts, last
// answer, next retry) and the failing counts. For the operator: never shows bodies or secrets.
import { closeDatabase } from "@/db";
import { deliveryReport, formatDeliveryReport } from "@/lib/webhooks/status";

try {
  const limit = Number(process.argv[2] ?? 20);
  console.log(formatDeliveryReport(await deliveryReport(Number.isInteger(limit) && limit > 0 ? limit : 20)));
} catch (error) {
  console.error(`webhook status failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}
