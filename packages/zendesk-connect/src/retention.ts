import { and, inArray, isNotNull, lt, or } from "drizzle-orm";
import { db } from "./db/index.js";
import { throttles, zendeskConnectionEvents, zendeskConnectIntents, zendeskSubdomainChecks } from "./db/schema.js";
import { env } from "./config/env.js";

/*
 * Housekeeping that runs with the keep-alive (the cron route and `npm run zendesk:refresh-due`):
 * connect intents once used or expired, subdomain checks no connect can reuse any more, throttle
 * rows that carry no information any more, and connection history older than HISTORY_RETENTION_DAYS.
 */

/** Used or expired intents are kept this long, so a late callback still reads "already used" or "expired". */
export const INTENT_GRACE_SECONDS = 3600;

const BATCH = 5000;

export interface RetentionSummary {
  intents: number;
  subdomainChecks: number;
  throttles: number;
  history: number;
}

export async function pruneExpiredData({ now = new Date() }: { now?: Date } = {}): Promise<RetentionSummary> {
  const graceStart = new Date(now.getTime() - INTENT_GRACE_SECONDS * 1000);
  const historyStart = new Date(now.getTime() - env().historyRetentionDays * 86_400_000);
  const intents = await db
    .delete(zendeskConnectIntents)
    .where(
      or(
        lt(zendeskConnectIntents.expiresAt, graceStart),
        and(isNotNull(zendeskConnectIntents.consumedAt), lt(zendeskConnectIntents.consumedAt, graceStart)),
      ),
    )
    .returning({ id: zendeskConnectIntents.id });
  const checkTtlMs = Math.max(env().zendesk.subdomainCheckTtlSeconds, INTENT_GRACE_SECONDS) * 1000;
  const checks = await db
    .delete(zendeskSubdomainChecks)
    .where(lt(zendeskSubdomainChecks.startedAt, new Date(now.getTime() - checkTtlMs)))
    .returning({ subdomain: zendeskSubdomainChecks.subdomain });
  // Throttle rows (one per address under attack) and history can be large: short batches.
  let staleThrottles = 0;
  for (;;) {
    const stale = db.select({ key: throttles.key }).from(throttles).where(lt(throttles.expiresAt, now)).limit(BATCH);
    const deleted = await db.delete(throttles).where(inArray(throttles.key, stale)).returning({ key: throttles.key });
    staleThrottles += deleted.length;
    if (deleted.length < BATCH) break;
  }
  let history = 0;
  for (;;) {
    const old = db
      .select({ id: zendeskConnectionEvents.id })
      .from(zendeskConnectionEvents)
      .where(lt(zendeskConnectionEvents.createdAt, historyStart))
      .limit(BATCH);
    const deleted = await db
      .delete(zendeskConnectionEvents)
      .where(inArray(zendeskConnectionEvents.id, old))
      .returning({ id: zendeskConnectionEvents.id });
    history += deleted.length;
    if (deleted.length < BATCH) break;
  }
  return { intents: intents.length, subdomainChecks: checks.length, throttles: staleThrottles, history };
}

export function formatRetentionSummary(s: RetentionSummary): string {
  return `retention: pruned ${s.intents} connect intent(s), ${s.subdomainChecks} subdomain check(s), ${s.throttles} throttle row(s), ${s.history} history event(s)`;
}
