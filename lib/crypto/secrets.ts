import "server-only";
import { env } from "@/config/env";
import { decryptSecret, encryptSecret, type KeyRing, parseKeyRing } from "./keyring";

/*
 * Secrets at rest, bound to the configured key ring. The associated data names the table,
 * row and field, so a ciphertext copied to another row or column fails to decrypt.
 */

let cached: { spec: string; ring: KeyRing } | undefined;

/** The configured key ring (TOKEN_ENCRYPTION_KEYS); the first key encrypts, all decrypt. */
export function keyRing(): KeyRing {
  const spec = env().tokenEncryptionKeys;
  if (cached?.spec !== spec) cached = { spec, ring: parseKeyRing(spec) };
  return cached.ring;
}

export type SecretField = "access_token" | "refresh_token" | "client_secret";

/** Associated data for one secret column of one row. */
export function secretAad(
  table: "zendesk_connections" | "zendesk_oauth_clients" | "zendesk_connect_intents",
  rowId: string,
  field: SecretField,
): string {
  return `${table}:${rowId}:${field}`;
}

/** Encrypts a secret for one row and field. */
export function sealSecret(aad: string, plaintext: string): string {
  return encryptSecret(keyRing(), plaintext, aad);
}

/** Decrypts a secret sealed for that row and field; throws if the key is missing or it was tampered with. */
export function openSecret(aad: string, sealed: string): string {
  return decryptSecret(keyRing(), sealed, aad);
}
