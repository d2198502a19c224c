import { E2E_ENV } from "./env";
import { readFileSync } from "node:fs";
import { expect, signUp, test } from "./fixtures";
import { sim, submitConnectForm, ZendeskConsentPage } from "./zendesk";

const SECRETS = ["dev-global-client-secret", "globex-local-secret", "e2e-auth-secret", "code_verifier"];

test("no token, code, verifier or secret reaches HTML, the RSC payload or the server log", async ({ page }) => {
  const bodies: string[] = [];
  const urls: string[] = [];
  page.on("response", async (response) => {
    const url = response.url();
    if (!url.startsWith(E2E_ENV.APP_URL!)) return;
    urls.push(url);
    const type = response.headers()["content-type"] ?? "";
    if (/html|x-component|json|javascript|text\/plain/.test(type)) bodies.push(await response.text().catch(() => ""));
  });
  let code = "";
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname === "/api/auth/callback/zendesk") code ||= url.searchParams.get("code") ?? "";
  });

  await signUp(page);
  await page.goto("/settings/integrations");
  await submitConnectForm(page, {
    subdomain: "globex",
    local: { identifier: "globex-connect", secret: "globex-local-secret" },
  });
  const consent = new ZendeskConsentPage(page);
  await consent.waitFor("globex");
  await consent.allow();
  await page.waitForURL("/settings/integrations?connected=globex");
  await expect(page.getByTestId("connection-globex")).toBeVisible();
  // A client-side navigation fetches the RSC payload too.
  await page.getByRole("link", { name: "Settings" }).click();
  await page.reload();

  expect(code.length).toBeGreaterThan(10);
  const tokens = (await sim.tokens({ subdomain: "globex" })).map((t) => t.token);
  expect(tokens.length).toBeGreaterThan(0);
  const serverLog = readFileSync(".data/e2e-server.log", "utf8");
  const haystacks = [...bodies, serverLog, ...urls.filter((u) => !u.includes("/api/auth/callback/zendesk"))];
  for (const needle of [...SECRETS, code, ...tokens]) {
    for (const text of haystacks) expect(text.includes(needle), `leaked ${needle.slice(0, 4)}…`).toBe(false);
  }
});
