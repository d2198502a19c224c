import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, env, resetEnvForTests } from "./env.js";

const PRODUCTION = {
  NODE_ENV: "production",
  AUTH_SECRET: "test-auth-secret-0123456789-abcdefghijklmnop",
  TOKEN_ENCRYPTION_KEYS: "test1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
  APP_URL: "https://app.example.com/",
  ZENDESK_BASE_URL_TEMPLATE: undefined,
  ZENDESK_CLIENT_ID: undefined,
  ZENDESK_CLIENT_SECRET: undefined,
  ZENDESK_SIM_PORT: undefined,
};

function withEnv(values: Record<string, string | undefined>) {
  for (const [key, value] of Object.entries(values)) vi.stubEnv(key, value);
  resetEnvForTests();
}

afterEach(() => {
  vi.unstubAllEnvs();
  resetEnvForTests();
});

describe("APP_URL", () => {
  it("is required in production, with one line naming it", () => {
    withEnv({ ...PRODUCTION, APP_URL: undefined });
    expect(() => env()).toThrow(ConfigError);
    expect(() => env()).toThrow(/^APP_URL is required in production \(.+\)$/);
  });

  it("is taken as given in production, without a trailing slash", () => {
    withEnv(PRODUCTION);
    expect(env().appUrl).toBe("https://app.example.com");
  });

  it("defaults to localhost:3000 in development", () => {
    withEnv({ NODE_ENV: "development", APP_URL: undefined });
    expect(env().appUrl).toBe("http://localhost:3000");
  });
});

describe("the development simulator", () => {
  it("follows ZENDESK_SIM_PORT, with its seeded global client", () => {
    withEnv({ NODE_ENV: "development", ZENDESK_SIM_PORT: "4391", ZENDESK_BASE_URL_TEMPLATE: undefined });
    expect(env().zendesk.baseUrlTemplate).toBe("http://127.0.0.1:4391/{subdomain}");
    expect(env().zendesk.globalClient?.identifier).toBe("zdg-zendesk-connect-dev");
  });

  it("is recognised when the launcher passes the matching template", () => {
    withEnv({
      NODE_ENV: "development",
      ZENDESK_SIM_PORT: "4391",
      ZENDESK_BASE_URL_TEMPLATE: "http://127.0.0.1:4391/{subdomain}",
    });
    expect(env().zendesk.globalClient?.identifier).toBe("zdg-zendesk-connect-dev");
  });
});
