import { SimClock } from "./clock.js";
import { FaultQueue } from "./faults.js";
import { RateLimiter } from "./rate-limit.js";
import { applyRedirectUrl } from "./redirect-urls.js";
import { RequestLog } from "./request-log.js";
import { ZendeskStore } from "./store.js";
import type { ParsedSeed } from "./seed.js";
import type { SimOptions } from "./control-schema.js";
import type { RedirectUrlGrant } from "./redirect-urls.js";

/** The switches without the per-instance ones (rate limits, tokens_current: those live on each instance). */
export type Switches = Omit<SimOptions, "rate_limits" | "tokens_current">;

export const DEFAULT_SWITCHES: Readonly<Switches> = {
  token_success_status: 201,
  revoke_on_delete_current: false,
  default_access_token_ttl: 1800,
  default_refresh_token_ttl: 30 * 24 * 3600,
  omit_default_expires_in: true,
  latency_ms: 0,
};

/** Everything one simulator holds; `reset` returns it to the seed. */
export class SimulatorState {
  readonly clock = new SimClock();
  readonly faults = new FaultQueue();
  readonly log = new RequestLog();
  readonly rateLimiter = new RateLimiter();
  store: ZendeskStore;
  switches: Switches = { ...DEFAULT_SWITCHES };
  #seed: ParsedSeed;
  /** Redirect URLs added at start or at run time: part of what every reset returns to. */
  readonly #redirectUrls: RedirectUrlGrant[] = [];

  constructor(seed: ParsedSeed) {
    this.#seed = seed;
    this.store = new ZendeskStore(seed);
  }

  /** Adds a redirect URL to the clients now and after every reset; returns the identifiers changed. */
  allowRedirectUrl(grant: RedirectUrlGrant): string[] {
    const key = JSON.stringify(grant);
    if (!this.#redirectUrls.some((known) => JSON.stringify(known) === key)) {
      this.#redirectUrls.push({ url: grant.url, clients: grant.clients === null ? null : [...grant.clients] });
    }
    return applyRedirectUrl(this.store, grant);
  }

  redirectUrls(): RedirectUrlGrant[] {
    return this.#redirectUrls.map((grant) => ({
      ...grant,
      clients: grant.clients === null ? null : [...grant.clients],
    }));
  }

  /**
   * Back to the seed (or a new one): drops tokens, codes, added instances, faults, clock, log,
   * switches. Redirect URLs added with `allowRedirectUrl` are applied again.
   */
  reset(seed?: ParsedSeed): void {
    if (seed !== undefined) this.#seed = seed;
    this.store = new ZendeskStore(this.#seed);
    for (const grant of this.#redirectUrls) applyRedirectUrl(this.store, grant);
    this.switches = { ...DEFAULT_SWITCHES };
    this.clock.reset();
    this.faults.clear();
    this.log.clear();
    this.rateLimiter.reset();
  }

  options(): SimOptions {
    const rateLimits: Record<string, number> = {};
    const tokensCurrent: SimOptions["tokens_current"] = {};
    for (const instance of this.store.instances.values()) {
      rateLimits[instance.subdomain] = instance.rateLimitPerMinute;
      tokensCurrent[instance.subdomain] = instance.tokensCurrent;
    }
    return { ...this.switches, rate_limits: rateLimits, tokens_current: tokensCurrent };
  }
}
