/*
 * The retry schedule: attempt n (1-based) that fails waits schedule[n - 1] seconds before
 * attempt n + 1; once every wait is used the message has failed for good. The default
 * (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) spreads 8 attempts over about 27.6 hours.
 */

/** When to try again after `attempts` failed attempts, or null when the schedule is exhausted. */
export function nextAttemptAt(scheduleSeconds: readonly number[], attempts: number, now: Date): Date | null {
  const waitSeconds = scheduleSeconds[attempts - 1];
  if (waitSeconds === undefined) return null;
  return new Date(now.getTime() + waitSeconds * 1000);
}
