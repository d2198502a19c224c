import { beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  DEFAULT_PRESET_ID,
  describeScope,
  diffScopes,
  formatScopes,
  parseScopeString,
  presetForScopes,
  SCOPE_CATALOGUE,
  SCOPE_PRESET_IDS,
  SCOPE_PRESETS,
  validateScopes,
} from "./scopes.js";
import { scopePresetIdSchema, scopesSchema } from "./scope-schemas.js";

// Table-driven cases: one that reaches no expect must fail.
beforeEach(() => {
  expect.hasAssertions();
});

// The catalogue's names in canonical order, and membership by exact name.
const KNOWN_SCOPES = SCOPE_CATALOGUE.map((s) => s.name);
const isKnownScope = (scope: string) => KNOWN_SCOPES.includes(scope);
const DEFAULT_PRESET = SCOPE_PRESETS[DEFAULT_PRESET_ID];

const RESOURCES_RW = [
  "tickets",
  "users",
  "organizations",
  "hc",
  "apps",
  "triggers",
  "automations",
  "targets",
  "webhooks",
  "macros",
  "requests",
  "satisfaction_ratings",
  "dynamic_content",
  "zis",
];

describe("catalogue", () => {
  it("has the global scopes first", () => {
    expect(KNOWN_SCOPES.slice(0, 3)).toEqual(["read", "write", "impersonate"]);
  });

  it.each(RESOURCES_RW)("has %s:read and %s:write", (resource) => {
    expect(isKnownScope(`${resource}:read`)).toBe(true);
    expect(isKnownScope(`${resource}:write`)).toBe(true);
  });

  it("has the one-way resources", () => {
    expect(isKnownScope("auditlogs:read")).toBe(true);
    expect(isKnownScope("auditlogs:write")).toBe(false);
    expect(isKnownScope("any_channel:write")).toBe(true);
    expect(isKnownScope("any_channel:read")).toBe(false);
    expect(isKnownScope("web_widget:write")).toBe(true);
    expect(isKnownScope("web_widget:read")).toBe(false);
  });

  it("has exactly the documented scopes", () => {
    expect(KNOWN_SCOPES).toHaveLength(3 + RESOURCES_RW.length * 2 + 3);
    expect(new Set(KNOWN_SCOPES).size).toBe(KNOWN_SCOPES.length);
  });

  it("describes every scope in plain language", () => {
    for (const scope of SCOPE_CATALOGUE) {
      expect(scope.description.length).toBeGreaterThan(5);
      expect(scope.description).not.toContain(":");
      expect(describeScope(scope.name)).toBe(scope.description);
    }
    expect(describeScope("tickets:read")).toBe("See tickets, their comments and fields");
  });

  it("records kind, resource and access", () => {
    expect(SCOPE_CATALOGUE.find((s) => s.name === "tickets:write")).toMatchObject({
      kind: "resource",
      resource: "tickets",
      access: "write",
    });
    expect(SCOPE_CATALOGUE.find((s) => s.name === "read")).toMatchObject({ kind: "global", access: "read" });
    expect(SCOPE_CATALOGUE.find((s) => s.name === "impersonate")).toMatchObject({
      kind: "global",
      access: "impersonate",
    });
  });

  it("calls out unknown scopes when describing them", () => {
    expect(describeScope("tickets:delete")).toBe('Unrecognised scope "tickets:delete"');
    expect(describeScope("a\nb")).toBe('Unrecognised scope "a?b"');
  });

  it("is case-sensitive", () => {
    expect(isKnownScope("READ")).toBe(false);
    expect(isKnownScope("Tickets:Read")).toBe(false);
  });
});

describe("presets", () => {
  it("default is least privilege", () => {
    expect(DEFAULT_PRESET_ID).toBe("tickets-users-read");
    expect(DEFAULT_PRESET).toBe(SCOPE_PRESETS["tickets-users-read"]);
    expect(DEFAULT_PRESET.scopes).toEqual(["tickets:read", "users:read"]);
    expect(DEFAULT_PRESET.label).toBe("Read tickets and users");
  });

  it("has the documented presets", () => {
    expect(SCOPE_PRESETS["tickets-read-write"].scopes).toEqual(["tickets:read", "tickets:write", "users:read"]);
    expect(SCOPE_PRESETS["tickets-read-write"].label).toBe("Read and write tickets");
    expect(SCOPE_PRESETS.full.scopes).toEqual(["read", "write"]);
    expect(SCOPE_PRESETS.full.label).toBe("Full read and write access");
  });

  it.each(SCOPE_PRESET_IDS)("%s is valid, canonical and described", (id) => {
    const preset = SCOPE_PRESETS[id];
    expect(preset.id).toBe(id);
    expect(preset.description.length).toBeGreaterThan(10);
    expect(validateScopes(preset.scopes)).toEqual({ ok: true, scopes: [...preset.scopes] });
    expect(presetForScopes([...preset.scopes].reverse())).toBe(preset);
  });

  it("presets cannot be mutated", () => {
    expect(() => (DEFAULT_PRESET.scopes as string[]).push("write")).toThrow();
  });

  it("presetForScopes finds nothing for a custom set", () => {
    expect(presetForScopes(["tickets:read", "users:write"])).toBeUndefined();
    expect(presetForScopes(["tickets:read"])?.id).toBe("tickets-read");
    expect(presetForScopes([])).toBeUndefined();
  });

  it("scopePresetIdSchema defaults to least privilege", () => {
    expect(scopePresetIdSchema.parse(undefined)).toBe("tickets-users-read");
    expect(scopePresetIdSchema.parse("full")).toBe("full");
    expect(scopePresetIdSchema.safeParse("admin").success).toBe(false);
  });
});

describe("validateScopes", () => {
  it.each([
    [
      ["users:read", "tickets:read"],
      ["tickets:read", "users:read"],
    ],
    [
      ["write", "read"],
      ["read", "write"],
    ],
    [
      ["tickets:read", "tickets:read", "users:read", "tickets:read"],
      ["tickets:read", "users:read"],
    ],
    [
      ["zis:write", "impersonate", "hc:read", "read"],
      ["read", "impersonate", "hc:read", "zis:write"],
    ],
    [
      ["tickets:write", "tickets:read"],
      ["tickets:read", "tickets:write"],
    ],
    [[...KNOWN_SCOPES].reverse(), [...KNOWN_SCOPES]],
  ])("%j -> %j", (input, expected) => {
    expect(validateScopes(input)).toEqual({ ok: true, scopes: expected });
  });

  it("refuses an empty list", () => {
    expect(validateScopes([])).toEqual({ ok: false, error: "Choose at least one scope.", unknown: [] });
  });

  it.each([
    [["tickets:delete"], ["tickets:delete"]],
    [["tickets:read", "tickets"], ["tickets"]],
    [["READ"], ["READ"]],
    [[" read"], [" read"]],
    [["auditlogs:write"], ["auditlogs:write"]],
    [["any_channel:read"], ["any_channel:read"]],
    [["web_widget:read"], ["web_widget:read"]],
    [["read write"], ["read write"]],
    [[""], [""]],
    [
      ["admin", "admin", "read", "x"],
      ["admin", "x"],
    ],
  ])("refuses %j naming %j", (input, unknown) => {
    const result = validateScopes(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.unknown).toEqual(unknown);
    for (const name of unknown) expect(result.error).toContain(`"${name}"`);
    expect(result.error).toMatch(/^Unknown Zendesk scopes?: /);
  });

  it("keeps the message short with many unknown names", () => {
    const result = validateScopes(Array.from({ length: 50 }, (_, i) => `bogus${i}`));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.unknown).toHaveLength(50);
    expect(result.error).toContain("and 45 more");
    expect(result.error).not.toContain("bogus5,");
  });

  it("keeps the message one printable line", () => {
    const result = validateScopes(["evil\r\nSet-Cookie: x" + "y".repeat(200)]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).not.toMatch(/[\r\n]/);
    expect(result.error.length).toBeLessThan(200);
  });

  it("refuses non-string entries and non-arrays", () => {
    expect(validateScopes([42 as unknown as string]).ok).toBe(false);
    expect(validateScopes("read" as unknown as string[]).ok).toBe(false);
  });

  it("returns a fresh array", () => {
    const input = ["read"];
    const result = validateScopes(input);
    expect(result.ok && result.scopes).not.toBe(input);
  });
});

describe("parseScopeString", () => {
  it.each([
    ["tickets:read users:read", ["tickets:read", "users:read"]],
    ["  tickets:read\tusers:read\n", ["tickets:read", "users:read"]],
    ["read", ["read"]],
    ["", []],
    ["   ", []],
    ["read  read", ["read", "read"]],
  ])("%j -> %j", (input, expected) => {
    expect(parseScopeString(input)).toEqual(expected);
  });

  it("returns nothing for a non-string", () => {
    expect(parseScopeString(undefined as unknown as string)).toEqual([]);
  });
});

describe("formatScopes", () => {
  it("joins canonical scopes with spaces", () => {
    expect(formatScopes(["users:read", "tickets:read", "users:read"])).toBe("tickets:read users:read");
  });

  it("throws on unknown or empty", () => {
    expect(() => formatScopes(["tickets:delete"])).toThrow(/tickets:delete/);
    expect(() => formatScopes([])).toThrow(/at least one/);
  });
});

describe("scopesSchema", () => {
  it("accepts a space-separated string", () => {
    expect(scopesSchema.parse("users:read tickets:read")).toEqual(["tickets:read", "users:read"]);
  });

  it("accepts a list (checkboxes)", () => {
    expect(scopesSchema.parse(["write", "read", "read"])).toEqual(["read", "write"]);
  });

  it("carries the message naming unknown scopes", () => {
    const result = scopesSchema.safeParse("tickets:read tickets:delete");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('"tickets:delete"');
  });

  it("refuses empty and non-strings", () => {
    expect(scopesSchema.safeParse("").success).toBe(false);
    expect(scopesSchema.safeParse([]).success).toBe(false);
    expect(scopesSchema.safeParse(42).success).toBe(false);
    expect(scopesSchema.safeParse([1]).success).toBe(false);
  });

  it("reports the field path inside an object", () => {
    const result = z.object({ scopes: scopesSchema }).safeParse({ scopes: "nope" });
    expect(result.error?.issues[0]?.path).toEqual(["scopes"]);
  });
});

describe("diffScopes (literal)", () => {
  it.each([
    [["tickets:read", "users:read"], ["tickets:read", "users:read"], [], []],
    [["tickets:read", "users:read"], ["users:read", "tickets:read"], [], []],
    [["tickets:read", "users:read"], ["tickets:read"], ["users:read"], []],
    [["tickets:read"], ["tickets:read", "users:read"], [], ["users:read"]],
    [["tickets:read", "tickets:write", "users:read"], ["tickets:read"], ["tickets:write", "users:read"], []],
    [["tickets:read", "users:read"], ["read"], ["tickets:read", "users:read"], ["read"]],
    [["tickets:write"], ["read"], ["tickets:write"], ["read"]],
    [["read", "write"], ["tickets:read"], ["read", "write"], ["tickets:read"]],
    [["read"], [], ["read"], []],
    [["tickets:read"], ["tickets:read", "mystery"], [], ["mystery"]],
    [["tickets:read", "tickets:read"], ["users:read", "users:read"], ["tickets:read"], ["users:read"]],
  ])("requested %j, granted %j -> missing %j, extra %j", (requested, granted, missing, extra) => {
    expect(diffScopes(requested, granted)).toEqual({ missing, extra });
  });
});
