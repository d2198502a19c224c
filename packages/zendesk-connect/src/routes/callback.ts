import type { ZendeskHost } from "../host.js";
import { safeReturnTo } from "../return-to.js";
import { env } from "../config/env.js";
import { DecryptionError, MissingKeyError } from "../crypto/keyring.js";
import type { ZendeskErrorCode } from "../catalogue/error-codes.js";
import { codeForFailure, describeFailure, ZendeskError, type ZendeskFailure } from "../transport/errors.js";
import type { ZendeskConnectIntent } from "../db/schema.js";
import { consumeConnectIntent, INTENT_COOKIE, INTENT_TTL_SECONDS, pendingClientOf } from "../connect/intents.js";
import { resolveClientCredentials } from "../store/oauth-clients.js";
import { type ConnectFlow, connectFlowStorage } from "../connect/provider.js";
import { scopeRefusalQuery } from "../connect/scope-refusal.js";
import { connectErrorPath as errorPath, pendingCredentials } from "../connect/flow.js";
import { CALLBACK_SUFFIX, zendeskSettings } from "../transport/settings.js";
import { authJsCallback, STATE_COOKIE } from "./auth-js.js";
import { decode } from "@auth/core/jwt";
import { trace } from "@opentelemetry/api";
import { logger } from "../telemetry/log.js";
import { ATTR, SPAN, withOperationSpan } from "../telemetry/spans.js";

/** The intent cookie's path: sent back on the OAuth callback only. */
function callbackPath(): string {
  return `${zendeskSettings().basePath}${CALLBACK_SUFFIX}`;
}

/** The cookie that ties the browser to its intent (an id: the intent itself stays on the server). */
export function intentCookie(intentId: string) {
  return {
    name: INTENT_COOKIE,
    value: intentId,
    options: {
      httpOnly: true,
      sameSite: "lax" as const,
      path: callbackPath(),
      maxAge: INTENT_TTL_SECONDS,
      secure: env().appUrl.startsWith("https://"),
    },
  };
}

/**
 * GET {basePath}/callback/zendesk. The intent named by the cookie is consumed first (single
 * use), must belong to the user the host says is signed in, and is the only source of the flow's
 * parameters. Every outcome is a redirect to the settings page with a code; nothing is stored
 * unless Zendesk's answer checks out. One operation span (zendesk_connect.connect.callback) with
 * the subdomain, the connection id once stored and the outcome ("connected" or the error code).
 */
export async function handleZendeskCallback(request: Request, host: ZendeskHost): Promise<Response> {
  return withOperationSpan(SPAN.connectCallback, {}, async (span) => {
    const response = await handleCallback(request, host);
    const query = new URL(response.headers.get("location") ?? "/", "http://app.invalid").searchParams;
    const connected = query.has("connected") || query.has("reconnected");
    span.setAttribute(ATTR.outcome, connected ? "connected" : (query.get("error") ?? "unknown"));
    return response;
  });
}

async function handleCallback(request: Request, host: ZendeskHost): Promise<Response> {
  const query = new URL(request.url).searchParams;
  // State first: a cross-site link to this URL (`?error=x`, a made-up code) carries no state of
  // this browser's, and must neither use up the pending intent nor clear its cookie.
  if (!(await stateMatches(request, query.get("state"))))
    return finish(errorPath("state_invalid"), undefined, { keepIntent: true });
  const intentId = readCookie(request, INTENT_COOKIE);
  // Both are reads the callback needs whatever they say: one wait, not two.
  const [intent, member] = await Promise.all([
    intentId ? consumeConnectIntent(intentId) : null,
    // The host says who is signed in (passed in: this module never reads the app's sessions).
    host.currentMember(),
  ]);
  if (!intent) return finish(errorPath("flow_expired"));
  trace.getActiveSpan()?.setAttribute(ATTR.subdomain, intent.subdomain);
  if (member?.userId !== intent.userId) return finish(errorPath("session_mismatch", intent.subdomain));
  // The member's role was just read for their current workspace; another workspace is asked about.
  const allowed =
    member.workspaceId === intent.workspaceId
      ? member.canManageIntegrations
      : await host.canManage(intent.userId, intent.workspaceId);
  if (!allowed) return finish(errorPath("not_allowed", intent.subdomain));

  const zendeskError = query.get("error");
  if (zendeskError) {
    if (zendeskError === "invalid_scope")
      return finish(
        errorPath("invalid_scope", intent.subdomain, scopeRefusalQuery(intent, query.get("error_description"))),
      );
    return finish(errorPath(zendeskError === "access_denied" ? "access_denied" : "invalid_request", intent.subdomain));
  }

  let flow: ConnectFlow;
  try {
    const pendingClient = pendingClientOf(intent) ?? undefined;
    const client = pendingClient
      ? pendingCredentials(pendingClient)
      : await resolveClientCredentials(intent.workspaceId, intent.oauthClientId);
    flow = { intent, client, pendingClient };
  } catch (error) {
    if (error instanceof ZendeskError && error.code === "no_client")
      return finish(errorPath("no_client", intent.subdomain));
    // The pending secret was sealed under a key removed since: the flow cannot go on.
    if (error instanceof DecryptionError || error instanceof MissingKeyError)
      return finish(errorPath("flow_expired", intent.subdomain));
    throw error;
  }

  let response: Response;
  try {
    response = await connectFlowStorage.run(flow, () => authJsCallback(request));
  } catch (error) {
    if (flow.failure) return finish(failurePath(flow.failure, intent));
    throw error;
  }
  const location = response.headers.get("location") ?? "";
  if (flow.connected) trace.getActiveSpan()?.setAttribute(ATTR.connectionId, flow.connected.connectionId);
  if (flow.connected) return finish(location || zendeskSettings().settingsPath, response);
  // Zendesk answered but this app failed afterwards (storage): never a "tampered callback".
  if (flow.errorCode) return finish(errorPath(flow.errorCode, intent.subdomain), response);
  if (flow.failure) {
    logFailure(intent.subdomain, flow);
    return finish(failurePath(flow.failure, intent), response);
  }
  // Auth.js refused before talking to Zendesk: a state or PKCE check failed (tampered or replayed).
  return finish(
    errorPath(location.includes("error=") ? authJsErrorCode(location) : "state_invalid", intent.subdomain),
    response,
  );
}

function authJsErrorCode(location: string): ZendeskErrorCode {
  const error = new URL(location, "http://app.invalid").searchParams.get("error");
  if (error === "AccessDenied") return "access_denied";
  return "state_invalid";
}

function logFailure(subdomain: string, flow: ConnectFlow) {
  if (flow.failure)
    logger.warn(
      { subdomain, failure: flow.failure.kind },
      `connect to ${subdomain} failed: ${describeFailure(flow.failure)}`,
    );
}

/** The error page for a Zendesk failure; an invalid_scope one names the refused scopes (catalogue names only). */
function failurePath(failure: ZendeskFailure, intent: ZendeskConnectIntent): string {
  const code = codeForFailure(failure);
  const extra =
    code === "invalid_scope" && failure.kind === "oauth" ? scopeRefusalQuery(intent, failure.description) : {};
  return errorPath(code, intent.subdomain, extra);
}

/**
 * Whether the query's state is the one Auth.js gave this browser (its sealed state cookie). Auth.js
 * checks it again before the code exchange; this earlier check only guards the intent.
 */
async function stateMatches(request: Request, state: string | null): Promise<boolean> {
  const token = readCookie(request, STATE_COOKIE);
  if (!state || !token) return false;
  try {
    const payload = await decode<{ value?: unknown }>({ token, secret: env().authSecret, salt: STATE_COOKIE });
    return typeof payload?.value === "string" && payload.value === state;
  } catch {
    return false;
  }
}

/** A redirect to a same-origin path that clears the intent cookie and keeps Auth.js's cookie updates. */
function finish(path: string, authResponse?: Response, { keepIntent = false } = {}): Response {
  const appUrl = env().appUrl;
  // Auth.js answers with absolute URLs on the app's origin; anything else falls back to settings.
  const relative = path.startsWith(`${appUrl}/`) ? path.slice(appUrl.length) : path;
  const target = new URL(safeReturnTo(relative, zendeskSettings().settingsPath), appUrl);
  const headers = new Headers({ location: target.toString(), "Referrer-Policy": "no-referrer" });
  // The callback URL carries the code: "no-referrer" keeps it out of any Referer.
  for (const cookie of authResponse?.headers.getSetCookie() ?? []) headers.append("set-cookie", cookie);
  if (!keepIntent)
    headers.append("set-cookie", `${INTENT_COOKIE}=; Path=${callbackPath()}; Max-Age=0; HttpOnly; SameSite=Lax`);
  return new Response(null, { status: 303, headers });
}

function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return undefined;
}
