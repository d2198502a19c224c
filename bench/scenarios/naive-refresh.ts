import { eq } from "drizzle-orm";
import { db } from "@/db";
import { zendeskConnections } from "@pkg/db/schema";
import { resolveClientCredentials } from "@pkg/store/oauth-clients";
import { openAccessToken, openRefreshToken, sealConnectionTokens } from "@pkg/store/sealed";
import { requestToken } from "@pkg/tokens/endpoint";
import { accessTokenDue, loadConnection } from "@pkg/tokens/lifecycle";

/**
 * The baseline of the refresh storm: token refresh as commonly written from Auth.js's
 * "refresh token rotation" guide (database variant): read the stored account, and if the
 * access token has expired, call the token endpoint with the stored refresh token and write
 * the answer back. No single-flight, no row lock, no version check. It uses the same read,
 * transport and encryption as getAccessToken, so the comparison is about coordination only.
 * Bench code only: never use this.
 */
export async function naiveGetAccessToken(connectionId: string): Promise<string> {
  const row = await loadConnection(connectionId);
  if (!accessTokenDue(row, Date.now())) return openAccessToken(row);
  if (!row.refreshTokenCiphertext) throw new Error("no refresh token");
  const client = await resolveClientCredentials(row.workspaceId, row.oauthClientId);
  const tokens = await requestToken(row.subdomain, client, {
    grant_type: "refresh_token",
    refresh_token: openRefreshToken({ id: row.id, refreshTokenCiphertext: row.refreshTokenCiphertext }),
  });
  const now = Date.now();
  const sealed = sealConnectionTokens(row.id, { accessToken: tokens.access_token, refreshToken: tokens.refresh_token });
  await db
    .update(zendeskConnections)
    .set({
      accessTokenCiphertext: sealed.accessTokenCiphertext,
      accessTokenExpiresAt: tokens.expires_in ? new Date(now + tokens.expires_in * 1000) : row.accessTokenExpiresAt,
      // The guide's `refresh_token ?? old`: keep the old one when none came back.
      refreshTokenCiphertext: sealed.refreshTokenCiphertext ?? row.refreshTokenCiphertext,
      refreshTokenExpiresAt: tokens.refresh_token_expires_in
        ? new Date(now + tokens.refresh_token_expires_in * 1000)
        : row.refreshTokenExpiresAt,
    })
    .where(eq(zendeskConnections.id, row.id));
  return tokens.access_token;
}
