import { DEMO, expect, signUp, test } from "./fixtures";
import {
  freshInstance,
  freshLocalClient,
  REDIRECT_URL,
  SIM_URL,
  sim,
  simControl,
  submitConnectForm,
  ZendeskConsentPage,
} from "./zendesk";

const SETTINGS = "/settings/integrations";

test.describe("Connect Zendesk", () => {
  test("connects acme with the global client; the app user stays signed in as themselves", async ({ page }) => {
    const me = await signUp(page, { name: "Connie Connect" });
    await page.goto(SETTINGS);
    await expect(page.getByTestId("empty-state")).toBeVisible();

    await test.step("a pasted agent URL is normalised to the subdomain", async () => {
      await submitConnectForm(page, { subdomain: "https://acme.zendesk.com/agent/tickets/42" });
      const consent = new ZendeskConsentPage(page);
      await consent.waitFor("acme");
      const url = new URL(page.url());
      expect(url.searchParams.get("client_id")).toBe("zdg-zendesk-connect-dev");
      expect(url.searchParams.get("scope")).toBe("tickets:read users:read");
      expect(url.searchParams.get("code_challenge_method")).toBe("S256");
      expect(url.searchParams.get("state")).toBeTruthy();
      expect(url.searchParams.get("redirect_uri")).toBe(REDIRECT_URL);
      expect(url.search).not.toContain("secret");
      await consent.allow({ as: "Ada Admin (admin) — ada.admin@acme.example.com" });
    });

    await page.waitForURL(`${SETTINGS}?connected=acme`);
    await expect(page.getByRole("status")).toHaveText("Connected acme.zendesk.com.");
    const card = page.getByTestId("connection-acme");
    await expect(card.getByTestId("connection-status")).toHaveText("Connected");
    await expect(card.getByTestId("zendesk-user")).toContainText("Ada Admin");
    await expect(card.getByTestId("zendesk-user")).toContainText("admin");
    await expect(card.getByRole("list", { name: "Granted scopes" }).getByRole("listitem")).toHaveText([
      /tickets:read/,
      /users:read/,
    ]);
    await expect(card.getByTestId("access-expiry")).toContainText(/in (59 minutes|1 hour)/);
    await expect(card).toContainText(`by ${me.name}`);

    await test.step("still signed in as the app user, not as the Zendesk user", async () => {
      await page.locator("summary", { hasText: "Account menu" }).click();
      await expect(page.getByText(me.email)).toBeVisible();
      const session = await (await page.request.get("/api/auth/session")).json();
      expect(session.user.email).toBe(me.email);
    });
  });

  test("connects globex with the workspace's own local client; the secret is never shown again", async ({ page }) => {
    await signUp(page);
    await page.goto(SETTINGS);
    await page.getByLabel("My own OAuth client, created in my Zendesk").check();
    await expect(page.getByTestId("redirect-url")).toHaveText(REDIRECT_URL);
    await submitConnectForm(page, {
      subdomain: "globex",
      local: { identifier: "globex-connect", secret: "globex-local-secret" },
    });
    const consent = new ZendeskConsentPage(page);
    await consent.waitFor("globex");
    expect(new URL(page.url()).searchParams.get("client_id")).toBe("globex-connect");
    await consent.allow();
    await page.waitForURL(`${SETTINGS}?connected=globex`);
    const card = page.getByTestId("connection-globex");
    await expect(card.getByTestId("connection-status")).toHaveText("Connected");
    await expect(card).toContainText("your own client globex-connect");
    expect(await page.content()).not.toContain("globex-local-secret");
  });

  test("a public local client connects with PKCE and no secret", async ({ page }) => {
    await signUp(page);
    await page.goto(SETTINGS);
    await submitConnectForm(page, {
      subdomain: "acme",
      local: { identifier: "acme-public-app", kind: "Public (PKCE, no secret)" },
    });
    const consent = new ZendeskConsentPage(page);
    await consent.waitFor("acme");
    await consent.allow();
    await page.waitForURL(`${SETTINGS}?connected=acme`);
    await expect(page.getByTestId("connection-acme").getByTestId("connection-status")).toHaveText("Connected");
  });

  test("deny on the consent page stores nothing and says so", async ({ page }) => {
    await signUp(page);
    await page.goto(SETTINGS);
    await submitConnectForm(page, { subdomain: "acme" });
    const consent = new ZendeskConsentPage(page);
    await consent.waitFor("acme");
    await consent.deny();
    await page.waitForURL(`${SETTINGS}?error=access_denied&subdomain=acme`);
    await expect(page.getByTestId("connect-error")).toContainText("Access was denied in Zendesk");
    await expect(page.getByTestId("empty-state")).toBeVisible();
  });

  test("a wrong or unknown subdomain is refused before anyone is redirected, keeping the input", async ({ page }) => {
    await signUp(page);
    await page.goto(SETTINGS);
    await submitConnectForm(page, { subdomain: "evil.com/#" });
    await expect(page.getByText(/Enter your Zendesk subdomain: the "acme" in acme.zendesk.com/)).toBeVisible();
    await expect(page.getByLabel("Zendesk subdomain")).toHaveValue("evil.com/#");
    expect(new URL(page.url()).pathname).toBe(SETTINGS);

    await submitConnectForm(page, { subdomain: "doesnotexist", preset: "Read and write tickets" });
    await expect(page.getByText("There is no Zendesk account at doesnotexist.zendesk.com.")).toBeVisible();
    await expect(page.getByLabel("Zendesk subdomain")).toHaveValue("doesnotexist");
    await expect(page.getByLabel("Read and write tickets")).toBeChecked();
    await expect(page.getByTestId("empty-state")).toBeVisible();
  });

  test("what is typed while Connect is answering is kept, never reset to the refused value", async ({ page }) => {
    await signUp(page);
    await page.goto(SETTINGS);
    // A slow answer: the settings page's server action (a POST to the page) waits 1.5 s.
    await page.route(`**${SETTINGS}`, async (route) => {
      if (route.request().method() === "POST") await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route.continue();
    });
    const field = page.getByLabel("Zendesk subdomain");
    await field.fill("evil.com/#");
    await page.getByRole("button", { name: "Connect Zendesk" }).click();
    await expect(page.getByRole("button", { name: "Connecting…" })).toBeVisible();
    // Typing waits for the answer instead of being replaced by it.
    await field.fill("doesnotexist");
    await expect(page.locator("#field-subdomain-error")).toContainText('the "acme" in acme.zendesk.com');
    await expect(field).toHaveValue("doesnotexist");

    await page.getByRole("button", { name: "Connect Zendesk" }).click();
    await expect(page.locator("#field-subdomain-error")).toContainText(
      "There is no Zendesk account at doesnotexist.zendesk.com.",
    );
    await expect(field).toHaveValue("doesnotexist");
    // The refusal hands focus back to the field it names.
    await expect(field).toBeFocused();
  });

  test("the subdomain is checked as it is entered; Connect reuses a found one instead of asking Zendesk again", async ({
    page,
  }) => {
    await signUp(page);
    await page.goto(SETTINGS);
    const field = page.getByLabel("Zendesk subdomain");
    const check = page.getByTestId("subdomain-check");

    // Entered whole (pasted, autofilled): checked at once, and a mistake is named before any click.
    await field.fill("https://doesnotexist-9.zendesk.com/agent");
    await expect(check).toHaveText(/There is no Zendesk account at doesnotexist-9\.zendesk\.com\./);
    await expect(check).toHaveAttribute("data-state", "refused");

    // Typed a key at a time: checked once the typing pauses, not at every key.
    const subdomain = await freshInstance("typed");
    await simControl.clearLog();
    await field.clear();
    await field.pressSequentially(subdomain, { delay: 20 });
    await expect(check).toHaveText(`Found ${subdomain}.zendesk.com.`);
    // The consent page's origin is preconnected while the person is still on the form.
    await expect(page.locator(`link[rel="preconnect"][href="${SIM_URL}"]`)).toHaveCount(1);
    const probes = async () =>
      (await simControl.requestLog()).entries.filter((e) => e.endpoint === "users_me" && e.subdomain === subdomain);
    expect(await probes()).toHaveLength(1);

    // Connect: no second pre-flight; straight to the consent page.
    await page.getByRole("button", { name: "Connect Zendesk" }).click();
    const consent = new ZendeskConsentPage(page);
    await consent.waitFor(subdomain);
    expect(await probes()).toHaveLength(1);
    await consent.allow();
    await page.waitForURL(`${SETTINGS}?connected=${subdomain}`);
    await expect(page.getByTestId(`connection-${subdomain}`).getByTestId("connection-status")).toHaveText("Connected");
  });

  test("unknown scopes are refused before anyone is redirected", async ({ page }) => {
    await signUp(page);
    await page.goto(SETTINGS);
    await page.getByLabel("Zendesk subdomain").fill("acme");
    await page.getByLabel("Choose individual scopes (advanced)").check();
    await page.getByRole("button", { name: "Connect Zendesk" }).click();
    await expect(page.getByText("Choose at least one scope.")).toBeVisible();
    expect(new URL(page.url()).pathname).toBe(SETTINGS);
  });

  test("a wrong local client secret ends in a specific message and stores no connection", async ({ page }) => {
    await signUp(page);
    await page.goto(SETTINGS);
    await submitConnectForm(page, {
      subdomain: "acme",
      local: { identifier: "acme-local-app", secret: "not-the-secret" },
    });
    const consent = new ZendeskConsentPage(page);
    await consent.waitFor("acme");
    await consent.allow();
    await page.waitForURL(`${SETTINGS}?error=invalid_client&subdomain=acme`);
    await expect(page.getByTestId("connect-error")).toContainText("Zendesk did not accept the OAuth client");
    await expect(page.getByTestId("empty-state")).toBeVisible();
  });

  test("a wrong secret on Reconnect is a clear error and the working connection keeps its client", async ({ page }) => {
    const subdomain = await freshInstance("own");
    const client = await freshLocalClient(subdomain);
    await signUp(page);
    await page.goto(SETTINGS);
    await submitConnectForm(page, { subdomain, local: client });
    const consent = new ZendeskConsentPage(page);
    await consent.waitFor(subdomain);
    await consent.allow();
    await page.waitForURL(`${SETTINGS}?connected=${subdomain}`);
    const card = page.getByTestId(`connection-${subdomain}`);

    await card.getByRole("link", { name: "Reconnect" }).click();
    await expect(page.getByRole("heading", { name: `Reconnect ${subdomain}` })).toBeVisible();
    await submitConnectForm(page, {
      subdomain,
      local: { identifier: client.identifier, secret: `${client.secret}-typo` },
      button: "Reconnect Zendesk",
    });
    await consent.waitFor(subdomain);
    await consent.allow();
    await page.waitForURL(`${SETTINGS}?error=invalid_client&subdomain=${subdomain}`);
    await expect(page.getByTestId("connect-error")).toContainText("Zendesk did not accept the OAuth client");
    await expect(page.getByTestId("connect-error")).toContainText("an existing connection keeps working");

    // The saved client was not replaced: the connection still renews with it.
    await expect(card.getByTestId("connection-status")).toHaveText("Connected");
    await card.getByRole("button", { name: "Refresh now" }).click();
    await expect(card.getByRole("status")).toContainText("Token refreshed.");
    await expect(card.getByTestId("connection-status")).toHaveText("Connected");
  });

  test("reconnecting with a wider scope updates the same connection", async ({ page }) => {
    await signUp(page);
    await page.goto(SETTINGS);
    await submitConnectForm(page, { subdomain: "acme" });
    const consent = new ZendeskConsentPage(page);
    await consent.waitFor("acme");
    await consent.allow();
    await page.waitForURL(`${SETTINGS}?connected=acme`);
    const card = page.getByTestId("connection-acme");
    const before = await card.getAttribute("data-connection-id");

    await card.getByRole("link", { name: "Reconnect" }).click();
    await expect(page.getByRole("heading", { name: "Reconnect acme" })).toBeVisible();
    await expect(page.getByLabel("Zendesk subdomain")).toHaveValue("acme");
    await expect(page.getByLabel("Read tickets and users")).toBeChecked();
    await page.getByLabel("Read and write tickets").check();
    await page.getByRole("button", { name: "Reconnect Zendesk" }).click();
    await consent.waitFor("acme");
    expect(new URL(page.url()).searchParams.get("scope")).toBe("tickets:read tickets:write users:read");
    await consent.allow();
    await page.waitForURL(`${SETTINGS}?reconnected=acme`);
    await expect(page.locator("article[data-connection-id]")).toHaveCount(1);
    await expect(card).toHaveAttribute("data-connection-id", before!);
    await expect(card.getByRole("list", { name: "Granted scopes" }).getByRole("listitem")).toHaveText([
      /tickets:read/,
      /tickets:write/,
      /users:read/,
    ]);
  });

  test("a replayed callback or a tampered state stores nothing", async ({ page }) => {
    await signUp(page);
    await page.goto(SETTINGS);
    let callbackUrl = "";
    page.on("request", (request) => {
      if (request.url().includes("/api/zendesk-connect/callback/zendesk?")) callbackUrl ||= request.url();
    });

    await test.step("a tampered state is refused", async () => {
      await submitConnectForm(page, { subdomain: "acme" });
      const consent = new ZendeskConsentPage(page);
      await consent.waitFor("acme");
      // Rewrite the consent page's redirect so the state that comes back is not the one we sent.
      await page.route(`${SIM_URL}/acme/oauth/authorizations`, async (route) => {
        const response = await route.fetch({ maxRedirects: 0 });
        const location = new URL(response.headers().location!);
        location.searchParams.set("state", "tampered");
        await route.fulfill({ status: 302, headers: { location: location.toString() } });
      });
      const grantsBefore = await sim.tokenGrants("acme", "authorization_code");
      await consent.allow();
      // Refused on the state alone, before the pending connect intent is read (a cross-site link
      // cannot use it up), so the page names no subdomain.
      await page.waitForURL(`${SETTINGS}?error=state_invalid`);
      await expect(page.getByTestId("connect-error")).toContainText("could not be verified");
      await expect(page.getByTestId("empty-state")).toBeVisible();
      // Auth.js refused before any code exchange.
      expect(await sim.tokenGrants("acme", "authorization_code")).toBe(grantsBefore);
      await page.unrouteAll();
    });

    await test.step("a replayed callback is refused and changes nothing", async () => {
      callbackUrl = "";
      await submitConnectForm(page, { subdomain: "acme" });
      const consent = new ZendeskConsentPage(page);
      await consent.waitFor("acme");
      await consent.allow();
      await page.waitForURL(`${SETTINGS}?connected=acme`);
      expect(callbackUrl).toContain("code=");
      const grants = await sim.tokenGrants("acme", "authorization_code");
      await page.goto(callbackUrl);
      // Its state was used up with the first answer: refused on the state, before any intent is read.
      await page.waitForURL(`${SETTINGS}?error=state_invalid`);
      await expect(page.getByTestId("connect-error")).toContainText("could not be verified");
      expect(await sim.tokenGrants("acme", "authorization_code")).toBe(grants);
      await expect(page.locator("article[data-connection-id]")).toHaveCount(1);
    });
  });

  test("a member sees no connect form, not even through a reconnect link", async ({ page, signInAs }) => {
    await signInAs(DEMO.member);
    await page.goto(`${SETTINGS}?reconnect=acme`);
    await expect(page.getByTestId("member-notice")).toBeVisible();
    await expect(page.getByLabel("Zendesk subdomain")).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Connect Zendesk" })).toHaveCount(0);
  });
});
