import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { and, count, eq, gt, inArray, isNull, lt, lte, ne, or, sql } from "drizzle-orm";
import { db } from "../db/index.js";
import { type WebhookMessage, webhookAlerts, webhookMessages } from "../db/schema.js";
import { nextAttemptAt } from "./schedule.js";
import { postWebhook, type SendOutcome } from "./send.js";
import { endpointLabel, webhookSettings } from "./settings.js";
import { signWebhook } from "./signing.js";
import { logger } from "../telemetry/log.js";
import { recordWebhookDelivery } from "../telemetry/metrics.js";
import { ATTR, SPAN, withOperationSpan } from "../telemetry/spans.js";

/*
 * Delivery runners. Invariants:
 * - A message is claimed by one short statement (FOR UPDATE SKIP LOCKED + a lease: holder and
 *   expiry) that commits before the HTTP call; the attempt's result is stored by a second short
 *   statement that only applies while the lease is still ours. No lock or transaction is held
 *   across the network, and two runners never send one message at the same time.
 * - The lease outlasts the attempt (timeout < lease): a runner killed mid-send leaves a lease
 *   that expires, after which another runner sends the message again with the same webhook-id
 *   (at least once; the host app deduplicates).
 * - 2xx = delivered; 410 = stop; anything else (3xx included: redirects are never followed) or
 *   no answer = retry on the schedule, then failed.
 */

/** Messages one runner sends at once. */
const BATCH = 8;
/** Failed attempts of one message after which the operator hears of it (at most once an hour). */
const ALERT_AFTER_ATTEMPTS = 3;
const ALERT_KEY = "endpoint_failing";
const ALERT_INTERVAL_MS = 60 * 60 * 1000;

export interface DeliveryCounts {
  delivered: number;
  retrying: number;
  failed: number;
  gone: number;
  /** Delivered messages removed after the retention period. */
  pruned: number;
}

const emptyCounts = (): DeliveryCounts => ({ delivered: 0, retrying: 0, failed: 0, gone: 0, pruned: 0 });

const processHolder = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;

export interface RunOptions {
  /** Stop claiming new messages after this long (a cron request must answer in time). */
  maxDurationMs?: number;
  /** The app's clock (tests). */
  now?: () => Date;
}

/**
 * Delivers every due message (first attempts and retries), batch by batch, until none is due
 * or the time budget is spent; then prunes delivered messages past the retention period.
 */
export async function deliverDueWebhooks(options: RunOptions = {}): Promise<DeliveryCounts> {
  const counts = emptyCounts();
  const settings = webhookSettings();
  const now = options.now ?? (() => new Date());
  if (settings.endpoint) {
    const started = Date.now();
    const budget = options.maxDurationMs ?? Number.POSITIVE_INFINITY;
    while (Date.now() - started < budget) {
      const claimed = await claim({ limit: BATCH, now: now() });
      if (claimed.length === 0) break;
      await sendClaimed(claimed, settings.endpoint, counts, now);
    }
  }
  counts.pruned = await pruneDeliveredWebhooks(now());
  return counts;
}

/**
 * Delivers the given messages now if they are due and unclaimed (the after-commit path).
 * `waitForCommit`: the caller may still be inside its transaction, so retry briefly until the
 * rows are visible; a message never seen here is left to the runners.
 */
export async function deliverMessages(
  ids: string[],
  { waitForCommit = false, now = () => new Date() }: { waitForCommit?: boolean; now?: () => Date } = {},
): Promise<DeliveryCounts> {
  const counts = emptyCounts();
  const { endpoint } = webhookSettings();
  if (!endpoint || ids.length === 0) return counts;
  const waits = waitForCommit ? [10, 50, 200, 1000, 3000] : [];
  let remaining = ids;
  for (let i = 0; ; i++) {
    const claimed = await claim({ limit: remaining.length, now: now(), ids: remaining });
    if (claimed.length > 0) await sendClaimed(claimed, endpoint, counts, now);
    const claimedIds = new Set(claimed.map((m) => m.id));
    remaining = remaining.filter((id) => !claimedIds.has(id));
    if (remaining.length === 0 || i >= waits.length) break;
    // Keep waiting for rows not yet visible, and for rows that became claimable since (the claim
    // may have run just before the commit); drop only rows another runner has or that are not due.
    const taken = await db
      .select({ id: webhookMessages.id })
      .from(webhookMessages)
      .where(
        and(
          inArray(webhookMessages.id, remaining),
          or(
            ne(webhookMessages.status, "pending"),
            gt(webhookMessages.nextAttemptAt, now()),
            gt(webhookMessages.leaseExpiresAt, now()),
          ),
        ),
      );
    const gone = new Set(taken.map((t) => t.id));
    remaining = remaining.filter((id) => !gone.has(id));
    if (remaining.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, waits[i]));
  }
  return counts;
}

/** One short statement: take due, unleased messages with SKIP LOCKED, count the attempt, set the lease. */
async function claim({ limit, now, ids }: { limit: number; now: Date; ids?: string[] }): Promise<WebhookMessage[]> {
  const { leaseMs } = webhookSettings();
  const due = db
    .select({ id: webhookMessages.id })
    .from(webhookMessages)
    .where(
      and(
        eq(webhookMessages.status, "pending"),
        lte(webhookMessages.nextAttemptAt, now),
        or(isNull(webhookMessages.leaseExpiresAt), lte(webhookMessages.leaseExpiresAt, now)),
        ids ? inArray(webhookMessages.id, ids) : undefined,
      ),
    )
    .orderBy(webhookMessages.nextAttemptAt, webhookMessages.createdAt)
    .limit(limit)
    .for("update", { skipLocked: true });
  return db
    .update(webhookMessages)
    .set({
      leaseHolder: processHolder,
      leaseExpiresAt: new Date(now.getTime() + leaseMs),
      attempts: sql`${webhookMessages.attempts} + 1`,
      lastAttemptAt: now,
    })
    .where(inArray(webhookMessages.id, due))
    .returning();
}

type Endpoint = NonNullable<ReturnType<typeof webhookSettings>["endpoint"]>;

async function sendClaimed(
  messages: WebhookMessage[],
  endpoint: Endpoint,
  counts: DeliveryCounts,
  now: () => Date,
): Promise<void> {
  await Promise.all(
    messages.map((message) =>
      withOperationSpan(
        SPAN.webhookDelivery,
        { "zendesk_connect.webhook.message_id": message.id, "zendesk_connect.webhook.attempt": message.attempts },
        async (span) => {
          const outcome = await attempt(message, endpoint, now);
          const result = await recordAttempt(message, endpoint, outcome, now());
          if (result) {
            counts[result] += 1;
            recordWebhookDelivery(result);
            span.setAttribute(ATTR.outcome, result);
          }
        },
      ),
    ),
  );
}

/** One attempt to the endpoint the run checked before claiming (webhooks on). */
async function attempt(message: WebhookMessage, endpoint: Endpoint, now: () => Date): Promise<SendOutcome> {
  const { timeoutMs } = webhookSettings();
  // Never start an attempt that could outlive the lease (a runner stalled after claiming).
  if (message.leaseExpiresAt && now().getTime() + timeoutMs > message.leaseExpiresAt.getTime())
    return { kind: "no_answer", error: "lease too short to send; retried later" };
  const headers = signWebhook(endpoint.secrets, message.id, now().getTime() / 1000, message.body);
  return postWebhook(endpoint.url, headers, message.body, timeoutMs);
}

type AttemptResult = Exclude<keyof DeliveryCounts, "pruned">;

/** Second short statement: applies the attempt's result while the lease is still ours. */
async function recordAttempt(
  message: WebhookMessage,
  endpoint: Endpoint,
  outcome: SendOutcome,
  now: Date,
): Promise<AttemptResult | null> {
  const settings = webhookSettings();
  const status = outcome.kind === "answered" ? outcome.status : null;
  const release = { leaseHolder: null, leaseExpiresAt: null, lastStatus: status };
  let result: AttemptResult;
  let values: Partial<typeof webhookMessages.$inferInsert>;
  if (status !== null && status >= 200 && status < 300) {
    result = "delivered";
    values = { ...release, status: "delivered", deliveredAt: now, lastError: null };
  } else if (status === 410) {
    result = "gone";
    values = { ...release, status: "gone", lastError: "410 Gone: the endpoint asked not to retry" };
  } else {
    const lastError =
      outcome.kind === "no_answer"
        ? outcome.error
        : status! >= 300 && status! < 400
          ? `HTTP ${status}: redirect not followed`
          : `HTTP ${status}`;
    const next = nextAttemptAt(settings.retryScheduleSeconds, message.attempts, now);
    result = next ? "retrying" : "failed";
    values = next
      ? { ...release, nextAttemptAt: next, lastError }
      : { ...release, status: "failed", lastError: `${lastError} (after ${message.attempts} attempts)` };
  }
  const updated = await db
    .update(webhookMessages)
    .set(values)
    .where(
      and(
        eq(webhookMessages.id, message.id),
        eq(webhookMessages.leaseHolder, processHolder),
        eq(webhookMessages.attempts, message.attempts),
      ),
    )
    .returning({ id: webhookMessages.id });
  if (updated.length === 0) return null;
  if (result !== "delivered" && (message.attempts >= ALERT_AFTER_ATTEMPTS || result !== "retrying"))
    await alertOperator(endpoint, describeLast(outcome), now);
  return result;
}

function describeLast(outcome: SendOutcome): string {
  if (outcome.kind === "no_answer") return outcome.error;
  const { status } = outcome;
  return status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`;
}

/**
 * One error line per hour across every instance (the limiter is a row in Postgres): names the
 * endpoint and its last answer, never a body or a secret.
 */
async function alertOperator(endpoint: Endpoint, lastAnswer: string, now: Date): Promise<void> {
  const won = await db
    .insert(webhookAlerts)
    .values({ key: ALERT_KEY, lastLoggedAt: now })
    .onConflictDoUpdate({
      target: webhookAlerts.key,
      set: { lastLoggedAt: now },
      setWhere: lte(webhookAlerts.lastLoggedAt, new Date(now.getTime() - ALERT_INTERVAL_MS)),
    })
    .returning({ key: webhookAlerts.key });
  if (won.length === 0) return;
  const [waiting] = await db
    .select({ n: count() })
    .from(webhookMessages)
    .where(and(eq(webhookMessages.status, "pending"), gt(webhookMessages.attempts, 0)));
  const [given] = await db
    .select({ n: count() })
    .from(webhookMessages)
    .where(inArray(webhookMessages.status, ["failed", "gone"]));
  logger.error(
    {
      component: "webhooks",
      endpoint: endpointLabel(endpoint.url),
      last_answer: lastAnswer,
      awaiting_retry: Number(waiting?.n ?? 0),
      given_up: Number(given?.n ?? 0),
    },
    `webhook deliveries to ${endpointLabel(endpoint.url)} are failing: last answer ${lastAnswer}; ` +
      `${waiting?.n ?? 0} message(s) awaiting retry, ${given?.n ?? 0} given up (see npm run webhooks:status)`,
  );
}

/** Removes delivered messages older than the retention period; returns how many. */
export async function pruneDeliveredWebhooks(now: Date = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - webhookSettings().retentionDays * 86_400_000);
  const removed = await db
    .delete(webhookMessages)
    .where(and(eq(webhookMessages.status, "delivered"), lt(webhookMessages.deliveredAt, cutoff)))
    .returning({ id: webhookMessages.id });
  return removed.length;
}

/** One line for logs and the cron answer. */
export function formatDeliveryCounts(c: DeliveryCounts): string {
  return `webhooks: ${c.delivered} delivered, ${c.retrying} to retry, ${c.failed} failed, ${c.gone} gone, ${c.pruned} pruned`;
}
