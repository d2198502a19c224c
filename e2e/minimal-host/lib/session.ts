import { createHmac, timingSafeEqual } from "node:crypto";
import { cookies } from "next/headers";
import { findUser, type User } from "./users";

/*
 * The host's own session: a cookie `<userId>.<HMAC-SHA256(userId)>`, signed with SESSION_SECRET.
 * Nothing to do with Zendesk Connect, which only ever sees it through lib/zendesk.ts.
 */
const COOKIE = "minimal_session";

function secret(): string {
  const value = process.env.SESSION_SECRET;
  if (!value || value.length < 32) throw new Error("SESSION_SECRET must be set (at least 32 characters)");
  return value;
}

function sign(userId: number): string {
  return createHmac("sha256", secret()).update(String(userId)).digest("base64url");
}

/** The signed-in user, or null when the cookie is missing, malformed or forged. */
export async function currentUser(): Promise<User | null> {
  const raw = (await cookies()).get(COOKIE)?.value;
  const match = raw?.match(/^(\d{1,9})\.([\w-]{43})$/);
  if (!match) return null;
  const expected = Buffer.from(sign(Number(match[1])));
  const given = Buffer.from(match[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  return findUser(Number(match[1])) ?? null;
}

/** Sets the session cookie (call from a server action). */
export async function startSession(userId: number): Promise<void> {
  (await cookies()).set(COOKIE, `${userId}.${sign(userId)}`, {
    httpOnly: true,
    sameSite: "lax",
    secure: process.env.APP_URL?.startsWith("https://") ?? false,
    path: "/",
    maxAge: 60 * 60 * 8,
  });
}

export async function endSession(): Promise<void> {
  (await cookies()).delete(COOKIE);
}
