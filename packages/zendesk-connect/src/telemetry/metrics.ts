import {
  type Attributes,
  type Counter,
  type Histogram,
  type MeterProvider,
  metrics,
  type ObservableGauge,
  trace,
} from "@opentelemetry/api";
import { count, eq, sql } from "drizzle-orm";
import { db } from "../db/index.js";
import { webhookMessages, zendeskConnectionStatus, zendeskConnections, zendeskJobRuns } from "../db/schema.js";
import { logger } from "./log.js";
import { ATTR } from "./spans.js";

/*
 * The package's metrics, through the OpenTelemetry API. Invariant: no subdomain, connection id,
 * workspace id or user id is ever an attribute (unbounded cardinality, and customer data):
 * attributes are methods, URL templates, statuses, outcomes, triggers and error codes.
 * Instruments are made from the meter provider registered at the time of use (the API has no
 * proxy for metrics: a meter taken before the SDK starts would stay a no-op), and rebuilt if it
 * changes. The observable gauges (connections by status, outbox backlog, time since the last
 * keep-alive run) query the database only when an SDK collects: startObservers() registers
 * them, and the SDK starters (node-sdk.ts) call it.
 */

export const METER_NAME = "@zendesk-connect/next";

// Semantic-convention advice for http.client.request.duration (seconds).
const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

interface Instruments {
  httpDuration: Histogram;
  renewals: Counter;
  keepAliveRuns: Counter;
  keepAliveDuration: Histogram;
  keepAliveConnections: Counter;
  webhookDeliveries: Counter;
  throttled: Counter;
}

let built: { provider: MeterProvider; instruments: Instruments } | undefined;

function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (built?.provider !== provider) {
    const meter = provider.getMeter(METER_NAME);
    built = {
      provider,
      instruments: {
        httpDuration: meter.createHistogram("http.client.request.duration", {
          description: "Duration of HTTP client requests to Zendesk and to the webhook endpoint.",
          unit: "s",
          advice: { explicitBucketBoundaries: HTTP_DURATION_BUCKETS },
        }),
        renewals: meter.createCounter("zendesk_connect.renewals", {
          description: "Token renewals by outcome and trigger.",
          unit: "{renewal}",
        }),
        keepAliveRuns: meter.createCounter("zendesk_connect.keep_alive.runs", {
          description: "Keep-alive runs, by outcome (ok: every failure was Zendesk ending a connection).",
          unit: "{run}",
        }),
        keepAliveDuration: meter.createHistogram("zendesk_connect.keep_alive.duration", {
          description: "Duration of keep-alive runs.",
          unit: "s",
        }),
        keepAliveConnections: meter.createCounter("zendesk_connect.keep_alive.connections", {
          description: "Connections handled by keep-alive runs, by result (renewed, skipped, failed).",
          unit: "{connection}",
        }),
        webhookDeliveries: meter.createCounter("zendesk_connect.webhook.deliveries", {
          description: "Webhook delivery attempts by outcome (delivered, retrying, failed, gone).",
          unit: "{attempt}",
        }),
        throttled: meter.createCounter("zendesk_connect.throttled", {
          description: "Attempts refused by throttling, by kind.",
          unit: "{attempt}",
        }),
      },
    };
  }
  return built.instruments;
}

/** One HTTP attempt's duration (seconds) with its method, url.template, status or error.type. */
export function recordHttpDuration(seconds: number, attributes: Attributes): void {
  instruments().httpDuration.record(seconds, attributes);
}

export type RenewalOutcome = "renewed" | "skipped" | "backoff" | "failed" | "needs_reconnect";

/**
 * A renewal's outcome: counts it (zendesk_connect.renewals {outcome, trigger, error.type}) and
 * marks the active renewal span with it. Call once per renewal attempt, where its outcome is known.
 */
export function recordRenewal(input: { outcome: RenewalOutcome; trigger: string; code?: string }): void {
  const attributes: Attributes = { "zendesk_connect.renewal.outcome": input.outcome, [ATTR.trigger]: input.trigger };
  if (input.code) attributes["error.type"] = input.code;
  instruments().renewals.add(1, attributes);
  trace
    .getActiveSpan()
    ?.setAttributes({ [ATTR.outcome]: input.outcome, ...(input.code ? { "error.type": input.code } : {}) });
}

/** What recordKeepAliveRun needs of a keep-alive summary (tokens/keep-alive.ts's KeepAliveSummary fits). */
export interface KeepAliveRunSummary {
  refreshed: number;
  skipped: number;
  failed: number;
  needsReconnect: number;
}

const KEEP_ALIVE_JOB = "keep_alive";

/**
 * A finished keep-alive run: its duration and counts as metrics, and its time and counts in
 * zendesk_job_runs so any process (another instance, the metrics reader, a health view) knows
 * when the keep-alive last ran. The write is best effort: a failure is logged, never thrown.
 */
export async function recordKeepAliveRun(summary: KeepAliveRunSummary, durationMs: number): Promise<void> {
  const i = instruments();
  const unattributed = summary.failed - summary.needsReconnect;
  i.keepAliveRuns.add(1, { [ATTR.outcome]: unattributed > 0 ? "failed" : "ok" });
  i.keepAliveDuration.record(durationMs / 1000);
  i.keepAliveConnections.add(summary.refreshed, { "zendesk_connect.keep_alive.result": "renewed" });
  i.keepAliveConnections.add(summary.skipped, { "zendesk_connect.keep_alive.result": "skipped" });
  i.keepAliveConnections.add(summary.failed, { "zendesk_connect.keep_alive.result": "failed" });
  const values = {
    lastRunAt: new Date(),
    lastDurationMs: Math.round(durationMs),
    renewed: summary.refreshed,
    skipped: summary.skipped,
    failed: summary.failed,
  };
  try {
    await db
      .insert(zendeskJobRuns)
      .values({ job: KEEP_ALIVE_JOB, ...values })
      .onConflictDoUpdate({ target: zendeskJobRuns.job, set: values });
  } catch (error) {
    logger.warn({ err_name: error instanceof Error ? error.name : "error" }, "could not record the keep-alive run");
  }
}

/** Seconds since the last recorded keep-alive run, or null when none was ever recorded. */
export async function secondsSinceLastKeepAlive(now = Date.now()): Promise<number | null> {
  const [row] = await db
    .select({ lastRunAt: zendeskJobRuns.lastRunAt })
    .from(zendeskJobRuns)
    .where(eq(zendeskJobRuns.job, KEEP_ALIVE_JOB));
  return row ? Math.max(0, (now - row.lastRunAt.getTime()) / 1000) : null;
}

export type WebhookDeliveryOutcome = "delivered" | "retrying" | "failed" | "gone";

/** One webhook delivery attempt's outcome. */
export function recordWebhookDelivery(outcome: WebhookDeliveryOutcome): void {
  instruments().webhookDeliveries.add(1, { [ATTR.outcome]: outcome });
}

/** An attempt refused by throttling; `kind` names the bucket family ("connect", "subdomain_check", "sign_in", …). */
export function recordThrottled(kind: string): void {
  instruments().throttled.add(1, { "zendesk_connect.throttle.kind": kind });
}

// The observers are registered once per meter provider per process (a bundler may load this module twice).
const globalForObservers = globalThis as unknown as { __zendeskConnectObservers?: MeterProvider };

/**
 * Registers the observable gauges on the current meter provider: called by an SDK starter right
 * after it registers one. Each collection runs three small queries: connections grouped by
 * status, the pending outbox, the keep-alive's last run.
 */
export function startObservers(): void {
  const provider = metrics.getMeterProvider();
  if (globalForObservers.__zendeskConnectObservers === provider) return;
  globalForObservers.__zendeskConnectObservers = provider;
  const meter = provider.getMeter(METER_NAME);
  const connections: ObservableGauge = meter.createObservableGauge("zendesk_connect.connections", {
    description: "Connections by status (active, error, needs_reconnect, …).",
    unit: "{connection}",
  });
  const backlog: ObservableGauge = meter.createObservableGauge("zendesk_connect.webhook.outbox.backlog", {
    description: "Webhook messages waiting for delivery (state: new = never attempted, retrying = failed before).",
    unit: "{message}",
  });
  const sinceKeepAlive: ObservableGauge = meter.createObservableGauge(
    "zendesk_connect.keep_alive.time_since_last_run",
    { description: "Seconds since the last keep-alive run of any process (absent until one ran).", unit: "s" },
  );
  meter.addBatchObservableCallback(
    async (result) => {
      try {
        const rows = await db
          .select({ status: zendeskConnections.status, n: count() })
          .from(zendeskConnections)
          .groupBy(zendeskConnections.status);
        const counts = new Map(rows.map((r) => [r.status as string, Number(r.n)]));
        for (const status of zendeskConnectionStatus.enumValues)
          result.observe(connections, counts.get(status) ?? 0, { "zendesk_connect.connection.status": status });
        const [pending] = await db
          .select({
            fresh: sql<number>`count(*) filter (where ${webhookMessages.attempts} = 0)`,
            retrying: sql<number>`count(*) filter (where ${webhookMessages.attempts} > 0)`,
          })
          .from(webhookMessages)
          .where(eq(webhookMessages.status, "pending"));
        result.observe(backlog, Number(pending?.fresh ?? 0), { "zendesk_connect.webhook.state": "new" });
        result.observe(backlog, Number(pending?.retrying ?? 0), { "zendesk_connect.webhook.state": "retrying" });
        const seconds = await secondsSinceLastKeepAlive();
        if (seconds !== null) result.observe(sinceKeepAlive, seconds);
      } catch (error) {
        // The database is down or closing: this collection reports nothing rather than failing the export.
        logger.debug({ err_name: error instanceof Error ? error.name : "error" }, "metrics: observation skipped");
      }
    },
    [connections, backlog, sinceKeepAlive],
  );
}
