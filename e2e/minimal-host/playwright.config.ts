import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";

// scripts/minimal-host.ts starts the simulator and `next start`, then runs this with their URLs.
const chromium = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const launchOptions = existsSync(chromium)
  ? { executablePath: chromium, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] }
  : {};

export default defineConfig({
  testDir: "./tests",
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  timeout: 60_000,
  expect: { timeout: 15_000 },
  outputDir: process.env.MINIMAL_HOST_RESULTS ?? "test-results",
  reporter: [["list"]],
  use: {
    baseURL: process.env.MINIMAL_HOST_URL ?? "http://localhost:3200",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], launchOptions } }],
});
