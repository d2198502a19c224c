import { encode } from "next-auth/jwt";
import { afterEach, describe, expect, it } from "vitest";
import { appEnv as env, resetAppEnvForTests as resetEnvForTests } from "@/config/env";
import { sessionCookieName, sessionUserId } from "./session-cookie";

/** A cookie jar as next/headers' cookies() gives it, holding these cookies. */
const jar = (cookies: Record<string, string>) => ({
  get: (name: string) => (name in cookies ? { name, value: cookies[name]! } : undefined),
});

/** The session cookie exactly as Auth.js writes it (its own encoder, the cookie name as salt). */
async function authJsCookie(
  sub: string,
  { maxAge = 3600, secret = env().authSecret, salt = sessionCookieName() } = {},
) {
  return encode({ token: { sub, name: "Ada" }, secret, salt, maxAge });
}

describe("sessionUserId", () => {
  afterEach(() => {
    delete process.env.APP_URL;
    resetEnvForTests();
  });

  it("reads the user id of the session cookie Auth.js wrote", async () => {
    const cookie = await authJsCookie("user-1");
    await expect(sessionUserId(jar({ "authjs.session-token": cookie }))).resolves.toBe("user-1");
  });

  it("refuses no cookie, an expired one, another secret's and a tampered one", async () => {
    await expect(sessionUserId(jar({}))).resolves.toBeNull();
    const expired = await authJsCookie("user-1", { maxAge: -60 });
    await expect(sessionUserId(jar({ "authjs.session-token": expired }))).resolves.toBeNull();
    const foreign = await authJsCookie("user-1", { secret: "another-secret-that-is-long-enough-1234" });
    await expect(sessionUserId(jar({ "authjs.session-token": foreign }))).resolves.toBeNull();
    const valid = await authJsCookie("user-1");
    const tampered = `${valid.slice(0, -4)}${valid.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    await expect(sessionUserId(jar({ "authjs.session-token": tampered }))).resolves.toBeNull();
  });

  it("joins a cookie Auth.js split into chunks", async () => {
    const cookie = await authJsCookie("user-2");
    const half = Math.ceil(cookie.length / 2);
    const chunks = { "authjs.session-token.0": cookie.slice(0, half), "authjs.session-token.1": cookie.slice(half) };
    await expect(sessionUserId(jar(chunks))).resolves.toBe("user-2");
  });

  it("on https reads only the __Secure- cookie, sealed under its own name", async () => {
    process.env.APP_URL = "https://app.example.com";
    resetEnvForTests();
    expect(sessionCookieName()).toBe("__Secure-authjs.session-token");
    const secure = await authJsCookie("user-3");
    await expect(sessionUserId(jar({ "__Secure-authjs.session-token": secure }))).resolves.toBe("user-3");
    // A plain-name cookie (set over http, or by another app on the host) is not a session here.
    const plain = await authJsCookie("user-3", { salt: "authjs.session-token" });
    await expect(sessionUserId(jar({ "authjs.session-token": plain }))).resolves.toBeNull();
    await expect(sessionUserId(jar({ "__Secure-authjs.session-token": plain }))).resolves.toBeNull();
  });
});
