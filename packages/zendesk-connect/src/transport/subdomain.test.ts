import { beforeEach, describe, expect, it } from "vitest";
import { isValidSubdomainLabel, MAX_SUBDOMAIN_INPUT_LENGTH, parseSubdomain, subdomainSchema } from "./subdomain.js";

const HINT = 'Enter your Zendesk subdomain: the "acme" in acme.zendesk.com.';

// Every case here is table-driven: one that returns before its first expect must fail.
beforeEach(() => {
  expect.hasAssertions();
});

describe("parseSubdomain accepts every pasted form of a Zendesk address", () => {
  it.each([
    ["acme", "acme"],
    [" ACME ", "acme"],
    ["Acme", "acme"],
    ["\tacme\n", "acme"],
    ["acme.zendesk.com", "acme"],
    ["ACME.ZENDESK.COM", "acme"],
    ["acme.zendesk.com/", "acme"],
    ["acme.zendesk.com/agent/tickets/1", "acme"],
    ["acme.zendesk.com?x=1", "acme"],
    ["https://acme.zendesk.com", "acme"],
    ["https://acme.zendesk.com/", "acme"],
    ["HTTPS://ACME.zendesk.com/", "acme"],
    ["https://acme.zendesk.com/agent/tickets/1", "acme"],
    ["https://acme.zendesk.com/agent/dashboard?brand_id=1#top", "acme"],
    ["https://acme.zendesk.com/hc/en-us/articles/360001-foo%20bar", "acme"],
    ["https://acme.zendesk.com/agent/@mention", "acme"],
    ["http://acme.zendesk.com", "acme"],
    ["  https://acme.zendesk.com/agent  ", "acme"],
    ["my-company", "my-company"],
    ["my-company.zendesk.com", "my-company"],
    ["a", "a"],
    ["a1", "a1"],
    ["0", "0"],
    ["123", "123"],
    ["2130706433", "2130706433"],
    ["a-b-c-d", "a-b-c-d"],
    ["ab--cd", "ab--cd"],
    ["x".repeat(63), "x".repeat(63)],
    [`https://${"x".repeat(63)}.zendesk.com/`, "x".repeat(63)],
    ["support", "support"],
    ["d3v-acme", "d3v-acme"],
  ])("%j -> %j", (input, expected) => {
    expect(parseSubdomain(input)).toEqual({ ok: true, subdomain: expected });
  });

  it("accepts an input exactly at the length cap", () => {
    const input = `https://acme.zendesk.com/${"a".repeat(MAX_SUBDOMAIN_INPUT_LENGTH - "https://acme.zendesk.com/".length)}`;
    expect(input.length).toBe(MAX_SUBDOMAIN_INPUT_LENGTH);
    expect(parseSubdomain(input)).toEqual({ ok: true, subdomain: "acme" });
  });
});

// [input, a fragment the specific reason must contain]
const HOSTILE: ReadonlyArray<readonly [string, string]> = [
  // Empty and whitespace
  ["", "empty"],
  ["   ", "empty"],
  ["\t\n\r ", "empty"],
  // The reference's host-escape examples
  ["evil.com#", "not a zendesk.com address"],
  ["evil.com/", "not a zendesk.com address"],
  ["evil.com?", "not a zendesk.com address"],
  ["evil.com\\", "backslash"],
  ["a@evil.com", '"@"'],
  ["evil.com", "not a zendesk.com address"],
  ["acme#", "not letters, digits or hyphens"],
  ["acme/", "not letters, digits or hyphens"],
  ["acme?", "not letters, digits or hyphens"],
  ["acme/evil.com", "not letters, digits or hyphens"],
  ["acme#.evil.com", "not letters, digits or hyphens"],
  ["acme.evil.com", "not a zendesk.com address"],
  ["acme.zendesk.com.evil.com", "not a zendesk.com address"],
  ["acme.zendesk.com@evil.com", '"@"'],
  ["https://acme.zendesk.com@evil.com", '"@"'],
  ["https://acme.zendesk.com@evil.com/", '"@"'],
  ["https://user:pass@acme.zendesk.com", '"@"'],
  ["https://evil.com@acme.zendesk.com", '"@"'],
  ["https://evil.com/acme.zendesk.com", "not a zendesk.com address"],
  ["https://evil.com?acme.zendesk.com", "not a zendesk.com address"],
  ["https://evil.com#acme.zendesk.com", "not a zendesk.com address"],
  ["https://evil.com\\acme.zendesk.com", "backslash"],
  ["https://acme.zendesk.com\\@evil.com", "backslash"],
  ["https://acme.zendesk.com\\.evil.com", "backslash"],
  ["evil.com\\.zendesk.com", "backslash"],
  ["https://evil.com\\.zendesk.com", "backslash"],
  ["evil.com/.zendesk.com", "not a zendesk.com address"],
  ["evil.com?.zendesk.com", "not a zendesk.com address"],
  ["evil.com#.zendesk.com", "not a zendesk.com address"],
  ["evilzendesk.com", "not a zendesk.com address"],
  ["acme-zendesk.com", "not a zendesk.com address"],
  ["acme.zendeskXcom", "not a zendesk.com address"],
  ["acme.zendesk.com.", "ends with a dot"],
  ["https://acme.zendesk.com./", "ends with a dot"],
  ["acme.", "ends with a dot"],
  // Percent-encoding
  ["acme%2eevil", "percent-encoded"],
  ["acme%2eevil.com", "percent-encoded"],
  ["acme%2ezendesk.com", "percent-encoded"],
  ["https://acme%2ezendesk.com", "percent-encoded"],
  ["https://evil.com%2f.zendesk.com", "percent-encoded"],
  ["https://evil.com%23.zendesk.com", "percent-encoded"],
  ["https://evil.com%40acme.zendesk.com", "percent-encoded"],
  ["%61cme", "percent-encoded"],
  ["acme%00", "percent-encoded"],
  // Structure
  ["acme..zendesk.com", "empty part"],
  [".zendesk.com", "empty part"],
  [".acme", "empty part"],
  ["a.b.zendesk.com", "Only one name"],
  ["www.acme.zendesk.com", "Only one name"],
  ["evil.com.acme.zendesk.com", "Only one name"],
  ["zendesk.com", "Zendesk's own address"],
  ["https://zendesk.com", "Zendesk's own address"],
  ["www.zendesk.com", "Zendesk's own website"],
  ["https://www.zendesk.com/", "Zendesk's own website"],
  ["www", "Zendesk's own website"],
  ["acme.zendesk.co", "not .zendesk.co"],
  ["acme.zendesk.org", "not .zendesk.org"],
  ["https://acme.zendesk.co/", "not .zendesk.co"],
  ["acme.zendesk", "not a zendesk.com address"],
  ["support.acme.com", "custom domains"],
  ["https://support.acme.com/hc", "custom domains"],
  ["https://acme", "must end in .zendesk.com"],
  ["http://acme/", "must end in .zendesk.com"],
  // Ports
  ["acme.zendesk.com:443", "port"],
  ["acme.zendesk.com:", "port"],
  ["https://acme.zendesk.com:443", "port"],
  ["https://acme.zendesk.com:8080", "port"],
  ["https://acme.zendesk.com:/", "port"],
  ["https://acme.zendesk.com:443@evil.com", '"@"'],
  // Schemes
  ["ftp://acme.zendesk.com", "not ftp://"],
  ["file://acme.zendesk.com/", "not file://"],
  ["ws://acme.zendesk.com", "not ws://"],
  ["wss://acme.zendesk.com", "not wss://"],
  ["javascript://acme.zendesk.com/%0aalert(1)", "not javascript://"],
  ["javascript:alert(1)", "not a web address"],
  ["data:text/html,acme", "not a web address"],
  ["mailto:acme@zendesk.com", '"@"'],
  ["https:acme.zendesk.com", "not a web address"],
  ["https:/acme.zendesk.com", "not a web address"],
  ["acme:443", "not a web address"],
  ["//evil.com", "starts with //"],
  ["//acme.zendesk.com", "starts with //"],
  ["https:///acme.zendesk.com", "no host name"],
  ["https://", "no host name"],
  ["https:///", "no host name"],
  ["/acme", "does not start with a subdomain"],
  ["?acme", "does not start with a subdomain"],
  ["#acme", "does not start with a subdomain"],
  // IP addresses
  ["127.0.0.1", "IP address"],
  ["http://127.0.0.1", "IP address"],
  ["https://127.0.0.1/", "IP address"],
  ["169.254.169.254", "IP address"],
  ["0x7f.0.0.1", "IP address"],
  ["0x7f000001.0x0", "IP address"],
  ["acme.1", "IP address"],
  ["[::1]", "IP address"],
  ["http://[::1]/", "IP address"],
  ["https://[::ffff:127.0.0.1]", "IP address"],
  // Single label shape
  [".", "ends with a dot"],
  ["..", "ends with a dot"],
  ["-", "hyphen"],
  ["--", "hyphen"],
  ["acme-", "hyphen"],
  ["-acme", "hyphen"],
  ["-acme-", "hyphen"],
  ["acme-.zendesk.com", "hyphen"],
  ["https://-acme.zendesk.com", "hyphen"],
  ["x".repeat(64), "at most 63"],
  [`${"x".repeat(64)}.zendesk.com`, "at most 63"],
  [`https://${"x".repeat(64)}.zendesk.com`, "at most 63"],
  ["x".repeat(300), "at most 63"],
  ["ac_me", "not letters, digits or hyphens"],
  ["ac_me.zendesk.com", "not letters, digits or hyphens"],
  ["ac+me", "not letters, digits or hyphens"],
  ["acme!", "not letters, digits or hyphens"],
  ["ac'me", "not letters, digits or hyphens"],
  ['ac"me', "not letters, digits or hyphens"],
  ["<script>", "not letters, digits or hyphens"],
  ["acme;evil", "not letters, digits or hyphens"],
  ["ac$me", "not letters, digits or hyphens"],
  ["{subdomain}", "not letters, digits or hyphens"],
  ["ac*me.zendesk.com", "not letters, digits or hyphens"],
  ["acme,evil.com", "not a zendesk.com address"],
  // Punycode
  ["xn--cme-8cd", "internationalised"],
  ["xn--80ak6aa92e", "internationalised"],
  ["xn--80ak6aa92e.zendesk.com", "internationalised"],
  ["https://xn--80ak6aa92e.zendesk.com/agent", "internationalised"],
  ["XN--80AK6AA92E", "internationalised"],
  // Whitespace and control-character injection inside the value
  ["ac me", "spaces"],
  ["acme .zendesk.com", "spaces"],
  ["https://acme.zendesk.com /agent", "spaces"],
  ["acme\nevil", "control character"],
  ["acme\revil", "control character"],
  ["acme\r\nHost: evil.com", "control character"],
  ["acme\tevil", "control character"],
  ["acme\u0000", "control character"],
  ["acme\u0000.evil.com", "control character"],
  ["\u0000acme", "control character"],
  ["acme\u0007", "control character"],
  ["acme\u001b[31m", "control character"],
  ["acme\u007f", "control character"],
  ["https://acme.zendesk.com\n.evil.com", "control character"],
  ["https://evil.com\t.zendesk.com", "control character"],
  ["https://ac\nme.zendesk.com", "control character"],
  // Unicode: look-alikes, full-width, zero-width, bidi, normalisation tricks
  ["\u0430cme", "ASCII"], // Cyrillic а
  ["\u0430cme.zendesk.com", "ASCII"],
  ["https://\u0430cme.zendesk.com", "ASCII"],
  ["acm\u0435", "ASCII"], // Cyrillic е
  ["\u0391CME", "ASCII"], // Greek Alpha
  ["\u212Acme", "ASCII"], // Kelvin sign: lowercases to ASCII "k"
  ["\u0130cme", "ASCII"], // dotted capital I
  ["\uff41\uff43\uff4d\uff45", "ASCII"], // full-width acme
  ["acme\uff0ezendesk.com", "ASCII"], // full-width full stop
  ["acme\u3002zendesk.com", "ASCII"], // ideographic full stop
  ["acme\uff0fevil.com", "ASCII"], // full-width solidus
  ["evil.com\uff03", "ASCII"], // full-width number sign
  ["ac\u200bme", "ASCII"], // zero-width space
  ["acme\u200b", "ASCII"],
  ["\u200dacme", "ASCII"], // zero-width joiner
  ["ac\u00adme", "ASCII"], // soft hyphen
  ["acme\u202e", "ASCII"], // right-to-left override
  ["acme\u2028evil", "ASCII"], // line separator inside
  ["ac\u00a0me", "ASCII"], // no-break space inside
  ["acme\ufeff.evil", "ASCII"], // BOM inside
  ["ac\u0301me", "ASCII"], // combining accent
  ["caf\u00e9", "ASCII"],
  ["acme\u2024zendesk.com", "ASCII"], // one dot leader
  ["acme\ufe52zendesk.com", "ASCII"], // small full stop
  ["\ud83d\ude00", "ASCII"],
  ["acme\ud800", "ASCII"], // lone surrogate
  // Length cap
  ["a".repeat(MAX_SUBDOMAIN_INPUT_LENGTH + 1), "far too long"],
  [`https://acme.zendesk.com/${"a".repeat(10_000)}`, "far too long"],
  [" ".repeat(MAX_SUBDOMAIN_INPUT_LENGTH + 1), "far too long"],
];

describe("parseSubdomain refuses the hostile corpus", () => {
  it("has a large corpus", () => {
    expect(HOSTILE.length).toBeGreaterThan(150);
  });

  it.each(HOSTILE)("refuses %j (%s)", (input, reason) => {
    const result = parseSubdomain(input);
    expect(result.ok).toBe(false);
    const error = result.ok ? "" : result.error;
    expect(error.startsWith(HINT)).toBe(true);
    expect(error).toContain(reason);
    // The message is one line of printable text, so it is safe to show and to log.
    expect(error).not.toMatch(/[\u0000-\u001f\u007f]/);
  });

  it("explains why host-mapped domains are refused", () => {
    const result = parseSubdomain("support.acme.com");
    expect(result).toEqual({
      ok: false,
      error: expect.stringContaining(
        "Host-mapped custom domains (such as support.acme.com) don't work for Zendesk OAuth",
      ),
    });
  });

  it("names the offending characters", () => {
    const result = parseSubdomain("ac_me!");
    expect(!result.ok && result.error).toContain('"_", "!"');
  });

  it("refuses non-string input", () => {
    expect(parseSubdomain(undefined as unknown as string).ok).toBe(false);
    expect(parseSubdomain(["acme"] as unknown as string).ok).toBe(false);
  });
});

describe("invariant: what is accepted is a single label that keeps the host under zendesk.com", () => {
  // Each input with its outcome: `null` = refused, else the one clean label it is confined to.
  const cases: [string, string | null][] = [
    ...HOSTILE.map(([input]): [string, null] => [input, null]),
    ["acme", "acme"],
    ["https://acme.zendesk.com/agent", "acme"],
    ["ACME.zendesk.com/", "acme"],
    ["x".repeat(63), "x".repeat(63)],
  ];
  it.each(cases)("%j → %j", (input, expected) => {
    const result = parseSubdomain(input);
    if (expected === null) {
      expect(result).toEqual({ ok: false, error: expect.stringMatching(/^Enter your Zendesk subdomain: /) });
      expect(!result.ok && result.error).not.toMatch(/[\u0000-\u001f\u007f]/);
      return;
    }
    expect(result).toEqual({ ok: true, subdomain: expected });
    expect(isValidSubdomainLabel(expected)).toBe(true);
    const url = new URL(`https://${expected}.zendesk.com/oauth/tokens`);
    expect(url.hostname).toBe(`${expected}.zendesk.com`);
    expect(url.pathname).toBe("/oauth/tokens");
  });

  it("an accepted label parses back to itself", () => {
    for (const label of ["acme", "a", "a-b", "0", "x".repeat(63)]) {
      expect(isValidSubdomainLabel(label)).toBe(true);
      expect(parseSubdomain(label)).toEqual({ ok: true, subdomain: label });
    }
  });
});

describe("isValidSubdomainLabel", () => {
  it.each(["acme", "a", "0", "a-b", "ab--cd", "123", "x".repeat(63)])("accepts %j", (s) => {
    expect(isValidSubdomainLabel(s)).toBe(true);
  });

  it.each([
    "",
    " acme",
    "acme ",
    "ACME",
    "Acme",
    "acme.zendesk.com",
    "https://acme.zendesk.com",
    "acme\n",
    "-acme",
    "acme-",
    "x".repeat(64),
    "evil.com#",
    "evil.com/",
    "evil.com?",
    "evil.com\\",
    "a@evil.com",
    "xn--80ak6aa92e",
    "www",
    "\u0430cme",
    "\u212Acme",
    "ac_me",
    "acme%2e",
  ])("refuses %j without normalising it", (s) => {
    expect(isValidSubdomainLabel(s)).toBe(false);
  });

  it("refuses non-strings", () => {
    expect(isValidSubdomainLabel(undefined as unknown as string)).toBe(false);
    expect(isValidSubdomainLabel(42 as unknown as string)).toBe(false);
    expect(isValidSubdomainLabel({ toString: () => "acme" } as unknown as string)).toBe(false);
  });
});

describe("subdomainSchema", () => {
  it("normalises a pasted URL", () => {
    expect(subdomainSchema.parse("https://Acme.zendesk.com/agent")).toBe("acme");
  });

  it("carries the human message as the issue", () => {
    const result = subdomainSchema.safeParse("support.acme.com");
    expect(result.success).toBe(false);
    expect(result.error?.issues).toHaveLength(1);
    expect(result.error?.issues[0]?.message).toContain("custom domains");
    expect(result.error?.issues[0]?.message.startsWith(HINT)).toBe(true);
  });

  it("refuses non-strings", () => {
    expect(subdomainSchema.safeParse(undefined).success).toBe(false);
    expect(subdomainSchema.safeParse(42).success).toBe(false);
  });

  it("works inside an object schema", async () => {
    const { z } = await import("zod");
    const form = z.object({ subdomain: subdomainSchema });
    const bad = form.safeParse({ subdomain: "evil.com#" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(["subdomain"]);
    expect(form.parse({ subdomain: " ACME " })).toEqual({ subdomain: "acme" });
  });
});
