export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (for Retry-After). */
  retryAfterSeconds: number;
}

const WINDOW_MS = 60_000;

/**
 * Zendesk counts API requests per account per minute. A fixed window opened by the first
 * request keeps Retry-After predictable for tests driving the simulator clock.
 */
export class RateLimiter {
  #windows = new Map<string, { start: number; count: number }>();

  hit(subdomain: string, limit: number, now: number): RateDecision {
    let window = this.#windows.get(subdomain);
    if (window === undefined || now - window.start >= WINDOW_MS) {
      window = { start: now, count: 0 };
      this.#windows.set(subdomain, window);
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000));
    if (window.count >= limit) {
      return { allowed: false, limit, remaining: 0, retryAfterSeconds };
    }
    window.count += 1;
    return { allowed: true, limit, remaining: limit - window.count, retryAfterSeconds };
  }

  reset(): void {
    this.#windows.clear();
  }
}
