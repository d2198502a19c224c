import { and, gt, inArray, sql } from "drizzle-orm";
import { db } from "../db/index.js";
import { throttles } from "../db/schema.js";

/*
 * Attempt buckets in Postgres (several instances share one count). Every change is one atomic
 * statement: an attempt is counted by an upsert whose WHERE refuses to count while the bucket is
 * blocked, so concurrent attempts never read-modify-write and a refused attempt never extends
 * a block (a stranger cannot push a delay further out by hammering it).
 */

export interface BucketPolicy {
  /** Attempts answered normally before the delays start. */
  freeAttempts: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  /** A bucket with no attempt for this long starts again from zero. */
  windowSeconds: number;
}

export interface Bucket {
  key: string;
  policy: BucketPolicy;
}

export type Gate = { ok: true } | { ok: false; retryAfterSeconds: number };

// 2^40 seconds is far above any cap: keeps power() away from overflow on huge counts.
const MAX_EXPONENT = 40;

/** Seconds to wait after the nth counted attempt: none before freeAttempts, then doubling, capped. */
export function delayAfterAttempt(n: number, policy: BucketPolicy): number {
  if (n < policy.freeAttempts) return 0;
  const exponent = Math.min(n - policy.freeAttempts, MAX_EXPONENT);
  return Math.min(policy.baseDelaySeconds * 2 ** exponent, policy.maxDelaySeconds);
}

function retryAfter(blockedUntil: Date, now: Date): number {
  return Math.max(1, Math.ceil((blockedUntil.getTime() - now.getTime()) / 1000));
}

const ts = (date: Date) => sql`${date.toISOString()}::timestamptz`;

/**
 * Counts one attempt in every bucket, or refuses it (uncounted) when any bucket is blocked.
 * The check and each count are separate atomic statements; a bucket blocked by a concurrent
 * attempt in between is caught by the count's own WHERE.
 */
export async function countAttempt(buckets: readonly Bucket[], now: Date): Promise<Gate> {
  const gate = await blockedGate(
    buckets.map((b) => b.key),
    now,
  );
  if (!gate.ok) return gate;

  for (const bucket of buckets) {
    const counted = await countIn(bucket, now);
    if (!counted) {
      const [row] = await db
        .select({ blockedUntil: throttles.blockedUntil })
        .from(throttles)
        .where(inArray(throttles.key, [bucket.key]));
      return { ok: false, retryAfterSeconds: row?.blockedUntil ? retryAfter(row.blockedUntil, now) : 1 };
    }
  }
  return { ok: true };
}

/** Whether any of the buckets is blocked now, and until when: a look that counts nothing. */
export async function blockedGate(keys: readonly string[], now: Date): Promise<Gate> {
  const blocked = await db
    .select({ blockedUntil: throttles.blockedUntil })
    .from(throttles)
    .where(and(inArray(throttles.key, [...keys]), gt(throttles.blockedUntil, now)));
  const latest = latestBlock(blocked.map((r) => r.blockedUntil));
  return latest ? { ok: false, retryAfterSeconds: retryAfter(latest, now) } : { ok: true };
}

async function countIn({ key, policy }: Bucket, now: Date): Promise<boolean> {
  const { freeAttempts: free, baseDelaySeconds: base, maxDelaySeconds: max, windowSeconds: window } = policy;
  const firstDelay = delayAfterAttempt(1, policy);
  const firstBlock = firstDelay > 0 ? new Date(now.getTime() + firstDelay * 1000) : null;
  const windowEnd = new Date(now.getTime() + window * 1000);
  const windowStart = new Date(now.getTime() - window * 1000);

  // The same formula as delayAfterAttempt, on the row being updated.
  const n = sql`(case when ${throttles.lastAttemptAt} <= ${ts(windowStart)} then 1 else ${throttles.attempts} + 1 end)`;
  const block = sql`(case when ${n} >= ${free}::int then ${ts(now)} + make_interval(secs => least(${base}::float8 * power(2::float8, least(${n} - ${free}::int, ${MAX_EXPONENT}::int)), ${max}::float8)) end)`;

  const rows = await db
    .insert(throttles)
    .values({
      key,
      attempts: 1,
      lastAttemptAt: now,
      blockedUntil: firstBlock,
      expiresAt: firstBlock && firstBlock > windowEnd ? firstBlock : windowEnd,
    })
    .onConflictDoUpdate({
      target: throttles.key,
      set: {
        attempts: n,
        lastAttemptAt: now,
        blockedUntil: block,
        expiresAt: sql`greatest(${block}, ${ts(windowEnd)})`,
      },
      setWhere: sql`${throttles.blockedUntil} is null or ${throttles.blockedUntil} <= ${ts(now)}`,
    })
    .returning({ attempts: throttles.attempts });
  return rows.length > 0;
}

/** Forgets the buckets (a success). */
export async function resetBuckets(keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.delete(throttles).where(inArray(throttles.key, [...keys]));
}

/**
 * Takes back one counted attempt that proved legitimate and lifts the bucket's block (it was set
 * by that attempt, or had already expired for it to be let through). Other attempts stay counted.
 */
export async function uncountAttempt(key: string): Promise<void> {
  await db
    .update(throttles)
    .set({ attempts: sql`greatest(${throttles.attempts} - 1, 0)`, blockedUntil: null })
    .where(inArray(throttles.key, [key]));
}

/** Stores a marker row (no attempts) that lasts until `until`. */
export async function rememberKey(key: string, now: Date, until: Date): Promise<void> {
  await db
    .insert(throttles)
    .values({ key, attempts: 0, lastAttemptAt: now, blockedUntil: null, expiresAt: until })
    .onConflictDoUpdate({ target: throttles.key, set: { lastAttemptAt: now, expiresAt: until } });
}

/** Whether a marker row from rememberKey is still valid. */
export async function isRemembered(key: string, now: Date): Promise<boolean> {
  const rows = await db
    .select({ key: throttles.key })
    .from(throttles)
    .where(and(inArray(throttles.key, [key]), gt(throttles.expiresAt, now)));
  return rows.length > 0;
}

function latestBlock(dates: readonly (Date | null)[]): Date | undefined {
  let latest: Date | undefined;
  for (const d of dates) if (d && (!latest || d > latest)) latest = d;
  return latest;
}
