import { context, metrics, propagation, trace } from "@opentelemetry/api";
import { telemetryEnv } from "../config/env.js";
import { logger } from "./log.js";
import { startObservers } from "./metrics.js";

/*
 * @zendesk-connect/next/telemetry: starts an OpenTelemetry SDK (traces and metrics over OTLP/HTTP)
 * for this package's CLI and for a host's Node server (the reference app's instrumentation.ts),
 * only when an OTLP endpoint is configured. Configuration is OpenTelemetry's own variables, read
 * by the SDK: OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_/_METRICS_ENDPOINT), _PROTOCOL
 * (http/protobuf, the default, or http/json), _HEADERS, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_TRACES_SAMPLER(_ARG), OTEL_METRIC_EXPORT_INTERVAL / _TIMEOUT, OTEL_SDK_DISABLED.
 * The SDK packages are optional peer dependencies, imported here and only here, dynamically:
 * a process without OTEL_* never loads them.
 */

export interface TelemetryHandle {
  /** Exports what is buffered now (spans and a metric collection). */
  forceFlush(): Promise<void>;
  /** Flushes, stops exporting and unregisters the SDK: a short-lived process awaits it before exiting. */
  shutdown(): Promise<void>;
}

export interface StartTelemetryOptions {
  /** service.name when OTEL_SERVICE_NAME is unset. Default "zendesk-connect". */
  serviceName?: string;
  /** Overrides process.env (tests). */
  env?: Record<string, string | undefined>;
}

const globalForSdk = globalThis as unknown as { __zendeskConnectTelemetry?: TelemetryHandle };

function setting(source: Record<string, string | undefined>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = source[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

function milliseconds(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * Starts the SDK when OTEL_* configures an endpoint and returns its handle; null (and nothing
 * loaded) otherwise. Idempotent within a process. Never throws: a missing SDK package or a bad
 * value is one warning line, and the process runs without telemetry.
 */
export async function startTelemetry(options: StartTelemetryOptions = {}): Promise<TelemetryHandle | null> {
  const source = options.env ?? process.env;
  if (!telemetryEnv(source).otelEnabled) return null;
  if (globalForSdk.__zendeskConnectTelemetry) return globalForSdk.__zendeskConnectTelemetry;
  try {
    const handle = await start(source, options.serviceName ?? "zendesk-connect");
    globalForSdk.__zendeskConnectTelemetry = handle;
    return handle;
  } catch (error) {
    logger.warn(
      { err_name: error instanceof Error ? error.name : "error", reason: error instanceof Error ? error.message : "" },
      "OpenTelemetry is configured (OTEL_EXPORTER_OTLP_ENDPOINT) but could not start; running without it (see reason; a missing module means the optional @opentelemetry/sdk-* and exporter packages are not installed)",
    );
    return null;
  }
}

async function start(
  source: Record<string, string | undefined>,
  fallbackServiceName: string,
): Promise<TelemetryHandle> {
  const [{ NodeTracerProvider, BatchSpanProcessor }, { MeterProvider, PeriodicExportingMetricReader }, resources] =
    await Promise.all([
      import("@opentelemetry/sdk-trace-node"),
      import("@opentelemetry/sdk-metrics"),
      import("@opentelemetry/resources"),
    ]);
  const protocolOf = (signal: "TRACES" | "METRICS") =>
    setting(source, `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`, "OTEL_EXPORTER_OTLP_PROTOCOL") ?? "http/protobuf";
  const tracesProtocol = protocolOf("TRACES");
  const metricsProtocol = protocolOf("METRICS");
  for (const protocol of [tracesProtocol, metricsProtocol])
    if (protocol !== "http/protobuf" && protocol !== "http/json")
      throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL "${protocol}" is not supported here (http/protobuf or http/json)`);

  const { OTLPTraceExporter } =
    tracesProtocol === "http/json"
      ? await import("@opentelemetry/exporter-trace-otlp-http")
      : await import("@opentelemetry/exporter-trace-otlp-proto");
  const { OTLPMetricExporter } =
    metricsProtocol === "http/json"
      ? await import("@opentelemetry/exporter-metrics-otlp-http")
      : await import("@opentelemetry/exporter-metrics-otlp-proto");

  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (envDetector) win over the fallback name.
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ "service.name": fallbackServiceName }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));

  // The exporters read the endpoint (appending /v1/traces, /v1/metrics) and headers from OTEL_*;
  // the tracer provider reads OTEL_TRACES_SAMPLER and the batch processor's OTEL_BSP_* values.
  // Everything is built before anything is registered: a bad value leaves no half-started SDK.
  const tracerProvider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  const intervalMs = milliseconds(setting(source, "OTEL_METRIC_EXPORT_INTERVAL"), 60_000);
  // The SDK refuses a timeout longer than the interval: a short interval shortens the timeout too.
  const timeoutMs = Math.min(milliseconds(setting(source, "OTEL_METRIC_EXPORT_TIMEOUT"), 30_000), intervalMs);
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter(),
    exportIntervalMillis: intervalMs,
    exportTimeoutMillis: timeoutMs,
  });
  const meterProvider = new MeterProvider({ resource, readers: [reader] });

  // Registers the AsyncLocalStorage context manager and the W3C trace-context propagator too.
  tracerProvider.register();
  metrics.setGlobalMeterProvider(meterProvider);
  startObservers();

  let stopped: Promise<void> | undefined;
  return {
    async forceFlush() {
      await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]);
    },
    shutdown() {
      stopped ??= (async () => {
        // Metrics last: their final collection runs the gauges' queries while the database is open.
        await tracerProvider.shutdown().catch(() => {});
        await meterProvider.shutdown().catch(() => {});
        trace.disable();
        metrics.disable();
        propagation.disable();
        context.disable();
        if (globalForSdk.__zendeskConnectTelemetry) globalForSdk.__zendeskConnectTelemetry = undefined;
      })();
      return stopped;
    },
  };
}
