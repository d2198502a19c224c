import { randomBytes } from "node:crypto";
import { expect, type Page } from "@playwright/test";
import { SimulatorControl } from "@zendesk-connect/simulator";
import { E2E_ENV, E2E_SIM_PORT } from "./env";

export const SIM_URL = `http://127.0.0.1:${E2E_SIM_PORT}`;
export const REDIRECT_URL = `${E2E_ENV.APP_URL}/api/zendesk-connect/callback/zendesk`;

/** Page object for the simulator's Zendesk sign-in + consent page. */
export class ZendeskConsentPage {
  constructor(private readonly page: Page) {}

  async waitFor(subdomain: string) {
    await this.page.waitForURL(`${SIM_URL}/${subdomain}/oauth/authorizations/new?**`);
    await expect(this.page.getByRole("button", { name: "Allow" })).toBeVisible();
  }

  async allow({ as }: { as?: string } = {}) {
    if (as) await this.page.getByLabel("Sign in as").selectOption({ label: as });
    await this.page.getByRole("button", { name: "Allow" }).click();
  }

  async deny() {
    await this.page.getByRole("button", { name: "Deny" }).click();
  }
}

interface SimToken {
  id: number;
  subdomain: string;
  client_id: string;
  grant_type: string;
  scopes: string[];
  token: string;
}

/** A thin client for the simulator's control API (the same one adopters use). */
export const sim = {
  async tokens(filter: { subdomain?: string } = {}): Promise<SimToken[]> {
    const q = filter.subdomain ? `?subdomain=${filter.subdomain}` : "";
    const res = await fetch(`${SIM_URL}/__sim/tokens${q}`);
    return ((await res.json()) as { tokens: SimToken[] }).tokens;
  },
  async log(): Promise<{
    entries: { endpoint: string; grant_type?: string | null; subdomain?: string | null; status: number }[];
  }> {
    const res = await fetch(`${SIM_URL}/__sim/log`);
    return (await res.json()) as {
      entries: { endpoint: string; grant_type?: string | null; subdomain?: string | null; status: number }[];
    };
  },
  async tokenGrants(subdomain: string, grantType: string): Promise<number> {
    const { entries } = await sim.log();
    return entries.filter((e) => e.endpoint === "token" && e.subdomain === subdomain && e.grant_type === grantType)
      .length;
  },
};

/** Fills and submits the Connect Zendesk form. */
export async function submitConnectForm(
  page: Page,
  {
    subdomain,
    preset,
    local,
    button = "Connect Zendesk",
  }: {
    subdomain: string;
    preset?: string;
    local?: { identifier: string; secret?: string; kind?: "Confidential" | "Public (PKCE, no secret)" };
    button?: string;
  },
) {
  await page.getByLabel("Zendesk subdomain").fill(subdomain);
  if (preset) await page.getByLabel(preset).check();
  if (local) {
    await page.getByLabel("My own OAuth client, created in my Zendesk").check();
    await page.getByLabel("Unique Identifier").fill(local.identifier);
    if (local.kind) await page.getByLabel(local.kind).check();
    if (local.secret !== undefined) await page.getByLabel("Secret", { exact: true }).fill(local.secret);
  }
  await page.getByRole("button", { name: button }).click();
}

/** The simulator's typed control client: the same one adopters import. */
export const simControl = new SimulatorControl(SIM_URL);

/**
 * A Zendesk instance of the test's own (admin, agent and end-user, the global client valid on
 * it), so faults and revocations aimed at it never touch a test running in parallel.
 */
export async function freshInstance(prefix = "e2e"): Promise<string> {
  const subdomain = `${prefix}-${randomBytes(4).toString("hex")}`;
  await simControl.addInstance({ subdomain, name: `E2E ${subdomain}` });
  return subdomain;
}

/** Connects a subdomain through the UI (form, consent page, Allow) and waits for the card. */
export async function connectThroughUi(page: Page, subdomain: string) {
  await page.goto("/settings/integrations");
  await submitConnectForm(page, { subdomain });
  const consent = new ZendeskConsentPage(page);
  await consent.waitFor(subdomain);
  await consent.allow();
  await page.waitForURL(`/settings/integrations?connected=${subdomain}`);
  const card = page.getByTestId(`connection-${subdomain}`);
  await expect(card.getByTestId("connection-status")).toHaveText("Connected");
  return card;
}

/** A confidential client of the workspace's own on a fresh instance (its secret is a test fixture). */
export async function freshLocalClient(subdomain: string) {
  const client = { identifier: `${subdomain}-own`, secret: `${subdomain}-fixture-secret` };
  await simControl.addClient({
    subdomain,
    identifier: client.identifier,
    name: "Our own connector",
    kind: "confidential",
    secret: client.secret,
    redirect_uris: [REDIRECT_URL],
  });
  return client;
}
