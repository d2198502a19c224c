import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { db } from "@/db";
import { zendeskConnections } from "@/db/schema";
import { sealSecret, secretAad } from "@/lib/crypto/secrets";
import type { ZendeskUser } from "@/lib/zendesk/transport/api";
import { recordConnectionEvent } from "./events";
import { diffScopes } from "@/lib/zendesk/catalogue/scopes";

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string | null;
  accessTokenExpiresAt: Date | null;
  refreshTokenExpiresAt: Date | null;
}

/** Encrypts a token pair for one connection row. */
export function sealTokens(connectionId: string, tokens: Pick<IssuedTokens, "accessToken" | "refreshToken">) {
  return {
    accessTokenCiphertext: sealSecret(
      secretAad("zendesk_connections", connectionId, "access_token"),
      tokens.accessToken,
    ),
    refreshTokenCiphertext: tokens.refreshToken
      ? sealSecret(secretAad("zendesk_connections", connectionId, "refresh_token"), tokens.refreshToken)
      : null,
  };
}

/**
 * Stores a successful connect: one row per workspace + subdomain, so a reconnect updates the
 * same connection (same id) with the new tokens, scopes and user, and records the history.
 */
export async function saveConnection(input: {
  workspaceId: string;
  subdomain: string;
  mode: "authorization_code" | "client_credentials";
  oauthClientId: string | null;
  user: ZendeskUser;
  requestedScopes: string[];
  grantedScopes: string[];
  zendeskTokenId: string | null;
  tokens: IssuedTokens;
  actorUserId: string;
}): Promise<{ id: string; created: boolean }> {
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select({
        id: zendeskConnections.id,
        grantedScopes: zendeskConnections.grantedScopes,
      })
      .from(zendeskConnections)
      .where(
        and(eq(zendeskConnections.workspaceId, input.workspaceId), eq(zendeskConnections.subdomain, input.subdomain)),
      )
      .for("update");
    const id = existing?.id ?? randomUUID();
    const now = new Date();
    const values = {
      mode: input.mode,
      oauthClientId: input.oauthClientId,
      zendeskUserId: input.user.id,
      zendeskUserName: input.user.name,
      zendeskUserEmail: input.user.email,
      zendeskUserRole: input.user.role,
      requestedScopes: input.requestedScopes,
      grantedScopes: input.grantedScopes,
      zendeskTokenId: input.zendeskTokenId,
      ...sealTokens(id, input.tokens),
      accessTokenExpiresAt: input.tokens.accessTokenExpiresAt,
      refreshTokenExpiresAt: input.tokens.refreshTokenExpiresAt,
      status: "active" as const,
      statusReason: null,
      lastError: null,
      lastErrorAt: null,
      lastRefreshedAt: null,
      connectedByUserId: input.actorUserId,
      connectedAt: now,
    };
    if (existing) {
      await tx
        .update(zendeskConnections)
        .set({ ...values, tokenVersion: sql`${zendeskConnections.tokenVersion} + 1` })
        .where(eq(zendeskConnections.id, id));
    } else {
      await tx
        .insert(zendeskConnections)
        .values({ id, workspaceId: input.workspaceId, subdomain: input.subdomain, ...values });
    }
    const base = {
      connectionId: id,
      workspaceId: input.workspaceId,
      subdomain: input.subdomain,
      actorUserId: input.actorUserId,
    };
    const who = input.user.email ? `${input.user.name} (${input.user.email})` : input.user.name;
    await recordConnectionEvent(
      {
        ...base,
        type: existing ? "reconnected" : "connected",
        detail: `${existing ? "Reconnected" : "Connected"} as ${who}`,
        data: { grantedScopes: input.grantedScopes, mode: input.mode },
      },
      tx,
    );
    if (existing) {
      const diff = diffScopes(existing.grantedScopes, input.grantedScopes);
      if (diff.missing.length || diff.extra.length) {
        await recordConnectionEvent(
          {
            ...base,
            type: "scopes_changed",
            detail: [
              diff.extra.length ? `added ${diff.extra.join(", ")}` : "",
              diff.missing.length ? `removed ${diff.missing.join(", ")}` : "",
            ]
              .filter(Boolean)
              .join("; "),
            data: { added: diff.extra, removed: diff.missing },
          },
          tx,
        );
      }
    }
    return { id, created: !existing };
  });
}
