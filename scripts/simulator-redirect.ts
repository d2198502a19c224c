import { readFileSync } from "node:fs";
import type { SimulatorControl } from "@zendesk-connect/simulator";
import { DEFAULT_SEED_PATH, type Seed } from "@zendesk-connect/simulator";

export const CALLBACK_PATH = "/api/zendesk-connect/callback/zendesk";

/**
 * Makes every seeded client (global and local) also accept this app's redirect URL, so the app
 * works on any port. The control API has no "add a redirect URL" call: this resets the simulator
 * to its seed with the URL added, which also stays the seed later resets return to.
 */
export async function allowRedirectUrl(control: SimulatorControl, appUrl: string): Promise<string> {
  const redirectUrl = `${appUrl.replace(/\/+$/, "")}${CALLBACK_PATH}`;
  const seed = JSON.parse(readFileSync(DEFAULT_SEED_PATH, "utf8")) as Seed;
  const clients = [...(seed.global_clients ?? []), ...seed.instances.flatMap((instance) => instance.clients ?? [])];
  for (const client of clients) {
    const uris = client.redirect_uris ?? [];
    if (!uris.includes(redirectUrl)) client.redirect_uris = [...uris, redirectUrl];
  }
  await control.reset(seed);
  return redirectUrl;
}
