import { type Attributes, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { ZendeskError } from "../transport/errors.js";

/*
 * Spans through the OpenTelemetry API only: a library emits, the host (or this package's CLI)
 * starts an SDK. Without one every call here is the API's no-op (no allocation beyond a
 * non-recording span, no export). Invariants: no span attribute or name ever holds a token,
 * code, verifier or secret — URLs go through sanitizedUrl(), errors become a low-cardinality
 * error.type (a ZendeskError code, an HTTP status, an error's name), never an exception message.
 */

export const TRACER_NAME = "@zendesk-connect/next";

/** Attribute keys of the package's operation spans (client spans use the HTTP semantic conventions). */
export const ATTR = {
  connectionId: "zendesk_connect.connection.id",
  subdomain: "zendesk_connect.subdomain",
  trigger: "zendesk_connect.renewal.trigger",
  outcome: "zendesk_connect.outcome",
  errorType: "error.type",
} as const;

/** Operation span names: one per operation an operator may look for. */
export const SPAN = {
  connectCallback: "zendesk_connect.connect.callback",
  renewal: "zendesk_connect.renewal",
  keepAlive: "zendesk_connect.keep_alive",
  disconnect: "zendesk_connect.disconnect",
  webhookDelivery: "zendesk_connect.webhook.delivery",
} as const;

export function tracer() {
  // Asked for on each use: an SDK registered (or removed) later is picked up.
  return trace.getTracer(TRACER_NAME);
}

/** A low-cardinality name for an error: a ZendeskError's code, else the error's name. */
export function errorType(error: unknown): string {
  if (error instanceof ZendeskError) return error.code;
  if (error instanceof Error) return error.name || "Error";
  return "_OTHER";
}

/**
 * Runs `fn` inside an internal span named `name` (see SPAN) that ends when it settles. A throw
 * sets the span's status to error with `error.type` and is rethrown. `fn` may add attributes
 * (e.g. ATTR.outcome) through the span it is given.
 */
export async function withOperationSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.setAttribute(ATTR.errorType, errorType(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The attributes of a renewal span (`withOperationSpan(SPAN.renewal, renewalAttributes(…), fn)`). */
export function renewalAttributes(input: { trigger: string; connectionId: string; subdomain?: string }): Attributes {
  return {
    [ATTR.trigger]: input.trigger,
    [ATTR.connectionId]: input.connectionId,
    ...(input.subdomain ? { [ATTR.subdomain]: input.subdomain } : {}),
  };
}

/**
 * One renewal's span (zendesk_connect.renewal) around `fn`: trigger and connection id from the
 * start; `fn` adds the subdomain once the row is read (span.setAttribute(ATTR.subdomain, …)) and
 * recordRenewal() (metrics.ts) marks the outcome on it.
 */
export function withRenewalSpan<T>(
  input: { trigger: string; connectionId: string; subdomain?: string },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return withOperationSpan(SPAN.renewal, renewalAttributes(input), fn);
}

// Query parameters whose values never leave the process (OAuth codes, tokens, secrets, signatures).
const SENSITIVE_QUERY =
  /^(code|state|token|access_token|refresh_token|id_token|client_secret|secret|code_verifier|password|assertion|signature|sig|x-goog-signature|awsaccesskeyid|key|api_key|apikey)$/i;

/** url.full for a span: no user info, and the value of every sensitive query parameter "REDACTED". */
export function sanitizedUrl(url: URL): string {
  const copy = new URL(url.toString());
  copy.username = "";
  copy.password = "";
  copy.hash = "";
  for (const key of [...new Set(copy.searchParams.keys())]) {
    if (SENSITIVE_QUERY.test(key)) copy.searchParams.set(key, "REDACTED");
  }
  return copy.toString();
}

/**
 * url.template of a Zendesk URL: the path from /oauth/ or /api/v2/ on (so the simulator's
 * /{subdomain}/ prefix and the instance host drop out) with numeric ids as {id}:
 * "/oauth/tokens", "/api/v2/users/me.json", "/api/v2/oauth/tokens/{id}.json".
 */
export function zendeskUrlTemplate(url: URL): string {
  const start = url.pathname.search(/\/(?:oauth|api\/v2)\//);
  const path = start >= 0 ? url.pathname.slice(start) : url.pathname;
  return path.replace(/\/\d+(?=\.json$|\/|$)/g, "/{id}");
}

/** The stable HTTP semantic-convention attributes of a client request (set before it is sent). */
export function httpClientAttributes(method: string, url: URL, template: string | undefined): Attributes {
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  return {
    "http.request.method": method,
    "server.address": url.hostname,
    "server.port": port,
    "url.full": sanitizedUrl(url),
    ...(template ? { "url.template": template } : {}),
  };
}

/** Starts a client span for one HTTP attempt: `{METHOD} {url.template}`, or `{METHOD}` without a template. */
export function startClientSpan(method: string, url: URL, template: string | undefined, resendCount = 0): Span {
  const attributes = httpClientAttributes(method, url, template);
  if (resendCount > 0) attributes["http.request.resend_count"] = resendCount;
  return tracer().startSpan(template ? `${method} ${template}` : method, { kind: SpanKind.CLIENT, attributes });
}

/** Ends a client span with the answer's status (error for 4xx/5xx unless accepted) or the failure's type. */
export function endClientSpan(span: Span, outcome: { status?: number; errorType?: string }): void {
  if (outcome.status !== undefined) span.setAttribute("http.response.status_code", outcome.status);
  if (outcome.errorType) {
    span.setAttribute("error.type", outcome.errorType);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
