import type { ConsoleMessage, Page } from "@playwright/test";
import { expect, signUp, test } from "./fixtures";
import { E2E_APP_PORT } from "./env";
import { freshInstance, SIM_URL, simControl, submitConnectForm, ZendeskConsentPage } from "./zendesk";

/** Collects the app's CSP violations: Chromium reports each one as a console error. */
function watchCspViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on("console", (message: ConsoleMessage) => {
    const text = message.text();
    if (/Content Security Policy|Refused to (execute|load|apply|connect|frame|send form)/i.test(text)) {
      violations.push(`${message.location().url}: ${text}`);
    }
  });
  return violations;
}

function directives(header: string | undefined): Record<string, string[]> {
  return Object.fromEntries(
    (header ?? "").split(";").map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

test.describe("Content-Security-Policy", () => {
  test("every page carries a fresh nonce-based policy, and works under it", async ({ page }) => {
    const violations = watchCspViolations(page);

    await test.step("the policy: nonce scripts only, no framing, forms to the app and Zendesk only", async () => {
      const first = await page.request.get("/login");
      const second = await page.request.get("/login");
      const csp = directives(first.headers()["content-security-policy"]);
      const nonce = csp["script-src"]?.find((s) => s.startsWith("'nonce-"));
      expect(nonce).toBeTruthy();
      expect(csp["script-src"]).not.toContain("'unsafe-inline'");
      expect(csp["frame-ancestors"]).toEqual(["'none'"]);
      expect(csp["form-action"]).toEqual(["'self'", new URL(SIM_URL).origin]);
      expect(second.headers()["content-security-policy"]).not.toContain(nonce!);
      // Next puts the nonce on every script it renders.
      const html = await first.text();
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag).toContain(`nonce="${nonce!.slice(7, -1)}"`);
      // APP_URL is http in the suite: no HSTS.
      expect(first.headers()["strict-transport-security"]).toBeUndefined();
    });

    await test.step("public pages hydrate", async () => {
      for (const path of ["/login", "/signup", "/help/zendesk"]) {
        await page.goto(path);
        await page.waitForLoadState("networkidle");
      }
      // A client-side navigation needs the runtime the nonce let in.
      await page.goto("/login");
      await page.getByRole("link", { name: "Create an account" }).click();
      await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
    });

    await test.step("sign-up, settings, the Connect flow out to Zendesk and back, and a server action", async () => {
      await signUp(page, { name: "Cora Csp" });
      const subdomain = await freshInstance("csp");
      // The workspace's own client, registered for this run's port.
      const client = { identifier: `${subdomain}-own`, secret: `${subdomain}-fixture-secret` };
      await simControl.addClient({
        subdomain,
        identifier: client.identifier,
        name: "CSP check",
        kind: "confidential",
        secret: client.secret,
        redirect_uris: [`http://localhost:${E2E_APP_PORT}/api/zendesk-connect/callback/zendesk`],
      });
      await page.goto("/settings/integrations");
      await submitConnectForm(page, { subdomain, local: client });
      // The server action's answer takes the browser to Zendesk's consent page (form-action).
      const consent = new ZendeskConsentPage(page);
      await consent.waitFor(subdomain);
      await consent.allow();
      await page.waitForURL(`/settings/integrations?connected=${subdomain}`);
      const card = page.getByTestId(`connection-${subdomain}`);
      await expect(card.getByTestId("connection-status")).toHaveText("Connected");
      await card.getByRole("button", { name: "Test connection" }).click();
      await expect(card.getByRole("status").last()).toHaveText(/^Connection works: Zendesk answered as /);
      await page.goto("/");
      await page.waitForLoadState("networkidle");
      expect(await page.evaluate(() => typeof (window as unknown as { next?: object }).next)).toBe("object");
    });

    await test.step("every kind of page carries its own nonce policy: public, signed-in, the package's pages", async () => {
      const nonces = new Set<string>();
      for (const path of ["/login", "/signup", "/help/zendesk", "/", "/settings", "/settings/integrations"]) {
        const response = await page.request.get(path);
        expect(response.status(), path).toBe(200);
        const csp = directives(response.headers()["content-security-policy"]);
        const nonce = csp["script-src"]?.find((s) => s.startsWith("'nonce-"));
        expect(nonce, `${path} has a nonce policy`).toBeTruthy();
        expect(csp["script-src"], path).not.toContain("'unsafe-inline'");
        expect(csp["frame-ancestors"], path).toEqual(["'none'"]);
        expect(csp["form-action"], path).toEqual(["'self'", new URL(SIM_URL).origin]);
        const scripts = (await response.text()).match(/<script\b[^>]*>/g) ?? [];
        expect(scripts.length, path).toBeGreaterThan(0);
        for (const tag of scripts) expect(tag, path).toContain(`nonce="${nonce!.slice(7, -1)}"`);
        nonces.add(nonce!);
      }
      expect(nonces.size, "a fresh nonce per response").toBe(6);
    });

    const appOrigin = new URL(page.url()).origin;
    expect(violations.filter((v) => v.startsWith(appOrigin) || !v.startsWith("http"))).toEqual([]);
  });

  test("an inline script injected into the page is blocked, while the app's own scripts still run", async ({
    page,
  }) => {
    const violations = watchCspViolations(page);
    // Stands in for a stored XSS: the server's HTML arrives with an extra inline script.
    await page.route("**/login", async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(
        "</body>",
        `<script>window.__injected = "ran"</script><img src="x" onerror="window.__handler = 'ran'"></body>`,
      );
      await route.fulfill({ response, body });
    });
    await page.goto("/login");
    await page.waitForLoadState("networkidle");

    expect(await page.evaluate(() => (window as unknown as { __injected?: string }).__injected)).toBeUndefined();
    expect(await page.evaluate(() => (window as unknown as { __handler?: string }).__handler)).toBeUndefined();
    expect(violations.some((v) => /inline script|inline event handler/i.test(v))).toBe(true);

    // The nonced runtime did run (Next's client sets window.next when it boots), and the form
    // answers through a server action.
    expect(await page.evaluate(() => typeof (window as unknown as { next?: { version?: string } }).next?.version)).toBe(
      "string",
    );
    await page.getByLabel("Email").fill("nobody@example.test");
    await page.getByLabel("Password").fill("not-a-password-1");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.locator("form").getByRole("alert")).toHaveText("That email and password don't match an account.");
  });
});
