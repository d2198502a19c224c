import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from "node:crypto";

/*
 * AES-256-GCM for secrets at rest (Zendesk tokens, per-customer client secrets).
 *
 * Sealed format: v1.<keyId>.<iv b64url>.<ciphertext+tag b64url>, 12-byte random IV, 16-byte tag.
 * Security invariants:
 * - The associated data is "v1.<keyId>." followed by the caller's aad (e.g.
 *   "zendesk_connections:<id>:access_token"), so a ciphertext only opens for the row and field it
 *   was written for: copying it to another row or field, or relabelling its key id, fails closed.
 * - Key material never leaves this module: the ring object holds only ids (keys live in a
 *   module-private WeakMap as KeyObjects), so logging or serialising a ring shows no secret, and
 *   no error message ever contains key material or plaintext.
 * - A missing key fails closed with MissingKeyError naming the key id: an operator removed a key
 *   that data still needs, and the fix is to put it back, not to treat the secret as absent.
 */

const ALGORITHM = "aes-256-gcm";
const VERSION = "v1";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const B64URL_PATTERN = /^[A-Za-z0-9_-]+$/;
// A sealed token is a few hundred characters; refuse absurd inputs before decoding them.
const MAX_SEALED_LENGTH = 1_000_000;
const ENV_NAME = "TOKEN_ENCRYPTION_KEYS";

/** Configuration problem in the key ring spec; the message names the problem and key id, never key material. */
export class KeyRingConfigError extends Error {
  override name = "KeyRingConfigError";
}

/** The sealed value names a key id the ring does not have. */
export class MissingKeyError extends Error {
  override name = "MissingKeyError";
  constructor(readonly keyId: string) {
    super(`Encryption key "${keyId}" is not configured (${ENV_NAME}); cannot decrypt`);
  }
}

export type DecryptionFailure = "malformed" | "unsupported-version" | "authentication-failed";

/** Tampered, swapped (other row/field), wrongly keyed or malformed ciphertext; the message is deliberately generic. */
export class DecryptionError extends Error {
  override name = "DecryptionError";
  constructor(readonly reason: DecryptionFailure) {
    super(
      "Could not decrypt the stored secret: it is malformed, was tampered with, or belongs to another record or field",
    );
  }
}

/** A parsed key ring: ids only; the key material is unreachable from this object. */
export interface KeyRing {
  /** Id of the key new secrets are encrypted with (the first in the spec). */
  readonly currentKeyId: string;
  /** All ids, current first. */
  readonly keyIds: readonly string[];
}

export interface KeyRingEntry {
  readonly id: string;
  /** base64 or base64url of exactly 32 bytes. */
  readonly key: string;
}

const KEYS = new WeakMap<KeyRing, ReadonlyMap<string, KeyObject>>();

/** Parses "k2:BASE64,k1:BASE64" (first key is current); throws KeyRingConfigError. */
export function parseKeyRing(spec: string): KeyRing {
  if (typeof spec !== "string" || spec.trim() === "") throw configError('is empty; expected "k1:<base64 of 32 bytes>"');
  const entries = spec.split(",").map((part) => part.trim());
  const keys = new Map<string, KeyObject>();
  entries.forEach((entry, index) => {
    const position = `entry ${index + 1}`;
    if (entry === "") throw configError(`${position} is empty (check for a stray comma)`);
    const colon = entry.indexOf(":");
    // Without an id the entry may be a bare key: never echo it.
    if (colon === -1) throw configError(`${position} has no key id; write each key as id:base64key`);
    const id = entry.slice(0, colon).trim();
    const material = entry.slice(colon + 1).trim();
    // An invalid id is not echoed either: a swapped "key:id" pair would print the key.
    if (!KEY_ID_PATTERN.test(id))
      throw configError(`${position} has an invalid key id (use 1-32 letters, digits, "_" or "-")`);
    if (keys.has(id)) throw configError(`key id "${id}" appears more than once`);
    if (material === "") throw configError(`key "${id}" has no key material after the colon`);
    const bytes = decodeKey(material);
    if (bytes === undefined) throw configError(`key "${id}" is not valid base64 or base64url`);
    if (bytes.length !== KEY_BYTES) {
      const length = bytes.length;
      bytes.fill(0);
      throw configError(
        `key "${id}" is ${length} bytes after base64 decoding; each key must be exactly ${KEY_BYTES} bytes (generate: openssl rand -base64 32)`,
      );
    }
    keys.set(id, createSecretKey(bytes));
    bytes.fill(0);
  });
  const keyIds = Object.freeze([...keys.keys()]);
  const currentKeyId = keyIds[0];
  if (currentKeyId === undefined) throw configError("has no keys");
  const ring: KeyRing = Object.freeze({ currentKeyId, keyIds });
  KEYS.set(ring, keys);
  return ring;
}

/** Encrypts with the current key, binding the ciphertext to `aad` (e.g. "zendesk_connections:<id>:access_token"). */
export function encryptSecret(ring: KeyRing, plaintext: string, aad: string): string {
  if (typeof plaintext !== "string") throw new TypeError("encryptSecret: plaintext must be a string");
  checkAad(aad);
  const keyId = ring.currentKeyId;
  const key = keysOf(ring).get(keyId);
  if (!key) throw new MissingKeyError(keyId);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(keyId, aad));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${keyId}.${iv.toString("base64url")}.${body.toString("base64url")}`;
}

/** Decrypts a sealed value for exactly this `aad`; throws MissingKeyError or DecryptionError, never returns garbage. */
export function decryptSecret(ring: KeyRing, sealed: string, aad: string): string {
  checkAad(aad);
  const parts = parseSealed(sealed);
  const key = keysOf(ring).get(parts.keyId);
  if (!key) throw new MissingKeyError(parts.keyId);
  const ciphertext = parts.body.subarray(0, parts.body.length - TAG_BYTES);
  const tag = parts.body.subarray(parts.body.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv(ALGORITHM, key, parts.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(parts.keyId, aad));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch {
    throw new DecryptionError("authentication-failed");
  }
}

/** The key id a sealed value was encrypted with; throws DecryptionError if it is malformed. */
export function keyIdOf(sealed: string): string {
  return parseSealed(sealed).keyId;
}

/** Decrypts and re-encrypts under the current key (same aad); for key rotation jobs. */
export function reencryptSecret(ring: KeyRing, sealed: string, aad: string): string {
  return encryptSecret(ring, decryptSecret(ring, sealed, aad), aad);
}

function parseSealed(sealed: string): { keyId: string; iv: Buffer; body: Buffer } {
  if (typeof sealed !== "string" || sealed.length > MAX_SEALED_LENGTH) throw new DecryptionError("malformed");
  const parts = sealed.split(".");
  if (parts.length !== 4) throw new DecryptionError("malformed");
  const [version, keyId, ivText, bodyText] = parts as [string, string, string, string];
  if (version !== VERSION) throw new DecryptionError(/^v\d+$/.test(version) ? "unsupported-version" : "malformed");
  if (!KEY_ID_PATTERN.test(keyId)) throw new DecryptionError("malformed");
  const iv = decodeBase64Url(ivText);
  const body = decodeBase64Url(bodyText);
  if (!iv || iv.length !== IV_BYTES || !body || body.length < TAG_BYTES) throw new DecryptionError("malformed");
  return { keyId, iv, body };
}

function keysOf(ring: KeyRing): ReadonlyMap<string, KeyObject> {
  const keys = KEYS.get(ring);
  // Only rings made by parseKeyRing carry keys; a look-alike object is a programming error.
  if (!keys) throw new TypeError("Not a key ring created by parseKeyRing");
  return keys;
}

function checkAad(aad: string): void {
  // An empty binding would let a ciphertext move between rows and fields: refuse it.
  if (typeof aad !== "string" || aad === "")
    throw new TypeError("Associated data must be a non-empty string naming the row and field");
}

// The key id cannot contain ".", so "v1.<keyId>.<aad>" is unambiguous.
function associatedData(keyId: string, aad: string): Buffer {
  return Buffer.from(`${VERSION}.${keyId}.${aad}`, "utf8");
}

// Strict: only canonical base64url without padding, so one ciphertext has exactly one encoding.
function decodeBase64Url(text: string): Buffer | undefined {
  if (!B64URL_PATTERN.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64url");
  return bytes.toString("base64url") === text ? bytes : undefined;
}

// Accepts standard base64 (with or without padding) or base64url; refuses anything Buffer would silently skip.
function decodeKey(text: string): Buffer | undefined {
  const standard = /^[A-Za-z0-9+/]+={0,2}$/.test(text);
  const url = /^[A-Za-z0-9_-]+={0,2}$/.test(text);
  if (!standard && !url) return undefined;
  const unpadded = text.replace(/=+$/, "");
  const bytes = Buffer.from(unpadded.replace(/\+/g, "-").replace(/\//g, "_"), "base64url");
  if (bytes.toString("base64url") !== unpadded.replace(/\+/g, "-").replace(/\//g, "_")) return undefined;
  if (text.length !== unpadded.length && text.length % 4 !== 0) return undefined;
  return bytes;
}

function configError(problem: string): KeyRingConfigError {
  return new KeyRingConfigError(`${ENV_NAME} ${problem}`);
}
