import { beforeEach, describe, expect, it } from "vitest";
import { safeReturnTo } from "./return-to";

// Table-driven cases: one that reaches no expect must fail.
beforeEach(() => {
  expect.hasAssertions();
});

describe("safeReturnTo", () => {
  it.each([
    ["/settings/integrations", "/settings/integrations"],
    ["/settings?tab=1#x", "/settings?tab=1#x"],
    ["/a/../b", "/b"],
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
  ])("refuses %j", (input) => {
    expect(safeReturnTo(input, "/fallback")).toBe("/fallback");
  });

  it("keeps percent-encoded characters encoded, on the same origin", () => {
    expect(safeReturnTo("/%0d%0aSet-Cookie:x")).toBe("/%0d%0aSet-Cookie:x");
  });

  it("refuses non-strings", () => {
    expect(safeReturnTo(undefined)).toBe("/");
    expect(safeReturnTo(["/x"])).toBe("/");
  });
});
