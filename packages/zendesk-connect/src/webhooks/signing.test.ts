import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, env, resetEnvForTests } from "../config/env.js";
import { nextAttemptAt } from "./schedule.js";
import { endpointLabel, webhookSettings } from "./settings.js";
import { signWebhook } from "./signing.js";

const newSecret = (bytes = 32) => `whsec_${randomBytes(bytes).toString("base64")}`;
const decode = (secret: string) => new Uint8Array(Buffer.from(secret.slice("whsec_".length), "base64"));

describe("signWebhook (verified by the standardwebhooks library)", () => {
  const body = JSON.stringify({ type: "connection.created", timestamp: "2026-01-01T00:00:00.000Z", data: {} });

  it("signs id.timestamp.body so the reference verifier accepts it", () => {
    const secret = newSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = signWebhook([decode(secret)], "msg_1", now, body);
    expect(headers["webhook-id"]).toBe("msg_1");
    expect(headers["webhook-timestamp"]).toBe(String(now));
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    // The same signature the library itself computes.
    expect(headers["webhook-signature"]).toBe(new Webhook(secret).sign("msg_1", new Date(now * 1000), body));
  });

  it("a tampered body, another id or another secret fails verification", () => {
    const secret = newSecret();
    const headers = signWebhook([decode(secret)], "msg_1", Date.now() / 1000, body);
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, "webhook-id": "msg_2" })).toThrow();
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow();
  });

  it("during a rotation carries both signatures, the first secret's first; either secret verifies", () => {
    const [oldSecret, newOne] = [newSecret(24), newSecret(64)];
    const headers = signWebhook([decode(oldSecret), decode(newOne)], "msg_9", Date.now() / 1000, body);
    const parts = headers["webhook-signature"].split(" ");
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(
      signWebhook([decode(oldSecret)], "msg_9", Number(headers["webhook-timestamp"]), body)["webhook-signature"],
    );
    expect(new Webhook(oldSecret).verify(body, headers)).toBeTruthy();
    expect(new Webhook(newOne).verify(body, headers)).toBeTruthy();
  });

  it("refuses to sign without a secret", () => {
    expect(() => signWebhook([], "msg_1", 1_767_225_600, body)).toThrow("no webhook secret to sign with");
  });

  it("the reference verifier rejects a timestamp older than its tolerance", () => {
    const secret = newSecret();
    const headers = signWebhook([decode(secret)], "msg_1", Date.now() / 1000 - 600, body);
    expect(() => new Webhook(secret).verify(body, headers)).toThrow(/timestamp/i);
  });
});

describe("retry schedule", () => {
  const schedule = [5, 300, 1800, 7200, 18000, 36000, 36000];
  it("waits grow after each failure, 8 attempts spread over more than 24 hours", () => {
    const t0 = new Date("2026-01-01T00:00:00Z");
    expect(nextAttemptAt(schedule, 1, t0)?.toISOString()).toBe("2026-01-01T00:00:05.000Z");
    expect(nextAttemptAt(schedule, 2, t0)?.toISOString()).toBe("2026-01-01T00:05:00.000Z");
    expect(nextAttemptAt(schedule, 7, t0)?.toISOString()).toBe("2026-01-01T10:00:00.000Z");
    expect(nextAttemptAt(schedule, 8, t0)).toBeNull();
    // Eight attempts: the first, then one after each of the seven waits, over more than 24 hours.
    let at = t0;
    let attempts = 1;
    for (let next = nextAttemptAt(schedule, attempts, at); next; next = nextAttemptAt(schedule, attempts, at)) {
      expect(next.getTime()).toBeGreaterThan(at.getTime());
      [at, attempts] = [next, attempts + 1];
    }
    expect(attempts).toBe(8);
    expect(at.getTime() - t0.getTime()).toBe(99_305_000);
  });
});

describe("webhook configuration", () => {
  const keys = [
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "WEBHOOK_RETRY_SCHEDULE_SECONDS",
    "WEBHOOK_RETENTION_DAYS",
    "WEBHOOK_TIMEOUT_MS",
  ] as const;
  afterEach(() => {
    for (const key of keys) delete process.env[key];
    resetEnvForTests();
  });
  const configure = (values: Partial<Record<(typeof keys)[number], string>>) => {
    for (const key of keys) delete process.env[key];
    Object.assign(process.env, values);
    resetEnvForTests();
    return () => env().webhooks;
  };
  const errorOf = (read: () => unknown) => {
    try {
      read();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error("expected a ConfigError");
  };

  it("is off by default, with the documented defaults", () => {
    const w = configure({})();
    expect(w.endpoint).toBeUndefined();
    expect(w.retryScheduleSeconds).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(w.timeoutMs).toBe(10_000);
    expect(w.retentionDays).toBe(7);
  });

  it("accepts one secret, or two separated by a space", () => {
    const [a, b] = [newSecret(), newSecret(48)];
    expect(
      configure({ WEBHOOK_URL: "https://host.example/hooks", WEBHOOK_SECRET: a })().endpoint?.secrets,
    ).toHaveLength(1);
    const two = configure({ WEBHOOK_URL: "http://127.0.0.1:9/x", WEBHOOK_SECRET: `${a} ${b}` })().endpoint!;
    expect(two.secrets.map((s) => Buffer.from(s).toString("base64"))).toEqual([a.slice(6), b.slice(6)]);
  });

  it("refuses half a configuration, a bad secret, a non-http URL and a bad schedule with one line each", () => {
    const secret = newSecret();
    expect(errorOf(configure({ WEBHOOK_URL: "https://h.example/" }))).toBe(
      "WEBHOOK_SECRET is required when WEBHOOK_URL is set",
    );
    expect(errorOf(configure({ WEBHOOK_SECRET: secret }))).toBe("WEBHOOK_URL is required when WEBHOOK_SECRET is set");
    for (const bad of [
      "not-a-secret",
      `whsec_${randomBytes(16).toString("base64")}`,
      "whsec_!!!!",
      `${secret} ${secret} ${secret}`,
    ]) {
      const message = errorOf(configure({ WEBHOOK_URL: "https://h.example/", WEBHOOK_SECRET: bad }));
      expect(message).toMatch(/^WEBHOOK_SECRET /);
      expect(message).not.toContain(bad.slice(6, 20));
    }
    for (const url of ["ftp://h.example/", "file:///etc/passwd", "javascript:alert(1)", "https://user:pw@h.example/"]) {
      expect(errorOf(configure({ WEBHOOK_URL: url, WEBHOOK_SECRET: secret }))).toBe(
        "WEBHOOK_URL must be an http:// or https:// URL",
      );
    }
    expect(errorOf(configure({ WEBHOOK_RETRY_SCHEDULE_SECONDS: "5,soon" }))).toMatch(
      /^WEBHOOK_RETRY_SCHEDULE_SECONDS /,
    );
  });
});

describe("webhookSettings and endpointLabel", () => {
  afterEach(() => {
    delete process.env.WEBHOOK_TIMEOUT_MS;
    resetEnvForTests();
  });

  it("a runner's claim on a message outlasts one attempt: half the timeout again, plus a second", () => {
    process.env.WEBHOOK_TIMEOUT_MS = "2001";
    resetEnvForTests();
    expect(webhookSettings()).toMatchObject({ timeoutMs: 2001, leaseMs: 4002, retentionDays: 7 });
    delete process.env.WEBHOOK_TIMEOUT_MS;
    resetEnvForTests();
    expect(webhookSettings().leaseMs).toBe(16_000);
  });

  it("labels an endpoint by origin and path: a query string or fragment may carry a key", () => {
    expect(endpointLabel("https://hooks.example.com:8443/in/zendesk?token=s3cret#frag")).toBe(
      "https://hooks.example.com:8443/in/zendesk",
    );
    expect(endpointLabel("http://127.0.0.1:9/")).toBe("http://127.0.0.1:9/");
  });
});

describe("the README's Node verifier snippet", () => {
  type Verify = (body: string, headers: Record<string, string>, secret: string) => boolean;
  const loadSnippet = async (): Promise<Verify> => {
    const { readFile } = await import("node:fs/promises");
    const crypto = await import("node:crypto");
    const readme = await readFile(new URL("../../../../README.md", import.meta.url), "utf8");
    const code = /```js\n(import \{ createHmac[\s\S]*?)```/.exec(readme)?.[1];
    if (!code) throw new Error("README has no verifier snippet");
    const body = code.replace(/^import .*\n/, "").replace("export function", "function");
    return new Function("createHmac", "timingSafeEqual", "process", `${body}\nreturn verifyWebhook;`)(
      crypto.createHmac,
      crypto.timingSafeEqual,
      { env: {} },
    ) as Verify;
  };

  it("accepts our signatures (either rotation secret), rejects tampering, other secrets and old timestamps", async () => {
    const verify = await loadSnippet();
    expect(verify.toString().split("\n").length).toBeLessThanOrEqual(10);
    const [a, b] = [newSecret(), newSecret()];
    const body = '{"type":"connection.created"}';
    const now = Date.now() / 1000;
    const headers = { ...signWebhook([decode(a), decode(b)], "msg_7", now, body) };
    expect(verify(body, headers, a)).toBe(true);
    expect(verify(body, headers, b)).toBe(true);
    expect(verify(`${body} `, headers, a)).toBe(false);
    expect(verify(body, headers, newSecret())).toBe(false);
    expect(verify(body, { ...signWebhook([decode(a)], "msg_7", now - 301, body) }, a)).toBe(false);
    expect(verify(body, { ...headers, "webhook-signature": "" }, a)).toBe(false);
  });
});
