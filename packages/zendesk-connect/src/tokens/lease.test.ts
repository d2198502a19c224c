import { describe, expect, it } from "vitest";
import type { ZendeskConnection } from "../db/schema.js";
import {
  disconnecting,
  isLockTimeout,
  leaseAvailable,
  leaseId,
  newLeaseHolder,
  ownsLease,
  remainingLeaseMs,
} from "./lease.js";

/*
 * The lease rules on a row, without a database: who may take a row, whose it is, and whether a
 * disconnect is ending it. The claims that apply them under a row lock are tested in the
 * database suites (guards, races, pool).
 */

const NOW = Date.parse("2030-01-01T00:00:00Z");

function row(holder: string | null, expiresAt: number | null): ZendeskConnection {
  return {
    refreshLeaseHolder: holder,
    refreshLeaseExpiresAt: expiresAt === null ? null : new Date(expiresAt),
  } as ZendeskConnection;
}

describe("lease holders", () => {
  it("name their kind and an id; the id is what identifies the holder", () => {
    expect(newLeaseHolder("refresh", "abc")).toBe("refresh:abc");
    expect(newLeaseHolder("disconnect")).toMatch(/^disconnect:[0-9a-f-]{36}$/);
    expect(leaseId("reserve:run-1")).toBe("run-1");
    // A keep-alive run's reservation and its claim share the id.
    expect(ownsLease(row("reserve:run-1", NOW + 1), "refresh:run-1")).toBe(true);
    expect(ownsLease(row("refresh:run-2", NOW + 1), "refresh:run-1")).toBe(false);
    expect(ownsLease(row(null, null), "refresh:run-1")).toBe(false);
    expect(ownsLease(row("refresh:run-1", NOW + 1), undefined)).toBe(false);
  });
});

describe("leaseAvailable", () => {
  it("a free row, or a lease expired at this very millisecond, may be taken by anyone", () => {
    expect(leaseAvailable(row(null, null), "refresh:me", "keep_alive", NOW)).toBe(true);
    expect(leaseAvailable(row("refresh:other", NOW), "refresh:me", "keep_alive", NOW)).toBe(true);
    expect(leaseAvailable(row("refresh:other", NOW + 1), "refresh:me", "keep_alive", NOW)).toBe(false);
    // A holder without an expiry holds nothing.
    expect(leaseAvailable(row("refresh:other", null), "refresh:me", "on_demand", NOW)).toBe(true);
  });

  it("our own live lease is ours to use", () => {
    expect(leaseAvailable(row("reserve:me", NOW + 60_000), "refresh:me", "keep_alive", NOW)).toBe(true);
  });

  it("a runner's reservation yields to a person or an API call, not to another runner", () => {
    const reserved = row("reserve:run-1", NOW + 60_000);
    expect(leaseAvailable(reserved, "refresh:me", "manual", NOW)).toBe(true);
    expect(leaseAvailable(reserved, "refresh:me", "on_demand", NOW)).toBe(true);
    expect(leaseAvailable(reserved, "refresh:run-2", "keep_alive", NOW)).toBe(false);
    // A live refresh or disconnect lease yields to no one.
    expect(leaseAvailable(row("refresh:other", NOW + 60_000), "refresh:me", "manual", NOW)).toBe(false);
    expect(leaseAvailable(row("disconnect:other", NOW + 60_000), "refresh:me", "manual", NOW)).toBe(false);
  });
});

describe("disconnecting", () => {
  it("only someone else's live disconnect lease ends the row", () => {
    expect(disconnecting(row("disconnect:other", NOW + 1), "refresh:me", NOW)).toBe(true);
    expect(disconnecting(row("disconnect:other", NOW), "refresh:me", NOW)).toBe(false);
    expect(disconnecting(row("disconnect:other", null), "refresh:me", NOW)).toBe(false);
    expect(disconnecting(row("disconnect:me", NOW + 1), "disconnect:me", NOW)).toBe(false);
    expect(disconnecting(row("refresh:other", NOW + 1), "refresh:me", NOW)).toBe(false);
    expect(disconnecting(row(null, null), "refresh:me", NOW)).toBe(false);
  });
});

describe("remainingLeaseMs", () => {
  it("is what is left of our own lease, and nothing of anyone else's", () => {
    expect(remainingLeaseMs(row("refresh:me", NOW + 1500), "refresh:me", NOW)).toBe(1500);
    expect(remainingLeaseMs(row("refresh:other", NOW + 1500), "refresh:me", NOW)).toBe(0);
    expect(remainingLeaseMs(row("refresh:me", null), "refresh:me", NOW)).toBe(0);
  });
});

describe("isLockTimeout", () => {
  it("names a lock not available or a cancelled statement, on the error or its cause (drizzle wraps it)", () => {
    expect(isLockTimeout({ code: "55P03" })).toBe(true);
    expect(isLockTimeout({ code: "57014" })).toBe(true);
    expect(isLockTimeout({ cause: { code: "55P03" } })).toBe(true);
    expect(isLockTimeout({ cause: { code: "57014" } })).toBe(true);
    expect(isLockTimeout({ code: "23505" })).toBe(false);
    expect(isLockTimeout({ cause: {} })).toBe(false);
    expect(isLockTimeout(new Error("connection refused"))).toBe(false);
    expect(isLockTimeout(undefined)).toBe(false);
    expect(isLockTimeout(null)).toBe(false);
  });
});
