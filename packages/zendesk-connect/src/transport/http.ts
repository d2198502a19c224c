import { context, trace } from "@opentelemetry/api";
import { ZendeskError, type ZendeskFailure } from "./errors.js";
import { zendeskSettings } from "./settings.js";
import { recordHttpDuration } from "../telemetry/metrics.js";
import { endClientSpan, startClientSpan, zendeskUrlTemplate } from "../telemetry/spans.js";

/**
 * The one transport to Zendesk. Every failure becomes a ZendeskError carrying a typed
 * ZendeskFailure the UI and the token lifecycle can act on; nothing here ever puts a token, code or secret in a message.
 * Redirects are never followed: a token request must not be replayed to another URL.
 * Each attempt is one OpenTelemetry client span ("POST /oauth/tokens", stable HTTP conventions,
 * url.full with sensitive query values redacted) and one http.client.request.duration sample.
 */

export interface ZendeskResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body; undefined for an empty body (204). */
  body: unknown;
}

export interface ZendeskRequestInit {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  timeoutMs: number;
  /** Statuses returned as success instead of classified as failures. Default: 2xx. */
  accept?: (status: number) => boolean;
  /** This attempt is the Nth resend of the same request (a retry): http.request.resend_count. */
  resendCount?: number;
}

/** Sends a request and returns parsed JSON, or throws a ZendeskError with a typed failure. */
export async function zendeskRequest(url: URL, init: ZendeskRequestInit): Promise<ZendeskResponse> {
  const method = init.method ?? "GET";
  const template = zendeskUrlTemplate(url);
  const span = startClientSpan(method, url, template, init.resendCount);
  const started = performance.now();
  const answer: { status?: number } = {};
  let errorType: string | undefined;
  try {
    // The span is current during the attempt: a host's fetch instrumentation nests under it.
    return await context.with(trace.setSpan(context.active(), span), () => send(url, init, answer));
  } catch (error) {
    // Semantic conventions: the status code for an HTTP error answer, else what went wrong.
    if (answer.status !== undefined && (answer.status >= 400 || !(error instanceof ZendeskError)))
      errorType = String(answer.status);
    else if (error instanceof ZendeskError) errorType = error.failure?.kind ?? error.code;
    else errorType = error instanceof Error ? error.name : "_OTHER";
    throw error;
  } finally {
    endClientSpan(span, { status: answer.status, errorType });
    recordHttpDuration((performance.now() - started) / 1000, {
      "http.request.method": method,
      "url.template": template,
      "zendesk_connect.http.peer": "zendesk",
      ...(answer.status !== undefined ? { "http.response.status_code": answer.status } : {}),
      ...(errorType ? { "error.type": errorType } : {}),
    });
  }
}

async function send(url: URL, init: ZendeskRequestInit, answer: { status?: number }): Promise<ZendeskResponse> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? "GET",
      headers: { Accept: "application/json", ...init.headers, ...marketplaceHeaders(url) },
      body: init.body,
      redirect: "manual",
      signal: AbortSignal.timeout(init.timeoutMs),
      cache: "no-store",
    });
  } catch (error) {
    throw new ZendeskError(classifyFetchError(error));
  }
  answer.status = response.status;
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new ZendeskError(classifyFetchError(error));
  }
  const accepted = init.accept ? init.accept(response.status) : response.status >= 200 && response.status < 300;
  const json = parseJson(text);
  if (accepted) {
    if (text.trim() === "") return { status: response.status, headers: response.headers, body: undefined };
    if (json === INVALID) throw new ZendeskError({ kind: "malformed", status: response.status });
    return { status: response.status, headers: response.headers, body: json };
  }
  throw new ZendeskError(classifyErrorResponse(response.status, response.headers, json));
}

/**
 * Zendesk Marketplace apps must identify themselves on every API request (2026): the three
 * headers go on /api/v2/… (the OAuth tokens API included) and never on the OAuth endpoints
 * (/oauth/authorizations, /oauth/tokens). Empty unless all three variables are configured.
 */
function marketplaceHeaders(url: URL): Record<string, string> {
  const marketplace = zendeskSettings().marketplace;
  // Host tenancy: /api/v2/…; the simulator's path tenancy: /{subdomain}/api/v2/….
  if (!marketplace || !/^(?:\/[a-z0-9-]+)?\/api\/v2\//.test(url.pathname)) return {};
  return {
    "X-Zendesk-Marketplace-Name": marketplace.name,
    "X-Zendesk-Marketplace-Organization-Id": marketplace.organizationId,
    "X-Zendesk-Marketplace-App-Id": marketplace.appId,
  };
}

const INVALID = Symbol("invalid json");

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return INVALID;
  }
}

/** Maps an HTTP error answer to a failure. */
function classifyErrorResponse(status: number, headers: Headers, json: unknown): ZendeskFailure {
  const body = json && typeof json === "object" ? (json as Record<string, unknown>) : undefined;
  if (status === 429) return { kind: "rate_limited", retryAfterSeconds: parseRetryAfter(headers.get("retry-after")) };
  if (status >= 500) return { kind: "server_error", status };
  if (body && typeof body.error === "string") {
    if (status === 401 && body.error === "invalid_token") return { kind: "invalid_token" };
    if (status === 400 || status === 401) {
      return {
        kind: "oauth",
        status,
        error: body.error,
        description: typeof body.error_description === "string" ? body.error_description : undefined,
      };
    }
  }
  if (status === 401) return { kind: "invalid_token" };
  if (status === 403) return { kind: "forbidden" };
  // Zendesk answers an unknown account with an HTML page, an unknown resource with JSON.
  if (status === 404) return body ? { kind: "not_found" } : { kind: "unknown_subdomain" };
  if (!body && json === INVALID && status >= 200 && status < 300) return { kind: "malformed", status };
  return { kind: "unexpected_status", status };
}

/** Retry-After in seconds (delta-seconds or an HTTP date), or undefined. */
function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Maps a thrown fetch error (DNS, refused, reset, abort) to a failure. */
function classifyFetchError(error: unknown): ZendeskFailure {
  const e = error as { name?: string; cause?: { code?: string; name?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError" || e?.cause?.name === "TimeoutError")
    return { kind: "timeout" };
  const code = e?.cause?.code;
  return { kind: "unreachable", detail: code ? code : "connection failed" };
}
