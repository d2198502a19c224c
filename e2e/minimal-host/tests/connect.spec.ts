import { expect, type Page, test } from "@playwright/test";

// The adoption path through the published tarballs: sign in with the host's own session,
// connect acme through the simulator's consent page, manage it, disconnect it.
const SIM_URL = process.env.ZENDESK_SIM_URL ?? "http://127.0.0.1:4210";
const SETTINGS = "/settings/integrations";

async function signIn(page: Page, email: string) {
  await page.goto(SETTINGS);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("minimal-host-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(SETTINGS);
}

async function connectAcme(page: Page) {
  await page.getByLabel("Zendesk subdomain").fill("acme");
  await page.getByRole("button", { name: "Connect Zendesk" }).click();
  await page.waitForURL(`${SIM_URL}/acme/oauth/authorizations/new?**`);
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL(`${SETTINGS}?connected=acme`);
  const card = page.getByTestId("connection-acme");
  await expect(card.getByTestId("connection-status")).toHaveText("Connected");
  return card;
}

test("an admin connects, manages and disconnects acme; the worker's connection is left behind", async ({ page }) => {
  await test.step("the host's own sign-in", () => signIn(page, "admin@minimal.test"));
  await expect(page.getByRole("heading", { name: "Integrations" })).toBeVisible();
  await expect(page.getByText("You can connect and manage the integrations of Team One.")).toBeVisible();

  const card = await test.step("connect acme through the consent page", () => connectAcme(page));

  await test.step("Refresh now", async () => {
    await card.getByRole("button", { name: "Refresh now" }).click();
    await expect(card.getByRole("status")).toHaveText(/^Token refreshed\./);
  });

  await test.step("Test connection", async () => {
    await card.getByRole("button", { name: "Test connection" }).click();
    await expect(card.getByRole("status").last()).toHaveText(/^Connection works: Zendesk answered as Ada Admin/);
  });

  await test.step("the history names the host's user", async () => {
    await card.getByRole("link", { name: "Show history" }).click();
    await expect(card.getByTestId("history-entry").last()).toContainText("Ada Admin");
  });

  await test.step("Disconnect", async () => {
    await card.getByRole("button", { name: "Disconnect" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Disconnect" }).click();
    await page.waitForURL(`${SETTINGS}?disconnected=acme&revocation=revoked`);
    await expect(page.getByTestId("empty-state")).toBeVisible();
  });

  await test.step("connect acme again, for worker.mjs", () => connectAcme(page));
});

test("a plain member of the team sees the connection but cannot change it", async ({ page }) => {
  await signIn(page, "member@minimal.test");
  await expect(page.getByTestId("connection-acme")).toBeVisible();
  await expect(page.getByTestId("member-notice")).toBeVisible();
  await expect(page.getByRole("button", { name: "Disconnect" })).toHaveCount(0);
});
