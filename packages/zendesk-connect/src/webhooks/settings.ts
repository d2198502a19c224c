import { env } from "../config/env.js";

/** Webhook settings from configuration; `endpoint` is undefined when webhooks are off. */
export function webhookSettings() {
  const w = env().webhooks;
  return {
    ...w,
    /**
     * A claimed message belongs to its runner for this long. Longer than one attempt can take
     * (the timeout aborts it), so a live runner never loses a lease mid-send; a killed runner's
     * messages are picked up again once it expires.
     */
    leaseMs: Math.round(w.timeoutMs * 1.5) + 1000,
  };
}

/** Where deliveries go, for logs and reports: origin and path only (a query string may carry a key). */
export function endpointLabel(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
