import { type Browser, chromium } from "@playwright/test";
import { launchOptions, SYSTEM_CHROMIUM } from "@/e2e/browser";

/*
 * The browser of the bench: the same choice as the end-to-end suite (e2e/browser.ts): Debian's
 * Chromium where it is installed, Playwright's own Chromium elsewhere; CHROMIUM_PATH picks another.
 */
export interface BenchChromium {
  browser: Browser;
  /** Which binary runs: the system one's path, or "Playwright's Chromium". */
  describe: string;
}

export async function launchChromium(): Promise<BenchChromium> {
  const browser = await chromium.launch(launchOptions);
  return {
    browser,
    describe:
      "executablePath" in launchOptions
        ? `${SYSTEM_CHROMIUM} (Chromium ${browser.version()})`
        : `Playwright's Chromium ${browser.version()}`,
  };
}
