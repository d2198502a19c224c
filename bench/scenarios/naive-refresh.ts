import { eq } from "drizzle-orm";
import { db } from "@/db";
import { zendeskConnections } from "@/db/schema";
import { openSecret, sealSecret, secretAad } from "@/lib/crypto/secrets";
import { resolveClientCredentials } from "@/lib/zendesk/store/oauth-clients";
import { requestToken } from "@/lib/zendesk/tokens/endpoint";
import { accessTokenDue, loadConnection } from "@/lib/zendesk/tokens/lifecycle";

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
  const aad = (field: "access_token" | "refresh_token") => secretAad("zendesk_connections", row.id, field);
  if (!accessTokenDue(row, Date.now())) return openSecret(aad("access_token"), row.accessTokenCiphertext);
  if (!row.refreshTokenCiphertext) throw new Error("no refresh token");
  const client = await resolveClientCredentials(row.workspaceId, row.oauthClientId);
  const tokens = await requestToken(row.subdomain, client, {
    grant_type: "refresh_token",
    refresh_token: openSecret(aad("refresh_token"), row.refreshTokenCiphertext),
  });
  const now = Date.now();
  await db
    .update(zendeskConnections)
    .set({
      accessTokenCiphertext: sealSecret(aad("access_token"), tokens.access_token),
      accessTokenExpiresAt: tokens.expires_in ? new Date(now + tokens.expires_in * 1000) : row.accessTokenExpiresAt,
      // The guide's `refresh_token ?? old`: keep the old one when none came back.
      refreshTokenCiphertext: tokens.refresh_token
        ? sealSecret(aad("refresh_token"), tokens.refresh_token)
        : row.refreshTokenCiphertext,
      refreshTokenExpiresAt: tokens.refresh_token_expires_in
        ? new Date(now + tokens.refresh_token_expires_in * 1000)
        : row.refreshTokenExpiresAt,
    })
    .where(eq(zendeskConnections.id, row.id));
  return tokens.access_token;
}
