import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { metrics, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AggregationTemporality, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MAX_WEBHOOK_BODY_BYTES, postWebhook } from "./send.js";

/*
 * One delivery attempt against a real HTTP server on loopback: what is sent, what is refused
 * before sending, how each kind of answer or failure is reported, and the span and duration
 * sample the attempt records (with in-memory OpenTelemetry providers).
 */

const signed = { "webhook-id": "msg_1", "webhook-timestamp": "1767225600", "webhook-signature": "v1,c2lnbmVk" };

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });

class Reader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected override async onForceFlush() {}
  protected override async onShutdown() {}
}
const reader = new Reader();
const meterProvider = new MeterProvider({ readers: [reader] });

/** The duration samples recorded since the last call: one per attempt here. */
async function samples() {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === "http.client.request.duration");
  return (metric?.dataPoints ?? []).map((p) => ({
    attributes: p.attributes,
    seconds: (p.value as { sum: number }).sum,
  }));
}

async function durations() {
  return (await samples()).map((s) => s.attributes);
}

/** A loopback port nobody listens on (just released by a server of ours). */
async function closedPort(): Promise<number> {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  return port;
}

function onlySpan(): ReadableSpan {
  const finished = spans.getFinishedSpans();
  expect(finished).toHaveLength(1);
  return finished[0]!;
}

beforeAll(async () => {
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const path = new URL(req.url!, "http://x").pathname;
      seen.push({ path, headers: req.headers, body });
      if (path === "/ok") res.writeHead(204).end();
      else if (path === "/redirect") res.writeHead(302, { location: "/elsewhere" }).end();
      else if (path === "/slow") setTimeout(() => res.writeHead(204).end(), 2000);
      else res.writeHead(Number(path.slice(1)) || 404).end("an answer body nobody reads");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  trace.disable();
  metrics.disable();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
});

beforeEach(async () => {
  seen.length = 0;
  spans.reset();
  await durations();
});

describe("postWebhook", () => {
  it("POSTs the body as JSON with the signed headers; a 2xx is answered, and the span hides every query value", async () => {
    const body = '{"type":"connection.created"}';
    expect(await postWebhook(`${base}/ok?tenant=acme&tenant=beta&v=2`, signed, body, 1000)).toEqual({
      kind: "answered",
      status: 204,
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toBe(body);
    expect(seen[0]!.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": "zendesk-connect-webhooks/1",
      ...signed,
    });
    const span = onlySpan();
    expect(span.name).toBe("POST");
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.response.status_code": 204,
      "url.full": `${base}/ok?tenant=REDACTED&v=REDACTED`,
    });
    expect(span.attributes).not.toHaveProperty("error.type");
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(await durations()).toEqual([
      { "http.request.method": "POST", "zendesk_connect.http.peer": "webhook", "http.response.status_code": 204 },
    ]);
  });

  it("a redirect is an answer, not followed; the span records the status as the error", async () => {
    expect(await postWebhook(`${base}/redirect`, signed, "{}", 1000)).toEqual({ kind: "answered", status: 302 });
    expect(seen.map((s) => s.path)).toEqual(["/redirect"]);
    expect(onlySpan().attributes).toMatchObject({ "http.response.status_code": 302, "error.type": "302" });
    expect(onlySpan().status.code).toBe(SpanStatusCode.ERROR);
    expect(await durations()).toEqual([
      {
        "http.request.method": "POST",
        "zendesk_connect.http.peer": "webhook",
        "http.response.status_code": 302,
        "error.type": "302",
      },
    ]);
  });

  it("any 3xx, 300 included, is an error on the span", async () => {
    expect(await postWebhook(`${base}/300`, signed, "{}", 1000)).toEqual({ kind: "answered", status: 300 });
    expect(onlySpan().attributes).toMatchObject({ "http.response.status_code": 300, "error.type": "300" });
  });

  it("a 500 is an answer with its status", async () => {
    expect(await postWebhook(`${base}/500`, signed, "{}", 1000)).toEqual({ kind: "answered", status: 500 });
    expect(onlySpan().attributes).toMatchObject({ "http.response.status_code": 500, "error.type": "500" });
  });

  it("an endpoint slower than the timeout: no answer, a timeout", async () => {
    expect(await postWebhook(`${base}/slow`, signed, "{}", 150)).toEqual({ kind: "no_answer", error: "timeout" });
    const span = onlySpan();
    expect(span.attributes).toMatchObject({ "error.type": "timeout" });
    expect(span.attributes).not.toHaveProperty("http.response.status_code");
    const [sample] = await samples();
    expect(sample!.attributes).toStrictEqual({
      "http.request.method": "POST",
      "zendesk_connect.http.peer": "webhook",
      "error.type": "timeout",
    });
    // In seconds (the semantic convention's unit): at least the 150 ms the attempt waited.
    expect(sample!.seconds).toBeGreaterThanOrEqual(0.15);
    expect(sample!.seconds).toBeLessThan(60);
  });

  it("a connection refused before it is made, without a code: no answer, a connection failure", async () => {
    // Port 1 is on fetch's list of blocked ports: it fails without a system error code.
    expect(await postWebhook("http://127.0.0.1:1/", signed, "{}", 1000)).toEqual({
      kind: "no_answer",
      error: "connection failed",
    });
    expect(onlySpan().attributes).toMatchObject({ "error.type": "connection_failed" });
  });

  it("nobody listening: no answer, the connection failure's code", async () => {
    expect(await postWebhook(`http://127.0.0.1:${await closedPort()}/`, signed, "{}", 1000)).toEqual({
      kind: "no_answer",
      error: "connection failed (ECONNREFUSED)",
    });
    expect(onlySpan().attributes).toMatchObject({ "error.type": "connection_failed" });
  });

  it("refuses, without sending, a URL that is not http(s) and a body above 64 KiB (64 KiB exactly is sent)", async () => {
    expect(await postWebhook("ftp://127.0.0.1/hooks", signed, "{}", 1000)).toEqual({
      kind: "no_answer",
      error: "refused: the webhook URL is not http(s)",
    });
    const limit = "x".repeat(MAX_WEBHOOK_BODY_BYTES);
    expect(await postWebhook(`${base}/ok`, signed, `${limit}x`, 1000)).toEqual({
      kind: "no_answer",
      error: "refused: the body exceeds 64 KiB",
    });
    // Bytes, not characters: 32 Ki two-byte characters plus one are above the limit.
    expect(await postWebhook(`${base}/ok`, signed, `${"é".repeat(MAX_WEBHOOK_BODY_BYTES / 2)}x`, 1000)).toMatchObject({
      kind: "no_answer",
    });
    expect(seen).toHaveLength(0);
    expect(spans.getFinishedSpans()).toHaveLength(0);
    // https is sent (nobody listens on that port): a connection failure, not a refusal.
    expect(await postWebhook(`https://127.0.0.1:${await closedPort()}/`, signed, "{}", 1000)).toEqual({
      kind: "no_answer",
      error: "connection failed (ECONNREFUSED)",
    });
    expect(await postWebhook(`${base}/ok`, signed, limit, 1000)).toEqual({ kind: "answered", status: 204 });
    expect(MAX_WEBHOOK_BODY_BYTES).toBe(65_536);
  });
});
