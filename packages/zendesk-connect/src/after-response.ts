import { runAfterThisRequest } from "./runtime/request-after.js";
import { errorName, logger } from "./telemetry/log.js";

/*
 * Work that may follow the response (history listeners, current.json refinement, revoking a
 * replaced grant) runs off the person's wait. Inside a request (route handler, server action)
 * Next's after() runs it once the response is sent and keeps a serverless function alive for
 * it; elsewhere (scripts, tests, workers) it runs on the next turn of the event loop.
 * `settleAfterResponse()` waits for the latter (tests, graceful shutdown).
 */

const pending = new Set<Promise<unknown>>();

export function runAfterResponse(task: () => Promise<unknown>): void {
  const run = () =>
    task().catch((error: unknown) =>
      logger.error({ err_name: errorName(error) }, "a follow-up task after the response failed"),
    );
  if (runAfterThisRequest(run)) return;
  // Not inside a request: run it in this process instead.
  const started: Promise<unknown> = new Promise<void>((resolve) => setImmediate(resolve))
    .then(run)
    .finally(() => pending.delete(started));
  pending.add(started);
}

/** Resolves once every task started outside a request has settled (tests, shutdown). */
export async function settleAfterResponse(): Promise<void> {
  while (pending.size > 0) await Promise.allSettled([...pending]);
}
