import "server-only";
import type { Account } from "next-auth";
import { type NextRequest, NextResponse } from "next/server";
import type { ZendeskHost } from "@/lib/host";
import { safeReturnTo } from "@/lib/return-to";
import { env } from "@/config/env";
import { fetchTokenInfo, probeInstance, type ZendeskUser } from "@/lib/zendesk/transport/api";
import { saveConnection } from "@/lib/zendesk/store/connections";
import type { ZendeskErrorCode } from "@/lib/zendesk/catalogue/error-codes";
import { codeForFailure, describeFailure, ZendeskError } from "@/lib/zendesk/transport/errors";
import { type TokenLifetimes, tokenExpiries } from "@/lib/zendesk/tokens/expiry";
import { consumeConnectIntent, createConnectIntent, INTENT_COOKIE, INTENT_TTL_SECONDS } from "./intents";
import { resolveClientCredentials } from "@/lib/zendesk/store/oauth-clients";
import { type ConnectFlow, connectFlowStorage, currentConnectFlow } from "./provider";
import type { Subdomain } from "@/lib/zendesk/transport/subdomain";

export const SETTINGS_PATH = "/settings/integrations";

export type StartConnectResult = { ok: true; flow: ConnectFlow } | { ok: false; code: ZendeskErrorCode };

/**
 * Checks everything that can be checked before anyone is sent to Zendesk (permission, the
 * account exists, a usable client) and stores the single-use connect intent.
 */
export async function prepareConnect(
  input: {
    userId: string;
    workspaceId: string;
    subdomain: Subdomain;
    scopes: string[];
    oauthClientId: string | null;
    returnTo?: string;
  },
  host: ZendeskHost,
): Promise<StartConnectResult> {
  if (!(await host.canManage(input.userId, input.workspaceId))) return { ok: false, code: "not_allowed" };
  let client;
  try {
    client = await resolveClientCredentials(input.workspaceId, input.oauthClientId);
  } catch (error) {
    if (error instanceof ZendeskError && error.code === "no_client") return { ok: false, code: "no_client" };
    throw error;
  }
  try {
    await probeInstance(input.subdomain);
  } catch (error) {
    if (error instanceof ZendeskError) return { ok: false, code: error.code };
    throw error;
  }
  const intent = await createConnectIntent({
    workspaceId: input.workspaceId,
    userId: input.userId,
    subdomain: input.subdomain,
    scopes: input.scopes,
    oauthClientId: input.oauthClientId,
    returnTo: safeReturnTo(input.returnTo, SETTINGS_PATH),
  });
  return { ok: true, flow: { intent, client } };
}

/** The cookie that ties the browser to its intent (an id: the intent itself stays on the server). */
export function intentCookie(intentId: string) {
  return {
    name: INTENT_COOKIE,
    value: intentId,
    options: {
      httpOnly: true,
      sameSite: "lax" as const,
      path: "/api/auth/callback/zendesk",
      maxAge: INTENT_TTL_SECONDS,
      secure: env().appUrl.startsWith("https://"),
    },
  };
}

/** Runs Auth.js's sign-in for the Zendesk provider of this flow (it redirects to Zendesk). */
export function runInConnectFlow<T>(flow: ConnectFlow, fn: () => Promise<T>): Promise<T> {
  return connectFlowStorage.run(flow, fn);
}

/**
 * The Auth.js signIn callback for Zendesk: stores the connection and answers with the URL to
 * go to. Returning a URL makes Auth.js redirect before it writes any session, so the app user
 * stays signed in as themselves and the Zendesk identity never becomes an app session.
 */
export async function completeZendeskSignIn(account: Account | null, profile: unknown): Promise<string> {
  const flow = currentConnectFlow();
  if (!flow || !account?.access_token) return errorPath("flow_expired");
  const user = profile as ZendeskUser;
  const { intent } = flow;
  try {
    const accessToken = account.access_token;
    // The profile is users/me as the provider fetched it (a null id already failed there).
    const tokenInfo = await fetchTokenInfo(intent.subdomain, accessToken);
    const saved = await saveConnection({
      workspaceId: intent.workspaceId,
      subdomain: intent.subdomain,
      mode: "authorization_code",
      oauthClientId: flow.client.oauthClientId,
      user,
      requestedScopes: intent.scopes,
      grantedScopes: tokenInfo.scopes,
      zendeskTokenId: tokenInfo.id,
      tokens: {
        accessToken,
        refreshToken: account.refresh_token ?? null,
        ...tokenExpiries(accountLifetimes(account), tokenInfo, Date.now()),
      },
      actorUserId: intent.userId,
    });
    flow.connected = { connectionId: saved.id, created: saved.created };
    const target = new URL(intent.returnTo, "http://app.invalid");
    target.searchParams.set(saved.created ? "connected" : "reconnected", intent.subdomain);
    return `${target.pathname}${target.search}`;
  } catch (error) {
    if (error instanceof ZendeskError) {
      flow.failure ??= error.failure;
      return errorPath(error.code, intent.subdomain);
    }
    console.error(`[zendesk] storing the connection failed: ${error instanceof Error ? error.name : "error"}`);
    return errorPath("storage_failed", intent.subdomain);
  }
}

/** The token response's lifetimes as Auth.js hands them over (it adds expires_at from expires_in). */
function accountLifetimes(account: Account): TokenLifetimes {
  const raw = account as Record<string, unknown>;
  const expiresIn = Number(raw.expires_in);
  const refreshIn = Number(raw.refresh_token_expires_in);
  return {
    expires_in:
      Number.isFinite(expiresIn) && expiresIn > 0
        ? expiresIn
        : account.expires_at
          ? account.expires_at - Math.floor(Date.now() / 1000)
          : undefined,
    refresh_token_expires_in: Number.isFinite(refreshIn) && refreshIn > 0 ? refreshIn : undefined,
  };
}

/**
 * GET /api/auth/callback/zendesk. The intent named by the cookie is consumed first (single
 * use), must belong to the user the host says is signed in, and is the only source of the flow's
 * parameters. Every outcome is a redirect to the settings page with a code; nothing is stored
 * unless Zendesk's answer checks out.
 */
export async function handleZendeskCallback(
  request: NextRequest,
  authHandler: (request: NextRequest) => Promise<Response>,
  host: ZendeskHost,
): Promise<Response> {
  const query = request.nextUrl.searchParams;
  const intentId = request.cookies.get(INTENT_COOKIE)?.value;
  const intent = intentId ? await consumeConnectIntent(intentId) : null;
  if (!intent) return finish(errorPath("flow_expired"));

  // The host says who is signed in (passed in: this module never reads the app's sessions).
  const member = await host.currentMember();
  if (member?.userId !== intent.userId) return finish(errorPath("session_mismatch", intent.subdomain));
  if (!(await host.canManage(intent.userId, intent.workspaceId)))
    return finish(errorPath("not_allowed", intent.subdomain));

  const zendeskError = query.get("error");
  if (zendeskError) {
    return finish(errorPath(zendeskError === "access_denied" ? "access_denied" : "invalid_request", intent.subdomain));
  }

  let flow: ConnectFlow;
  try {
    flow = { intent, client: await resolveClientCredentials(intent.workspaceId, intent.oauthClientId) };
  } catch (error) {
    if (error instanceof ZendeskError && error.code === "no_client")
      return finish(errorPath("no_client", intent.subdomain));
    throw error;
  }

  let response: Response;
  try {
    response = await connectFlowStorage.run(flow, () => authHandler(request));
  } catch (error) {
    if (flow.failure) return finish(errorPath(codeForFailure(flow.failure), intent.subdomain));
    throw error;
  }
  const location = response.headers.get("location") ?? "";
  if (flow.connected) return finish(location || SETTINGS_PATH, response);
  if (flow.failure) {
    logFailure(intent.subdomain, flow);
    return finish(errorPath(codeForFailure(flow.failure), intent.subdomain), response);
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
  if (flow.failure) console.warn(`[zendesk] connect to ${subdomain} failed: ${describeFailure(flow.failure)}`);
}

function errorPath(code: ZendeskErrorCode, subdomain?: string): string {
  const params = new URLSearchParams({ error: code });
  if (subdomain) params.set("subdomain", subdomain);
  return `${SETTINGS_PATH}?${params}`;
}

/** A redirect to a same-origin path that clears the intent cookie and keeps Auth.js's cookie updates. */
function finish(path: string, authResponse?: Response): Response {
  const appUrl = env().appUrl;
  // Auth.js answers with absolute URLs on the app's origin; anything else falls back to settings.
  const relative = path.startsWith(`${appUrl}/`) ? path.slice(appUrl.length) : path;
  const target = new URL(safeReturnTo(relative, SETTINGS_PATH), appUrl);
  const response = NextResponse.redirect(target, 303);
  for (const cookie of authResponse?.headers.getSetCookie() ?? []) response.headers.append("set-cookie", cookie);
  response.cookies.set(INTENT_COOKIE, "", { path: "/api/auth/callback/zendesk", maxAge: 0 });
  // The callback URL carries the code: keep it out of any Referer.
  response.headers.set("Referrer-Policy", "no-referrer");
  return response;
}
