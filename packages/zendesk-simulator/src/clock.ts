/**
 * Simulator time: the wall clock plus an offset that tests move forward, so code expiry
 * (120 s), token lifetimes and rate-limit windows can be crossed without sleeping.
 */
export class SimClock {
  #offsetMs = 0;

  /** Current simulator time in epoch milliseconds. */
  now(): number {
    return Date.now() + this.#offsetMs;
  }

  /** Moves simulator time forward (never backward: expired things stay expired). */
  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new RangeError("the clock only moves forward by a finite number of seconds");
    }
    this.#offsetMs += Math.round(seconds * 1000);
  }

  get offsetSeconds(): number {
    return this.#offsetMs / 1000;
  }

  reset(): void {
    this.#offsetMs = 0;
  }
}
