import "server-only";
import type { Account } from "next-auth";
import { type NextRequest, NextResponse } from "next/server";
import type { ZendeskHost } from "@/lib/host";
import { safeReturnTo } from "@/lib/return-to";
import { env } from "@/config/env";
import { runAfterResponse } from "@/lib/after-response";
import { DecryptionError, MissingKeyError } from "@/lib/crypto/keyring";
import { fetchTokenInfo, type ZendeskUser } from "@/lib/zendesk/transport/api";
import { type SavedConnection, refineConnectionTokenInfo, saveConnection } from "@/lib/zendesk/store/connections";
import type { ZendeskErrorCode } from "@/lib/zendesk/catalogue/error-codes";
import { codeForFailure, describeFailure, ZendeskError, type ZendeskFailure } from "@/lib/zendesk/transport/errors";
import type { ZendeskConnectIntent } from "@/db/schema";
import { type TokenLifetimes, tokenExpiries } from "@/lib/zendesk/tokens/expiry";
import {
  consumeConnectIntent,
  createConnectIntent,
  discardConnectIntent,
  INTENT_COOKIE,
  INTENT_TTL_SECONDS,
  pendingClientOf,
} from "./intents";
import {
  type LocalClientInput,
  resolveClientCredentials,
  type ZendeskClientCredentials,
} from "@/lib/zendesk/store/oauth-clients";
import { type ConnectFlow, connectFlowStorage, currentConnectFlow } from "./provider";
import { revokeGrant, revokeReplacedGrant } from "./revoke-grant";
import type { Subdomain } from "@/lib/zendesk/transport/subdomain";
import { scopeRefusalQuery } from "./scope-refusal";
import { preflightSubdomain } from "./subdomain-check";

export const SETTINGS_PATH = "/settings/integrations";

export type StartConnectResult = { ok: true; flow: ConnectFlow } | { ok: false; code: ZendeskErrorCode };

/**
 * Checks everything that can be checked before anyone is sent to Zendesk (permission, the
 * account exists, a usable client) and stores the single-use connect intent. A client entered
 * in the form (`pendingClient`) is kept with the intent, not stored: it replaces the workspace's
 * client only once Zendesk accepted it in the code exchange.
 */
export async function prepareConnect(
  input: {
    userId: string;
    workspaceId: string;
    subdomain: Subdomain;
    scopes: string[];
    oauthClientId: string | null;
    /** A workspace's own client entered in the form, complete (a confidential one with its secret). */
    pendingClient?: LocalClientInput;
    returnTo?: string;
  },
  host: ZendeskHost,
): Promise<StartConnectResult> {
  if (!(await host.canManage(input.userId, input.workspaceId))) return { ok: false, code: "not_allowed" };
  const pending = input.pendingClient;
  if (pending?.kind === "confidential" && !pending.secret) return { ok: false, code: "no_client" };
  let client: ZendeskClientCredentials;
  try {
    client = pending
      ? pendingCredentials(pending)
      : await resolveClientCredentials(input.workspaceId, input.oauthClientId);
  } catch (error) {
    if (error instanceof ZendeskError && error.code === "no_client") return { ok: false, code: "no_client" };
    throw error;
  }
  // The pre-flight (subdomain-check.ts: the form's own check reused, or one round trip to
  // Zendesk) runs while the intent is stored; nobody is sent to Zendesk before it says yes.
  const preflight = preflightSubdomain(input.workspaceId, input.subdomain).then(
    (verdict) => ({ verdict }),
    (error: unknown) => ({ error }),
  );
  const intent = await createConnectIntent({
    workspaceId: input.workspaceId,
    userId: input.userId,
    subdomain: input.subdomain,
    scopes: input.scopes,
    oauthClientId: pending ? null : input.oauthClientId,
    pendingClient: pending,
    returnTo: safeReturnTo(input.returnTo, SETTINGS_PATH),
  });
  const settled = await preflight;
  const refused = "error" in settled || !settled.verdict.ok;
  // Nobody will use this intent (its pending client secret included): gone at once, not at expiry.
  if (refused) await discardConnectIntent(intent.id);
  if ("error" in settled) throw settled.error;
  if (!settled.verdict.ok) return { ok: false, code: settled.verdict.code };
  return { ok: true, flow: { intent, client, pendingClient: pending } };
}

/** Credentials of a client not stored yet (it gets its row when Zendesk accepts it). */
function pendingCredentials(pending: LocalClientInput): ZendeskClientCredentials {
  return {
    source: "local",
    oauthClientId: null,
    identifier: pending.identifier,
    kind: pending.kind,
    secret: pending.kind === "confidential" ? pending.secret : undefined,
  };
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
 *
 * On the person's critical path only what the page needs: the token response (scopes, expiry)
 * and users/me (the card shows the user), already fetched by the provider. current.json (the
 * token id, exact expiries) and revoking the grant a reconnect replaced run after the response.
 */
export async function completeZendeskSignIn(account: Account | null, profile: unknown): Promise<string> {
  const flow = currentConnectFlow();
  if (!flow || !account?.access_token) return errorPath("flow_expired");
  // The profile is users/me as the provider fetched it (a null id already failed there).
  const user = profile as ZendeskUser;
  const { intent } = flow;
  const accessToken = account.access_token;
  const refreshToken = account.refresh_token ?? null;
  const granted = grantedScopes(account.scope, intent.scopes);
  const expiries = tokenExpiries(accountLifetimes(account), null, Date.now());
  let saved: SavedConnection;
  try {
    saved = await saveConnection({
      workspaceId: intent.workspaceId,
      subdomain: intent.subdomain,
      mode: "authorization_code",
      oauthClientId: flow.client.oauthClientId,
      client: flow.pendingClient,
      user,
      requestedScopes: intent.scopes,
      grantedScopes: granted.scopes,
      zendeskTokenId: null,
      tokens: {
        accessToken,
        refreshToken,
        accessTokenExpiresAt: expiries.accessTokenExpiresAt,
        refreshTokenExpiresAt: refreshToken ? expiries.refreshTokenExpiresAt : null,
      },
      actorUserId: intent.userId,
    });
  } catch (error) {
    console.error(`[zendesk] storing the connection failed: ${error instanceof Error ? error.name : "error"}`);
    flow.errorCode = "storage_failed";
    // Zendesk issued tokens nobody will hold: end them now, so nothing valid is left behind.
    await revokeUnstoredTokens(intent.subdomain, { accessToken, refreshToken, client: flow.client });
    return errorPath("storage_failed", intent.subdomain);
  }
  flow.connected = { connectionId: saved.id, created: saved.created };
  scheduleFollowUps(saved, {
    workspaceId: intent.workspaceId,
    subdomain: intent.subdomain,
    actorUserId: intent.userId,
    accessToken,
    scopesStated: granted.stated,
  });
  const target = new URL(intent.returnTo, "http://app.invalid");
  target.searchParams.set(saved.created ? "connected" : "reconnected", intent.subdomain);
  return `${target.pathname}${target.search}`;
}

/** The granted scopes: the token response's `scope` when it states one, else what was requested. */
export function grantedScopes(scope: unknown, requested: string[]): { scopes: string[]; stated: boolean } {
  const stated = typeof scope === "string" ? scope.split(/[\s,]+/).filter(Boolean) : [];
  return stated.length > 0 ? { scopes: [...new Set(stated)], stated: true } : { scopes: requested, stated: false };
}

/**
 * After a connect committed, off the person's wait: current.json refines the stored metadata
 * (never required: 401/403/404/5xx/slow only leave it unrefined), and a reconnect ends the
 * grant it replaced, recording how in the history.
 */
export function scheduleFollowUps(
  saved: SavedConnection,
  context: {
    workspaceId: string;
    subdomain: Subdomain;
    actorUserId: string;
    accessToken: string;
    scopesStated: boolean;
  },
): void {
  runAfterResponse(async () => {
    await Promise.all([
      refineFromCurrentJson(saved, context),
      saved.replaced
        ? revokeReplacedGrant(
            {
              id: saved.id,
              workspaceId: context.workspaceId,
              subdomain: context.subdomain,
              actorUserId: context.actorUserId,
            },
            saved.replaced,
          )
        : undefined,
    ]);
  });
}

async function refineFromCurrentJson(
  saved: SavedConnection,
  context: { subdomain: Subdomain; accessToken: string; scopesStated: boolean },
): Promise<void> {
  try {
    const info = await fetchTokenInfo(context.subdomain, context.accessToken);
    await refineConnectionTokenInfo(saved.id, saved.tokenVersion, info, { scopes: !context.scopesStated });
  } catch (error) {
    if (!(error instanceof ZendeskError)) throw error;
    console.info(`[zendesk] ${context.subdomain}: current.json gave no token details (${error.message}); not needed`);
  }
}

/** Best effort: revokes tokens Zendesk issued that could not be stored, and logs the outcome. */
export async function revokeUnstoredTokens(
  subdomain: Subdomain,
  tokens: { accessToken: string; refreshToken: string | null; client: ZendeskClientCredentials },
): Promise<void> {
  try {
    const revocation = await revokeGrant(subdomain, { ...tokens, zendeskTokenId: null });
    if (revocation.status === "failed")
      console.warn(`[zendesk] ${subdomain}: the unstored tokens were not revoked (${revocation.reason})`);
  } catch (error) {
    console.warn(
      `[zendesk] ${subdomain}: revoking the unstored tokens failed: ${error instanceof Error ? error.name : "error"}`,
    );
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
  // Both are reads the callback needs whatever they say: one wait, not two.
  const [intent, member] = await Promise.all([
    intentId ? consumeConnectIntent(intentId) : null,
    // The host says who is signed in (passed in: this module never reads the app's sessions).
    host.currentMember(),
  ]);
  if (!intent) return finish(errorPath("flow_expired"));
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
    response = await connectFlowStorage.run(flow, () => authHandler(request));
  } catch (error) {
    if (flow.failure) return finish(failurePath(flow.failure, intent));
    throw error;
  }
  const location = response.headers.get("location") ?? "";
  if (flow.connected) return finish(location || SETTINGS_PATH, response);
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
  if (flow.failure) console.warn(`[zendesk] connect to ${subdomain} failed: ${describeFailure(flow.failure)}`);
}

function errorPath(code: ZendeskErrorCode, subdomain?: string, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ error: code });
  if (subdomain) params.set("subdomain", subdomain);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return `${SETTINGS_PATH}?${params}`;
}

/** The error page for a Zendesk failure; an invalid_scope one names the refused scopes (catalogue names only). */
function failurePath(failure: ZendeskFailure, intent: ZendeskConnectIntent): string {
  const code = codeForFailure(failure);
  const extra =
    code === "invalid_scope" && failure.kind === "oauth" ? scopeRefusalQuery(intent, failure.description) : {};
  return errorPath(code, intent.subdomain, extra);
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
