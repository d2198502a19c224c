import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import { CONNECT_ERROR_CODES, TOKEN_ERROR_CODES } from "./error-codes.js";
import {
  EXTRA_TOPICS,
  HELP_TOPIC_GROUPS,
  HELP_TOPICS,
  helpHref,
  isHelpTopic,
  OWN_CLIENT_SECTION_ID,
  TROUBLESHOOTING,
} from "./troubleshooting.js";

// Table-driven cases: one that reaches no expect must fail.
beforeEach(() => {
  expect.hasAssertions();
});

const entryText = (topic: keyof typeof TROUBLESHOOTING) => {
  const e = TROUBLESHOOTING[topic];
  return [e.title, e.cause, e.inZendesk, ...e.fix].join("\n");
};

describe("troubleshooting entries", () => {
  it.each([...CONNECT_ERROR_CODES, ...TOKEN_ERROR_CODES])("has a complete entry for the error code %s", (code) => {
    const entry = TROUBLESHOOTING[code];
    expect(entry).toBeDefined();
    expect(entry.title.trim()).not.toBe("");
    expect(entry.cause.trim()).not.toBe("");
    expect(entry.inZendesk.trim()).not.toBe("");
    expect(entry.fix.length).toBeGreaterThan(0);
    for (const step of entry.fix) expect(step.trim()).not.toBe("");
  });

  it("has a complete entry for every extra topic, and nothing else", () => {
    for (const topic of EXTRA_TOPICS) {
      const entry = TROUBLESHOOTING[topic];
      expect([entry.title, entry.cause, entry.inZendesk].every((s) => s.trim() !== "")).toBe(true);
      expect(entry.fix.filter((s) => s.trim() !== "")).toHaveLength(entry.fix.length);
    }
    expect(Object.keys(TROUBLESHOOTING).sort()).toEqual([...HELP_TOPICS].sort());
  });

  it("lists every topic exactly once in the guide's groups", () => {
    const grouped = HELP_TOPIC_GROUPS.flatMap((g) => g.topics);
    expect(new Set(grouped).size).toBe(grouped.length);
    expect([...grouped].sort()).toEqual([...HELP_TOPICS].sort());
  });

  it("covers the problems admins meet most", () => {
    // Each a fact from the Zendesk reference the guide must state.
    expect(entryText("invalid_grant")).toContain("120 seconds");
    expect(entryText("redirect_uri_mismatch")).toMatch(/Redirect URLs/);
    expect(entryText("plan_without_oauth")).toMatch(/Suite Growth.*Support Professional/s);
    expect(entryText("numeric_client_id")).toMatch(/Unique identifier/i);
    expect(entryText("lost_secret")).toMatch(/only once/);
    expect(entryText("rate_limited")).toMatch(/200.*400.*700.*2,500/s);
    expect(entryText("refresh_token_expired")).toMatch(/7 and 90 days/);
    expect(entryText("client_other_account")).toContain("zdg-");
    for (const topic of ["invalid_client", "redirect_uri_mismatch", "lost_secret", "numeric_client_id"] as const) {
      expect(entryText(topic)).toContain("Admin Center → Apps and integrations → APIs → OAuth Clients");
    }
  });
});

describe("anchors", () => {
  it("are unique, URL-safe and distinct from the guide's own section ids", () => {
    const anchors = HELP_TOPICS.map((t) => helpHref(t).split("#")[1]);
    expect(new Set(anchors).size).toBe(anchors.length);
    for (const anchor of anchors) {
      expect(anchor).toMatch(/^[a-z][a-z0-9_-]*$/);
      expect(encodeURIComponent(anchor!)).toBe(anchor);
    }
    expect(anchors).not.toContain(OWN_CLIENT_SECTION_ID);
    expect(helpHref("invalid_grant")).toBe("/help/zendesk#invalid_grant");
  });

  it("isHelpTopic accepts topics only", () => {
    for (const topic of HELP_TOPICS) expect(isHelpTopic(topic)).toBe(true);
    for (const value of ["", "nope", "constructor", "__proto__", "toString", "INVALID_GRANT", 1, null, undefined, {}]) {
      expect(isHelpTopic(value)).toBe(false);
    }
  });
});

describe("no secret material", () => {
  // The development fixtures' secrets must never be copied into help text as an "example".
  const seed = JSON.parse(readFileSync(new URL("../../../zendesk-simulator/seed.json", import.meta.url), "utf8")) as {
    global_clients: { secret?: string }[];
    instances: { clients: { secret?: string }[] }[];
  };
  const seedSecrets = [...seed.global_clients, ...seed.instances.flatMap((i) => i.clients)].flatMap((c) =>
    c.secret ? [c.secret] : [],
  );

  const SECRET_PATTERNS: RegExp[] = [
    /\b(client_secret|access_token|refresh_token|code_verifier|code|secret|password|token)\s*[=:]\s*["']?[A-Za-z0-9._~+/-]{6,}/i, // a value assigned to a secret-ish name
    /\bBearer\s+[A-Za-z0-9._~+/-]{6,}/i, // an Authorization header value
    /[A-Za-z0-9+/_-]{32,}={0,2}/, // a long opaque string (key, token, secret)
    /\b[a-f0-9]{24,}\b/i, // a long hex string
    /\b(sk|pk|ghp|xox[abp])_[A-Za-z0-9]{8,}/, // vendor-style secret prefixes
    /\bk\d+:[A-Za-z0-9+/]{20,}/, // a TOKEN_ENCRYPTION_KEYS entry
  ];

  it("the patterns catch secret-looking values", () => {
    const samples = [
      "client_secret=abc123def456",
      "Authorization: Bearer 0123456789abcdef",
      "k2:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
      "deadbeefdeadbeefdeadbeefdeadbeef",
      "token: 'a1b2c3d4e5f6'",
    ];
    for (const sample of samples) expect(SECRET_PATTERNS.some((p) => p.test(sample))).toBe(true);
  });

  it.each([...HELP_TOPICS])("the entry for %s contains no secret-looking value", (topic) => {
    const text = entryText(topic);
    expect(seedSecrets.length).toBeGreaterThan(0);
    for (const secret of seedSecrets) expect(text).not.toContain(secret);
    for (const pattern of SECRET_PATTERNS) expect(text).not.toMatch(pattern);
  });
});
