import { env } from "../config/env.js";
import { blockedGate, type BucketPolicy, countAttempt, type Gate } from "./buckets.js";
import { recordThrottled } from "../telemetry/metrics.js";

/*
 * Connect attempts are counted per workspace, the connect form's subdomain checks per user (and
 * refused while the workspace's connects are); all decay with the window. The buckets are
 * exported for hosts that throttle their own forms (the reference app's sign-in uses them).
 */

export type ThrottleResult = Gate;

/** A bucket policy with THROTTLE_BASE_DELAY_SECONDS, THROTTLE_MAX_DELAY_SECONDS and THROTTLE_WINDOW_SECONDS. */
export function throttlePolicy(freeAttempts: number): BucketPolicy {
  const t = env().throttle;
  return {
    freeAttempts,
    baseDelaySeconds: t.baseDelaySeconds,
    maxDelaySeconds: t.maxDelaySeconds,
    windowSeconds: t.windowSeconds,
  };
}
const policy = throttlePolicy;

const keys = {
  connect: (workspaceId: string) => `connect:workspace:${workspaceId}`,
  subdomainCheck: (userId: string) => `subdomain-check:user:${userId}`,
};

/** Counts a Connect attempt for the workspace (each one starts an OAuth flow against Zendesk). */
export async function throttleConnect(workspaceId: string, now = new Date()): Promise<ThrottleResult> {
  const gate = await countAttempt(
    [{ key: keys.connect(workspaceId), policy: policy(env().throttle.connectWorkspaceAttempts) }],
    now,
  );
  if (!gate.ok) recordThrottled("connect");
  return gate;
}

/**
 * Counts a subdomain check of the connect form for the signed-in user (each one is a request to
 * Zendesk). Per user, so it can be counted while the user's workspace and role are still being read.
 */
export async function throttleSubdomainCheck(userId: string, now = new Date()): Promise<ThrottleResult> {
  const gate = await countAttempt(
    [{ key: keys.subdomainCheck(userId), policy: policy(env().throttle.subdomainCheckAttempts) }],
    now,
  );
  if (!gate.ok) recordThrottled("subdomain_check");
  return gate;
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
