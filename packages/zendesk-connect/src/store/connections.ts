import { and, eq, isNull, sql } from "drizzle-orm";
import { db } from "../db/index.js";
import { type ZendeskConnection, zendeskConnections } from "../db/schema.js";
import { DecryptionError, MissingKeyError } from "../crypto/keyring.js";
import type { ZendeskTokenInfo, ZendeskUser } from "../transport/api.js";
import { transactionWithEvents, type Tx } from "./events.js";
import { openAccessToken, openRefreshToken, sealConnectionTokens } from "./sealed.js";
import { ZendeskError } from "../transport/errors.js";
import { diffScopes } from "../catalogue/scopes.js";
import type { Subdomain } from "../transport/subdomain.js";
import {
  type LocalClientInput,
  resolveClientCredentials,
  storeLocalClient,
  type ZendeskClientCredentials,
} from "./oauth-clients.js";
import { writeKeyedRow } from "./keyed-row.js";
import { healthy } from "./transitions.js";

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string | null;
  accessTokenExpiresAt: Date | null;
  refreshTokenExpiresAt: Date | null;
}

/**
 * The grant a reconnect replaced, as it was stored: what the caller needs to revoke it at
 * Zendesk after the commit. Tokens are null when they could not be opened (a retired key).
 */
export interface ReplacedGrant {
  mode: ZendeskConnection["mode"];
  status: ZendeskConnection["status"];
  accessToken: string | null;
  refreshToken: string | null;
  zendeskTokenId: string | null;
  accessTokenExpiresAt: Date | null;
  /** The client the old grant was issued to (it may be replaced in the same transaction). */
  client: ZendeskClientCredentials | null;
}

export interface SavedConnection {
  id: string;
  created: boolean;
  /** The stored token_version: follow-ups (current.json refinement) apply only while it holds. */
  tokenVersion: number;
  replaced: ReplacedGrant | null;
}

/**
 * Stores a successful connect: one row per workspace + subdomain, so a reconnect updates the
 * same connection (same id) with the new tokens, scopes and user. In the same transaction: the
 * client Zendesk just accepted (`client`, entered in the form: it replaces the stored one only
 * now), and the history. Listeners hear of it after the commit.
 */
export async function saveConnection(input: {
  workspaceId: string;
  subdomain: Subdomain;
  mode: "authorization_code" | "client_credentials";
  /** The stored client used; ignored when `client` is given. */
  oauthClientId: string | null;
  /** A workspace's own client that Zendesk accepted in this connect: stored with the connection. */
  client?: LocalClientInput;
  user: ZendeskUser;
  requestedScopes: string[];
  grantedScopes: string[];
  zendeskTokenId: string | null;
  tokens: IssuedTokens;
  actorUserId: string;
}): Promise<SavedConnection> {
  return transactionWithEvents(async (tx, record) => {
    const key = and(
      eq(zendeskConnections.workspaceId, input.workspaceId),
      eq(zendeskConnections.subdomain, input.subdomain),
    );
    let replaced: ReplacedGrant | null = null;
    const lock = async () => {
      const [row] = await tx.select().from(zendeskConnections).where(key).for("update");
      if (row && !replaced) replaced = await replacedGrant(tx, row);
      return row;
    };
    // Read the old grant before the client row may be replaced below: it belongs to the old client.
    await lock();
    const oauthClientId = input.client
      ? (
          await storeLocalClient(tx, {
            ...input.client,
            workspaceId: input.workspaceId,
            subdomain: input.subdomain,
            userId: input.actorUserId,
          })
        ).id
      : input.oauthClientId;
    const now = new Date();
    const values = (id: string) => ({
      mode: input.mode,
      oauthClientId,
      zendeskUserId: input.user.id,
      zendeskUserName: input.user.name,
      zendeskUserEmail: input.user.email,
      zendeskUserRole: input.user.role,
      requestedScopes: input.requestedScopes,
      grantedScopes: input.grantedScopes,
      zendeskTokenId: input.zendeskTokenId,
      ...sealConnectionTokens(id, input.tokens),
      accessTokenExpiresAt: input.tokens.accessTokenExpiresAt,
      refreshTokenExpiresAt: input.tokens.refreshTokenExpiresAt,
      // A reconnect is a transition to healthy like a renewal: nothing of the old grant's failure
      // run (back-off, give-up clock, an in-flight marker) carries over to the new grant.
      ...healthy(),
      lastRefreshedAt: null,
      connectedByUserId: input.actorUserId,
      connectedAt: now,
    });
    const { id, existing } = await writeKeyedRow({
      lock,
      insert: async (id) =>
        (
          await tx
            .insert(zendeskConnections)
            .values({ id, workspaceId: input.workspaceId, subdomain: input.subdomain, ...values(id) })
            .onConflictDoNothing()
            .returning({ id: zendeskConnections.id })
        ).length === 1,
      update: async (row) => {
        await tx
          .update(zendeskConnections)
          .set({ ...values(row.id), tokenVersion: sql`${zendeskConnections.tokenVersion} + 1` })
          .where(eq(zendeskConnections.id, row.id));
      },
    });
    const base = {
      connectionId: id,
      workspaceId: input.workspaceId,
      subdomain: input.subdomain,
      actorUserId: input.actorUserId,
    };
    const who = input.user.email ? `${input.user.name} (${input.user.email})` : input.user.name;
    await record({
      ...base,
      type: existing ? "reconnected" : "connected",
      detail: `${existing ? "Reconnected" : "Connected"} as ${who}`,
      data: { grantedScopes: input.grantedScopes, mode: input.mode },
    });
    if (existing) {
      const diff = diffScopes(existing.grantedScopes, input.grantedScopes);
      if (diff.missing.length || diff.extra.length) {
        await record({
          ...base,
          type: "scopes_changed",
          detail: [
            diff.extra.length ? `added ${diff.extra.join(", ")}` : "",
            diff.missing.length ? `removed ${diff.missing.join(", ")}` : "",
          ]
            .filter(Boolean)
            .join("; "),
          data: { added: diff.extra, removed: diff.missing },
        });
      }
    }
    return { id, created: !existing, tokenVersion: existing ? existing.tokenVersion + 1 : 1, replaced };
  });
}

async function replacedGrant(tx: Tx, row: ZendeskConnection): Promise<ReplacedGrant> {
  const open = (field: "access_token" | "refresh_token", sealed: string | null) => {
    if (!sealed) return null;
    try {
      return field === "access_token"
        ? openAccessToken({ id: row.id, accessTokenCiphertext: sealed })
        : openRefreshToken({ id: row.id, refreshTokenCiphertext: sealed });
    } catch {
      return null;
    }
  };
  let client: ZendeskClientCredentials | null = null;
  try {
    client = await resolveClientCredentials(row.workspaceId, row.oauthClientId, tx);
  } catch (error) {
    // No client left to renew the old grant with: it can still be revoked with its access token.
    if (!(
      (error instanceof ZendeskError && error.code === "no_client") ||
      error instanceof DecryptionError ||
      error instanceof MissingKeyError
    ))
      throw error;
  }
  return {
    mode: row.mode,
    status: row.status,
    accessToken: open("access_token", row.accessTokenCiphertext),
    refreshToken: open("refresh_token", row.refreshTokenCiphertext),
    zendeskTokenId: row.zendeskTokenId,
    accessTokenExpiresAt: row.accessTokenExpiresAt,
    client,
  };
}

/**
 * current.json's refinement of a connection stored from the token response alone, applied
 * only while the row still holds the tokens it describes (same token_version): the token id
 * (revocation by id), an expiry the response left out, and the granted scopes when the
 * response did not state them. Returns false when the tokens changed meanwhile.
 */
export async function refineConnectionTokenInfo(
  connectionId: string,
  tokenVersion: number,
  info: ZendeskTokenInfo,
  { scopes }: { scopes: boolean },
): Promise<boolean> {
  const at = (d: Date | null) => sql`${d ? d.toISOString() : null}::timestamptz`;
  const updated = await db
    .update(zendeskConnections)
    .set({
      zendeskTokenId: info.id,
      accessTokenExpiresAt: sql`coalesce(${zendeskConnections.accessTokenExpiresAt}, ${at(info.expiresAt)})`,
      refreshTokenExpiresAt: sql`case when ${zendeskConnections.refreshTokenCiphertext} is null then null else coalesce(${zendeskConnections.refreshTokenExpiresAt}, ${at(info.refreshTokenExpiresAt)}) end`,
      ...(scopes ? { grantedScopes: info.scopes } : {}),
    })
    .where(
      and(
        eq(zendeskConnections.id, connectionId),
        eq(zendeskConnections.tokenVersion, tokenVersion),
        isNull(zendeskConnections.zendeskTokenId),
      ),
    )
    .returning({ id: zendeskConnections.id });
  return updated.length === 1;
}
