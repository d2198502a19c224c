import { openSecret, sealSecret } from "../crypto/secrets.js";

/*
 * The sealed (encrypted) columns of the Zendesk tables, in one place. Each secret is bound to
 * its table, row and column by the associated data built here and nowhere else, so a
 * ciphertext copied to another row or column fails to open. Key rotation (rotate-keys.ts)
 * walks the same list.
 */

export const SEALED_COLUMNS = {
  accessToken: { table: "zendesk_connections", column: "access_token" },
  refreshToken: { table: "zendesk_connections", column: "refresh_token" },
  clientSecret: { table: "zendesk_oauth_clients", column: "client_secret" },
  /** A workspace's new own-client secret, kept with the connect intent until Zendesk accepts it. */
  intentClientSecret: { table: "zendesk_connect_intents", column: "client_secret" },
} as const;

export type SealedColumn = keyof typeof SEALED_COLUMNS;

/** The associated data of one sealed column of one row. */
export function sealedColumnAad(column: SealedColumn, rowId: string): string {
  const { table, column: name } = SEALED_COLUMNS[column];
  return `${table}:${rowId}:${name}`;
}

/** Seals a connection's tokens for its row; no refresh token stays null. */
export function sealConnectionTokens(
  connectionId: string,
  tokens: { accessToken: string; refreshToken?: string | null },
): { accessTokenCiphertext: string; refreshTokenCiphertext: string | null } {
  return {
    accessTokenCiphertext: sealSecret(sealedColumnAad("accessToken", connectionId), tokens.accessToken),
    refreshTokenCiphertext: tokens.refreshToken
      ? sealSecret(sealedColumnAad("refreshToken", connectionId), tokens.refreshToken)
      : null,
  };
}

export function openAccessToken(row: { id: string; accessTokenCiphertext: string }): string {
  return openSecret(sealedColumnAad("accessToken", row.id), row.accessTokenCiphertext);
}

export function openRefreshToken(row: { id: string; refreshTokenCiphertext: string }): string {
  return openSecret(sealedColumnAad("refreshToken", row.id), row.refreshTokenCiphertext);
}

export function sealClientSecret(clientId: string, secret: string): string {
  return sealSecret(sealedColumnAad("clientSecret", clientId), secret);
}

export function openClientSecret(row: { id: string; secretCiphertext: string }): string {
  return openSecret(sealedColumnAad("clientSecret", row.id), row.secretCiphertext);
}

export function sealIntentClientSecret(intentId: string, secret: string): string {
  return sealSecret(sealedColumnAad("intentClientSecret", intentId), secret);
}

export function openIntentClientSecret(row: { id: string; secretCiphertext: string }): string {
  return openSecret(sealedColumnAad("intentClientSecret", row.id), row.secretCiphertext);
}
