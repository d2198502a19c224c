import { SimClock } from "./clock.js";
import { FaultQueue } from "./faults.js";
import { RateLimiter } from "./rate-limit.js";
import { RequestLog } from "./request-log.js";
import { ZendeskStore } from "./store.js";
import type { ParsedSeed } from "./seed.js";
import type { SimOptions } from "./control-schema.js";

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

  constructor(seed: ParsedSeed) {
    this.#seed = seed;
    this.store = new ZendeskStore(seed);
  }

  /** Back to the seed (or a new one): drops tokens, codes, added instances, faults, clock, log, switches. */
  reset(seed?: ParsedSeed): void {
    if (seed !== undefined) this.#seed = seed;
    this.store = new ZendeskStore(this.#seed);
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
