import "server-only";
import { and, eq, gt, isNull } from "drizzle-orm";
import { db } from "@/db";
import { type ZendeskConnectIntent, zendeskConnectIntents } from "@/db/schema";
import type { Subdomain } from "@/lib/zendesk/transport/subdomain";

/** The cookie naming the browser's pending connect intent (an id, never a secret). */
export const INTENT_COOKIE = "zc_connect_intent";
/** Long enough to sign in to Zendesk and consent; the code itself lasts only 120 s. */
export const INTENT_TTL_SECONDS = 600;

/** Stores what the server decided for a connect flow; the callback reads the flow from here only. */
export async function createConnectIntent(input: {
  workspaceId: string;
  userId: string;
  subdomain: Subdomain;
  scopes: string[];
  oauthClientId: string | null;
  returnTo: string;
}): Promise<ZendeskConnectIntent> {
  const [intent] = await db
    .insert(zendeskConnectIntents)
    .values({ ...input, expiresAt: new Date(Date.now() + INTENT_TTL_SECONDS * 1000) })
    .returning();
  return intent!;
}

/**
 * Marks the intent used and returns it, atomically: of two callbacks racing with the same
 * intent only one gets it. Expired or already-used intents return null.
 */
export async function consumeConnectIntent(id: string): Promise<ZendeskConnectIntent | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const [intent] = await db
    .update(zendeskConnectIntents)
    .set({ consumedAt: new Date() })
    .where(
      and(
        eq(zendeskConnectIntents.id, id),
        isNull(zendeskConnectIntents.consumedAt),
        gt(zendeskConnectIntents.expiresAt, new Date()),
      ),
    )
    .returning();
  return intent ?? null;
}
