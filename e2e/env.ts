// The production-mode configuration the end-to-end suite builds and serves with.
// Test-only secrets: never use these anywhere else.
export const E2E_APP_PORT = Number(process.env.E2E_APP_PORT ?? 3100);
export const E2E_SIM_PORT = Number(process.env.E2E_SIM_PORT ?? 4110);

export const E2E_ENV: Record<string, string> = {
  APP_URL: `http://localhost:${E2E_APP_PORT}`,
  AUTH_SECRET: "e2e-auth-secret-not-for-production-0123456789",
  TOKEN_ENCRYPTION_KEYS: "e2e1:ZTJlLWVuY3J5cHRpb24ta2V5LTMyLWJ5dGVzLW9rISE=",
  ZENDESK_BASE_URL_TEMPLATE: `http://127.0.0.1:${E2E_SIM_PORT}/{subdomain}`,
  ZENDESK_CLIENT_ID: "zdg-zendesk-connect-dev",
  ZENDESK_CLIENT_SECRET: "dev-global-client-secret",
  CRON_SECRET: "e2e-cron-secret-0123456789",
  ZENDESK_SIM_PORT: String(E2E_SIM_PORT),
  // The suite signs up and connects many times from one address: per-address and per-workspace
  // limits are generous; the per-account limit stays at its default, with short delays.
  THROTTLE_SIGNIN_ADDRESS_ATTEMPTS: "100000",
  THROTTLE_SIGNUP_ADDRESS_ATTEMPTS: "100000",
  THROTTLE_CONNECT_WORKSPACE_ATTEMPTS: "100000",
  THROTTLE_SUBDOMAIN_CHECK_ATTEMPTS: "100000",
  THROTTLE_BASE_DELAY_SECONDS: "2",
  THROTTLE_MAX_DELAY_SECONDS: "4",
};
