// Accessibility: axe-core's WCAG 2.1 A/AA rules find nothing on any page state people see, in the
// light and the dark color scheme. Every new page state joins this file.
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import postgres from "postgres";
import { expect, signUp, test } from "./fixtures";
import {
  connectThroughUi,
  freshInstance,
  freshLocalClient,
  simControl,
  submitConnectForm,
  ZendeskConsentPage,
} from "./zendesk";

const WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** Asserts zero violations, listing each rule with the elements it found when there are some. */
async function expectNoViolations(page: Page, state: string) {
  // Once in CI, axe found no <title> right after Refresh now's re-render had shown the new status
  // (Next streams metadata apart from the content): audit the page once it has its title. A page
  // that never gets one still fails here.
  await expect(page).toHaveTitle(/\S/);
  // WCAG 2.1 rules axe still calls experimental (label-content-name-mismatch among them) count too.
  const { violations } = await new AxeBuilder({ page }).withTags([...WCAG21_AA, "experimental"]).analyze();
  const wcag = violations.filter((v) => v.tags.some((tag) => WCAG21_AA.includes(tag)));
  const found = wcag.map((v) => ({
    rule: v.id,
    impact: v.impact,
    elements: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary?.split("\n").slice(1, 3).join(" ")}`),
  }));
  expect(found, `axe violations on ${state}`).toEqual([]);
}

for (const colorScheme of ["light", "dark"] as const) {
  test.describe(`WCAG 2.1 A/AA (${colorScheme})`, () => {
    test.use({ colorScheme });

    test("sign-in, sign-up and the Zendesk help page", async ({ page }) => {
      for (const path of ["/login", "/signup", "/help/zendesk"]) {
        await page.goto(path);
        await expectNoViolations(page, path);
      }
    });

    test("the settings page in every state", async ({ page }) => {
      test.slow(); // ten states, each audited by axe
      await signUp(page);
      await page.goto("/settings/integrations");
      await expect(page.getByTestId("empty-state")).toBeVisible();
      await expectNoViolations(page, "settings, empty");

      const subdomainField = page.getByLabel("Zendesk subdomain");
      await subdomainField.fill("no-such-account");
      await expect(page.getByTestId("subdomain-check")).toHaveAttribute("data-state", "refused");
      await expectNoViolations(page, "settings, the subdomain entered has no Zendesk account");
      await subdomainField.fill("acme");
      await expect(page.getByTestId("subdomain-check")).toHaveAttribute("data-state", "found");
      await expectNoViolations(page, "settings, the subdomain entered was found");

      await page.getByLabel("My own OAuth client, created in my Zendesk").check();
      await expect(page.getByLabel("Unique Identifier")).toBeVisible();
      await expectNoViolations(page, "settings, own-client form open");

      const subdomain = await freshInstance("a11y");
      const card = await connectThroughUi(page, subdomain);
      await expectNoViolations(page, "settings, connected");

      await card.getByRole("button", { name: "Disconnect" }).click();
      await expect(page.getByRole("dialog")).toBeVisible();
      await expectNoViolations(page, "settings, disconnect dialog open");
      await page.keyboard.press("Escape");
      await expect(page.getByRole("dialog")).toBeHidden();

      // A refusal that is no verdict on the grant: the card shows Error.
      await simControl.injectFault({
        endpoint: "token",
        grant_type: "refresh_token",
        subdomain,
        kind: "status",
        status: 400,
        body: { error: "invalid_request", error_description: "The request is missing a required parameter." },
      });
      await card.getByRole("button", { name: "Refresh now" }).click();
      await expect(card.getByTestId("connection-status")).toHaveText("Error");
      await expectNoViolations(page, "settings, a card in Error");

      await simControl.revokeToken({ subdomain });
      await card.getByRole("button", { name: "Refresh now" }).click();
      await expect(card.getByTestId("connection-status")).toHaveText("Needs reconnect");
      await expectNoViolations(page, "settings, needs reconnect");
    });

    test("the settings page's Zendesk 2026 states (issue 16)", async ({ page }) => {
      test.slow();
      await signUp(page);
      const subdomain = await freshInstance("a11y-2026");
      const client = await freshLocalClient(subdomain);
      await simControl.updateClient(client.identifier, { allowed_scopes: ["tickets:read"], non_expiring_tokens: true });

      await page.goto("/settings/integrations");
      await submitConnectForm(page, { subdomain, local: client });
      await expect(page.getByTestId("connect-error")).toHaveAttribute("data-code", "invalid_scope");
      await expectNoViolations(page, "settings, scopes refused by the admin's allowlist");

      await page.getByTestId("retry-narrower").click();
      await page.getByLabel("Unique Identifier").fill(client.identifier);
      await page.getByLabel("Secret", { exact: true }).fill(client.secret);
      await page.getByRole("button", { name: "Connect Zendesk" }).click();
      const consent = new ZendeskConsentPage(page);
      await consent.waitFor(subdomain);
      await consent.allow();
      const card = page.getByTestId(`connection-${subdomain}`);
      await expect(card.getByTestId("action-needed")).toBeVisible();
      await expectNoViolations(page, "settings, Action needed (never-expiring token)");

      await card.getByRole("link", { name: "Change permissions" }).click();
      await expect(page.getByRole("heading", { name: `Change permissions for ${subdomain}` })).toBeVisible();
      await expect(page.getByTestId("permissions-diff").getByTestId("diff-none")).toBeVisible();
      await page.getByLabel("Read tickets and users").check();
      await expect(page.getByTestId("diff-added")).toBeVisible();
      await expectNoViolations(page, "settings, Change permissions with its difference");
    });

    // Making the page fail to load takes the database in hand: the test process can reach a
    // Postgres server, never the app's embedded PGlite. This state belongs to the Postgres suite.
    if (process.env.E2E_BACKEND === "postgres") {
      test("the settings page's error boundary", async ({ page }) => {
        await signUp(page);
        const subdomain = await freshInstance("a11y-err");
        const card = await connectThroughUi(page, subdomain);
        const connectionId = await card.getAttribute("data-connection-id");
        const sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
        try {
          // Only this test's workspace: a stored subdomain no URL can be built from fails the page.
          await sql`update zendesk_connections set subdomain = ${"not a label"} where id = ${connectionId!}`;
          await page.goto("/settings/integrations");
          await expect(page.getByTestId("integrations-error")).toBeVisible();
          await expectNoViolations(page, "settings, error boundary");
        } finally {
          await sql`delete from zendesk_connections where id = ${connectionId!}`;
          await sql.end();
        }
      });
    }
  });
}

test("the app's icons are linked from every page and served", async ({ page }) => {
  await page.goto("/login");
  const icons = await page
    .locator('link[rel="icon"], link[rel="apple-touch-icon"]')
    .evaluateAll((links) => links.map((l) => (l as HTMLLinkElement).href));
  expect(icons.map((href) => new URL(href).pathname).sort()).toEqual([
    "/apple-touch-icon.png",
    "/favicon.ico",
    "/icon.svg",
  ]);
  for (const href of icons) {
    const response = await page.request.get(href);
    expect(response.status(), href).toBe(200);
    expect((await response.body()).length, href).toBeGreaterThan(100);
  }
});
