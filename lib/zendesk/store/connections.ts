import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { db } from "@/db";
import { zendeskConnections } from "@/db/schema";
import type { ZendeskUser } from "@/lib/zendesk/transport/api";
import { recordConnectionEvent } from "./events";
import { sealConnectionTokens } from "./sealed";
import { diffScopes } from "@/lib/zendesk/catalogue/scopes";
import type { Subdomain } from "@/lib/zendesk/transport/subdomain";

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string | null;
  accessTokenExpiresAt: Date | null;
  refreshTokenExpiresAt: Date | null;
}

/**
 * Stores a successful connect: one row per workspace + subdomain, so a reconnect updates the
 * same connection (same id) with the new tokens, scopes and user, and records the history.
 */
export async function saveConnection(input: {
  workspaceId: string;
  subdomain: Subdomain;
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
      ...sealConnectionTokens(id, input.tokens),
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
