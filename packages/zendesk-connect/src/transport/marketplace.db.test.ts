import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, env, resetEnvForTests } from "../config/env.js";
import { setupTestDatabase } from "@/testing/database";
import { connectTestConnection, setupZendeskSimulator } from "@/testing/zendesk";
import { zendesk } from "../api-client.js";
import { disconnectConnection } from "../connect/disconnect.js";
import { refreshConnection } from "../tokens/lifecycle.js";

const MARKETPLACE = {
  ZENDESK_MARKETPLACE_NAME: "Zendesk Connect Test",
  ZENDESK_MARKETPLACE_ORGANIZATION_ID: "4242",
  ZENDESK_MARKETPLACE_APP_ID: "987654",
} as const;
Object.assign(process.env, MARKETPLACE);
afterAll(() => {
  for (const key of Object.keys(MARKETPLACE)) delete process.env[key];
  resetEnvForTests();
});

setupTestDatabase();
const fixture = setupZendeskSimulator();

describe("Zendesk Marketplace headers", () => {
  it("go on every /api/v2/ request of the transport and never on the OAuth endpoints", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim); // users/me + current.json
    expect((await refreshConnection(connectionId, { force: true })).ok).toBe(true); // POST /oauth/tokens
    await zendesk(connectionId).tickets();
    await zendesk(connectionId).me();
    expect((await disconnectConnection(connectionId, null)).ok).toBe(true); // DELETE /api/v2/oauth/tokens/{id}

    const { entries } = await fixture.sim.control.requestLog();
    const api = entries.filter((e) =>
      ["users_me", "tokens_current", "token_revoke", "tickets"].includes(e.endpoint ?? ""),
    );
    const oauth = entries.filter((e) => e.endpoint === "authorize" || e.endpoint === "token");
    expect(new Set(api.map((e) => e.endpoint))).toEqual(
      new Set(["users_me", "tokens_current", "token_revoke", "tickets"]),
    );
    for (const entry of api)
      expect(entry.marketplace, `${entry.method} ${entry.path}`).toEqual({
        name: "Zendesk Connect Test",
        organization_id: "4242",
        app_id: "987654",
      });
    // The app's own refresh went to /oauth/tokens through the same transport, without them.
    expect(oauth.some((e) => e.endpoint === "token" && e.grant_type === "refresh_token")).toBe(true);
    for (const entry of oauth) expect(entry.marketplace, `${entry.method} ${entry.path}`).toBeNull();
  });

  it("are all or none: a partial set stops start-up with one line naming what is missing", () => {
    delete process.env.ZENDESK_MARKETPLACE_APP_ID;
    resetEnvForTests();
    try {
      expect(() => env()).toThrow(ConfigError);
      expect(() => env()).toThrow(/^ZENDESK_MARKETPLACE_APP_ID is required when any ZENDESK_MARKETPLACE_ variable/);
      process.env.ZENDESK_MARKETPLACE_APP_ID = "not-a-number";
      resetEnvForTests();
      expect(() => env()).toThrow(/^ZENDESK_MARKETPLACE_APP_ID must be the numeric id/);
    } finally {
      process.env.ZENDESK_MARKETPLACE_APP_ID = MARKETPLACE.ZENDESK_MARKETPLACE_APP_ID;
      resetEnvForTests();
    }
    expect(env().zendesk.marketplace).toEqual({
      name: "Zendesk Connect Test",
      organizationId: "4242",
      appId: "987654",
    });
  });
});
