import { context, ROOT_CONTEXT, trace, TraceFlags } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "./log.js";
import { sanitizedUrl, zendeskUrlTemplate } from "./spans.js";
import { telemetryEnv } from "../config/env.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

describe("logger", () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => void context.setGlobalContextManager(manager.enable()));
  afterAll(() => context.disable());

  it("writes JSON lines with level and message, and trace_id/span_id inside a span", () => {
    const { log, lines } = capture();
    log.info({ connectionId: "c1", subdomain: "acme" }, "outside");
    const spanContext = {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: TraceFlags.SAMPLED,
    };
    context.with(trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext(spanContext)), () => log.warn("inside"));
    expect(lines[0]).toMatchObject({ level: "info", message: "outside", connectionId: "c1", subdomain: "acme" });
    expect(lines[0]).not.toHaveProperty("trace_id");
    expect(lines[1]).toMatchObject({
      level: "warn",
      message: "inside",
      trace_id: spanContext.traceId,
      span_id: spanContext.spanId,
    });
  });

  it("censors token, code, verifier and secret fields, at the top level and one object deep", () => {
    const { log, lines } = capture();
    log.info(
      {
        accessToken: "at-1",
        refresh_token: "rt-1",
        code: "c-1",
        codeVerifier: "v-1",
        client: { clientSecret: "s-1", secret: "s-2" },
        headers: { authorization: "Bearer x" },
      },
      "leaky",
    );
    const text = JSON.stringify(lines[0]);
    for (const value of ["at-1", "rt-1", "c-1", "v-1", "s-1", "s-2", "Bearer x"]) expect(text).not.toContain(value);
    expect(lines[0]).toMatchObject({ accessToken: "[redacted]", client: { clientSecret: "[redacted]" } });
  });
});

describe("span helpers", () => {
  it("url.full keeps the path and redacts codes, tokens and secrets in the query, and user info", () => {
    expect(
      sanitizedUrl(
        new URL("https://u:p@acme.zendesk.com/oauth/authorizations/new?code=abc&client_secret=s&scope=read&token=t#x"),
      ),
    ).toBe(
      "https://acme.zendesk.com/oauth/authorizations/new?code=REDACTED&client_secret=REDACTED&scope=read&token=REDACTED",
    );
  });

  it("url.template drops the tenancy (host or simulator prefix) and numeric ids", () => {
    expect(zendeskUrlTemplate(new URL("https://acme.zendesk.com/oauth/tokens"))).toBe("/oauth/tokens");
    expect(zendeskUrlTemplate(new URL("http://127.0.0.1:4010/acme/api/v2/users/me.json"))).toBe(
      "/api/v2/users/me.json",
    );
    expect(zendeskUrlTemplate(new URL("https://acme.zendesk.com/api/v2/oauth/tokens/12345.json"))).toBe(
      "/api/v2/oauth/tokens/{id}.json",
    );
  });
});

describe("telemetryEnv", () => {
  it("is off without an OTLP endpoint or with OTEL_SDK_DISABLED, json outside development", () => {
    expect(telemetryEnv({ NODE_ENV: "production" })).toMatchObject({
      otelEnabled: false,
      logFormat: "json",
      logLevel: "info",
    });
    expect(telemetryEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }).otelEnabled).toBe(true);
    expect(telemetryEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces" }).otelEnabled).toBe(true);
    expect(telemetryEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" }).otelEnabled).toBe(
      false,
    );
    expect(telemetryEnv({ NODE_ENV: "development" }).logFormat).toBe("pretty");
    expect(telemetryEnv({ NODE_ENV: "development", LOG_FORMAT: "json", LOG_LEVEL: "debug" })).toMatchObject({
      logFormat: "json",
      logLevel: "debug",
    });
  });
});

describe("startTelemetry", () => {
  it("returns null and loads nothing without an endpoint", async () => {
    const { startTelemetry } = await import("./node-sdk.js");
    expect(await startTelemetry({ env: {} })).toBeNull();
  });

  it("starts with a metric interval shorter than the default export timeout, and shuts down cleanly", async () => {
    const { startTelemetry } = await import("./node-sdk.js");
    const { metrics, trace } = await import("@opentelemetry/api");
    const saved = { ...process.env };
    Object.assign(process.env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_METRIC_EXPORT_INTERVAL: "1000",
    });
    try {
      const sdk = await startTelemetry();
      expect(sdk).not.toBeNull();
      expect(trace.getTracer("t").startSpan("s").isRecording()).toBe(true);
      await sdk!.shutdown();
      expect(trace.getTracer("t").startSpan("s").isRecording()).toBe(false);
      expect(metrics.getMeterProvider().constructor.name).not.toBe("MeterProvider");
    } finally {
      for (const key of ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_METRIC_EXPORT_INTERVAL"])
        if (saved[key] === undefined) delete process.env[key];
    }
  });
});
