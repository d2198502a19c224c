import { setTimeout as sleep } from "node:timers/promises";
import { and, eq } from "drizzle-orm";
import { db } from "../db/index.js";
import { zendeskSubdomainChecks } from "../db/schema.js";
import type { ZendeskErrorCode } from "../catalogue/error-codes.js";
import { probeInstance, probeTimeoutMs } from "../transport/api.js";
import { ZendeskError } from "../transport/errors.js";
import { zendeskSettings } from "../transport/settings.js";
import type { Subdomain } from "../transport/subdomain.js";

/*
 * The pre-flight: does a Zendesk account answer at this subdomain? Nobody is sent to Zendesk
 * before it says yes. The connect form asks as the subdomain is entered (checkSubdomain), so by
 * the time the person presses Connect the answer is usually in; the connect (preflightSubdomain)
 * reuses that answer, waits for it while it is on its way, or asks Zendesk itself. Verdicts live
 * in Postgres, per workspace and subdomain: the check and the connect may reach different
 * instances of the app.
 */

export type SubdomainVerdict = { ok: true } | { ok: false; code: ZendeskErrorCode };

const FOUND = "found";
/** A check that died with its process (no verdict written) stops being waited for after this. */
const PENDING_GRACE_MS = 1000;

/** Asks Zendesk whether an account answers at the subdomain, and records the verdict for the workspace. */
export async function checkSubdomain(workspaceId: string, subdomain: Subdomain): Promise<SubdomainVerdict> {
  const startedAt = new Date();
  // The pending row is written while Zendesk is asked (a connect joining it comes later than that).
  const pending = db
    .insert(zendeskSubdomainChecks)
    .values({ workspaceId, subdomain, outcome: null, startedAt, finishedAt: null })
    .onConflictDoUpdate({
      target: [zendeskSubdomainChecks.workspaceId, zendeskSubdomainChecks.subdomain],
      set: { outcome: null, startedAt, finishedAt: null },
    });
  const [asked, stored] = await Promise.allSettled([probeInstance(subdomain), pending]);
  if (stored.status === "rejected") throw stored.reason;
  // Anything unexpected still ends the check, so a connect waiting on it asks for itself.
  const verdict: SubdomainVerdict =
    asked.status === "fulfilled"
      ? { ok: true }
      : { ok: false, code: asked.reason instanceof ZendeskError ? asked.reason.code : "zendesk_unreachable" };
  await finishCheck(workspaceId, subdomain, startedAt, verdict);
  if (asked.status === "rejected" && !(asked.reason instanceof ZendeskError)) throw asked.reason;
  return verdict;
}

/** Writes the verdict on this check's own row: a newer check of the same subdomain owns it otherwise. */
async function finishCheck(workspaceId: string, subdomain: Subdomain, startedAt: Date, verdict: SubdomainVerdict) {
  await db
    .update(zendeskSubdomainChecks)
    .set({ outcome: verdict.ok ? FOUND : verdict.code, finishedAt: new Date() })
    .where(
      and(
        eq(zendeskSubdomainChecks.workspaceId, workspaceId),
        eq(zendeskSubdomainChecks.subdomain, subdomain),
        eq(zendeskSubdomainChecks.startedAt, startedAt),
      ),
    );
}

/**
 * The connect's pre-flight. A "found" of this workspace's check within
 * ZENDESK_SUBDOMAIN_CHECK_TTL_SECONDS is the answer; a check still in flight is waited for
 * (the row is read every ZENDESK_SUBDOMAIN_CHECK_POLL_MS: no connection is held meanwhile);
 * anything else, a refusal included (the person may just have fixed it), asks Zendesk now.
 */
export async function preflightSubdomain(workspaceId: string, subdomain: Subdomain): Promise<SubdomainVerdict> {
  const s = zendeskSettings();
  const deadline = Date.now() + probeTimeoutMs() + PENDING_GRACE_MS;
  for (;;) {
    const [check] = await db
      .select()
      .from(zendeskSubdomainChecks)
      .where(and(eq(zendeskSubdomainChecks.workspaceId, workspaceId), eq(zendeskSubdomainChecks.subdomain, subdomain)));
    if (!check) break;
    const now = Date.now();
    if (check.finishedAt) {
      const fresh = check.finishedAt.getTime() > now - s.subdomainCheckTtlSeconds * 1000;
      if (check.outcome === FOUND && fresh) return { ok: true };
      break;
    }
    const abandoned = check.startedAt.getTime() < now - probeTimeoutMs() - PENDING_GRACE_MS;
    if (abandoned || now >= deadline) break;
    await sleep(s.subdomainCheckPollMs);
  }
  return checkSubdomain(workspaceId, subdomain);
}
