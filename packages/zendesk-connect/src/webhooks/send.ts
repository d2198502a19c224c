import { context, trace } from "@opentelemetry/api";
import { recordHttpDuration } from "../telemetry/metrics.js";
import { endClientSpan, startClientSpan } from "../telemetry/spans.js";
import type { SignedHeaders } from "./signing.js";

/*
 * One HTTP attempt. The URL is operator configuration, yet the sender still refuses anything but
 * http(s), never follows a redirect (a 3xx is a failed attempt), bounds the attempt with a
 * timeout, and never reads the answer's body: only its status is kept. The attempt is one
 * OpenTelemetry client span ("POST", url.full with sensitive query values redacted) and one
 * http.client.request.duration sample (no URL attribute: it is the operator's).
 */

/** Bodies above this are never sent (ours are a few hundred bytes). */
export const MAX_WEBHOOK_BODY_BYTES = 64 * 1024;

export type SendOutcome = { kind: "answered"; status: number } | { kind: "no_answer"; error: string };

export async function postWebhook(
  url: string,
  headers: SignedHeaders,
  body: string,
  timeoutMs: number,
): Promise<SendOutcome> {
  const target = new URL(url);
  if (target.protocol !== "http:" && target.protocol !== "https:")
    return { kind: "no_answer", error: "refused: the webhook URL is not http(s)" };
  if (Buffer.byteLength(body, "utf8") > MAX_WEBHOOK_BODY_BYTES)
    return { kind: "no_answer", error: "refused: the body exceeds 64 KiB" };
  // The operator's URL: every query value is hidden in the span (as endpointLabel does in logs).
  const shown = new URL(target);
  for (const key of [...new Set(shown.searchParams.keys())]) shown.searchParams.set(key, "REDACTED");
  const span = startClientSpan("POST", shown, undefined);
  const started = performance.now();
  let outcome: SendOutcome;
  try {
    const response = await context.with(trace.setSpan(context.active(), span), () =>
      fetch(target, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "zendesk-connect-webhooks/1",
          ...headers,
        },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      }),
    );
    // The answer's body is never read: it is the endpoint's, and nothing here needs it.
    await response.body?.cancel().catch(() => {});
    outcome = { kind: "answered", status: response.status };
  } catch (error) {
    outcome = { kind: "no_answer", error: describeNetworkError(error) };
  }
  const status = outcome.kind === "answered" ? outcome.status : undefined;
  const errorType =
    status === undefined
      ? outcome.kind === "no_answer" && outcome.error === "timeout"
        ? "timeout"
        : "connection_failed"
      : status >= 300
        ? String(status)
        : undefined;
  endClientSpan(span, { status, errorType });
  recordHttpDuration((performance.now() - started) / 1000, {
    "http.request.method": "POST",
    "zendesk_connect.http.peer": "webhook",
    ...(status !== undefined ? { "http.response.status_code": status } : {}),
    ...(errorType ? { "error.type": errorType } : {}),
  });
  return outcome;
}

function describeNetworkError(error: unknown): string {
  const name = (error as { name?: string })?.name;
  if (name === "TimeoutError" || name === "AbortError") return "timeout";
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  return code ? `connection failed (${code})` : "connection failed";
}
