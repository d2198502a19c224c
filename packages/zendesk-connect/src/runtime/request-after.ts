/*
 * Next's after() without importing next/*: the package's server API runs in plain Node too
 * (workers, queues, scripts). The Next entries (routes, ui) register Next's after() here when
 * they load; outside a request it throws, and the caller runs the task in-process instead.
 * A globalThis slot, because Next may load the package into more than one bundle.
 */

type After = (task: () => Promise<unknown>) => void;

const slot = globalThis as unknown as { __zendeskConnectAfter?: After };

/** Called by the Next entries with next/server's after(). */
export function registerRequestAfter(after: After): void {
  slot.__zendeskConnectAfter = after;
}

/** Hands `task` to the request's after() and returns true, or returns false outside a request. */
export function runAfterThisRequest(task: () => Promise<unknown>): boolean {
  const after = slot.__zendeskConnectAfter;
  if (!after) return false;
  try {
    after(task);
    return true;
  } catch {
    return false;
  }
}
