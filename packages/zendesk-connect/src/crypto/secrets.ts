import { env } from "../config/env.js";
import { decryptSecret, encryptSecret, type KeyRing, parseKeyRing } from "./keyring.js";

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

/** Encrypts a secret bound to `aad` (lib/zendesk/store/sealed.ts names each row and column). */
export function sealSecret(aad: string, plaintext: string): string {
  return encryptSecret(keyRing(), plaintext, aad);
}

/** Decrypts a secret sealed for that row and field; throws if the key is missing or it was tampered with. */
export function openSecret(aad: string, sealed: string): string {
  return decryptSecret(keyRing(), sealed, aad);
}
