import { E2E_ENV } from "./env";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { decode } from "@auth/core/jwt";
import { expect, signUp, test } from "./fixtures";
import { sim, simControl, submitConnectForm, ZendeskConsentPage } from "./zendesk";

// Every secret the deployment holds: client secrets, the Auth.js secret, each encryption key
// (id and key material), the cron secret.
const SECRETS = [
  "dev-global-client-secret",
  "globex-local-secret",
  E2E_ENV.ZENDESK_CLIENT_SECRET!,
  E2E_ENV.AUTH_SECRET!,
  ...E2E_ENV.TOKEN_ENCRYPTION_KEYS!.split(",").map((key) => key.slice(key.indexOf(":") + 1)),
  E2E_ENV.CRON_SECRET!,
  "code_verifier",
];

test("no token, refresh token, code, PKCE verifier, client secret, key or cron secret reaches HTML, the RSC payload, a URL or the server log", async ({
  page,
}) => {
  // Every body is read before the scan: the listener keeps each read's promise, awaited at the end.
  const bodies: Promise<string>[] = [];
  const urls: string[] = [];
  page.on("response", (response) => {
    const url = response.url();
    if (!url.startsWith(E2E_ENV.APP_URL!)) return;
    urls.push(url);
    const type = response.headers()["content-type"] ?? "";
    if (/html|x-component|json|javascript|text\/plain/.test(type)) bodies.push(response.text().catch(() => ""));
  });
  let code = "";
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname === "/api/zendesk-connect/callback/zendesk") code ||= url.searchParams.get("code") ?? "";
  });

  await signUp(page);
  await page.goto("/settings/integrations");
  await submitConnectForm(page, {
    subdomain: "globex",
    local: { identifier: "globex-connect", secret: "globex-local-secret" },
  });
  const consent = new ZendeskConsentPage(page);
  await consent.waitFor("globex");
  // The PKCE verifier travels only inside the package Auth.js sealed cookie: open it to know the value to look for.
  const pkceCookie = (await page.context().cookies()).find((c) => c.name === "zendesk-connect.pkce");
  expect(pkceCookie, "Auth.js's PKCE cookie").toBeDefined();
  const sealed = await decode({ token: pkceCookie!.value, secret: E2E_ENV.AUTH_SECRET!, salt: pkceCookie!.name });
  const verifier = String(sealed?.value ?? "");
  expect(verifier.length).toBeGreaterThanOrEqual(43);
  await consent.allow();
  await page.waitForURL("/settings/integrations?connected=globex");
  await expect(page.getByTestId("connection-globex")).toBeVisible();
  // Zendesk's next answer carries tokens whose full values this test knows (the simulator only
  // ever shows prefixes): a refresh token and an access token, stored by Refresh now.
  const known = {
    access: `leakcheck-access-${randomBytes(12).toString("hex")}`,
    refresh: `leakcheck-refresh-${randomBytes(12).toString("hex")}`,
  };
  await simControl.injectFault({
    endpoint: "token",
    grant_type: "refresh_token",
    subdomain: "globex",
    kind: "status",
    status: 201,
    body: {
      access_token: known.access,
      token_type: "bearer",
      refresh_token: known.refresh,
      scope: "read",
      expires_in: 3600,
      refresh_token_expires_in: 2_592_000,
    },
  });
  const card = page.getByTestId("connection-globex");
  await card.getByRole("button", { name: "Refresh now" }).click();
  await expect(card.getByRole("status")).toContainText("Token refreshed");
  // The cron route, called with its secret, must not echo or log it.
  const cron = await page.request.post("/api/zendesk-connect/cron", {
    headers: { authorization: `Bearer ${E2E_ENV.CRON_SECRET}` },
  });
  expect(cron.status()).toBe(200);
  // Issue 16's states: Change permissions (the picker pre-filled with the granted scopes) and the
  // invalid_scope notice with its narrower retry (the form pre-filled with the saved client).
  await page.goto("/settings/integrations?change=globex#connect-zendesk");
  await expect(page.getByTestId("permissions-diff")).toBeVisible();
  await page.goto(
    "/settings/integrations?error=invalid_scope&subdomain=globex&refused=users%3Aread&requested=tickets%3Aread+users%3Aread&client=local",
  );
  await page.getByTestId("retry-narrower").click();
  await expect(page.getByLabel("Read tickets only")).toBeChecked();
  // A client-side navigation fetches the RSC payload too.
  await page.getByRole("link", { name: "Settings" }).click();
  await page.reload();

  expect(code.length).toBeGreaterThan(10);
  const tokens = (await sim.tokens({ subdomain: "globex" })).map((t) => t.token);
  expect(tokens.length).toBeGreaterThan(0);
  const serverLog = readFileSync(".data/e2e-server.log", "utf8");
  const read = await Promise.all(bodies);
  expect(read.filter((body) => body.length > 0).length, "response bodies read").toBeGreaterThan(10);
  const haystacks = [...read, serverLog, ...urls.filter((u) => !u.includes("/api/zendesk-connect/callback/zendesk"))];
  for (const needle of [...SECRETS, code, verifier, known.access, known.refresh, ...tokens]) {
    for (const text of haystacks) expect(text.includes(needle), `leaked ${needle.slice(0, 4)}…`).toBe(false);
  }
});
