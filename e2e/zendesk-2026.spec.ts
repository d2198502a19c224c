// Zendesk's 2026 changes (issue 16): admin scope allowlists, changing permissions in place and
// never-expiring tokens moved to expiring ones. (The Marketplace headers are proven over HTTP in
// lib/zendesk/transport/marketplace.db.test.ts.) Each test has its own instance and client, so
// switching a client's allowlist or token kind never touches a test running in parallel.
import { expect, signUp, test } from "./fixtures";
import {
  connectThroughUi,
  freshInstance,
  freshLocalClient,
  sim,
  simControl,
  submitConnectForm,
  ZendeskConsentPage,
} from "./zendesk";

const SETTINGS = "/settings/integrations";

async function connectWithOwnClient(
  page: import("@playwright/test").Page,
  subdomain: string,
  client: { identifier: string; secret: string },
) {
  await page.goto(SETTINGS);
  await submitConnectForm(page, { subdomain, local: client });
  const consent = new ZendeskConsentPage(page);
  await consent.waitFor(subdomain);
  await consent.allow();
  await page.waitForURL(`${SETTINGS}?connected=${subdomain}`);
  return page.getByTestId(`connection-${subdomain}`);
}

test.describe("Zendesk 2026", () => {
  test("an allowlist without users:read: the refused scope named, then connected with the narrower preset", async ({
    page,
  }) => {
    await signUp(page);
    const subdomain = await freshInstance("allow");
    const client = await freshLocalClient(subdomain);
    await simControl.updateClient(client.identifier, { allowed_scopes: ["tickets:read"] });

    await page.goto(SETTINGS);
    await submitConnectForm(page, { subdomain, local: client }); // "Read tickets and users", the default
    await page.waitForURL(/\/settings\/integrations\?error=invalid_scope/);
    const alert = page.getByTestId("connect-error");
    await expect(alert).toHaveAttribute("data-code", "invalid_scope");
    await expect(alert.getByTestId("refused-scopes")).toHaveText("users:read");
    await expect(alert).toContainText(`${subdomain}.zendesk.com does not allow this app to request users:read`);
    await expect(alert).toContainText("Admin Center → Apps and integrations → APIs → OAuth clients");
    await expect(alert.getByRole("link", { name: "How Zendesk limits permissions" })).toHaveAttribute(
      "href",
      "/help/zendesk#scope_allowlist",
    );
    expect(await page.locator("article[data-connection-id]").count()).toBe(0);

    await alert.getByRole("link", { name: "Try again with “Read tickets only”" }).click();
    await expect(page.getByLabel("Read tickets only")).toBeChecked();
    await expect(page.getByLabel("Zendesk subdomain")).toHaveValue(subdomain);
    await expect(page.getByLabel("My own OAuth client, created in my Zendesk")).toBeChecked();
    // Whether the client was kept after the refusal, entering it again is always accepted.
    await page.getByLabel("Unique Identifier").fill(client.identifier);
    await page.getByLabel("Secret", { exact: true }).fill(client.secret);
    await page.getByRole("button", { name: "Connect Zendesk" }).click();
    const consent = new ZendeskConsentPage(page);
    await consent.waitFor(subdomain);
    await consent.allow();
    await page.waitForURL(`${SETTINGS}?connected=${subdomain}`);
    const card = page.getByTestId(`connection-${subdomain}`);
    await expect(card.getByTestId("connection-status")).toHaveText("Connected");
    await expect(card.getByRole("list", { name: "Granted scopes" }).getByRole("listitem")).toHaveText([/tickets:read/]);
  });

  test("a refresh refused after the admin narrowed the list: Needs reconnect — permissions reduced", async ({
    page,
  }) => {
    await signUp(page);
    const subdomain = await freshInstance("narrowed");
    const client = await freshLocalClient(subdomain);
    const card = await connectWithOwnClient(page, subdomain, client);
    await simControl.updateClient(client.identifier, { allowed_scopes: ["tickets:read"] });

    await card.getByRole("button", { name: "Refresh now" }).click();
    await expect(card.getByTestId("connection-status")).toHaveText("Needs reconnect — permissions reduced");
    await expect(card.getByTestId("status-reason")).toContainText("no longer allows this OAuth client");
    await expect(card.getByRole("link", { name: "How to fix this", exact: true })).toHaveAttribute(
      "href",
      "/help/zendesk#scope_allowlist",
    );
    await expect(card.getByRole("link", { name: "Change permissions" })).toBeVisible();
    const status = await (await page.request.get("/api/zendesk-connect/status")).json();
    expect(status.connections[0]).toMatchObject({
      status: "needs_reconnect",
      statusLabel: "Needs reconnect — permissions reduced",
    });
  });

  test("Change permissions from read to read+write keeps the connection and its history and revokes the old grant", async ({
    page,
  }) => {
    await signUp(page);
    const subdomain = await freshInstance("change");
    const card = await connectThroughUi(page, subdomain);
    const id = await card.getAttribute("data-connection-id");
    const [before] = await sim.tokens({ subdomain });
    expect(before!.scopes).toEqual(["tickets:read", "users:read"]);

    await card.getByRole("link", { name: "Change permissions" }).click();
    await expect(page.getByRole("heading", { name: `Change permissions for ${subdomain}` })).toBeVisible();
    await expect(page.getByLabel("Read tickets and users")).toBeChecked();
    const diff = page.getByTestId("permissions-diff");
    await expect(diff.getByTestId("diff-none")).toBeVisible();
    await page.getByLabel("Read and write tickets").check();
    await expect(diff.getByTestId("diff-added")).toHaveText("Will add: tickets:write");
    await expect(diff.getByTestId("diff-removed")).toHaveCount(0);
    await page.getByRole("button", { name: "Change permissions" }).click();
    const consent = new ZendeskConsentPage(page);
    await consent.waitFor(subdomain);
    await consent.allow();
    await page.waitForURL(`${SETTINGS}?reconnected=${subdomain}`);

    const after = page.getByTestId(`connection-${subdomain}`);
    await expect(after).toHaveAttribute("data-connection-id", id!);
    await expect(after.getByRole("list", { name: "Granted scopes" })).toContainText("tickets:write");
    await after.getByRole("link", { name: "Show history" }).click();
    const history = after.getByTestId("connection-history");
    await expect(history.locator('[data-type="scopes_changed"]')).toContainText("added tickets:write");
    await expect(history.locator('[data-type="connected"]')).toHaveCount(1);

    // The replaced grant is revoked: only the new token is left in Zendesk.
    await expect
      .poll(async () => (await sim.tokens({ subdomain })).map((t) => t.scopes.join(" ")))
      .toEqual(["tickets:read tickets:write users:read"]);
  });

  test("a never-expiring connection is flagged and moved to expiring tokens", async ({ page }) => {
    await signUp(page);
    const subdomain = await freshInstance("forever");
    const client = await freshLocalClient(subdomain);
    await simControl.updateClient(client.identifier, { non_expiring_tokens: true });
    const card = await connectWithOwnClient(page, subdomain, client);
    const id = await card.getAttribute("data-connection-id");
    await expect(card.getByTestId("access-expiry")).toHaveText("Does not expire");
    const notice = card.getByTestId("action-needed");
    await expect(notice).toContainText("Action needed");
    await expect(notice).toContainText("1 April 2027");
    await expect(notice).toHaveAttribute("data-deadline", "2027-04-01");
    let status = await (await page.request.get("/api/zendesk-connect/status")).json();
    expect(status.nonExpiring).toEqual({ count: 1, localDeadline: "2027-04-01" });

    // The client moves to expiring tokens (as Zendesk requires); a new consent moves the connection.
    await simControl.updateClient(client.identifier, { non_expiring_tokens: false });
    await notice.getByRole("button", { name: "Move to expiring tokens" }).click();
    const consent = new ZendeskConsentPage(page);
    await consent.waitFor(subdomain);
    await consent.allow();
    await page.waitForURL(`${SETTINGS}?reconnected=${subdomain}`);
    const moved = page.getByTestId(`connection-${subdomain}`);
    await expect(moved).toHaveAttribute("data-connection-id", id!);
    await expect(moved.getByTestId("action-needed")).toHaveCount(0);
    await expect(moved.getByTestId("access-expiry")).not.toHaveText("Does not expire");
    await expect(moved.getByRole("button", { name: "Refresh now" })).toBeVisible();
    status = await (await page.request.get("/api/zendesk-connect/status")).json();
    expect(status.nonExpiring.count).toBe(0);
    const grants = (await sim.log()).entries.filter((e) => e.endpoint === "token" && e.subdomain === subdomain);
    expect(grants.length).toBeGreaterThanOrEqual(2);
  });
});
