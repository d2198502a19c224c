import { mkdirSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, signUp, test } from "./fixtures";
import { connectThroughUi, simControl } from "./zendesk";

// README's screenshots (docs/screenshots): `npm run screenshots`. Not part of `npm test`.
const DIR = "docs/screenshots";
test.use({ viewport: { width: 1100, height: 900 } });

async function shoot(page: Page, name: string) {
  mkdirSync(DIR, { recursive: true });
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: `${DIR}/${name}-${colorScheme}.png`, fullPage: true, animations: "disabled" });
  }
  await page.emulateMedia({ colorScheme: "light" });
}

test("README screenshots: empty, connected, needs reconnect", async ({ page }) => {
  await signUp(page, { name: "Ada Lovelace" });
  await page.goto("/settings/integrations");
  await expect(page.getByTestId("empty-state")).toBeVisible();
  await shoot(page, "empty");

  const card = await connectThroughUi(page, "acme");
  await card.getByRole("button", { name: "Test connection" }).click();
  await expect(card.getByRole("status")).toContainText("Connection works");
  await card.getByRole("link", { name: "Show history" }).click();
  await card.scrollIntoViewIfNeeded();
  await shoot(page, "connected");

  await simControl.revokeToken({ subdomain: "acme" });
  await page.goto("/settings/integrations");
  await card.getByRole("button", { name: "Refresh now" }).click();
  await expect(card.getByTestId("connection-status")).toHaveText("Needs reconnect");
  await shoot(page, "needs-reconnect");
});
