import {
  countAttempt,
  type Gate,
  isRemembered,
  recordThrottled,
  rememberKey,
  resetBuckets,
  throttlePolicy,
  uncountAttempt,
} from "@zendesk-connect/next";
import { appEnv } from "@/config/env";

/*
 * Who may try to sign in again, and when, on @zendesk-connect/next's attempt buckets (one
 * table, shared by every instance). Sign-in counts every attempt in two buckets before the
 * password is checked (so a burst of parallel guesses is counted too) and a success takes it back:
 *
 * - per client address, across all accounts: what stops one attacker, however many accounts
 *   they try;
 * - per account: shared by every address the account has not signed in from lately, so a
 *   distributed guesser is slowed down too. An address the account signed in from in the last
 *   KNOWN_ADDRESS_DAYS gets its own bucket for that account instead, so a stranger elsewhere can
 *   fill the shared bucket but never lock the owner out from their usual network. Delays are
 *   capped and a refused attempt is not counted, so no one can extend a block beyond the cap.
 *
 * Sign-ups are counted per address; all decay with the window.
 */

const KNOWN_ADDRESS_DAYS = 30;

const keys = {
  address: (address: string) => `signin:address:${address}`,
  account: (email: string) => `signin:account:${email}`,
  accountAtAddress: (email: string, address: string) => `signin:account-at:${email}|${address}`,
  known: (email: string, address: string) => `signin:known:${email}|${address}`,
  signUp: (address: string) => `signup:address:${address}`,
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
  const t = appEnv().throttle;
  const known = await isRemembered(keys.known(email, address), now);
  const accountKey = known ? keys.accountAtAddress(email, address) : keys.account(email);
  const gate = await countAttempt(
    [
      { key: keys.address(address), policy: throttlePolicy(t.signInAddressAttempts) },
      { key: accountKey, policy: throttlePolicy(t.signInAccountAttempts) },
    ],
    now,
  );
  if (!gate.ok) {
    recordThrottled("sign_in");
    return gate;
  }
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
export async function throttleSignUp(address: string, now = new Date()): Promise<Gate> {
  const gate = await countAttempt(
    [{ key: keys.signUp(address), policy: throttlePolicy(appEnv().throttle.signUpAddressAttempts) }],
    now,
  );
  if (!gate.ok) recordThrottled("sign_up");
  return gate;
}
