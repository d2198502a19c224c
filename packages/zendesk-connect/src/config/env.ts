import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { settingsSource } from "./configure.js";

/**
 * The only reader of process.env. Parsed once, on first use (not at import, so `next build`
 * can load modules without production secrets). A bad value stops start-up with one line.
 */

const PRODUCTION_TEMPLATE = "https://{subdomain}.zendesk.com";
// The simulator's seeded global client (packages/zendesk-simulator/seed.json): a development fixture, never a real secret.
const DEV_GLOBAL_CLIENT = { id: "zdg-zendesk-connect-dev", secret: "dev-global-client-secret" };

// Waits after failed attempts 1..7 (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h): the Standard Webhooks schedule.
const DEFAULT_WEBHOOK_RETRY_SCHEDULE = "5,300,1800,7200,18000,36000,36000";

const isHttpUrl = (value: string) => {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.username === "" && url.password === "";
  } catch {
    return false;
  }
};

const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0"])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === "true" || v === "1"));

const int = (fallback: number, min: number, max: number) =>
  z.coerce
    .number()
    .int()
    .min(min)
    .max(max)
    .optional()
    .transform((v) => v ?? fallback);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== "" ? v.trim() : undefined));

/** A same-origin path: one leading slash, no trailing slash, no query. */
const appPath = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine(
      (v) => /^(\/[A-Za-z0-9._~-]+)+$/.test(v),
      "must be a path such as /api/zendesk-connect (no trailing slash)",
    );

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    APP_URL: z.url({ protocol: /^https?$/ }).optional(),
    DATABASE_URL: z
      .string()
      .optional()
      .transform((v) => (v && v.trim() !== "" ? v.trim() : undefined))
      .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), "must be a postgres:// URL"),
    PGLITE_DIR: z.string().default(".data/pglite"),
    // Where the host mounts the package's routes, and where its settings page lives.
    ZENDESK_CONNECT_BASE_PATH: appPath("/api/zendesk-connect"),
    ZENDESK_CONNECT_SETTINGS_PATH: appPath("/settings/integrations"),
    DB_MIGRATE_ON_START: bool(true),
    AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    // The package's own signing secret (connect cookies, its Auth.js instance); AUTH_SECRET when unset.
    ZENDESK_CONNECT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    TOKEN_ENCRYPTION_KEYS: optionalString,
    ZENDESK_BASE_URL_TEMPLATE: optionalString,
    ZENDESK_CLIENT_ID: optionalString,
    ZENDESK_CLIENT_SECRET: optionalString,
    // Zendesk's bounds: access 300 s..2 days, refresh 7..90 days, access < refresh.
    ZENDESK_ACCESS_TOKEN_TTL_SECONDS: int(3600, 300, 172_800),
    ZENDESK_REFRESH_TOKEN_TTL_SECONDS: int(2_592_000, 604_800, 7_776_000),
    ZENDESK_HTTP_TIMEOUT_MS: int(8000, 500, 60_000),
    // The settings page waits this long for its stored Zendesk data to paint it at once; slower, it streams in.
    ZENDESK_PAGE_INLINE_WAIT_MS: int(250, 0, 10_000),
    // The connect form's subdomain check: how long its "found" spares the connect a pre-flight,
    // and how often a connect looks whether a check still in flight has answered.
    ZENDESK_SUBDOMAIN_CHECK_TTL_SECONDS: int(600, 0, 86_400),
    ZENDESK_SUBDOMAIN_CHECK_POLL_MS: int(5, 1, 1000),
    ZENDESK_REFRESH_MARGIN_SECONDS: int(300, 0, 86_400),
    // Expiring soon = the refresh token (not the access token) ends within this without renewal.
    ZENDESK_EXPIRING_SOON_SECONDS: int(259_200, 0, 7_776_000),
    ZENDESK_KEEPALIVE_REFRESH_DAYS: int(7, 1, 45),
    // Opt-in: the keep-alive also renews access tokens before they expire (zero first-use latency, ~24 rotations a day).
    ZENDESK_KEEPALIVE_WARM_ACCESS_TOKENS: bool(false),
    // Connections one keep-alive run renews at a time (each holds no database connection while Zendesk answers).
    ZENDESK_KEEPALIVE_CONCURRENCY: int(4, 1, 64),
    // Failure policy of renewals (tokens/lifecycle.ts): exponential back-off between automatic
    // attempts, one quick retry within a run, and Needs reconnect after failing this many days.
    ZENDESK_REFRESH_BACKOFF_BASE_SECONDS: int(60, 1, 86_400),
    ZENDESK_REFRESH_BACKOFF_MAX_SECONDS: int(21_600, 1, 604_800),
    ZENDESK_REFRESH_RETRY_DELAY_MS: int(500, 0, 60_000),
    ZENDESK_REFRESH_GIVE_UP_DAYS: int(4, 1, 90),
    // Zendesk's deadline for never-expiring tokens of existing local clients (2026 changes).
    ZENDESK_NON_EXPIRING_DEADLINE: z
      .string()
      .default("2027-04-01")
      .refine(
        (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
        "must be a date as YYYY-MM-DD, e.g. 2027-04-01",
      ),
    // Zendesk Marketplace apps calling the API from outside Zendesk: all three or none.
    ZENDESK_MARKETPLACE_NAME: optionalString,
    ZENDESK_MARKETPLACE_ORGANIZATION_ID: optionalString,
    ZENDESK_MARKETPLACE_APP_ID: optionalString,
    CRON_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
    ZENDESK_SIM_PORT: int(4010, 1, 65_535),
    WEBHOOK_URL: z
      .string()
      .optional()
      .transform((v) => (v && v.trim() !== "" ? v.trim() : undefined))
      .refine((v) => v === undefined || isHttpUrl(v), "must be an http:// or https:// URL"),
    WEBHOOK_SECRET: optionalString,
    // Seconds to wait after each failed attempt: 8 attempts over ~27.6 hours by default.
    WEBHOOK_RETRY_SCHEDULE_SECONDS: z
      .string()
      .default(DEFAULT_WEBHOOK_RETRY_SCHEDULE)
      .transform((v) => v.split(",").map((part) => Number(part.trim())))
      .refine(
        (list) => list.length >= 1 && list.length <= 20 && list.every((n) => Number.isInteger(n) && n >= 0),
        'must be 1 to 20 comma-separated whole seconds, e.g. "5,300,1800"',
      ),
    WEBHOOK_TIMEOUT_MS: int(10_000, 100, 60_000),
    WEBHOOK_RETENTION_DAYS: int(7, 0, 3650),
    // Throttling (throttle/): free attempts per bucket, then a doubling delay up to the cap.
    THROTTLE_CONNECT_WORKSPACE_ATTEMPTS: int(10, 1, 1_000_000),
    THROTTLE_SUBDOMAIN_CHECK_ATTEMPTS: int(30, 1, 1_000_000),
    THROTTLE_BASE_DELAY_SECONDS: int(1, 1, 3600),
    THROTTLE_MAX_DELAY_SECONDS: int(900, 1, 86_400),
    THROTTLE_WINDOW_SECONDS: int(3600, 60, 604_800),
    HISTORY_RETENTION_DAYS: int(365, 1, 36_500),
  })
  .refine((e) => e.ZENDESK_ACCESS_TOKEN_TTL_SECONDS < e.ZENDESK_REFRESH_TOKEN_TTL_SECONDS, {
    path: ["ZENDESK_ACCESS_TOKEN_TTL_SECONDS"],
    message: "must be below ZENDESK_REFRESH_TOKEN_TTL_SECONDS (Zendesk rejects it otherwise)",
  })
  .refine((e) => e.ZENDESK_KEEPALIVE_REFRESH_DAYS * 86_400 * 2 <= e.ZENDESK_REFRESH_TOKEN_TTL_SECONDS, {
    path: ["ZENDESK_KEEPALIVE_REFRESH_DAYS"],
    message:
      "must be at most half the refresh-token lifetime (ZENDESK_REFRESH_TOKEN_TTL_SECONDS): otherwise the keep-alive renews every connection on every run, or too late to retry",
  })
  .refine((e) => e.ZENDESK_REFRESH_BACKOFF_BASE_SECONDS <= e.ZENDESK_REFRESH_BACKOFF_MAX_SECONDS, {
    path: ["ZENDESK_REFRESH_BACKOFF_BASE_SECONDS"],
    message: "must not exceed ZENDESK_REFRESH_BACKOFF_MAX_SECONDS",
  })
  .refine((e) => e.THROTTLE_BASE_DELAY_SECONDS <= e.THROTTLE_MAX_DELAY_SECONDS, {
    path: ["THROTTLE_BASE_DELAY_SECONDS"],
    message: "must not exceed THROTTLE_MAX_DELAY_SECONDS",
  });

export class ConfigError extends Error {
  override name = "ConfigError";
}

export type Env = ReturnType<typeof buildEnv>;

let cached: Env | undefined;

/** The validated configuration; throws ConfigError with one line naming the variable. */
export function env(): Env {
  cached ??= buildEnv(settingsSource());
  return cached;
}

/** For tests that change process.env between cases. */
export function resetEnvForTests(): void {
  cached = undefined;
}

function buildEnv(source: NodeJS.ProcessEnv) {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? "configuration");
    throw new ConfigError(`${name} ${issue.message.replace(/^Invalid input: ?/, "is invalid: ")}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === "production";

  // Development generates what is missing, once; set secrets are never written anywhere.
  const needsDev = !production && (!(e.ZENDESK_CONNECT_SECRET ?? e.AUTH_SECRET) || !e.TOKEN_ENCRYPTION_KEYS);
  const dev = needsDev ? devSecrets() : undefined;
  const authSecret = e.ZENDESK_CONNECT_SECRET ?? e.AUTH_SECRET ?? dev?.authSecret;
  if (!authSecret)
    throw new ConfigError(
      "ZENDESK_CONNECT_SECRET (or AUTH_SECRET) is required in production (generate one: openssl rand -base64 33)",
    );
  const tokenEncryptionKeys = e.TOKEN_ENCRYPTION_KEYS ?? dev?.tokenEncryptionKeys;
  if (!tokenEncryptionKeys) {
    throw new ConfigError(
      'TOKEN_ENCRYPTION_KEYS is required in production (format "k1:<base64 of 32 bytes>"; generate: openssl rand -base64 32)',
    );
  }

  // A wrong origin sends Zendesk a wrong redirect_uri and sets non-Secure cookies: never guess it in production.
  if (production && !e.APP_URL)
    throw new ConfigError("APP_URL is required in production (the app's public origin, e.g. https://app.example.com)");

  // Development talks to the local simulator on ZENDESK_SIM_PORT (npm run dev starts it there).
  const devSimulatorTemplate = `http://127.0.0.1:${e.ZENDESK_SIM_PORT}/{subdomain}`;
  const zendeskBaseUrlTemplate =
    e.ZENDESK_BASE_URL_TEMPLATE ?? (production ? PRODUCTION_TEMPLATE : devSimulatorTemplate);
  const usingDevSimulator = !production && zendeskBaseUrlTemplate === devSimulatorTemplate;
  if (Boolean(e.ZENDESK_CLIENT_ID) !== Boolean(e.ZENDESK_CLIENT_SECRET)) {
    throw new ConfigError(
      e.ZENDESK_CLIENT_ID
        ? "ZENDESK_CLIENT_SECRET is required when ZENDESK_CLIENT_ID is set"
        : "ZENDESK_CLIENT_ID is required when ZENDESK_CLIENT_SECRET is set",
    );
  }
  const globalClient =
    e.ZENDESK_CLIENT_ID && e.ZENDESK_CLIENT_SECRET
      ? { identifier: e.ZENDESK_CLIENT_ID, secret: e.ZENDESK_CLIENT_SECRET }
      : usingDevSimulator
        ? { identifier: DEV_GLOBAL_CLIENT.id, secret: DEV_GLOBAL_CLIENT.secret }
        : undefined;

  const marketplace = marketplaceHeaders(e);

  if (Boolean(e.WEBHOOK_URL) !== Boolean(e.WEBHOOK_SECRET)) {
    throw new ConfigError(
      e.WEBHOOK_URL
        ? "WEBHOOK_SECRET is required when WEBHOOK_URL is set"
        : "WEBHOOK_URL is required when WEBHOOK_SECRET is set",
    );
  }
  const webhookSecrets = e.WEBHOOK_SECRET ? parseWebhookSecrets(e.WEBHOOK_SECRET) : undefined;

  return {
    nodeEnv: e.NODE_ENV,
    isProduction: production,
    appUrl: (e.APP_URL ?? "http://localhost:3000").replace(/\/+$/, ""),
    databaseUrl: e.DATABASE_URL,
    pgliteDir: e.PGLITE_DIR,
    migrateOnStart: e.DB_MIGRATE_ON_START,
    basePath: e.ZENDESK_CONNECT_BASE_PATH,
    settingsPath: e.ZENDESK_CONNECT_SETTINGS_PATH,
    authSecret,
    tokenEncryptionKeys,
    zendesk: {
      baseUrlTemplate: zendeskBaseUrlTemplate,
      globalClient,
      accessTokenTtlSeconds: e.ZENDESK_ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: e.ZENDESK_REFRESH_TOKEN_TTL_SECONDS,
      httpTimeoutMs: e.ZENDESK_HTTP_TIMEOUT_MS,
      pageInlineWaitMs: e.ZENDESK_PAGE_INLINE_WAIT_MS,
      subdomainCheckTtlSeconds: e.ZENDESK_SUBDOMAIN_CHECK_TTL_SECONDS,
      subdomainCheckPollMs: e.ZENDESK_SUBDOMAIN_CHECK_POLL_MS,
      refreshMarginSeconds: e.ZENDESK_REFRESH_MARGIN_SECONDS,
      expiringSoonSeconds: e.ZENDESK_EXPIRING_SOON_SECONDS,
      keepAliveRefreshDays: e.ZENDESK_KEEPALIVE_REFRESH_DAYS,
      keepAliveWarmAccessTokens: e.ZENDESK_KEEPALIVE_WARM_ACCESS_TOKENS,
      keepAliveConcurrency: e.ZENDESK_KEEPALIVE_CONCURRENCY,
      refreshBackoffBaseSeconds: e.ZENDESK_REFRESH_BACKOFF_BASE_SECONDS,
      refreshBackoffMaxSeconds: e.ZENDESK_REFRESH_BACKOFF_MAX_SECONDS,
      refreshRetryDelayMs: e.ZENDESK_REFRESH_RETRY_DELAY_MS,
      refreshGiveUpDays: e.ZENDESK_REFRESH_GIVE_UP_DAYS,
      nonExpiringDeadline: e.ZENDESK_NON_EXPIRING_DEADLINE,
      /** Undefined unless this is a Zendesk Marketplace app: then sent on every /api/v2/ request. */
      marketplace,
    },
    cronSecret: e.CRON_SECRET,
    webhooks: {
      /** Undefined: webhooks are off and nothing is queued. */
      endpoint: e.WEBHOOK_URL && webhookSecrets ? { url: e.WEBHOOK_URL, secrets: webhookSecrets } : undefined,
      retryScheduleSeconds: e.WEBHOOK_RETRY_SCHEDULE_SECONDS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retentionDays: e.WEBHOOK_RETENTION_DAYS,
    },
    simulatorPort: e.ZENDESK_SIM_PORT,
    throttle: {
      connectWorkspaceAttempts: e.THROTTLE_CONNECT_WORKSPACE_ATTEMPTS,
      subdomainCheckAttempts: e.THROTTLE_SUBDOMAIN_CHECK_ATTEMPTS,
      baseDelaySeconds: e.THROTTLE_BASE_DELAY_SECONDS,
      maxDelaySeconds: e.THROTTLE_MAX_DELAY_SECONDS,
      windowSeconds: e.THROTTLE_WINDOW_SECONDS,
    },
    historyRetentionDays: e.HISTORY_RETENTION_DAYS,
  };
}

const MARKETPLACE_VARIABLES = [
  "ZENDESK_MARKETPLACE_NAME",
  "ZENDESK_MARKETPLACE_ORGANIZATION_ID",
  "ZENDESK_MARKETPLACE_APP_ID",
] as const;

/** The Marketplace headers' values: all three variables or none; the ids are Zendesk's numeric ids. */
function marketplaceHeaders(e: Record<(typeof MARKETPLACE_VARIABLES)[number], string | undefined>) {
  const missing = MARKETPLACE_VARIABLES.filter((name) => !e[name]);
  if (missing.length === MARKETPLACE_VARIABLES.length) return undefined;
  if (missing.length > 0)
    throw new ConfigError(
      `${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} required when any ZENDESK_MARKETPLACE_ variable is set (a Marketplace app sends all three headers, or none)`,
    );
  for (const name of ["ZENDESK_MARKETPLACE_ORGANIZATION_ID", "ZENDESK_MARKETPLACE_APP_ID"] as const) {
    if (!/^\d{1,20}$/.test(e[name]!))
      throw new ConfigError(`${name} must be the numeric id Zendesk shows for your Marketplace listing`);
  }
  const name = e.ZENDESK_MARKETPLACE_NAME!;
  if (name.length > 200 || !/^[\x20-\x7e]+$/.test(name))
    throw new ConfigError(
      "ZENDESK_MARKETPLACE_NAME must be your Marketplace app's name in printable ASCII (at most 200 characters)",
    );
  return {
    name,
    organizationId: e.ZENDESK_MARKETPLACE_ORGANIZATION_ID!,
    appId: e.ZENDESK_MARKETPLACE_APP_ID!,
  };
}

/**
 * WEBHOOK_SECRET: one Standard Webhooks secret ("whsec_" + base64 of 24-64 random bytes), or two
 * separated by a space while the host app rotates (both sign every message, the first one first).
 */
function parseWebhookSecrets(value: string): Uint8Array[] {
  const parts = value.split(/\s+/).filter(Boolean);
  const format =
    'must be "whsec_" followed by base64 of 24 to 64 random bytes (generate: echo "whsec_$(openssl rand -base64 32)")';
  if (parts.length > 2)
    throw new ConfigError("WEBHOOK_SECRET holds at most two secrets (old and new, space-separated)");
  return parts.map((part, index) => {
    const which = parts.length > 1 ? ` (secret ${index + 1})` : "";
    const encoded = part.startsWith("whsec_") ? part.slice("whsec_".length) : undefined;
    if (encoded === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0)
      throw new ConfigError(`WEBHOOK_SECRET${which} ${format}`);
    const bytes = Buffer.from(encoded, "base64");
    if (bytes.length < 24 || bytes.length > 64) throw new ConfigError(`WEBHOOK_SECRET${which} ${format}`);
    return new Uint8Array(bytes);
  });
}

interface DevSecrets {
  authSecret: string;
  tokenEncryptionKeys: string;
}

/** Development only: secrets generated once and kept under the git-ignored .data/. */
function devSecrets(): DevSecrets {
  const file = path.join(process.cwd(), ".data", "dev-secrets.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as DevSecrets;
  const secrets: DevSecrets = {
    authSecret: randomBytes(33).toString("base64"),
    tokenEncryptionKeys: `dev1:${randomBytes(32).toString("base64")}`,
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export interface TelemetryEnv {
  /** An OTLP endpoint is set (and OTEL_SDK_DISABLED is not true): the CLI and the host start an SDK. */
  otelEnabled: boolean;
  /** LOG_LEVEL: fatal, error, warn, info (default), debug, trace, silent. */
  logLevel: string;
  /** LOG_FORMAT: "json" (one object per line) or "pretty" (development default); anything else is json. */
  logFormat: "json" | "pretty";
}

const LOG_LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/**
 * Logging and OpenTelemetry switches. Read apart from env(): the logger exists before the rest of
 * the configuration is validated (and reports its errors), and never throws. The OTEL_* values
 * themselves (endpoint, protocol, headers, sampler, interval) are read by the SDK, as the
 * OpenTelemetry specification defines them; this only answers "is one configured?".
 */
export function telemetryEnv(source: Record<string, string | undefined> = process.env): TelemetryEnv {
  const set = (name: string) => (source[name]?.trim() ?? "") !== "";
  const otelEnabled =
    source.OTEL_SDK_DISABLED?.trim().toLowerCase() !== "true" &&
    (set("OTEL_EXPORTER_OTLP_ENDPOINT") ||
      set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") ||
      set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"));
  const level = source.LOG_LEVEL?.trim().toLowerCase() ?? "";
  const format = source.LOG_FORMAT?.trim().toLowerCase();
  const development = (source.NODE_ENV ?? "development") === "development";
  return {
    otelEnabled,
    logLevel: LOG_LEVELS.has(level) ? level : "info",
    logFormat: format === "json" || format === "pretty" ? format : development ? "pretty" : "json",
  };
}
