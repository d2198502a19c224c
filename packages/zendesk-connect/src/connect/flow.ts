import type { Account } from "@auth/core/types";
import type { ZendeskHost } from "../host.js";
import { safeReturnTo } from "../return-to.js";
import { runAfterResponse } from "../after-response.js";
import { fetchTokenInfo, type ZendeskUser } from "../transport/api.js";
import { type SavedConnection, refineConnectionTokenInfo, saveConnection } from "../store/connections.js";
import type { ZendeskErrorCode } from "../catalogue/error-codes.js";
import { ZendeskError } from "../transport/errors.js";
import { type TokenLifetimes, tokenExpiries } from "../tokens/expiry.js";
import { createConnectIntent, discardConnectIntent } from "./intents.js";
import {
  type LocalClientInput,
  resolveClientCredentials,
  type ZendeskClientCredentials,
} from "../store/oauth-clients.js";
import { type ConnectFlow, connectFlowStorage, currentConnectFlow } from "./provider.js";
import { revokeGrant, revokeReplacedGrant } from "./revoke-grant.js";
import type { Subdomain } from "../transport/subdomain.js";
import { zendeskSettings } from "../transport/settings.js";
import { preflightSubdomain } from "./subdomain-check.js";
import { errorName, logger } from "../telemetry/log.js";

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
    returnTo: safeReturnTo(input.returnTo, zendeskSettings().settingsPath),
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
export function pendingCredentials(pending: LocalClientInput): ZendeskClientCredentials {
  return {
    source: "local",
    oauthClientId: null,
    identifier: pending.identifier,
    kind: pending.kind,
    secret: pending.kind === "confidential" ? pending.secret : undefined,
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
  if (!flow || !account?.access_token) return connectErrorPath("flow_expired");
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
    logger.error({ subdomain: intent.subdomain, err_name: errorName(error) }, "storing the connection failed");
    flow.errorCode = "storage_failed";
    // Zendesk issued tokens nobody will hold: end them now, so nothing valid is left behind.
    await revokeUnstoredTokens(intent.subdomain, { accessToken, refreshToken, client: flow.client });
    return connectErrorPath("storage_failed", intent.subdomain);
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
    logger.info(
      { subdomain: context.subdomain, connectionId: saved.id, error_code: error.code },
      `current.json gave no token details (${error.message}); not needed`,
    );
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
      logger.warn({ subdomain, reason: revocation.reason }, "the unstored tokens were not revoked");
  } catch (error) {
    logger.warn({ subdomain, err_name: errorName(error) }, "revoking the unstored tokens failed");
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

/** The settings page with an error code (and its subdomain): every failed connect ends there. */
export function connectErrorPath(
  code: ZendeskErrorCode,
  subdomain?: string,
  extra: Record<string, string> = {},
): string {
  const params = new URLSearchParams({ error: code });
  if (subdomain) params.set("subdomain", subdomain);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return `${zendeskSettings().settingsPath}?${params}`;
}
