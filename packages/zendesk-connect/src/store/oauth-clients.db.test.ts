import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { zendeskConnections, zendeskOauthClients } from "../db/schema.js";
import { openAccessToken, openRefreshToken } from "./sealed.js";
import { setupTestDatabase } from "@/testing/database";
import { createTestAccount, testSubdomain } from "@/testing/zendesk";
import { resolveClientCredentials, saveLocalClient } from "./oauth-clients.js";
import { saveConnection } from "./connections.js";

/*
 * First saves racing (two tabs submitting at once). On Postgres (TEST_DB=postgres) these run
 * concurrently on separate pooled connections; every secret must decrypt for the row it ended in.
 */

setupTestDatabase();

const ROUNDS = 8;
const TABS = 4;

describe("concurrent first saves", () => {
  it("of a workspace's own client produce one row whose secret decrypts", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const account = await createTestAccount();
      const saved = await Promise.all(
        Array.from({ length: TABS }, (_, tab) =>
          saveLocalClient({
            ...account,
            subdomain: testSubdomain("acme"),
            identifier: "acme-local-app",
            kind: "confidential",
            secret: `secret-of-tab-${tab}`,
          }),
        ),
      );
      const rows = await db
        .select()
        .from(zendeskOauthClients)
        .where(eq(zendeskOauthClients.workspaceId, account.workspaceId));
      expect(rows).toHaveLength(1);
      expect(new Set(saved.map((s) => s.id))).toEqual(new Set([rows[0]!.id]));
      const { secret } = await resolveClientCredentials(account.workspaceId, rows[0]!.id);
      expect(secret).toMatch(/^secret-of-tab-\d$/);
    }
  });

  it("of a connection produce one row whose tokens decrypt, the others becoming reconnects", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const account = await createTestAccount();
      const saved = await Promise.all(
        Array.from({ length: TABS }, (_, tab) =>
          saveConnection({
            workspaceId: account.workspaceId,
            subdomain: testSubdomain("acme"),
            mode: "authorization_code",
            oauthClientId: null,
            user: { id: "10001", name: "Ada Admin", email: null, role: "admin" },
            requestedScopes: ["read"],
            grantedScopes: ["read"],
            zendeskTokenId: null,
            tokens: {
              accessToken: `access-${tab}`,
              refreshToken: `refresh-${tab}`,
              accessTokenExpiresAt: null,
              refreshTokenExpiresAt: null,
            },
            actorUserId: account.userId,
          }),
        ),
      );
      expect(saved.filter((s) => s.created)).toHaveLength(1);
      const rows = await db
        .select()
        .from(zendeskConnections)
        .where(eq(zendeskConnections.workspaceId, account.workspaceId));
      expect(rows).toHaveLength(1);
      const row = rows[0]!;
      const access = openAccessToken(row);
      const refresh = openRefreshToken({ id: row.id, refreshTokenCiphertext: row.refreshTokenCiphertext! });
      expect(access.slice("access-".length)).toBe(refresh.slice("refresh-".length));
      expect(row.tokenVersion).toBe(TABS);
      // Every reconnect handed back the grant it replaced, so none is left live unknowingly.
      expect(saved.filter((s) => s.replaced !== null)).toHaveLength(TABS - 1);
    }
  });
});
