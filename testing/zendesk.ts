/**
 * Test fixture for the token lifecycle: a Zendesk simulator per test file (reset before each
 * test) that the app's configuration points at, and real connections made by driving the
 * simulator's consent page over HTTP, exactly as a person would (authorize with PKCE, Allow,
 * code exchange, users/me + current.json, saveConnection). Tests only: nothing in the app imports it.
 */
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { db } from "@/db";
import { zendeskConnections } from "@pkg/db/schema";
import { memberships, users, workspaces } from "@/db/schema";
import { resetEnvForTests } from "@pkg/config/env";
import { settleAfterResponse } from "@pkg/after-response";
import { startZendeskSimulator, type ZendeskSimulator } from "@zendesk-connect/simulator";
import { fetchTokenInfo, fetchZendeskUser } from "@pkg/transport/api";
import { saveConnection } from "@pkg/store/connections";
import { revokeReplacedGrant } from "@pkg/connect/revoke-grant";
import { zendeskSettings } from "@pkg/transport/settings";
import { requestedLifetimes } from "@pkg/tokens/endpoint";
import { tokenExpiries } from "@pkg/tokens/expiry";
import { setRefreshRetryPolicy } from "@pkg/tokens/lifecycle";
import { parseSubdomain, type Subdomain } from "@pkg/transport/subdomain";
import { allowConsent, codeFrom, consentUrl, exchangeCode, pkcePair, tokenRequest } from "./oauth";

export { tokenDigest } from "./oauth";

/** A subdomain for a test, through the one parser (a bad literal fails the test at once). */
export function testSubdomain(label: string): Subdomain {
  const parsed = parseSubdomain(label);
  if (!parsed.ok) throw new Error(`not a subdomain: ${label} (${parsed.error})`);
  return parsed.subdomain;
}

/** The simulator's seeded global client (packages/zendesk-simulator/seed.json): a development fixture, not a secret. */
export const SIM_GLOBAL_CLIENT = { id: "zdg-zendesk-connect-dev", secret: "dev-global-client-secret" } as const;
export const ACME_ADMIN_ID = 10001;

const ENV_KEYS = [
  "ZENDESK_BASE_URL_TEMPLATE",
  "ZENDESK_CLIENT_ID",
  "ZENDESK_CLIENT_SECRET",
  "ZENDESK_HTTP_TIMEOUT_MS",
] as const;

export interface SimulatorFixture {
  readonly sim: ZendeskSimulator;
}

/**
 * Starts the simulator for the file (port 0), points ZENDESK_BASE_URL_TEMPLATE and the global
 * client at it, and makes refresh retries short. Call after setupTestDatabase().
 */
export function setupZendeskSimulator(options: { httpTimeoutMs?: number } = {}): SimulatorFixture {
  let sim: ZendeskSimulator | undefined;
  const saved: Partial<Record<(typeof ENV_KEYS)[number], string | undefined>> = {};
  beforeAll(async () => {
    sim = await startZendeskSimulator({ port: 0 });
    for (const key of ENV_KEYS) saved[key] = process.env[key];
    process.env.ZENDESK_BASE_URL_TEMPLATE = sim.baseUrlTemplate;
    process.env.ZENDESK_CLIENT_ID = SIM_GLOBAL_CLIENT.id;
    process.env.ZENDESK_CLIENT_SECRET = SIM_GLOBAL_CLIENT.secret;
    process.env.ZENDESK_HTTP_TIMEOUT_MS = String(options.httpTimeoutMs ?? 2000);
    resetEnvForTests();
    setRefreshRetryPolicy({ maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100, maxTotalWaitMs: 1500 });
  });
  beforeEach(async () => {
    await sim!.control.reset();
  });
  afterEach(async () => {
    // A test's follow-ups (current.json refinement, revoking a replaced grant) finish within it:
    // none may land in the next test's request log or database.
    await settleAfterResponse();
  });
  afterAll(async () => {
    await settleAfterResponse();
    setRefreshRetryPolicy(null);
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    resetEnvForTests();
    await sim?.stop();
  });
  return {
    get sim() {
      if (!sim) throw new Error("the simulator starts in beforeAll");
      return sim;
    },
  };
}

/** A user who owns a fresh workspace (inserted directly: these tests are not about sign-up). */
export async function createTestAccount(): Promise<{ userId: string; workspaceId: string }> {
  const suffix = randomBytes(4).toString("hex");
  const [user] = await db
    .insert(users)
    .values({ email: `owner-${suffix}@example.com`, name: `Owner ${suffix}`, passwordHash: "test-fixture-not-a-hash" })
    .returning({ id: users.id });
  const [workspace] = await db
    .insert(workspaces)
    .values({ name: `Workspace ${suffix}` })
    .returning({ id: workspaces.id });
  await db.insert(memberships).values({ workspaceId: workspace!.id, userId: user!.id, role: "owner" });
  return { userId: user!.id, workspaceId: workspace!.id };
}

export interface ConnectOptions {
  subdomain?: string;
  scope?: string;
  zendeskUserId?: number;
  mode?: "authorization_code" | "client_credentials";
  /** Reuse an account instead of creating one. */
  account?: { userId: string; workspaceId: string };
  /** As the real callback's follow-up does: end the grant a reconnect replaced (awaited here). */
  revokeReplaced?: boolean;
}

/** A real connection: consent page driven over HTTP, code exchanged, identity and token info fetched, saved. */
export async function connectTestConnection(
  sim: ZendeskSimulator,
  options: ConnectOptions = {},
): Promise<{ connectionId: string; userId: string; workspaceId: string }> {
  const account = options.account ?? (await createTestAccount());
  const subdomain = testSubdomain(options.subdomain ?? "acme");
  const scope = options.scope ?? "read write";
  const lifetimes = requestedLifetimes();
  let body: Record<string, unknown>;
  if (options.mode === "client_credentials") {
    body = await tokenRequest(sim.instanceUrl(subdomain), {
      grant_type: "client_credentials",
      client_id: SIM_GLOBAL_CLIENT.id,
      client_secret: SIM_GLOBAL_CLIENT.secret,
      scope,
      expires_in: lifetimes.expires_in,
    });
  } else {
    const { verifier, challenge } = pkcePair();
    const redirectUri = zendeskSettings().callbackUrl;
    const instance = sim.instanceUrl(subdomain);
    const client = { clientId: SIM_GLOBAL_CLIENT.id, clientSecret: SIM_GLOBAL_CLIENT.secret };
    const redirect = await allowConsent(
      consentUrl(instance, { clientId: client.clientId, redirectUri, scope, challenge }),
      options.zendeskUserId ?? ACME_ADMIN_ID,
    );
    body = await exchangeCode(instance, { ...client, code: codeFrom(redirect), redirectUri, verifier }, lifetimes);
  }
  const accessToken = String(body.access_token);
  const refreshToken = typeof body.refresh_token === "string" ? body.refresh_token : null;
  const [user, info] = await Promise.all([
    fetchZendeskUser(subdomain, accessToken),
    fetchTokenInfo(subdomain, accessToken),
  ]);
  const expiries = tokenExpiries(
    { expires_in: Number(body.expires_in), refresh_token_expires_in: Number(body.refresh_token_expires_in) },
    info,
    Date.now(),
  );
  const saved = await saveConnection({
    workspaceId: account.workspaceId,
    subdomain,
    mode: options.mode ?? "authorization_code",
    oauthClientId: null,
    user,
    requestedScopes: scope.split(" "),
    grantedScopes: info.scopes,
    zendeskTokenId: info.id,
    tokens: {
      accessToken,
      refreshToken,
      ...expiries,
      refreshTokenExpiresAt: refreshToken ? expiries.refreshTokenExpiresAt : null,
    },
    actorUserId: account.userId,
  });
  if (options.revokeReplaced && saved.replaced)
    await revokeReplacedGrant(
      { id: saved.id, workspaceId: account.workspaceId, subdomain, actorUserId: account.userId },
      saved.replaced,
    );
  return { connectionId: saved.id, ...account };
}

/** The stored row (tests inspect state; never print it: it holds ciphertexts). */
export async function storedConnection(connectionId: string) {
  const [row] = await db.select().from(zendeskConnections).where(eq(zendeskConnections.id, connectionId));
  if (!row) throw new Error("no such connection");
  return row;
}

/** Makes the stored access token look expired, as it would be after its lifetime. */
export async function expireStoredAccessToken(connectionId: string, secondsAgo = 60): Promise<void> {
  await db
    .update(zendeskConnections)
    .set({ accessTokenExpiresAt: new Date(Date.now() - secondsAgo * 1000) })
    .where(eq(zendeskConnections.id, connectionId));
}

/** Moves the simulator past the access token's lifetime and marks the stored one expired. */
export async function expireAccessToken(sim: ZendeskSimulator, connectionId: string): Promise<void> {
  await sim.control.advanceClock(zendeskSettings().accessTokenTtlSeconds + 60);
  await expireStoredAccessToken(connectionId);
}

/** Token requests of one grant type the simulator received since its last reset. */
export async function grantCount(
  sim: ZendeskSimulator,
  grantType: "refresh_token" | "client_credentials" | "authorization_code",
): Promise<number> {
  const log = await sim.control.requestLog();
  return log.counts.by_grant_type[grantType] ?? 0;
}

/** Requests to one endpoint since the simulator's last reset. */
export async function endpointCount(
  sim: ZendeskSimulator,
  endpoint: "token" | "users_me" | "tokens_current" | "token_revoke" | "tickets",
): Promise<number> {
  const log = await sim.control.requestLog();
  return log.counts.by_endpoint[endpoint] ?? 0;
}
