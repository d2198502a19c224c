import { env } from "../config/env.js";
import {
  blockedGate,
  type BucketPolicy,
  countAttempt,
  type Gate,
  isRemembered,
  rememberKey,
  resetBuckets,
  uncountAttempt,
} from "./buckets.js";

/*
 * Who may try again, and when. Sign-in counts every attempt in two buckets before the password
 * is checked (so a burst of parallel guesses is counted too) and a success takes it back:
 *
 * - per client address, across all accounts: what stops one attacker, however many accounts
 *   they try;
 * - per account: shared by every address the account has not signed in from lately, so a
 *   distributed guesser is slowed down too. An address the account signed in from in the last
 *   KNOWN_ADDRESS_DAYS gets its own bucket for that account instead, so a stranger elsewhere can
 *   fill the shared bucket but never lock the owner out from their usual network. Delays are
 *   capped and a refused attempt is not counted, so no one can extend a block beyond the cap.
 *
 * Sign-ups are counted per address, connect attempts per workspace, the connect form's subdomain
 * checks per user (and refused while the workspace's connects are); all decay with the window.
 */

const KNOWN_ADDRESS_DAYS = 30;

export type ThrottleResult = Gate;

function policy(freeAttempts: number): BucketPolicy {
  const t = env().throttle;
  return {
    freeAttempts,
    baseDelaySeconds: t.baseDelaySeconds,
    maxDelaySeconds: t.maxDelaySeconds,
    windowSeconds: t.windowSeconds,
  };
}

const keys = {
  address: (address: string) => `signin:address:${address}`,
  account: (email: string) => `signin:account:${email}`,
  accountAtAddress: (email: string, address: string) => `signin:account-at:${email}|${address}`,
  known: (email: string, address: string) => `signin:known:${email}|${address}`,
  signUp: (address: string) => `signup:address:${address}`,
  connect: (workspaceId: string) => `connect:workspace:${workspaceId}`,
  subdomainCheck: (userId: string) => `subdomain-check:user:${userId}`,
};

/**
 * Runs `verify` (the password check) if the throttle lets this attempt through. Returns its
 * result, or the seconds to wait. `email` must be normalised (trimmed, lower-case).
 */
export async function throttledSignIn<T>(
  input: { email: string; address: string; now?: Date },
  verify: () => Promise<T | null>,
): Promise<{ ok: true; user: T | null } | { ok: false; retryAfterSeconds: number }> {
  const { email, address } = input;
  const now = input.now ?? new Date();
  const t = env().throttle;
  const known = await isRemembered(keys.known(email, address), now);
  const accountKey = known ? keys.accountAtAddress(email, address) : keys.account(email);
  const gate = await countAttempt(
    [
      { key: keys.address(address), policy: policy(t.signInAddressAttempts) },
      { key: accountKey, policy: policy(t.signInAccountAttempts) },
    ],
    now,
  );
  if (!gate.ok) return gate;
  const user = await verify();
  if (user) {
    const knownUntil = new Date(now.getTime() + KNOWN_ADDRESS_DAYS * 86_400_000);
    await Promise.all([
      resetBuckets([keys.account(email), keys.accountAtAddress(email, address)]),
      uncountAttempt(keys.address(address)),
      rememberKey(keys.known(email, address), now, knownUntil),
    ]);
  }
  return { ok: true, user };
}

/** Counts a sign-up attempt from the address (each one costs a password hash). */
export async function throttleSignUp(address: string, now = new Date()): Promise<ThrottleResult> {
  return countAttempt([{ key: keys.signUp(address), policy: policy(env().throttle.signUpAddressAttempts) }], now);
}

/** Counts a Connect attempt for the workspace (each one starts an OAuth flow against Zendesk). */
export async function throttleConnect(workspaceId: string, now = new Date()): Promise<ThrottleResult> {
  return countAttempt(
    [{ key: keys.connect(workspaceId), policy: policy(env().throttle.connectWorkspaceAttempts) }],
    now,
  );
}

/**
 * Counts a subdomain check of the connect form for the signed-in user (each one is a request to
 * Zendesk). Per user, so it can be counted while the user's workspace and role are still being read.
 */
export async function throttleSubdomainCheck(userId: string, now = new Date()): Promise<ThrottleResult> {
  return countAttempt(
    [{ key: keys.subdomainCheck(userId), policy: policy(env().throttle.subdomainCheckAttempts) }],
    now,
  );
}

/**
 * Whether the workspace's Connect attempts are held back now, without counting one: the connect
 * form's subdomain check is refused while they are, so checking is no way around the connect's
 * throttle (and never uses up its attempts).
 */
export async function connectThrottled(workspaceId: string, now = new Date()): Promise<ThrottleResult> {
  return blockedGate([keys.connect(workspaceId)], now);
}

/** The form message for a refused attempt. */
export function tooManyAttemptsMessage(retryAfterSeconds: number): string {
  const s = Math.max(1, Math.ceil(retryAfterSeconds));
  if (s < 120) return `Too many attempts — try again in ${s} ${s === 1 ? "second" : "seconds"}.`;
  return `Too many attempts — try again in ${Math.ceil(s / 60)} minutes.`;
}
