import type { SimulatorControl } from "@zendesk-connect/simulator";

export const CALLBACK_PATH = "/api/zendesk-connect/callback/zendesk";

/**
 * Makes every seeded client (global and local) also accept this app's redirect URL, so the app
 * works on any port; the simulator keeps it across later resets.
 */
export async function allowRedirectUrl(control: SimulatorControl, appUrl: string): Promise<string> {
  const redirectUrl = `${appUrl.replace(/\/+$/, "")}${CALLBACK_PATH}`;
  await control.allowRedirectUrl(redirectUrl);
  return redirectUrl;
}
