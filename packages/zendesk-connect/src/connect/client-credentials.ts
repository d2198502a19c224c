import type { ZendeskHost } from "../host.js";
import { fetchZendeskUser, probeInstance } from "../transport/api.js";
import type { ZendeskClientCredentials } from "../store/oauth-clients.js";
import { saveConnection } from "../store/connections.js";
import type { ZendeskErrorCode } from "../catalogue/error-codes.js";
import { ZendeskError } from "../transport/errors.js";
import { findLocalClient, resolveClientCredentials } from "../store/oauth-clients.js";
import { requestToken } from "../tokens/endpoint.js";
import { tokenExpiries } from "../tokens/expiry.js";
import type { Subdomain } from "../transport/subdomain.js";
import { grantedScopes, revokeUnstoredTokens, scheduleFollowUps } from "./flow.js";
import { errorName, logger } from "../telemetry/log.js";

export type ClientCredentialsResult =
  { ok: true; connectionId: string; created: boolean } | { ok: false; code: ZendeskErrorCode | "secret_required" };

/**
 * Connects with a workspace's own confidential client and the client_credentials grant: no
 * browser redirect, no refresh token (the same grant renews it, in lib/zendesk/tokens/lifecycle.ts).
 * The client is saved only after Zendesk accepted it, so a mistyped secret stores nothing; a
 * storage failure revokes the token Zendesk issued; a reconnect revokes the token it replaces.
 */
export async function connectWithClientCredentials(
  input: {
    workspaceId: string;
    userId: string;
    subdomain: Subdomain;
    scopes: string[];
    identifier: string;
    /** Omitted: reuse the saved secret of the same client for this subdomain. */
    secret?: string;
  },
  host: ZendeskHost,
): Promise<ClientCredentialsResult> {
  if (!(await host.canManage(input.userId, input.workspaceId))) return { ok: false, code: "not_allowed" };
  let client: ZendeskClientCredentials;
  if (input.secret) {
    client = {
      source: "local",
      oauthClientId: null,
      identifier: input.identifier,
      kind: "confidential",
      secret: input.secret,
    };
  } else {
    const saved = await findLocalClient(input.workspaceId, input.subdomain);
    if (!saved || saved.identifier !== input.identifier || saved.kind !== "confidential" || !saved.hasSecret)
      return { ok: false, code: "secret_required" };
    client = await resolveClientCredentials(input.workspaceId, saved.id);
  }

  let response;
  try {
    await probeInstance(input.subdomain);
    response = await requestToken(input.subdomain, client, {
      grant_type: "client_credentials",
      scope: input.scopes.join(" "),
    });
  } catch (error) {
    if (error instanceof ZendeskError) return { ok: false, code: error.code };
    throw error;
  }
  // Zendesk accepted the client. The card shows the user: users/me stays on the critical path;
  // current.json (token id, exact expiry) follows the response (connect/flow.ts).
  let user;
  try {
    user = await fetchZendeskUser(input.subdomain, response.access_token);
  } catch (error) {
    if (!(error instanceof ZendeskError)) throw error;
    await revokeUnstoredTokens(input.subdomain, { accessToken: response.access_token, refreshToken: null, client });
    return { ok: false, code: error.code };
  }
  const granted = grantedScopes(response.scope, input.scopes);
  let saved;
  try {
    saved = await saveConnection({
      workspaceId: input.workspaceId,
      subdomain: input.subdomain,
      mode: "client_credentials",
      oauthClientId: client.oauthClientId,
      // A new secret replaces the stored client in the connection's transaction, now that Zendesk accepted it.
      client: input.secret ? { identifier: input.identifier, kind: "confidential", secret: input.secret } : undefined,
      user,
      requestedScopes: input.scopes,
      grantedScopes: granted.scopes,
      zendeskTokenId: null,
      tokens: {
        accessToken: response.access_token,
        refreshToken: null,
        // No refresh token: the same grant renews it (tokens/lifecycle.ts).
        accessTokenExpiresAt: tokenExpiries(response, null, Date.now()).accessTokenExpiresAt,
        refreshTokenExpiresAt: null,
      },
      actorUserId: input.userId,
    });
  } catch (error) {
    logger.error({ subdomain: input.subdomain, err_name: errorName(error) }, "storing the connection failed");
    await revokeUnstoredTokens(input.subdomain, { accessToken: response.access_token, refreshToken: null, client });
    return { ok: false, code: "storage_failed" };
  }
  scheduleFollowUps(saved, {
    workspaceId: input.workspaceId,
    subdomain: input.subdomain,
    actorUserId: input.userId,
    accessToken: response.access_token,
    scopesStated: granted.stated,
  });
  return { ok: true, connectionId: saved.id, created: saved.created };
}
