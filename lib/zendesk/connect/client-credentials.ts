import "server-only";
import type { ZendeskHost } from "@/lib/host";
import { fetchTokenInfo, fetchZendeskUser, probeInstance } from "@/lib/zendesk/transport/api";
import type { ZendeskClientCredentials } from "@/lib/zendesk/store/oauth-clients";
import { saveConnection } from "@/lib/zendesk/store/connections";
import type { ZendeskErrorCode } from "@/lib/zendesk/catalogue/error-codes";
import { ZendeskError } from "@/lib/zendesk/transport/errors";
import { findLocalClient, resolveClientCredentials, saveLocalClient } from "@/lib/zendesk/store/oauth-clients";
import { requestToken } from "@/lib/zendesk/tokens/endpoint";
import { tokenExpiries } from "@/lib/zendesk/tokens/expiry";
import type { Subdomain } from "@/lib/zendesk/transport/subdomain";

export type ClientCredentialsResult =
  { ok: true; connectionId: string; created: boolean } | { ok: false; code: ZendeskErrorCode | "secret_required" };

/**
 * Connects with a workspace's own confidential client and the client_credentials grant: no
 * browser redirect, no refresh token (the same grant renews it, in lib/zendesk/tokens/lifecycle.ts).
 * The client is saved only after Zendesk accepted it, so a mistyped secret stores nothing.
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

  try {
    await probeInstance(input.subdomain);
    const response = await requestToken(input.subdomain, client, {
      grant_type: "client_credentials",
      scope: input.scopes.join(" "),
    });
    const [user, info] = await Promise.all([
      fetchZendeskUser(input.subdomain, response.access_token),
      fetchTokenInfo(input.subdomain, response.access_token),
    ]);
    const stored = await saveLocalClient({
      workspaceId: input.workspaceId,
      subdomain: input.subdomain,
      identifier: input.identifier,
      kind: "confidential",
      secret: input.secret,
      userId: input.userId,
    });
    const now = Date.now();
    const saved = await saveConnection({
      workspaceId: input.workspaceId,
      subdomain: input.subdomain,
      mode: "client_credentials",
      oauthClientId: stored.id,
      user,
      requestedScopes: input.scopes,
      grantedScopes: info.scopes,
      zendeskTokenId: info.id,
      tokens: {
        accessToken: response.access_token,
        refreshToken: null,
        // No refresh token: the same grant renews it (tokens/lifecycle.ts).
        accessTokenExpiresAt: tokenExpiries(response, info, now).accessTokenExpiresAt,
        refreshTokenExpiresAt: null,
      },
      actorUserId: input.userId,
    });
    return { ok: true, connectionId: saved.id, created: saved.created };
  } catch (error) {
    if (error instanceof ZendeskError) return { ok: false, code: error.code };
    throw error;
  }
}
