import { eq } from "drizzle-orm";
import { encode } from "@auth/core/jwt";
import { describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { zendeskConnectIntents } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { createTestAccount, testSubdomain } from "@/testing/zendesk";
import { env } from "../config/env.js";
import { createConnectIntent, INTENT_COOKIE } from "../connect/intents.js";
import type { ZendeskHost } from "../host.js";
import { CALLBACK_SUFFIX, zendeskSettings } from "../transport/settings.js";
import { handleZendeskCallback } from "./callback.js";

/*
 * The callback checks Auth.js's state before it consumes the connect intent (issue #22): a
 * cross-site link to the callback (with `error=` or a made-up code) must not use up the person's
 * pending connect, nor clear its cookie.
 */

setupTestDatabase();

async function pending() {
  const account = await createTestAccount();
  const intent = await createConnectIntent({
    workspaceId: account.workspaceId,
    userId: account.userId,
    subdomain: testSubdomain("acme"),
    scopes: ["read"],
    oauthClientId: null,
    returnTo: zendeskSettings().settingsPath,
  });
  const host = {
    currentMember: async () => ({ ...account, canManageIntegrations: true }),
    canManage: async () => true,
  } as unknown as ZendeskHost;
  return { intent, host };
}

function callback(query: string, cookies: string[]) {
  const url = `${env().appUrl}${zendeskSettings().basePath}${CALLBACK_SUFFIX}?${query}`;
  return new Request(url, { headers: { cookie: cookies.join("; ") } });
}

async function consumed(id: string) {
  const [row] = await db.select().from(zendeskConnectIntents).where(eq(zendeskConnectIntents.id, id));
  return row?.consumedAt !== null;
}

async function stateCookie(state: string) {
  const name = "zendesk-connect.state";
  const value = await encode({ token: { value: state }, secret: env().authSecret, salt: name, maxAge: 900 });
  return `${name}=${value}`;
}

describe("the OAuth callback and a pending connect intent", () => {
  it("a cross-site link with error= and no state leaves the intent and its cookie alone", async () => {
    const { intent, host } = await pending();
    const response = await handleZendeskCallback(
      callback("error=access_denied", [`${INTENT_COOKIE}=${intent.id}`]),
      host,
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toMatch(/error=state_invalid/);
    expect(await consumed(intent.id)).toBe(false);
    expect(response.headers.getSetCookie().join("\n")).not.toContain(`${INTENT_COOKIE}=;`);
  });

  it("a link with a state that is not the browser's leaves the intent alone", async () => {
    const { intent, host } = await pending();
    const response = await handleZendeskCallback(
      callback("error=access_denied&state=forged", [`${INTENT_COOKIE}=${intent.id}`, await stateCookie("real")]),
      host,
    );
    expect(response.headers.get("location")).toMatch(/error=state_invalid/);
    expect(await consumed(intent.id)).toBe(false);
  });

  it("Zendesk's own denial (the browser's state) ends the intent and says access_denied", async () => {
    const { intent, host } = await pending();
    const response = await handleZendeskCallback(
      callback("error=access_denied&state=real", [`${INTENT_COOKIE}=${intent.id}`, await stateCookie("real")]),
      host,
    );
    expect(response.headers.get("location")).toMatch(/error=access_denied/);
    expect(await consumed(intent.id)).toBe(true);
  });
});
