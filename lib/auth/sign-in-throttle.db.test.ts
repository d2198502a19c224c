import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@pkg/db/index";
import { throttles } from "@pkg/db/schema";
import { setupTestDatabase } from "@/testing/database";
import {
  connectThrottled,
  throttleConnect,
  throttleSubdomainCheck,
  tooManyAttemptsMessage,
} from "@pkg/throttle/attempts";
import { throttledSignIn, throttleSignUp } from "./sign-in-throttle";

// Defaults from lib/env.ts: 5 attempts per account, 20 per address, 10 sign-ups per address,
// 10 connects per workspace, 30 subdomain checks per user, delays 1 s doubling to 900 s, a 3600 s window.
setupTestDatabase();

const T0 = new Date("2030-01-01T00:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
let unique = 0;
const newEmail = () => `user${++unique}@example.test`;
const newAddress = () => `198.51.100.${++unique % 250}`;

/** A sign-in attempt whose password check is a stub that records that it ran. */
async function attempt(email: string, address: string, now: Date, correct = false) {
  let checked = false;
  const result = await throttledSignIn({ email, address, now }, async () => {
    checked = true;
    return correct ? { id: email } : null;
  });
  return { ...result, checked };
}

describe("sign-in throttling", () => {
  it("answers a handful of wrong passwords, then refuses with a retry time without checking the password", async () => {
    const email = newEmail();
    const address = newAddress();
    for (let i = 0; i < 5; i++) {
      expect(await attempt(email, address, at(0))).toEqual({ ok: true, user: null, checked: true });
    }
    const refused = await attempt(email, address, at(0));
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 1, checked: false });
  });

  it("doubles the delay after each attempt that was let through, up to the cap", async () => {
    const email = newEmail();
    const address = newAddress();
    let now = 0;
    for (let i = 0; i < 5; i++) await attempt(email, address, at(now));
    const waits: number[] = [];
    for (let i = 0; i < 14; i++) {
      const refused = await attempt(email, address, at(now));
      if (refused.ok) throw new Error("expected a refusal");
      waits.push(refused.retryAfterSeconds);
      now += refused.retryAfterSeconds;
      expect((await attempt(email, address, at(now))).checked).toBe(true);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900]);
  });

  it("does not let refused attempts extend a block", async () => {
    const email = newEmail();
    const address = newAddress();
    for (let i = 0; i < 8; i++) await attempt(email, address, at(i * 10));
    // The 8th attempt (at 70 s) set an 8 s block; hammering it changes nothing.
    for (let s = 0; s < 8; s++) {
      const refused = await attempt(email, address, at(70 + s));
      expect(refused).toMatchObject({ ok: false, retryAfterSeconds: 8 - s, checked: false });
    }
    expect((await attempt(email, address, at(78))).checked).toBe(true);
  });

  it("resets the account's count on a correct password", async () => {
    const email = newEmail();
    const address = newAddress();
    for (let i = 0; i < 5; i++) await attempt(email, address, at(0));
    expect(await attempt(email, address, at(1), true)).toMatchObject({ ok: true, user: { id: email } });
    for (let i = 0; i < 5; i++) expect((await attempt(email, address, at(2))).checked).toBe(true);
    expect((await attempt(email, address, at(2))).ok).toBe(false);
  });

  it("forgets failures after a quiet window", async () => {
    const email = newEmail();
    const address = newAddress();
    for (let i = 0; i < 5; i++) await attempt(email, address, at(0));
    expect((await attempt(email, address, at(3600))).checked).toBe(true);
    for (let i = 0; i < 4; i++) expect((await attempt(email, address, at(3600))).checked).toBe(true);
    expect((await attempt(email, address, at(3600))).ok).toBe(false);
  });

  it("stops one address guessing across many accounts", async () => {
    const address = newAddress();
    for (let i = 0; i < 20; i++) expect((await attempt(newEmail(), address, at(0))).checked).toBe(true);
    const refused = await attempt(newEmail(), address, at(0));
    expect(refused).toMatchObject({ ok: false, checked: false });
    // Another address is unaffected.
    expect((await attempt(newEmail(), newAddress(), at(0))).checked).toBe(true);
  });

  it("slows guessers from many addresses, but never locks the owner out of an address they signed in from", async () => {
    const email = newEmail();
    const home = newAddress();
    expect(await attempt(email, home, at(0), true)).toMatchObject({ ok: true, user: { id: email } });
    // A botnet: one guess per address, many addresses, at the same moment.
    const guesses = await Promise.all(Array.from({ length: 12 }, () => attempt(email, newAddress(), at(10))));
    expect(guesses.filter((g) => g.checked)).toHaveLength(5);
    expect(guesses.filter((g) => !g.ok)).toHaveLength(7);
    // The owner on a new network shares the strangers' bucket and waits like them (capped)...
    expect(await attempt(email, newAddress(), at(10), true)).toMatchObject({ ok: false, checked: false });
    // ...but from home is let straight through, and the success clears the shared bucket.
    expect(await attempt(email, home, at(10), true)).toMatchObject({ ok: true, user: { id: email } });
    expect(await attempt(email, newAddress(), at(10), true)).toMatchObject({ ok: true, checked: true });
  });

  it("counts parallel guesses exactly: a burst gets no more password checks than the free attempts", async () => {
    const email = newEmail();
    const address = newAddress();
    const burst = await Promise.all(Array.from({ length: 30 }, () => attempt(email, address, at(0))));
    expect(burst.filter((b) => b.checked)).toHaveLength(5);
    expect(burst.filter((b) => !b.ok)).toHaveLength(25);
  });

  it("takes back the address's count for a successful sign-in", async () => {
    const address = newAddress();
    for (let i = 0; i < 25; i++) {
      expect(await attempt(newEmail(), address, at(0), true)).toMatchObject({ ok: true, checked: true });
    }
    const [row] = await db
      .select()
      .from(throttles)
      .where(eq(throttles.key, `signin:address:${address}`));
    expect(row).toMatchObject({ attempts: 0, blockedUntil: null });
  });
});

describe("sign-up and connect throttling", () => {
  it("counts sign-ups per address", async () => {
    const address = newAddress();
    for (let i = 0; i < 10; i++) expect(await throttleSignUp(address, at(0))).toEqual({ ok: true });
    expect(await throttleSignUp(address, at(0))).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(await throttleSignUp(newAddress(), at(0))).toEqual({ ok: true });
  });

  it("counts connect attempts per workspace", async () => {
    const workspace = crypto.randomUUID();
    for (let i = 0; i < 10; i++) expect(await throttleConnect(workspace, at(0))).toEqual({ ok: true });
    expect(await throttleConnect(workspace, at(0.5))).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(await throttleConnect(workspace, at(1))).toEqual({ ok: true });
    expect(await throttleConnect(workspace, at(1))).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(await throttleConnect(crypto.randomUUID(), at(1))).toEqual({ ok: true });
  });

  it("counts the connect form's subdomain checks per user, apart from connects", async () => {
    const user = crypto.randomUUID();
    for (let i = 0; i < 30; i++) expect(await throttleSubdomainCheck(user, at(0))).toEqual({ ok: true });
    expect(await throttleSubdomainCheck(user, at(0.5))).toEqual({ ok: false, retryAfterSeconds: 1 });
    // Checking while typing never uses up connect attempts.
    expect(await throttleConnect(user, at(0.5))).toEqual({ ok: true });
    expect(await throttleSubdomainCheck(crypto.randomUUID(), at(0.5))).toEqual({ ok: true });
  });

  it("tells whether a workspace's connects are held back, without counting an attempt", async () => {
    const workspace = crypto.randomUUID();
    for (let i = 0; i < 9; i++) expect(await throttleConnect(workspace, at(0))).toEqual({ ok: true });
    // Looking, however often, counts nothing: the tenth connect still goes through.
    for (let i = 0; i < 5; i++) expect(await connectThrottled(workspace, at(0))).toEqual({ ok: true });
    expect(await throttleConnect(workspace, at(0))).toEqual({ ok: true });
    expect(await connectThrottled(workspace, at(0.5))).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(await connectThrottled(crypto.randomUUID(), at(0.5))).toEqual({ ok: true });
    expect(await connectThrottled(workspace, at(1))).toEqual({ ok: true });
    expect(await throttleConnect(workspace, at(1))).toEqual({ ok: true });
  });
});

describe("tooManyAttemptsMessage", () => {
  it("says how long to wait, in words", () => {
    expect(tooManyAttemptsMessage(1)).toBe("Too many attempts — try again in 1 second.");
    expect(tooManyAttemptsMessage(42.2)).toBe("Too many attempts — try again in 43 seconds.");
    expect(tooManyAttemptsMessage(900)).toBe("Too many attempts — try again in 15 minutes.");
  });
});
