import { existsSync } from "node:fs";

// Debian's Chromium where it is installed (Playwright cannot download its own browser on every
// machine); Playwright's own browser everywhere else. `npm test` installs one when neither exists.
export const SYSTEM_CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export const launchOptions = existsSync(SYSTEM_CHROMIUM)
  ? {
      executablePath: SYSTEM_CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    }
  : {};
