import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { beforeEach, describe, expect, it } from "vitest";
import {
  decryptSecret,
  DecryptionError,
  encryptSecret,
  keyIdOf,
  KeyRingConfigError,
  MissingKeyError,
  parseKeyRing,
  reencryptSecret,
  type KeyRing,
} from "./keyring.js";

// Table-driven cases: one that reaches no expect must fail.
beforeEach(() => {
  expect.hasAssertions();
});

const K1 = Buffer.alloc(32, 1).toString("base64");
const K2 = Buffer.alloc(32, 2).toString("base64");
const K3 = randomBytes(32).toString("base64");
const AAD = "zendesk_connections:0b7c6f3e:access_token";
const SECRET = "zd-access-token-9f8e7d6c5b4a";

function flipChar(text: string, index: number): string {
  const c = text[index];
  const replacement = c === "A" ? "B" : "A";
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

// Flip one bit of one decoded byte of a base64url segment and re-encode it canonically.
function flipByte(segment: string, byteIndex: number): string {
  const bytes = Buffer.from(segment, "base64url");
  const i = byteIndex < 0 ? bytes.length + byteIndex : byteIndex;
  bytes[i] = (bytes[i] ?? 0) ^ 0x01;
  return bytes.toString("base64url");
}

function parts(sealed: string): [string, string, string, string] {
  const p = sealed.split(".");
  expect(p).toHaveLength(4);
  return p as [string, string, string, string];
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error("threw a non-Error");
  }
  throw new Error("did not throw");
}

describe("parseKeyRing", () => {
  it("parses ids in order; the first is current", () => {
    const ring = parseKeyRing(`k2:${K2},k1:${K1}`);
    expect(ring.currentKeyId).toBe("k2");
    expect(ring.keyIds).toEqual(["k2", "k1"]);
  });

  it("tolerates spaces around entries and parts", () => {
    expect(parseKeyRing(` k2 : ${K2} , k1:${K1} `).keyIds).toEqual(["k2", "k1"]);
  });

  it("accepts base64url, and base64 without padding", () => {
    const raw = Buffer.from(Array.from({ length: 32 }, (_, i) => 250 - i));
    const url = raw.toString("base64url");
    expect(url).toMatch(/[-_]/);
    const a = parseKeyRing(`u:${url}`);
    const b = parseKeyRing(`u:${raw.toString("base64")}`);
    const c = parseKeyRing(`u:${raw.toString("base64").replace(/=+$/, "")}`);
    const sealed = encryptSecret(a, SECRET, AAD);
    expect(decryptSecret(b, sealed, AAD)).toBe(SECRET);
    expect(decryptSecret(c, sealed, AAD)).toBe(SECRET);
  });

  it("accepts the longest id and every allowed character", () => {
    const id = "A-z_9".repeat(6) + "ab";
    expect(id).toHaveLength(32);
    expect(parseKeyRing(`${id}:${K1}`).currentKeyId).toBe(id);
  });

  const badKeyMaterial = Buffer.alloc(16, 7).toString("base64");
  it.each([
    ["", "is empty"],
    ["   ", "is empty"],
    [`k1:${K1},`, "entry 2 is empty"],
    [`,k1:${K1}`, "entry 1 is empty"],
    [`k1:${K1},,k2:${K2}`, "entry 2 is empty"],
    [K1, "entry 1 has no key id"],
    [`k1:${K1},${K2}`, "entry 2 has no key id"],
    [`:${K1}`, "entry 1 has an invalid key id"],
    [`${K1}:k1`, "entry 1 has an invalid key id"],
    [`k.1:${K1}`, "entry 1 has an invalid key id"],
    [`k 1:${K1}`, "entry 1 has an invalid key id"],
    [`${"k".repeat(33)}:${K1}`, "entry 1 has an invalid key id"],
    [`k\u00e9:${K1}`, "entry 1 has an invalid key id"],
    [`k1:${K1},k1:${K2}`, 'key id "k1" appears more than once'],
    ["k1:", 'key "k1" has no key material'],
    [`k1:${badKeyMaterial}`, 'key "k1" is 16 bytes after base64 decoding; each key must be exactly 32 bytes'],
    [`k1:${Buffer.alloc(33, 3).toString("base64")}`, 'key "k1" is 33 bytes'],
    [`k1:${Buffer.alloc(31, 3).toString("base64")}`, 'key "k1" is 31 bytes'],
    ["k1:not base64!", 'key "k1" is not valid base64'],
    [`k1:${K1.slice(0, 20)}*${K1.slice(21)}`, 'key "k1" is not valid base64'],
    [`k1:${K1.slice(0, 10)}=${K1.slice(10)}`, 'key "k1" is not valid base64'],
    [`k1:${K1}==`, 'key "k1" is not valid base64'],
    [`k1:${K1.replace(/=$/, "B")}`, 'key "k1" is 33 bytes'],
    [`k1:${K1.slice(0, 42)}F=`, 'key "k1" is not valid base64'],
    [`k1:${K1.slice(0, 20)}+_${K1.slice(22)}`, 'key "k1" is not valid base64'],
    [`k1:${K1}:extra`, 'key "k1" is not valid base64'],
    [`k1:${K1.slice(0, 42)}`, 'key "k1" is 31 bytes'],
    [`k1:${K1}\nk2:${K2}`, 'key "k1" is not valid base64'],
  ])("refuses %j with a message naming the problem", (spec, fragment) => {
    const error = errorOf(() => parseKeyRing(spec));
    expect(error).toBeInstanceOf(KeyRingConfigError);
    expect(error.message).toContain(fragment);
    expect(error.message.startsWith("TOKEN_ENCRYPTION_KEYS ")).toBe(true);
    expect(error.message).not.toMatch(/[\r\n]/);
    // Never any key material, in either encoding.
    for (const key of [K1, K2, badKeyMaterial]) {
      expect(error.message).not.toContain(key.slice(0, 12));
      expect(error.message).not.toContain(Buffer.from(key, "base64").toString("base64url").slice(0, 12));
      expect(error.message).not.toContain(Buffer.from(key, "base64").toString("hex").slice(0, 12));
    }
  });

  it("refuses non-strings", () => {
    expect(() => parseKeyRing(undefined as unknown as string)).toThrow(KeyRingConfigError);
  });

  it("the ring never shows its key material", () => {
    const ring = parseKeyRing(`k2:${K2},k1:${K1}`);
    const shown = [
      JSON.stringify(ring),
      inspect(ring, { depth: 10, showHidden: true }),
      String(ring),
      Object.values(ring).join(),
    ];
    for (const text of shown) {
      for (const key of [K1, K2]) {
        expect(text).not.toContain(key.slice(0, 12));
        expect(text).not.toContain(Buffer.from(key, "base64").toString("hex").slice(0, 12));
      }
    }
    expect(JSON.parse(JSON.stringify(ring))).toEqual({ currentKeyId: "k2", keyIds: ["k2", "k1"] });
  });

  it("the ring cannot be modified", () => {
    const ring = parseKeyRing(`k1:${K1}`);
    expect(() => {
      (ring as { currentKeyId: string }).currentKeyId = "k9";
    }).toThrow();
    expect(() => (ring.keyIds as string[]).push("k9")).toThrow();
  });
});

describe("encryptSecret / decryptSecret", () => {
  const ring = parseKeyRing(`k2:${K2},k1:${K1}`);

  it("round-trips", () => {
    const sealed = encryptSecret(ring, SECRET, AAD);
    expect(decryptSecret(ring, sealed, AAD)).toBe(SECRET);
  });

  it.each(["", "x", "unicode ✓ é 漢字 😀", "a".repeat(10_000), "line\nbreak\u0000nul"])(
    "round-trips %#",
    (plaintext) => {
      expect(decryptSecret(ring, encryptSecret(ring, plaintext, AAD), AAD)).toBe(plaintext);
    },
  );

  it("has the documented format with the current key id and a 12-byte IV", () => {
    const sealed = encryptSecret(ring, SECRET, AAD);
    expect(sealed).toMatch(/^v1\.k2\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    const [, keyId, iv, body] = parts(sealed);
    expect(keyId).toBe("k2");
    expect(Buffer.from(iv, "base64url")).toHaveLength(12);
    expect(Buffer.from(body, "base64url")).toHaveLength(Buffer.byteLength(SECRET) + 16);
  });

  it("never contains the plaintext", () => {
    const sealed = encryptSecret(ring, SECRET, AAD);
    expect(sealed).not.toContain(SECRET);
    expect(sealed).not.toContain(Buffer.from(SECRET).toString("base64url").slice(0, 10));
  });

  it("uses a fresh IV every time", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(parts(encryptSecret(ring, SECRET, AAD))[2]);
    expect(seen.size).toBe(200);
  });

  it("requires a non-empty aad", () => {
    expect(() => encryptSecret(ring, SECRET, "")).toThrow(TypeError);
    const sealed = encryptSecret(ring, SECRET, AAD);
    expect(() => decryptSecret(ring, sealed, "")).toThrow(TypeError);
  });

  it("refuses a look-alike ring object", () => {
    const fake = { currentKeyId: "k2", keyIds: ["k2"] } as KeyRing;
    expect(() => encryptSecret(fake, SECRET, AAD)).toThrow(TypeError);
    expect(() => encryptSecret({ ...ring }, SECRET, AAD)).toThrow(TypeError);
  });
});

describe("tampering fails closed", () => {
  const ring = parseKeyRing(`k2:${K2},k1:${K1}`);
  const sealed = encryptSecret(ring, SECRET, AAD);
  const [version, keyId, iv, body] = parts(sealed);

  const tampered: ReadonlyArray<readonly [string, string, string]> = [
    ["iv first byte", [version, keyId, flipByte(iv, 0), body].join("."), "authentication-failed"],
    ["iv last byte", [version, keyId, flipByte(iv, -1), body].join("."), "authentication-failed"],
    ["ciphertext first byte", [version, keyId, iv, flipByte(body, 0)].join("."), "authentication-failed"],
    ["ciphertext middle byte", [version, keyId, iv, flipByte(body, 10)].join("."), "authentication-failed"],
    ["tag first byte", [version, keyId, iv, flipByte(body, -16)].join("."), "authentication-failed"],
    ["tag last byte", [version, keyId, iv, flipByte(body, -1)].join("."), "authentication-failed"],
    [
      "truncated tag",
      [version, keyId, iv, Buffer.from(body, "base64url").subarray(0, -1).toString("base64url")].join("."),
      "authentication-failed",
    ],
    [
      "ciphertext dropped, tag kept",
      [version, keyId, iv, Buffer.from(body, "base64url").subarray(-16).toString("base64url")].join("."),
      "authentication-failed",
    ],
    [
      "extended ciphertext",
      [
        version,
        keyId,
        iv,
        Buffer.concat([Buffer.from(body, "base64url"), Buffer.from([0])]).toString("base64url"),
      ].join("."),
      "authentication-failed",
    ],
    ["key id relabelled to the other real key", [version, "k1", iv, body].join("."), "authentication-failed"],
    [
      "iv swapped with another ciphertext's",
      [version, keyId, parts(encryptSecret(ring, SECRET, AAD))[2], body].join("."),
      "authentication-failed",
    ],
    [
      "body swapped with another ciphertext's",
      [version, keyId, iv, parts(encryptSecret(ring, SECRET, AAD))[3]].join("."),
      "authentication-failed",
    ],
    ["truncated to under a tag", [version, keyId, iv, body.slice(0, 20)].join("."), "malformed"],
    ["truncated body to nothing", [version, keyId, iv, ""].join("."), "malformed"],
    // Depending on the random last bits, a one-character cut is non-canonical or just a shorter tag.
    ["truncated string", sealed.slice(0, sealed.length - 1), "any"],
    ["iv too short", [version, keyId, iv.slice(0, 12), body].join("."), "malformed"],
    ["iv too long", [version, keyId, iv + "AAAA", body].join("."), "malformed"],
    ["non-canonical base64url", [version, keyId, iv, `${body}=`].join("."), "malformed"],
    [
      "standard base64 characters",
      [version, keyId, iv, body.replace(/-/g, "+").replace(/_/g, "/") + "+"].join("."),
      "malformed",
    ],
    ["changed version", ["v2", keyId, iv, body].join("."), "unsupported-version"],
    ["missing version", [keyId, iv, body].join("."), "malformed"],
    ["extra part", [version, keyId, iv, body, "x"].join("."), "malformed"],
    ["invalid key id", [version, "k 2", iv, body].join("."), "malformed"],
    ["empty key id", [version, "", iv, body].join("."), "malformed"],
    ["empty", "", "malformed"],
    ["plaintext stored by mistake", SECRET, "malformed"],
    ["whitespace", ` ${sealed}`, "malformed"],
    ["newline", `${sealed}\n`, "malformed"],
    ["huge", "v1.k2." + "A".repeat(2_000_000), "malformed"],
  ];

  it.each(tampered)("%s", (_, value, reason) => {
    const error = errorOf(() => decryptSecret(ring, value, AAD));
    expect(error).toBeInstanceOf(DecryptionError);
    if (reason !== "any") expect((error as DecryptionError).reason).toBe(reason);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(K1.slice(0, 12));
    expect(error.message).not.toContain(K2.slice(0, 12));
    expect(error.message).not.toContain(iv);
  });

  it("the tamper helper really changes the value", () => {
    expect(flipByte(body, 0)).not.toBe(body);
    expect(flipChar(iv, 0)).not.toBe(iv);
  });

  it("refuses non-strings", () => {
    expect(() => decryptSecret(ring, undefined as unknown as string, AAD)).toThrow(DecryptionError);
    expect(() => decryptSecret(ring, 42 as unknown as string, AAD)).toThrow(DecryptionError);
  });
});

describe("associated data binds a ciphertext to its row and field", () => {
  const ring = parseKeyRing(`k1:${K1}`);
  const sealed = encryptSecret(ring, SECRET, "zendesk_connections:row-1:access_token");

  it.each([
    ["row swap", "zendesk_connections:row-2:access_token"],
    ["field swap", "zendesk_connections:row-1:refresh_token"],
    ["table swap", "zendesk_clients:row-1:access_token"],
    ["prefix of the aad", "zendesk_connections:row-1:access_toke"],
    ["extended aad", "zendesk_connections:row-1:access_token:x"],
    ["case change", "Zendesk_connections:row-1:access_token"],
  ])("%s fails", (_, aad) => {
    const error = errorOf(() => decryptSecret(ring, sealed, aad));
    expect(error).toBeInstanceOf(DecryptionError);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain("row-1");
  });

  it("the right row and field open it", () => {
    expect(decryptSecret(ring, sealed, "zendesk_connections:row-1:access_token")).toBe(SECRET);
  });
});

describe("keys: missing, wrong, rotated", () => {
  it("a missing key fails closed and names the id", () => {
    const old = parseKeyRing(`k1:${K1}`);
    const sealed = encryptSecret(old, SECRET, AAD);
    const rotatedAway = parseKeyRing(`k2:${K2}`);
    const error = errorOf(() => decryptSecret(rotatedAway, sealed, AAD));
    expect(error).toBeInstanceOf(MissingKeyError);
    expect((error as MissingKeyError).keyId).toBe("k1");
    expect(error.message).toBe('Encryption key "k1" is not configured (TOKEN_ENCRYPTION_KEYS); cannot decrypt');
    expect(error.message).not.toContain(K1.slice(0, 12));
    expect(error.message).not.toContain(K2.slice(0, 12));
  });

  it("the same id with different material fails authentication", () => {
    const sealed = encryptSecret(parseKeyRing(`k1:${K1}`), SECRET, AAD);
    const error = errorOf(() => decryptSecret(parseKeyRing(`k1:${K3}`), sealed, AAD));
    expect(error).toBeInstanceOf(DecryptionError);
    expect(error.message).not.toContain(K3.slice(0, 12));
  });

  it("after rotation the old key still decrypts and new secrets use the new key", () => {
    const before = parseKeyRing(`k1:${K1}`);
    const oldSealed = encryptSecret(before, SECRET, AAD);
    const after = parseKeyRing(`k2:${K2},k1:${K1}`);
    expect(decryptSecret(after, oldSealed, AAD)).toBe(SECRET);
    const newSealed = encryptSecret(after, SECRET, AAD);
    expect(keyIdOf(newSealed)).toBe("k2");
    expect(() => decryptSecret(before, newSealed, AAD)).toThrow(MissingKeyError);
  });

  it("reencryptSecret moves a secret to the current key, keeping its binding", () => {
    const after = parseKeyRing(`k2:${K2},k1:${K1}`);
    const oldSealed = encryptSecret(parseKeyRing(`k1:${K1}`), SECRET, AAD);
    const moved = reencryptSecret(after, oldSealed, AAD);
    expect(keyIdOf(moved)).toBe("k2");
    expect(decryptSecret(parseKeyRing(`k2:${K2}`), moved, AAD)).toBe(SECRET);
    expect(() => decryptSecret(after, moved, "zendesk_connections:other:access_token")).toThrow(DecryptionError);
    expect(() => reencryptSecret(after, oldSealed, "zendesk_connections:other:access_token")).toThrow(DecryptionError);
  });

  it("keyIdOf reads the id without a key, and refuses malformed values", () => {
    const sealed = encryptSecret(parseKeyRing(`dev1:${K1}`), SECRET, AAD);
    expect(keyIdOf(sealed)).toBe("dev1");
    expect(() => keyIdOf("garbage")).toThrow(DecryptionError);
    expect(() => keyIdOf("v1.k1.x.y")).toThrow(DecryptionError);
  });
});
