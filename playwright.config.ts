import { defineConfig, devices } from "@playwright/test";
import { launchOptions } from "./e2e/browser";
import { E2E_APP_PORT, E2E_ENV, E2E_SIM_PORT } from "./e2e/env";

export const SERVER_LOG = ".data/e2e-server.log";

const serverEnv = { ...process.env, ...E2E_ENV, NODE_ENV: "production" } as Record<string, string>;

export default defineConfig({
  testDir: "./e2e",
  testMatch: "**/*.spec.ts",
  globalSetup: "./e2e/global-setup.ts",
  fullyParallel: false,
  workers: 2,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  timeout: 45_000,
  expect: { timeout: 10_000 },
  outputDir: ".data/test-results",
  use: {
    baseURL: `http://localhost:${E2E_APP_PORT}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions,
  },
  projects: [
    {
      name: "chromium",
      testIgnore: ["**/clock.spec.ts", "**/screenshots.spec.ts", "**/minimal-host/**"],
      use: { ...devices["Desktop Chrome"], launchOptions },
    },
    // The simulator's clock is shared: tests that move it run alone, after everything else.
    {
      name: "clock",
      testMatch: "**/clock.spec.ts",
      dependencies: ["chromium"],
      use: { ...devices["Desktop Chrome"], launchOptions },
    },
    // README's screenshots: `npm run screenshots` only.
    ...(process.env.SCREENSHOTS
      ? [
          {
            name: "screenshots",
            testMatch: "**/screenshots.spec.ts",
            use: { ...devices["Desktop Chrome"], launchOptions },
          },
        ]
      : []),
  ],
  webServer: [
    {
      command: `node packages/zendesk-simulator/dist/cli.js --port ${E2E_SIM_PORT}`,
      url: `http://127.0.0.1:${E2E_SIM_PORT}/__sim/health`,
      reuseExistingServer: false,
      env: serverEnv,
      timeout: 30_000,
    },
    {
      // A production build (`npm test` runs `next build` first). Its output is kept for the
      // test that scans server logs for secrets.
      command: `npx next start -p ${E2E_APP_PORT} 2>&1 | tee ${SERVER_LOG}`,
      url: `http://localhost:${E2E_APP_PORT}/login`,
      reuseExistingServer: false,
      env: serverEnv,
      timeout: 60_000,
      stdout: "pipe",
    },
  ],
});
