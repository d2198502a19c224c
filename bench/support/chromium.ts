import { existsSync } from "node:fs";
import { type Browser, chromium } from "@playwright/test";

/*
 * The browser of the bench: Debian's Chromium where it is installed (as playwright.config.ts
 * does; Playwright cannot download its own browser on every machine), Playwright's own
 * Chromium elsewhere. CHROMIUM_PATH picks another binary.
 */
const SYSTEM_CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface BenchChromium {
  browser: Browser;
  /** Which binary runs: the system one's path, or "Playwright's Chromium". */
  describe: string;
}

export async function launchChromium(): Promise<BenchChromium> {
  if (existsSync(SYSTEM_CHROMIUM)) {
    const browser = await chromium.launch({
      executablePath: SYSTEM_CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    return { browser, describe: `${SYSTEM_CHROMIUM} (Chromium ${browser.version()})` };
  }
  const browser = await chromium.launch();
  return { browser, describe: `Playwright's Chromium ${browser.version()}` };
}
