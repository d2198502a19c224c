import { beforeEach, describe, expect, it } from "vitest";
import { safeReturnTo } from "./return-to.js";

// Table-driven cases: one that reaches no expect must fail.
beforeEach(() => {
  expect.hasAssertions();
});

describe("safeReturnTo", () => {
  it.each([
    ["/settings/integrations", "/settings/integrations"],
    ["/settings?tab=1#x", "/settings?tab=1#x"],
    ["/a/../b", "/b"],
    ["/./settings", "/settings"],
    ["/%2e/settings", "/settings"],
    ["/a/%2e%2e/b?x=//evil.com", "/b?x=//evil.com"],
    // Encoded slashes stay encoded: one path segment on this origin.
    ["/%2f%2fevil.com", "/%2f%2fevil.com"],
    ["/.%2f/evil.com", "/.%2f/evil.com"],
  ])("keeps the relative path %s", (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });

  it.each([
    "//evil.com",
    "/\\evil.com",
    "https://evil.com/x",
    "http:/evil.com",
    "javascript:alert(1)",
    "evil.com",
    "/\tevil",
    "/ok\u0000",
    "",
    "/" + "x".repeat(3000),
    // Dot segments that collapse into a protocol-relative URL once normalised.
    "/.//evil.com",
    "/%2e//evil.com",
    "/%2E//evil.com",
    "/a/..//evil.com",
    "/a/%2e%2e//evil.com",
    "/a/b/../..//evil.com",
    "/..//evil.com",
    "/././/evil.com",
    "/./\\evil.com",
    "/a/..\\evil.com",
  ])("refuses %j", (input) => {
    expect(safeReturnTo(input, "/fallback")).toBe("/fallback");
  });

  it("keeps percent-encoded characters encoded, on the same origin", () => {
    expect(safeReturnTo("/%0d%0aSet-Cookie:x")).toBe("/%0d%0aSet-Cookie:x");
  });

  it("never returns a protocol-relative or absolute URL, for any of the hostile inputs", () => {
    const hostile = ["/.//evil.com", "/%2e//evil.com", "/a/..//evil.com", "/%2e%2e//evil.com", "/x/%2E%2E//evil.com"];
    for (const input of hostile) {
      const out = safeReturnTo(input, "/fallback");
      expect(out.startsWith("//")).toBe(false);
      expect(new URL(out, "http://app.test").origin).toBe("http://app.test");
    }
  });

  it("refuses non-strings", () => {
    expect(safeReturnTo(undefined)).toBe("/");
    expect(safeReturnTo(["/x"])).toBe("/");
  });
});
