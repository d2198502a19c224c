import { isSpanContextValid, trace } from "@opentelemetry/api";
import { pino, type DestinationStream, type Logger } from "pino";
import { telemetryEnv } from "../config/env.js";

/*
 * The one logger of the package and its host: JSON lines (pino) with level, time, message and,
 * inside a span, trace_id / span_id, so a log line leads to its trace. Invariant: no token,
 * authorization code, PKCE verifier, client secret or signing secret is ever passed to it —
 * callers log ids, subdomains, counts and error codes. The redact paths below are a second net
 * for a field that slips through, not the rule.
 * Development (NODE_ENV unset or "development", or LOG_FORMAT=pretty) gets one readable line per
 * entry from a small formatter in this process: no transport worker thread.
 */

/** Field names whose values are censored wherever they appear (top level or one object deep). */
const SECRET_FIELDS = [
  "token",
  "accessToken",
  "access_token",
  "refreshToken",
  "refresh_token",
  "code",
  "codeVerifier",
  "code_verifier",
  "verifier",
  "secret",
  "clientSecret",
  "client_secret",
  "password",
  "authorization",
  "Authorization",
  "cookie",
];

export const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  "headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
];

/** The active span's ids (W3C hex), for log correlation; nothing outside a sampled or unsampled span. */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}

const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

/** Development output: `12:03:04.123 INFO  message  key=value …` on stdout (warnings and errors on stderr). */
function prettyDestination(): DestinationStream {
  return {
    write(line: string) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        process.stdout.write(line);
        return;
      }
      const { level, time, message, ...rest } = entry;
      delete rest.pid;
      const name = typeof level === "string" ? level.toUpperCase() : (LEVEL_NAMES[Number(level)] ?? String(level));
      const clock = typeof time === "string" ? time.slice(11, 23) : new Date().toISOString().slice(11, 23);
      const pairs = Object.entries(rest)
        .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
        .join(" ");
      const text = `${clock} ${name.padEnd(5)} ${String(message ?? "")}${pairs ? `  ${pairs}` : ""}\n`;
      (name === "WARN" || name === "ERROR" || name === "FATAL" ? process.stderr : process.stdout).write(text);
    },
  };
}

/** A logger with the package's shape; `destination` replaces stdout (tests). */
export function createLogger(destination?: DestinationStream): Logger {
  const settings = telemetryEnv();
  return pino(
    {
      level: settings.logLevel,
      messageKey: "message",
      timestamp: pino.stdTimeFunctions.isoTime,
      base: { pid: process.pid },
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceFields,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    destination ?? (settings.logFormat === "pretty" ? prettyDestination() : pino.destination({ dest: 1, sync: true })),
  );
}

// One logger per process, even when a bundler loads this module twice (Next's server bundles).
const globalForLog = globalThis as unknown as { __zendeskConnectLogger?: Logger };

/**
 * The structured logger: `logger.info({ connectionId, subdomain }, "message")`. Hosts may use it
 * for their own lines (the reference app does), so every line of a process has one shape.
 */
export const logger: Logger = (globalForLog.__zendeskConnectLogger ??= createLogger());

/** The message of an unknown error for a log line: its name only (messages of driver errors may quote values). */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "error";
}
