import { beforeEach, describe, expect, it } from "vitest";
import type { Subdomain } from "./subdomain.js";
import * as urls from "./urls.js";
import { validateBaseUrlTemplate } from "./urls.js";

// These tests hand the builders raw strings on purpose (hostile ones included): the builders
// re-check at run time what the Subdomain type promises at compile time.
const as = (subdomain: unknown) => subdomain as Subdomain;
const zendeskUrl = (s: unknown, path: string, template: string, query?: Record<string, string>) =>
  urls.zendeskUrl(as(s), path, template, query);
const tokenUrl = (s: unknown, template: string) => urls.tokenUrl(as(s), template);
const apiUrl = (s: unknown, template: string, path: string, query?: Record<string, string>) =>
  urls.apiUrl(as(s), template, path, query);
const instanceUrl = (s: unknown, template: string) => urls.instanceUrl(as(s), template);
const isSameZendeskInstance = (url: string, s: unknown, template: string) =>
  urls.isSameZendeskInstance(url, as(s), template);

/** Every refusal is the one error type with the invalid_url code. */
const INVALID_URL = expect.objectContaining({ name: "ZendeskError", code: "invalid_url" });

// Table-driven cases: one that reaches no expect must fail.
beforeEach(() => {
  expect.hasAssertions();
});

const PROD = "https://{subdomain}.zendesk.com";
const SIM = "http://127.0.0.1:4010/{subdomain}";

const HOSTILE_SUBDOMAINS = [
  "",
  " ",
  "evil.com#",
  "evil.com/",
  "evil.com?",
  "evil.com\\",
  "a@evil.com",
  "evil.com",
  "acme.zendesk.com",
  "acme.zendesk.com.evil.com",
  "evil.com:443",
  "evil.com%23",
  "%2e%2e",
  "..",
  ".",
  "a/b",
  "a/../b",
  "a#",
  "a?",
  "a b",
  "a\tb",
  "a\nb",
  "acme\r\n",
  "acme\u0000",
  " acme",
  "acme ",
  "ACME",
  "-acme",
  "acme-",
  "x".repeat(64),
  "127.0.0.1",
  "[::1]",
  "\u0430cme",
  "\u212Acme",
  "ac\u200bme",
  "xn--80ak6aa92e",
  "www",
  "{subdomain}",
  "ac_me",
  "//evil.com",
];

describe("validateBaseUrlTemplate", () => {
  it.each([
    [PROD, PROD],
    [SIM, SIM],
    ["https://{subdomain}.zendesk.com/", PROD],
    ["HTTPS://{subdomain}.ZenDesk.COM", PROD],
    ["http://127.0.0.1:4010/{subdomain}/", SIM],
    ["http://localhost:4010/{subdomain}", "http://localhost:4010/{subdomain}"],
    ["http://[::1]:4010/{subdomain}", "http://[::1]:4010/{subdomain}"],
    ["https://{subdomain}.zendesk-staging.example:8443", "https://{subdomain}.zendesk-staging.example:8443"],
    ["https://zendesk-proxy.example.com/{subdomain}", "https://zendesk-proxy.example.com/{subdomain}"],
    ["https://{subdomain}.zendesk.com:443", "https://{subdomain}.zendesk.com:443"],
  ])("accepts %j as %j", (template, normalised) => {
    expect(validateBaseUrlTemplate(template)).toBe(normalised);
  });

  it.each([
    ["", "is empty"],
    ["https://zendesk.com", "must contain {subdomain}"],
    ["https://{sub}.zendesk.com", "must contain {subdomain}"],
    ["https://{subdomain}.{subdomain}.com", "exactly once"],
    ["https://{subdomain}.zendesk.com/{subdomain}", "exactly once"],
    ["https://{subdomain}.zendesk.com/{x}", "braces"],
    ["https://{subdomain}}.zendesk.com", "braces"],
    ["ftp://{subdomain}.zendesk.com", "not ftp://"],
    ["javascript://{subdomain}.zendesk.com", "not javascript://"],
    ["{subdomain}.zendesk.com", "must start with https://"],
    ["//{subdomain}.zendesk.com", "must start with https://"],
    ["https:{subdomain}.zendesk.com", "must start with https://"],
    ["http://{subdomain}.zendesk.com", "http:// only for localhost"],
    ["http://example.com/{subdomain}", "http:// only for localhost"],
    ["http://localhost.evil.com/{subdomain}", "http:// only for localhost"],
    ["http://127.0.0.1.nip.io/{subdomain}", "http:// only for localhost"],
    ["http://{subdomain}.localhost:4010", "http:// only for localhost"],
    ["https://{subdomain}.zendesk.com?x=1", "query"],
    ["https://{subdomain}.zendesk.com/?", "query"],
    ["https://{subdomain}.zendesk.com#x", "fragment"],
    ["https://user:pw@{subdomain}.zendesk.com", "user name or password"],
    ["https://evil.com@{subdomain}.zendesk.com", "user name or password"],
    ["https://{subdomain}@evil.com", "user name or password"],
    ["https://{subdomain}.zendesk.com@evil.com", "user name or password"],
    ["https://x{subdomain}.zendesk.com", "whole first label"],
    ["https://{subdomain}x.zendesk.com", "whole first label"],
    ["https://a.{subdomain}.zendesk.com", "whole first label"],
    ["https://{subdomain}", "must have a domain after"],
    ["https://{subdomain}:443", "must have a domain after"],
    ["https://{subdomain}.zendesk.com/api", "must not have a path"],
    ["https://{subdomain}.zendesk.com//", "must not have a path"],
    ["http://127.0.0.1:4010/x/{subdomain}", "only path segment"],
    ["http://127.0.0.1:4010/{subdomain}/x", "only path segment"],
    ["http://127.0.0.1:4010/{subdomain}x", "only path segment"],
    ["http://127.0.0.1:4010/", "must contain {subdomain}"],
    ["https://{subdomain}.zendesk.com.", "invalid host name"],
    ["https://{subdomain}..com", "invalid host name"],
    ["https://{subdomain}.zen_desk.com", "invalid host name"],
    ["https://{subdomain}.zendesk.com\\", "backslash"],
    ["https://{subdomain}.zendesk.com\\@evil.com", "backslash"],
    ["https://{subdomain}.zendesk.com%2f", "percent-encoding"],
    [" https://{subdomain}.zendesk.com", "plain ASCII"],
    ["https://{subdomain}.zendesk.com\n", "plain ASCII"],
    ["https://{subdomain}.zend\u00e9sk.com", "plain ASCII"],
    ["https://{subdomain}.zendesk.com:99999", "not a valid URL"],
    ["https://{subdomain}.zendesk.com:abc", "not a valid URL"],
    ["http://0x7f.1/{subdomain}", "canonical form"],
    ["http://2130706433/{subdomain}", "canonical form"],
    ["http://127.1/{subdomain}", "canonical form"],
    ["https:///{subdomain}", "has no host name"],
  ])("refuses %j (%s)", (template, fragment) => {
    expect(() => validateBaseUrlTemplate(template)).toThrow(INVALID_URL);
    expect(() => validateBaseUrlTemplate(template)).toThrow(fragment);
  });

  it("refuses a very long template", () => {
    expect(() => validateBaseUrlTemplate(`https://{subdomain}.${"x".repeat(3000)}.com`)).toThrow("too long");
  });

  it("messages name the variable and show an example", () => {
    expect(() => validateBaseUrlTemplate("https://zendesk.com")).toThrow(
      /^ZENDESK_BASE_URL_TEMPLATE .*https:\/\/\{subdomain\}\.zendesk\.com/,
    );
  });

  it("template errors are also invalid_url errors", () => {
    expect(() => tokenUrl("acme", "https://zendesk.com")).toThrow(INVALID_URL);
  });
});

describe("zendeskUrl", () => {
  it.each([
    [PROD, "/oauth/tokens", "https://acme.zendesk.com/oauth/tokens"],
    [PROD, "/api/v2/users/me.json", "https://acme.zendesk.com/api/v2/users/me.json"],
    [PROD, "/api/v2/oauth/tokens/current.json", "https://acme.zendesk.com/api/v2/oauth/tokens/current.json"],
    [
      PROD,
      "/api/v2/help_center/en-us/articles.json",
      "https://acme.zendesk.com/api/v2/help_center/en-us/articles.json",
    ],
    [SIM, "/oauth/tokens", "http://127.0.0.1:4010/acme/oauth/tokens"],
    [SIM, "/api/v2/users/me.json", "http://127.0.0.1:4010/acme/api/v2/users/me.json"],
    ["https://{subdomain}.zendesk.com/", "/oauth/tokens", "https://acme.zendesk.com/oauth/tokens"],
    ["https://{subdomain}.zendesk.com:443", "/oauth/tokens", "https://acme.zendesk.com/oauth/tokens"],
    ["https://{subdomain}.example.test:8443", "/oauth/tokens", "https://acme.example.test:8443/oauth/tokens"],
    ["http://[::1]:4010/{subdomain}", "/api/v2/x.json", "http://[::1]:4010/acme/api/v2/x.json"],
  ])("%s + %s -> %s", (template, path, href) => {
    expect(zendeskUrl("acme", path, template).href).toBe(href);
  });

  it("encodes the query argument and keeps the host", () => {
    const url = zendeskUrl("acme", "/api/v2/search.json", PROD, {
      query: "type:ticket status<solved #1 @x",
      "page[size]": "100",
    });
    expect(url.origin).toBe("https://acme.zendesk.com");
    expect(url.pathname).toBe("/api/v2/search.json");
    expect(url.hash).toBe("");
    expect(url.searchParams.get("query")).toBe("type:ticket status<solved #1 @x");
    expect(url.searchParams.get("page[size]")).toBe("100");
  });

  it("a query value cannot change the origin", () => {
    const url = zendeskUrl("acme", "/api/v2/x.json", SIM, {
      next: "http://evil.com/",
      "@evil.com": "#",
      "../../": "//",
    });
    expect(url.origin).toBe("http://127.0.0.1:4010");
    expect(url.pathname).toBe("/acme/api/v2/x.json");
    expect(url.hash).toBe("");
  });

  it.each([
    ["empty name", { "": "x" }],
    ["number value", { a: 1 }],
    ["null", null],
    ["array", [["a", "b"]]],
    ["string", "a=b"],
  ])("refuses a bad query (%s)", (_, query) => {
    expect(() => zendeskUrl("acme", "/api/v2/x.json", PROD, query as unknown as Record<string, string>)).toThrow(
      INVALID_URL,
    );
  });

  describe.each([PROD, SIM])("refuses hostile subdomains with %s", (template) => {
    it.each(HOSTILE_SUBDOMAINS)("%j", (subdomain) => {
      expect(() => zendeskUrl(subdomain, "/oauth/tokens", template)).toThrow(INVALID_URL);
      expect(() => tokenUrl(subdomain, template)).toThrow(INVALID_URL);
      expect(() => apiUrl(subdomain, template, "/api/v2/users/me.json")).toThrow(INVALID_URL);
      expect(() => instanceUrl(subdomain, template)).toThrow(INVALID_URL);
    });
  });

  it("refuses non-string subdomains", () => {
    expect(() => tokenUrl(undefined as unknown as string, PROD)).toThrow(INVALID_URL);
    expect(() => tokenUrl({ toString: () => "acme" } as unknown as string, PROD)).toThrow(INVALID_URL);
  });

  it("error messages are one line", () => {
    expect(() => tokenUrl("evil.com\r\nX: y", PROD)).toThrow(/^[^\r\n]*$/);
  });

  it.each([
    ["", "/oauth/ or /api/v2/"],
    ["/", "/oauth/ or /api/v2/"],
    ["/agent", "/oauth/ or /api/v2/"],
    ["/oauth", "/oauth/ or /api/v2/"],
    ["/api/v2", "/oauth/ or /api/v2/"],
    ["/api/v1/users.json", "/oauth/ or /api/v2/"],
    ["/oauthx/tokens", "/oauth/ or /api/v2/"],
    ["api/v2/users.json", "/oauth/ or /api/v2/"],
    ["//evil.com/api/v2/", "/oauth/ or /api/v2/"],
    ["https://evil.com/api/v2/", "/oauth/ or /api/v2/"],
    ["@evil.com/api/v2/", "/oauth/ or /api/v2/"],
    ["/API/V2/users.json", "/oauth/ or /api/v2/"],
    ["/oauth/../api/v2/x", '".."'],
    ["/api/v2/../../oauth/tokens", '".."'],
    ["/api/v2/..", '".."'],
    ["/api/v2/x..json", '".."'],
    ["/api/v2//evil.com", '"//"'],
    ["/oauth//tokens", '"//"'],
    ["/api/v2/\\evil.com", "backslash"],
    ["/api/v2/x#y", '"#"'],
    ["/api/v2/x@evil.com", '"@"'],
    ["/api/v2/x.json?page=2", "query argument"],
    ["/api/v2/%2e%2e/oauth/tokens", "percent-encoding"],
    ["/api/v2/%2F%2Fevil.com", "percent-encoding"],
    ["/api/v2/x y", "whitespace or control"],
    ["/api/v2/x\n", "whitespace or control"],
    ["/api/v2/x\r\nHost: evil.com", "whitespace or control"],
    ["/api/v2/x\t", "whitespace or control"],
    ["/api/v2/x\u0000", "whitespace or control"],
    ["/api/v2/x\u007f", "whitespace or control"],
    ["/api/v2/./x", '"." segments'],
    ["/api/v2/.", '"." segments'],
    ["/api/v2/\u00e9", "only letters, digits"],
    ["/api/v2/x\u200b", "only letters, digits"],
    ["/api/v2/x:y", "only letters, digits"],
    ["/api/v2/x;y", "only letters, digits"],
    ["/api/v2/{id}.json", "only letters, digits"],
  ])("refuses the path %j (%s)", (path, fragment) => {
    expect(() => zendeskUrl("acme", path, PROD)).toThrow(INVALID_URL);
    expect(() => zendeskUrl("acme", path, PROD)).toThrow(fragment);
    expect(() => zendeskUrl("acme", path, SIM)).toThrow(INVALID_URL);
  });

  it("refuses a very long path", () => {
    expect(() => zendeskUrl("acme", `/api/v2/${"x".repeat(3000)}`, PROD)).toThrow("Invalid Zendesk URL path");
  });

  it("refuses a non-string path", () => {
    expect(() => zendeskUrl("acme", undefined as unknown as string, PROD)).toThrow(INVALID_URL);
  });

  it("invariant: whatever goes in, a built URL points at the template's instance", () => {
    const subdomains = [...HOSTILE_SUBDOMAINS, "acme", "a", "x".repeat(63), "a-b", "0"];
    const paths = [
      "/oauth/tokens",
      "/api/v2/x.json",
      "/api/v2/../x",
      "/api/v2//x",
      "/api/v2/%2e",
      "/api/v2/x?y",
      "/api/v2/@x",
      "/api/v2/x#",
      "/oauth/\\x",
    ];
    let built = 0;
    for (const template of [PROD, SIM]) {
      for (const subdomain of subdomains) {
        for (const path of paths) {
          let url: URL;
          try {
            url = zendeskUrl(subdomain, path, template);
          } catch (error) {
            expect(error).toMatchObject({ name: "ZendeskError", code: "invalid_url" });
            continue;
          }
          built++;
          if (template === PROD) {
            expect(url.origin).toBe(`https://${subdomain}.zendesk.com`);
            expect(url.pathname).toBe(path);
          } else {
            expect(url.origin).toBe("http://127.0.0.1:4010");
            expect(url.pathname).toBe(`/${subdomain}${path}`);
          }
          expect(url.username + url.password + url.hash + url.search).toBe("");
        }
      }
    }
    expect(built).toBe(2 * 5 * 2);
  });
});

describe("named helpers", () => {
  it("tokenUrl", () => {
    expect(tokenUrl("acme", PROD).href).toBe("https://acme.zendesk.com/oauth/tokens");
    expect(tokenUrl("acme", SIM).href).toBe("http://127.0.0.1:4010/acme/oauth/tokens");
  });

  it("instanceUrl", () => {
    expect(instanceUrl("acme", PROD).href).toBe("https://acme.zendesk.com/agent");
    expect(instanceUrl("acme", SIM).href).toBe("http://127.0.0.1:4010/acme/agent");
  });

  it("apiUrl", () => {
    expect(apiUrl("acme", PROD, "/api/v2/oauth/tokens/42.json").href).toBe(
      "https://acme.zendesk.com/api/v2/oauth/tokens/42.json",
    );
    expect(apiUrl("acme", SIM, "/api/v2/tickets.json", { "page[size]": "2" }).href).toBe(
      "http://127.0.0.1:4010/acme/api/v2/tickets.json?page%5Bsize%5D=2",
    );
  });

  it("apiUrl refuses non-API paths", () => {
    expect(() => apiUrl("acme", PROD, "/oauth/tokens")).toThrow(/\/api\/v2\//);
    expect(() => apiUrl("acme", PROD, "/agent")).toThrow(INVALID_URL);
  });
});

describe("isSameZendeskInstance", () => {
  it.each([
    "https://acme.zendesk.com/api/v2/tickets.json?page[after]=abc&page[size]=100",
    "https://acme.zendesk.com/api/v2/tickets.json?page%5Bafter%5D=abc",
    "https://ACME.zendesk.com/api/v2/users.json",
    "https://acme.zendesk.com:443/api/v2/users.json",
    "https://acme.zendesk.com/api/v2/incremental/tickets/cursor.json?cursor=MTU3NjYxMzUzOS4wfHw0NTF8",
  ])("accepts %j for acme in production", (url) => {
    expect(isSameZendeskInstance(url, "acme", PROD)).toBe(true);
  });

  it.each([
    "https://other.zendesk.com/api/v2/tickets.json",
    "http://acme.zendesk.com/api/v2/tickets.json",
    "https://acme.zendesk.com:8443/api/v2/tickets.json",
    "https://acme.zendesk.com.evil.com/api/v2/tickets.json",
    "https://evil.com/acme.zendesk.com/api/v2/tickets.json",
    "https://acme.zendesk.com@evil.com/api/v2/tickets.json",
    "https://user:pw@acme.zendesk.com/api/v2/tickets.json",
    "https://evil.com#@acme.zendesk.com/api/v2/",
    "https://acme.zendesk.com/oauth/tokens",
    "https://acme.zendesk.com/api/v2/../../oauth/tokens",
    "https://acme.zendesk.com/api/v2/%2e%2e/%2e%2e/oauth/tokens",
    "https://acme.zendesk.com/api/v2/..%2f..%2foauth/tokens",
    "https://acme.zendesk.com/api/v2/x%5c..",
    "https://acme.zendesk.com/api/v1/tickets.json",
    "https://acme.zendesk.com/api/v2",
    "https://acme.zendesk.com/API/V2/tickets.json",
    "https://acme.zendesk.com/api/v2/tickets.json#x",
    "https://acme.zendesk.com\\@evil.com/api/v2/",
    "https://acme.zendesk.com/api/v2/\\evil",
    "https://acme.zendesk.com/api/v2/tickets.json\n",
    "https://acme.zendesk.com/api/v2/ tickets.json",
    "https://acme.zendesk.com/api/v2/\ttickets.json",
    "https://acme.zendesk.com/api/v2/tickets.json\u200b",
    "https://acme.zendesk.com./api/v2/tickets.json",
    "//acme.zendesk.com/api/v2/tickets.json",
    "/api/v2/tickets.json",
    "api/v2/tickets.json",
    "javascript:alert(1)",
    "",
    "not a url",
  ])("refuses %j for acme in production", (url) => {
    expect(isSameZendeskInstance(url, "acme", PROD)).toBe(false);
  });

  it("refuses a very long link", () => {
    expect(isSameZendeskInstance(`https://acme.zendesk.com/api/v2/${"x".repeat(9000)}`, "acme", PROD)).toBe(false);
  });

  it("path-prefix tenancy: same origin and the subdomain's prefix", () => {
    expect(isSameZendeskInstance("http://127.0.0.1:4010/acme/api/v2/tickets.json?page[after]=x", "acme", SIM)).toBe(
      true,
    );
    expect(isSameZendeskInstance("http://127.0.0.1:4010/other/api/v2/tickets.json", "acme", SIM)).toBe(false);
    expect(isSameZendeskInstance("http://127.0.0.1:4010/api/v2/tickets.json", "acme", SIM)).toBe(false);
    expect(isSameZendeskInstance("http://127.0.0.1:4010/acmex/api/v2/tickets.json", "acme", SIM)).toBe(false);
    expect(isSameZendeskInstance("http://127.0.0.1:4010/acme/../other/api/v2/tickets.json", "acme", SIM)).toBe(false);
    expect(isSameZendeskInstance("http://localhost:4010/acme/api/v2/tickets.json", "acme", SIM)).toBe(false);
    expect(isSameZendeskInstance("http://127.0.0.1:4011/acme/api/v2/tickets.json", "acme", SIM)).toBe(false);
    expect(isSameZendeskInstance("https://127.0.0.1:4010/acme/api/v2/tickets.json", "acme", SIM)).toBe(false);
    expect(isSameZendeskInstance("http://127.0.0.1:4010/acme/oauth/tokens", "acme", SIM)).toBe(false);
  });

  it("refuses with a bad subdomain, template or input type", () => {
    expect(isSameZendeskInstance("https://acme.zendesk.com/api/v2/x.json", "ACME", PROD)).toBe(false);
    expect(isSameZendeskInstance("https://evil.com/api/v2/x.json", "evil.com#", PROD)).toBe(false);
    expect(isSameZendeskInstance("https://acme.zendesk.com/api/v2/x.json", "acme", "https://zendesk.com")).toBe(false);
    expect(isSameZendeskInstance(undefined as unknown as string, "acme", PROD)).toBe(false);
  });
});
