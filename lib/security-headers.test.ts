import { afterEach, describe, expect, it } from "vitest";
import { resetEnvForTests as resetPackageEnv } from "@pkg/config/env";
import { resetAppEnvForTests } from "@/config/env";

const resetEnvForTests = () => {
  resetPackageEnv();
  resetAppEnvForTests();
};
import { zendeskOriginSource } from "@pkg/transport/urls";
import { contentSecurityPolicy, pageSecurityHeaders } from "./security-headers";

const directives = (csp: string) =>
  Object.fromEntries(
    csp.split(";").map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values];
    }),
  );

describe("contentSecurityPolicy", () => {
  const csp = directives(
    contentSecurityPolicy({ nonce: "abc123", zendeskOrigin: "https://*.zendesk.com", development: false, https: true }),
  );

  it("allows scripts only by nonce, never inline or eval", () => {
    expect(csp["script-src"]).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(Object.values(csp).flat()).not.toContain("'unsafe-inline'");
    expect(Object.values(csp).flat()).not.toContain("'unsafe-eval'");
  });

  it("cannot be framed, and forms may post only to the app and Zendesk", () => {
    expect(csp["frame-ancestors"]).toEqual(["'none'"]);
    expect(csp["form-action"]).toEqual(["'self'", "https://*.zendesk.com"]);
    expect(csp["object-src"]).toEqual(["'none'"]);
    expect(csp["base-uri"]).toEqual(["'self'"]);
    expect(csp["upgrade-insecure-requests"]).toEqual([]);
  });

  it("allows eval only in development, and upgrades requests only on https", () => {
    const dev = directives(
      contentSecurityPolicy({ nonce: "n", zendeskOrigin: "http://127.0.0.1:4010", development: true, https: false }),
    );
    expect(dev["script-src"]).toContain("'unsafe-eval'");
    expect(dev["upgrade-insecure-requests"]).toBeUndefined();
  });
});

describe("zendeskOriginSource", () => {
  it.each([
    ["https://{subdomain}.zendesk.com", "https://*.zendesk.com"],
    ["https://{subdomain}.zendesk.example.com:8443", "https://*.zendesk.example.com:8443"],
    ["http://127.0.0.1:4010/{subdomain}", "http://127.0.0.1:4010"],
    ["http://localhost/{subdomain}/", "http://localhost"],
  ])("%s → %s", (template, source) => {
    expect(zendeskOriginSource(template)).toBe(source);
  });
});

describe("pageSecurityHeaders", () => {
  afterEach(() => {
    delete process.env.APP_URL;
    delete process.env.ZENDESK_BASE_URL_TEMPLATE;
    resetEnvForTests();
  });

  it("adds HSTS only when APP_URL is https, and names the configured Zendesk origin", () => {
    process.env.APP_URL = "https://app.example.com";
    process.env.ZENDESK_BASE_URL_TEMPLATE = "https://{subdomain}.zendesk.com";
    resetEnvForTests();
    const secure = pageSecurityHeaders("n1");
    expect(secure["Strict-Transport-Security"]).toBe("max-age=63072000; includeSubDomains");
    expect(secure["Content-Security-Policy"]).toContain("form-action 'self' https://*.zendesk.com");

    process.env.APP_URL = "http://localhost:3000";
    process.env.ZENDESK_BASE_URL_TEMPLATE = "http://127.0.0.1:4010/{subdomain}";
    resetEnvForTests();
    const plain = pageSecurityHeaders("n2");
    expect(plain["Strict-Transport-Security"]).toBeUndefined();
    expect(plain["Content-Security-Policy"]).toContain("form-action 'self' http://127.0.0.1:4010");
    expect(plain["Content-Security-Policy"]).toContain("'nonce-n2'");
  });
});
