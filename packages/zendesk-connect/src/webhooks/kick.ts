import { runAfterThisRequest } from "../runtime/request-after.js";
import { errorName, logger } from "../telemetry/log.js";

/*
 * Best-effort delivery right after commit, off the person's wait. In a request (server action,
 * route handler) Next's after() runs it once the response is sent, by which time the caller's
 * transaction has committed. Elsewhere it runs only where a process opted in (tests, a worker),
 * retrying briefly until the message is visible; anything missed is delivered by the runners
 * (npm run webhooks:deliver, the cron route). Scripts never start deliveries on their own.
 */

let inProcess = false;

/** Lets this process deliver right after commit outside a request (tests, long-lived workers). */
export function enableInProcessDelivery(enabled = true): void {
  inProcess = enabled;
}

const pending = new Set<Promise<unknown>>();

/** Resolves once every delivery this process started after commit has settled (tests, shutdown). */
export async function settleScheduledDeliveries(): Promise<void> {
  while (pending.size > 0) await Promise.allSettled([...pending]);
}

export function scheduleDelivery(ids: string[]): void {
  const run = async () => {
    const { deliverMessages } = await import("./deliver.js");
    await deliverMessages(ids, { waitForCommit: !inRequest });
  };
  let inRequest = true;
  if (runAfterThisRequest(() => run().catch(logFailure))) return;
  inRequest = false;
  if (!inProcess) return;
  const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
    .then(run)
    .catch(logFailure)
    .finally(() => pending.delete(task));
  pending.add(task);
}

function logFailure(error: unknown): void {
  // The message stays queued; the runners retry it. Only the kind of error: no body, no secret.
  logger.error({ component: "webhooks", err_name: errorName(error) }, "immediate webhook delivery failed");
}
