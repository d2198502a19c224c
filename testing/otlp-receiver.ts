/**
 * An OTLP/HTTP receiver for tests (http/json only): a node:http server on loopback that accepts
 * POST /v1/traces, /v1/metrics and /v1/logs, keeps every raw body (to search the whole export
 * for token material) and flattens spans and metric data points for assertions. Tests and the
 * bench only: the app never imports it.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type AttributeValue = string | number | boolean | undefined;

export interface ReceivedSpan {
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  attributes: Record<string, AttributeValue>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  resource: Record<string, AttributeValue>;
}

export interface ReceivedPoint {
  metric: string;
  unit: string;
  attributes: Record<string, AttributeValue>;
  /** Sums and gauges: the value; histograms: the count. */
  value: number;
  /** Histograms: the sum. */
  sum?: number;
}

export interface OtlpReceiver {
  /** The base URL: OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  rawBodies: string[];
  spans(): ReceivedSpan[];
  points(metric?: string): ReceivedPoint[];
  /** The last exported value per (metric, attributes) pair (cumulative temporality: the newest counts). */
  latest(metric: string, match?: Record<string, AttributeValue>): ReceivedPoint | undefined;
  clear(): void;
  close(): Promise<void>;
}

interface OtlpKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}

function attributesOf(list: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const { key, value } of list ?? []) {
    out[key] =
      value.stringValue ??
      (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
      value.doubleValue ??
      value.boolValue;
  }
  return out;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- OTLP JSON is walked structurally. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const rawBodies: string[] = [];
  const spans: ReceivedSpan[] = [];
  const points: ReceivedPoint[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      rawBodies.push(body);
      try {
        const json = JSON.parse(body) as any;
        if (request.url === "/v1/traces") {
          for (const rs of json.resourceSpans ?? []) {
            const resource = attributesOf(rs.resource?.attributes);
            for (const ss of rs.scopeSpans ?? [])
              for (const s of ss.spans ?? [])
                spans.push({
                  name: s.name,
                  kind: Number(s.kind ?? 0),
                  traceId: s.traceId,
                  spanId: s.spanId,
                  parentSpanId: s.parentSpanId ?? "",
                  attributes: attributesOf(s.attributes),
                  statusCode: Number(s.status?.code ?? 0),
                  resource,
                });
          }
        } else if (request.url === "/v1/metrics") {
          for (const rm of json.resourceMetrics ?? [])
            for (const sm of rm.scopeMetrics ?? [])
              for (const m of sm.metrics ?? []) {
                const data = m.sum ?? m.gauge ?? m.histogram;
                for (const p of data?.dataPoints ?? [])
                  points.push({
                    metric: m.name,
                    unit: m.unit ?? "",
                    attributes: attributesOf(p.attributes),
                    value: m.histogram ? Number(p.count ?? 0) : Number(p.asDouble ?? p.asInt ?? 0),
                    ...(m.histogram ? { sum: Number(p.sum ?? 0) } : {}),
                  });
              }
        }
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const matches = (p: ReceivedPoint, match: Record<string, AttributeValue>) =>
    Object.entries(match).every(([k, v]) => p.attributes[k] === v);
  return {
    url: `http://127.0.0.1:${port}`,
    rawBodies,
    spans: () => [...spans],
    points: (metric) => points.filter((p) => metric === undefined || p.metric === metric),
    latest: (metric, match = {}) => points.filter((p) => p.metric === metric && matches(p, match)).at(-1),
    clear() {
      rawBodies.length = 0;
      spans.length = 0;
      points.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
