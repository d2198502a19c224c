import { expect, signUp, test } from "./fixtures";
import { connectThroughUi, freshInstance, freshLocalClient, simControl } from "./zendesk";

// Moving the simulator's clock expires every token it issued, so this file runs in its own
// Playwright project after all the others (playwright.config.ts), one test at a time.
test.describe.configure({ mode: "serial" });

async function grants(subdomain: string, grantType: string) {
  const log = await simControl.requestLog();
  return log.entries.filter((e) => e.endpoint === "token" && e.subdomain === subdomain && e.grant_type === grantType)
    .length;
}

test("an access token expired by Zendesk's clock is renewed on the next use, once", async ({ page }) => {
  await signUp(page);
  const subdomain = await freshInstance("clock");
  const card = await connectThroughUi(page, subdomain);
  await expect(card.getByTestId("last-refreshed")).toHaveText("Not yet");

  // Past the token's hour in Zendesk; the app still believes it is valid.
  await simControl.advanceClock(3700);
  await card.getByRole("button", { name: "Test connection" }).click();
  await expect(card.getByRole("status")).toContainText("Connection works");

  const log = await simControl.requestLog();
  expect(
    log.entries
      .filter((e) => e.endpoint === "users_me" && e.subdomain === subdomain)
      .map((e) => e.status)
      .slice(-2),
  ).toEqual([401, 200]);
  expect(await grants(subdomain, "refresh_token")).toBe(1);
  await expect(card.getByTestId("connection-status")).toHaveText("Connected");
  await expect(card.getByTestId("last-refreshed")).not.toHaveText("Not yet");
  await card.getByRole("link", { name: "Show history" }).click();
  await expect(card.getByTestId("history-entry").filter({ hasText: "Token refreshed" })).toHaveCount(1);
});

test("a refresh token that lapsed in Zendesk ends in Needs reconnect, not a retry loop", async ({ page }) => {
  await signUp(page);
  const subdomain = await freshInstance("lapse");
  const card = await connectThroughUi(page, subdomain);

  // Past the refresh token's 30 days: Zendesk answers invalid_grant.
  await simControl.advanceClock(31 * 24 * 3600);
  await card.getByRole("button", { name: "Refresh now" }).click();
  await expect(card.getByRole("alert")).toContainText("needs to be reconnected");
  await expect(card.getByTestId("connection-status")).toHaveText("Needs reconnect");
  expect(await grants(subdomain, "refresh_token")).toBe(1);

  // Trying again does not call Zendesk: the connection waits for a person to reconnect.
  await card.getByRole("button", { name: "Refresh now" }).click();
  await expect(card.getByRole("alert")).toContainText("reconnect");
  expect(await grants(subdomain, "refresh_token")).toBe(1);
  await expect(card.getByRole("link", { name: "Reconnect" })).toBeVisible();
});

test("client credentials: connect without a browser redirect, renew with the same grant, disconnect revokes", async ({
  page,
}) => {
  await signUp(page);
  const subdomain = await freshInstance("cc");
  const client = await freshLocalClient(subdomain);

  await page.goto("/settings/integrations");
  await page.getByLabel("Zendesk subdomain").fill(subdomain);
  await page.getByLabel("My own confidential client, with client credentials").check();
  await expect(page.locator("legend", { hasText: "Client kind" })).toBeHidden();
  await page.getByLabel("Unique Identifier").fill(client.identifier);
  await page.getByLabel("Secret", { exact: true }).fill(client.secret);
  await page.getByRole("button", { name: "Connect Zendesk" }).click();
  await page.waitForURL(`/settings/integrations?connected=${subdomain}`);
  const card = page.getByTestId(`connection-${subdomain}`);
  await expect(card.getByTestId("connection-status")).toHaveText("Connected");
  await expect(card).toContainText("Client credentials");
  await expect(card.getByTestId("refresh-expiry")).toContainText("Not used");
  expect(await grants(subdomain, "client_credentials")).toBe(1);
  expect(await grants(subdomain, "authorization_code")).toBe(0);

  // Past the token's hour in Zendesk: the next call renews it with client_credentials.
  await simControl.advanceClock(3700);
  await card.getByRole("button", { name: "Test connection" }).click();
  await expect(card.getByRole("status")).toContainText("Connection works");
  expect(await grants(subdomain, "client_credentials")).toBe(2);
  expect(await grants(subdomain, "refresh_token")).toBe(0);
  await expect(card.getByTestId("last-refreshed")).not.toHaveText("Not yet");

  await card.getByRole("button", { name: "Disconnect" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Disconnect" }).click();
  await page.waitForURL(`/settings/integrations?disconnected=${subdomain}&revocation=revoked`);
  const log = await simControl.requestLog();
  expect(
    log.entries.filter((e) => e.endpoint === "token_revoke" && e.subdomain === subdomain).map((e) => e.status),
  ).toContain(204);
  // Nothing usable is left in Zendesk (the first token only lingers in its list, expired).
  const { now_ms } = await simControl.clock();
  const usable = (await simControl.tokens({ subdomain })).filter(
    (t) => t.expires_at === null || Date.parse(t.expires_at) > now_ms,
  );
  expect(usable).toHaveLength(0);
});
