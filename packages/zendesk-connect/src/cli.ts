#!/usr/bin/env node
/**
 * `npx zendesk-connect <command>`: the package's jobs from a shell, a cron job or a deploy step,
 * configured from the environment (DATABASE_URL or PGLITE_DIR, TOKEN_ENCRYPTION_KEYS, ZENDESK_*).
 * With embedded PGlite, run them only while the app is stopped (one process per data directory).
 * Log lines go through the package's logger (JSON lines, or readable ones in development); a
 * report a command prints for a person (webhooks status) goes to stdout as text. With OTEL_*
 * set, each run is one trace (a zendesk_connect.cli span around the command) exported, with the
 * metrics, before the process exits.
 */
import { closeDatabase } from "./db/index.js";
import { migrate } from "./db/migrate.js";
import { formatRetentionSummary, pruneExpiredData } from "./retention.js";
import { reencryptAllSecrets, rotationReport } from "./store/rotate-keys.js";
import { formatKeepAliveSummary, refreshDueConnections, unattributedFailures } from "./tokens/keep-alive.js";
import { deliverDueWebhooks, formatDeliveryCounts } from "./webhooks/deliver.js";
import { endpointLabel, webhookSettings } from "./webhooks/settings.js";
import { deliveryReport, formatDeliveryReport, sendTestWebhook } from "./webhooks/status.js";
import { telemetryEnv } from "./config/env.js";
import { keepAliveCounts, observeKeepAlive } from "./telemetry/jobs.js";
import { logger } from "./telemetry/log.js";
import { withOperationSpan } from "./telemetry/spans.js";
import type { TelemetryHandle } from "./telemetry/node-sdk.js";

const USAGE = `Usage: zendesk-connect <command>

  migrate                  apply the package's pending database migrations
  refresh-due              the keep-alive: renew what is due, then prune expired data
                           (exit 1 when a renewal failed for a reason other than Zendesk refusing it)
  rotate-key [--batch-size=N]
                           re-encrypt every stored secret under the first key of TOKEN_ENCRYPTION_KEYS
                           (exit 0 only when no row is left under another key)
  webhooks deliver         deliver the webhook outbox's due messages
  webhooks status [N]      the last N webhook deliveries (default 20)
  webhooks send-test       queue and deliver a test event to WEBHOOK_URL
`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  async migrate() {
    await migrate();
    logger.info({ command: "migrate" }, "Zendesk Connect migrations applied.");
    return 0;
  },
  async "refresh-due"() {
    const summary = await observeKeepAlive(() => refreshDueConnections());
    logger.info({ job: "keep_alive", ...keepAliveCounts(summary) }, formatKeepAliveSummary(summary));
    for (const r of summary.results) {
      if (r.outcome === "failed")
        logger.warn(
          {
            connectionId: r.connectionId,
            subdomain: r.subdomain,
            error_code: r.code,
            needs_reconnect: r.needsReconnect,
          },
          `renewal failed: ${r.code}: ${r.message}`,
        );
    }
    logger.info({ job: "retention" }, formatRetentionSummary(await pruneExpiredData()));
    return unattributedFailures(summary) > 0 ? 1 : 0;
  },
  async "rotate-key"(args) {
    const batchArg = args.find((a) => a.startsWith("--batch-size="));
    const batchSize = batchArg ? Number(batchArg.slice("--batch-size=".length)) : 100;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error("--batch-size must be a positive integer");
    const report = rotationReport(await reencryptAllSecrets({ batchSize }));
    // Success only when a final count finds no row left under an old key.
    if (report.exitCode === 0) logger.info({ command: "rotate-key" }, report.line);
    else logger.error({ command: "rotate-key" }, report.line);
    return report.exitCode;
  },
  async "webhooks deliver"() {
    const counts = await deliverDueWebhooks();
    logger.info({ job: "webhooks", ...counts }, formatDeliveryCounts(counts));
    return 0;
  },
  async "webhooks status"(args) {
    const limit = Number(args[0] ?? 20);
    const report = await deliveryReport(Number.isInteger(limit) && limit > 0 ? limit : 20);
    process.stdout.write(`${formatDeliveryReport(report)}\n`);
    return 0;
  },
  async "webhooks send-test"() {
    const result = await sendTestWebhook();
    const endpoint = endpointLabel(webhookSettings().endpoint!.url);
    const answer = result.lastStatus !== null ? `HTTP ${result.lastStatus}` : (result.lastError ?? "no answer");
    if (result.status === "delivered") {
      logger.info({ command: "webhooks send-test" }, `Test event ${result.id} delivered to ${endpoint} (${answer}).`);
      return 0;
    }
    logger.error(
      { command: "webhooks send-test" },
      `Test event ${result.id} not delivered to ${endpoint}: ${answer} (state: ${result.status}).`,
    );
    return 1;
  },
};

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h") {
    process.stdout.write(USAGE);
    return argv.length === 0 ? 1 : 0;
  }
  const twoWords = `${argv[0]} ${argv[1] ?? ""}`.trim();
  const [name, args] = COMMANDS[twoWords] ? [twoWords, argv.slice(2)] : [argv[0]!, argv.slice(1)];
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`zendesk-connect: unknown command "${argv.join(" ")}"\n\n${USAGE}`);
    return 1;
  }
  // The SDK only when OTEL_* names an endpoint: otherwise it is never even loaded.
  const telemetry: TelemetryHandle | null = telemetryEnv().otelEnabled
    ? await (await import("./telemetry/node-sdk.js")).startTelemetry({ serviceName: "zendesk-connect-cli" })
    : null;
  try {
    return await withOperationSpan("zendesk_connect.cli", { "zendesk_connect.cli.command": name }, () => command(args));
  } catch (error) {
    // Messages name variables and key ids, never key material or tokens.
    logger.error(
      { command: name, err_name: error instanceof Error ? error.name : "error" },
      `zendesk-connect ${name} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  } finally {
    // Export before exiting (the metrics' last collection reads the database: close it after).
    await telemetry?.shutdown();
    await closeDatabase();
  }
}

process.exitCode = await main(process.argv.slice(2));
