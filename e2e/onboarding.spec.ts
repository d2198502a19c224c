import { E2E_ENV } from "./env";
import { expect, signUp, test } from "./fixtures";
import { freshInstance, freshLocalClient, simControl, submitConnectForm, ZendeskConsentPage } from "./zendesk";

const SETTINGS = "/settings/integrations";
const REDIRECT_URL = `${E2E_ENV.APP_URL}/api/zendesk-connect/callback/zendesk`;

test.describe("Onboarding help", () => {
  test("the setup guide sits beside the own-client fields; copy puts the exact redirect URL on the clipboard", async ({
    page,
    context,
  }) => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await signUp(page);
    await page.goto(SETTINGS);
    const guide = page.getByTestId("setup-guide");
    await expect(guide).toBeHidden();

    await page.getByLabel("My own OAuth client, created in my Zendesk").check();
    await expect(guide).toBeVisible();
    await expect(guide.getByRole("listitem")).toHaveCount(7);
    await expect(guide).toContainText("Admin Center → Apps and integrations → APIs → OAuth Clients");
    await expect(guide).toContainText("Suite Growth");
    await expect(guide.getByTestId("redirect-url")).toHaveText(REDIRECT_URL);

    await guide.getByRole("button", { name: "Copy redirect URL" }).click();
    await expect(guide.getByText("Copied", { exact: true })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(REDIRECT_URL);

    // Each field links to the step it comes from.
    await page.getByRole("link", { name: "Step 7" }).click();
    await expect(page).toHaveURL(/#guide-identifier$/);
    await expect(page.locator("#guide-identifier")).toBeInViewport();
    await expect(page.locator("#guide-identifier")).toContainText("Unique Identifier");
  });

  test("a real error links to its fix in the troubleshooting guide", async ({ page }) => {
    await signUp(page);
    await page.goto(SETTINGS);
    await submitConnectForm(page, { subdomain: "acme" });
    const consent = new ZendeskConsentPage(page);
    await consent.waitFor("acme");
    await consent.deny();
    await page.waitForURL(`${SETTINGS}?error=access_denied**`);
    await page.getByTestId("connect-error").getByRole("link", { name: "Learn how to fix this" }).click();
    await expect(page).toHaveURL(/\/help\/zendesk#access_denied$/);
    const section = page.locator("section#access_denied");
    await expect(section.getByRole("heading", { level: 2 })).toBeVisible();
    await expect(section).toBeInViewport();
    await expect(section).toContainText(/Allow/);
    // Public: a Zendesk admin who is not signed in here can read it too.
    const anonymous = await page.context().browser()!.newContext();
    const p = await anonymous.newPage();
    const response = await p.goto(new URL("/help/zendesk", page.url()).toString());
    expect(response?.status()).toBe(200);
    await expect(p.locator("section#redirect_uri_mismatch")).toBeVisible();
    await anonymous.close();
  });

  test("client credentials with a wrong secret: a specific message, nothing stored", async ({ page }) => {
    await signUp(page);
    const subdomain = await freshInstance("ccbad");
    const client = await freshLocalClient(subdomain);
    await page.goto("/settings/integrations");
    await page.getByLabel("Zendesk subdomain").fill(subdomain);
    await page.getByLabel("My own confidential client, with client credentials").check();
    await page.getByLabel("Unique Identifier").fill(client.identifier);
    await page.getByLabel("Secret", { exact: true }).fill("not-the-secret");
    await page.getByRole("button", { name: "Connect Zendesk" }).click();
    const alert = page.locator("#connect-error").getByRole("alert");
    await expect(alert).toContainText("Zendesk did not accept the OAuth client");
    await expect(alert.getByRole("link", { name: "Learn how to fix this" })).toHaveAttribute(
      "href",
      "/help/zendesk#invalid_client",
    );
    await expect(page.getByLabel("Zendesk subdomain")).toHaveValue(subdomain);
    await expect(page.getByLabel("Unique Identifier")).toHaveValue(client.identifier);
    await expect(page.getByTestId(`connection-${subdomain}`)).toHaveCount(0);
    expect(await simControl.tokens({ subdomain })).toHaveLength(0);
  });
});
