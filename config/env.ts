import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/*
 * The reference app's own settings (its sign-in): the only reader of process.env in the app.
 * Everything Zendesk is read by @zendesk-connect/next from the same environment. Parsed once,
 * on first use (not at import, so `next build` can load modules without production secrets).
 */

const int = (fallback: number, min: number, max: number) =>
  z.coerce
    .number()
    .int()
    .min(min)
    .max(max)
    .optional()
    .transform((v) => v ?? fallback);

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  APP_URL: z.url({ protocol: /^https?$/ }).optional(),
  DB_MIGRATE_ON_START: z
    .enum(["true", "false", "1", "0"])
    .optional()
    .transform((v) => v === undefined || v === "true" || v === "1"),
  // Signs the app's own session cookies; development falls back to the package's dev secret.
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  // Throttling of sign-in and sign-up: free attempts per bucket, then a doubling delay.
  TRUSTED_PROXY_HOPS: int(0, 0, 10),
  THROTTLE_SIGNIN_ACCOUNT_ATTEMPTS: int(5, 1, 1_000_000),
  THROTTLE_SIGNIN_ADDRESS_ATTEMPTS: int(20, 1, 1_000_000),
  THROTTLE_SIGNUP_ADDRESS_ATTEMPTS: int(10, 1, 1_000_000),
});

export class ConfigError extends Error {
  override name = "ConfigError";
}

export type AppEnv = ReturnType<typeof buildEnv>;

let cached: AppEnv | undefined;

/** The validated configuration; throws ConfigError with one line naming the variable. */
export function appEnv(): AppEnv {
  cached ??= buildEnv(process.env);
  return cached;
}

/** For tests that change process.env between cases. */
export function resetAppEnvForTests(): void {
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
  if (production && !e.AUTH_SECRET)
    throw new ConfigError("AUTH_SECRET is required in production (generate one: openssl rand -base64 33)");
  if (production && !e.APP_URL)
    throw new ConfigError("APP_URL is required in production (the app's public origin, e.g. https://app.example.com)");
  return {
    isProduction: production,
    migrateOnStart: e.DB_MIGRATE_ON_START,
    appUrl: (e.APP_URL ?? "http://localhost:3000").replace(/\/+$/, ""),
    authSecret: e.AUTH_SECRET ?? devSessionSecret(),
    trustedProxyHops: e.TRUSTED_PROXY_HOPS,
    throttle: {
      signInAccountAttempts: e.THROTTLE_SIGNIN_ACCOUNT_ATTEMPTS,
      signInAddressAttempts: e.THROTTLE_SIGNIN_ADDRESS_ATTEMPTS,
      signUpAddressAttempts: e.THROTTLE_SIGNUP_ADDRESS_ATTEMPTS,
    },
  };
}

/** Development only, when AUTH_SECRET is unset: a secret generated once under the git-ignored .data/. */
function devSessionSecret(): string {
  const file = path.join(process.cwd(), ".data", "dev-session-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomBytes(33).toString("base64");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
