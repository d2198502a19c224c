import { randomUUID } from "node:crypto";
import { and, eq, gt, isNull } from "drizzle-orm";
import { db } from "../db/index.js";
import { type ZendeskConnectIntent, zendeskConnectIntents } from "../db/schema.js";
import type { Subdomain } from "../transport/subdomain.js";
import type { LocalClientInput } from "../store/oauth-clients.js";
import { openIntentClientSecret, sealIntentClientSecret } from "../store/sealed.js";

/** The cookie naming the browser's pending connect intent (an id, never a secret). */
export const INTENT_COOKIE = "zc_connect_intent";
/** Long enough to sign in to Zendesk and consent; the code itself lasts only 120 s. */
export const INTENT_TTL_SECONDS = 600;

/**
 * Stores what the server decided for a connect flow; the callback reads the flow from here only.
 * A client entered in the form (`pendingClient`) travels with the intent, its secret sealed for
 * the intent's row, until Zendesk accepts it: the stored client is not touched before then.
 */
export async function createConnectIntent(input: {
  workspaceId: string;
  userId: string;
  subdomain: Subdomain;
  scopes: string[];
  oauthClientId: string | null;
  returnTo: string;
  pendingClient?: LocalClientInput;
}): Promise<ZendeskConnectIntent> {
  const { pendingClient, ...values } = input;
  const id = randomUUID();
  const [intent] = await db
    .insert(zendeskConnectIntents)
    .values({
      id,
      ...values,
      pendingClientIdentifier: pendingClient?.identifier ?? null,
      pendingClientKind: pendingClient?.kind ?? null,
      pendingClientSecretCiphertext:
        pendingClient?.kind === "confidential" && pendingClient.secret
          ? sealIntentClientSecret(id, pendingClient.secret)
          : null,
      expiresAt: new Date(Date.now() + INTENT_TTL_SECONDS * 1000),
    })
    .returning();
  return intent!;
}

/** Deletes an intent that will not be used (the pre-flight refused its subdomain). */
export async function discardConnectIntent(id: string): Promise<void> {
  await db.delete(zendeskConnectIntents).where(eq(zendeskConnectIntents.id, id));
}

/** The client entered with the intent, its secret opened; null when the flow uses a stored client. */
export function pendingClientOf(intent: ZendeskConnectIntent): LocalClientInput | null {
  if (!intent.pendingClientIdentifier || !intent.pendingClientKind) return null;
  return {
    identifier: intent.pendingClientIdentifier,
    kind: intent.pendingClientKind,
    secret: intent.pendingClientSecretCiphertext
      ? openIntentClientSecret({ id: intent.id, secretCiphertext: intent.pendingClientSecretCiphertext })
      : undefined,
  };
}

/**
 * Marks the intent used and returns it, atomically: of two callbacks racing with the same
 * intent only one gets it. Expired or already-used intents return null. The pending client's
 * sealed secret is wiped at the same time: the flow holds it in memory from here on.
 */
export async function consumeConnectIntent(id: string): Promise<ZendeskConnectIntent | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  return db.transaction(async (tx) => {
    const [intent] = await tx
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
    if (intent?.pendingClientSecretCiphertext)
      await tx
        .update(zendeskConnectIntents)
        .set({ pendingClientSecretCiphertext: null })
        .where(eq(zendeskConnectIntents.id, intent.id));
    return intent ?? null;
  });
}
