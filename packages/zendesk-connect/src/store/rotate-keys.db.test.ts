import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { zendeskConnectIntents, zendeskConnections, zendeskOauthClients } from "../db/schema.js";
import { eq } from "drizzle-orm";
import { createConnectIntent, pendingClientOf } from "../connect/intents.js";
import { setupTestDatabase } from "@/testing/database";
import { resetEnvForTests } from "../config/env.js";
import { resolveClientCredentials, saveLocalClient } from "./oauth-clients.js";
import {
  connectTestConnection,
  createTestAccount,
  expireStoredAccessToken,
  grantCount,
  setupZendeskSimulator,
  storedConnection,
  testSubdomain,
} from "@/testing/zendesk";
import { getAccessToken } from "../tokens/lifecycle.js";
import { MissingKeyError } from "../crypto/keyring.js";
import { countRowsNotUnderKey, reencryptAllSecrets, rotationReport } from "./rotate-keys.js";

setupTestDatabase();
const fixture = setupZendeskSimulator();

const K1 = `k1:${randomBytes(32).toString("base64")}`;
const K2 = `k2:${randomBytes(32).toString("base64")}`;
let savedKeys: string | undefined;

function useKeys(spec: string) {
  process.env.TOKEN_ENCRYPTION_KEYS = spec;
  resetEnvForTests();
}

beforeAll(() => {
  savedKeys = process.env.TOKEN_ENCRYPTION_KEYS;
  useKeys(K1);
});
afterAll(() => {
  if (savedKeys === undefined) delete process.env.TOKEN_ENCRYPTION_KEYS;
  else useKeys(savedKeys);
  resetEnvForTests();
});

async function allCiphertexts(): Promise<string[]> {
  const connections = await db
    .select({ a: zendeskConnections.accessTokenCiphertext, r: zendeskConnections.refreshTokenCiphertext })
    .from(zendeskConnections);
  const clients = await db.select({ s: zendeskOauthClients.secretCiphertext }).from(zendeskOauthClients);
  return [...connections.flatMap((c) => [c.a, c.r]), ...clients.map((c) => c.s)].filter((v): v is string => v !== null);
}

describe("reencryptAllSecrets", () => {
  it("covers the client secret sealed in a pending connect intent before it reports every secret rotated", async () => {
    useKeys(K1);
    const account = await createTestAccount();
    const intent = await createConnectIntent({
      workspaceId: account.workspaceId,
      userId: account.userId,
      subdomain: testSubdomain("acme"),
      scopes: ["read"],
      oauthClientId: null,
      returnTo: "/",
      pendingClient: { identifier: "acme-local-app", kind: "confidential", secret: "pending-secret" },
    });
    useKeys(`${K2},${K1}`);
    const counts = await reencryptAllSecrets();
    expect(counts).toMatchObject({ connectIntents: 1, remaining: 0 });
    expect(rotationReport(counts).line).toContain("1 pending connect(s)");
    useKeys(K2);
    const [stored] = await db.select().from(zendeskConnectIntents).where(eq(zendeskConnectIntents.id, intent.id));
    expect(pendingClientOf(stored!)?.secret).toBe("pending-secret");
    await db.delete(zendeskConnectIntents);
  });

  it("rotates k1 -> k2 without downtime; k1 can be removed afterwards, not before", async () => {
    useKeys(K1);
    const first = await connectTestConnection(fixture.sim);
    const second = await connectTestConnection(fixture.sim);
    const machine = await connectTestConnection(fixture.sim, { mode: "client_credentials" });
    const local = await saveLocalClient({
      workspaceId: first.workspaceId,
      subdomain: testSubdomain("acme"),
      identifier: "acme-local-app",
      kind: "confidential",
      secret: "acme-local-secret",
      userId: first.userId,
    });
    const tokens = await Promise.all([first, second, machine].map((c) => getAccessToken(c.connectionId)));
    const before = await storedConnection(first.connectionId);
    expect((await allCiphertexts()).every((c) => c.startsWith("v1.k1."))).toBe(true);

    // Removing k1 before rotating fails closed, naming the key.
    useKeys(K2);
    const missing = await getAccessToken(first.connectionId).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(MissingKeyError);
    expect((missing as Error).message).toContain('"k1"');
    await expect(reencryptAllSecrets()).rejects.toThrow(/"k1"/);
    await expect(resolveClientCredentials(first.workspaceId, local.id)).rejects.toThrow(/"k1"/);

    // Step 1: k2 first, k1 still there. Everything keeps working before and during the rotation.
    useKeys(`${K2},${K1}`);
    expect(await getAccessToken(first.connectionId)).toBe(tokens[0]);
    const counts = await reencryptAllSecrets({ batchSize: 2 });
    // 2 auth-code connections x 2 secrets + 1 client-credentials connection x 1 + 1 client secret.
    expect(counts).toEqual({
      currentKeyId: "k2",
      connections: 3,
      oauthClients: 1,
      connectIntents: 0,
      secrets: 6,
      remaining: 0,
    });
    expect(rotationReport(counts)).toEqual({
      exitCode: 0,
      line: 'Re-encrypted 6 secret(s) under key "k2": 3 connection(s), 1 OAuth client(s), 0 pending connect(s). Every stored secret now uses "k2".',
    });
    const after = await allCiphertexts();
    expect(after).toHaveLength(6);
    expect(after.every((c) => c.startsWith("v1.k2."))).toBe(true);
    // The plaintext did not change: no new token version, same updated_at.
    const rotated = await storedConnection(first.connectionId);
    expect(rotated.tokenVersion).toBe(before.tokenVersion);
    expect(rotated.updatedAt.getTime()).toBe(before.updatedAt.getTime());
    // Running it again finds nothing to do.
    expect(await reencryptAllSecrets()).toMatchObject({
      connections: 0,
      oauthClients: 0,
      connectIntents: 0,
      secrets: 0,
    });

    // Step 2: remove k1. Everything still decrypts.
    useKeys(K2);
    expect(await Promise.all([first, second, machine].map((c) => getAccessToken(c.connectionId)))).toEqual(tokens);
    expect((await resolveClientCredentials(first.workspaceId, local.id)).secret).toBe("acme-local-secret");
    expect(await fixture.sim.control.requestLog().then((l) => l.counts.by_grant_type.refresh_token ?? 0)).toBe(0);
  });

  it("never races a refresh: both finish, the refreshed pair is under the new key", async () => {
    useKeys(K1);
    const { connectionId } = await connectTestConnection(fixture.sim);
    await expireStoredAccessToken(connectionId);
    await fixture.sim.control.setOptions({ latency_ms: 100 });
    await fixture.sim.control.clearLog();
    useKeys(`${K2},${K1}`);
    const [token] = await Promise.all([getAccessToken(connectionId), reencryptAllSecrets({ batchSize: 1 })]);
    await fixture.sim.control.setOptions({ latency_ms: 0 });
    expect(await grantCount(fixture.sim, "refresh_token")).toBe(1);
    useKeys(K2);
    expect(await getAccessToken(connectionId)).toBe(token);
    expect((await allCiphertexts()).every((c) => c.startsWith("v1.k2."))).toBe(true);
  });

  it("ends by counting rows left under another key, and fails while any remain", async () => {
    useKeys(`${K2},${K1}`);
    expect(await reencryptAllSecrets()).toMatchObject({ remaining: 0 });
    // An instance still running with k1 first writes during (after) the pass.
    useKeys(`${K1},${K2}`);
    const { connectionId, workspaceId, userId } = await connectTestConnection(fixture.sim);
    await saveLocalClient({
      workspaceId,
      subdomain: testSubdomain("old-instance"),
      identifier: "old-instance-app",
      kind: "confidential",
      secret: "old-instance-secret",
      userId,
    });
    expect(await countRowsNotUnderKey("k2")).toBe(2);
    expect(await countRowsNotUnderKey("k1")).toBeGreaterThan(0);

    const report = rotationReport({
      currentKeyId: "k2",
      connections: 5,
      oauthClients: 1,
      connectIntents: 0,
      secrets: 9,
      remaining: 2,
    });
    expect(report.exitCode).toBe(1);
    expect(report.line).toMatch(/^Key rotation incomplete: 2 row\(s\) still use a key other than "k2"/);
    expect(report.line).not.toContain("\n");

    // Once every instance has k2 first, a second run finishes the job.
    useKeys(`${K2},${K1}`);
    const again = await reencryptAllSecrets();
    expect(again).toMatchObject({ connections: 1, oauthClients: 1, secrets: 3, remaining: 0 });
    expect(rotationReport(again).exitCode).toBe(0);
    useKeys(K2);
    expect(await getAccessToken(connectionId)).toBeTruthy();
  });
});
