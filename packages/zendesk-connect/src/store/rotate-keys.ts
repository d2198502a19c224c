import { and, asc, eq, gt, isNotNull, ne, or, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { database, db } from "../db/index.js";
import { zendeskConnectIntents, zendeskConnections, zendeskOauthClients } from "../db/schema.js";
import { keyIdOf, reencryptSecret } from "../crypto/keyring.js";
import { keyRing } from "../crypto/secrets.js";
import { sealedColumnAad } from "./sealed.js";

/*
 * Key rotation without downtime: the new key is prepended to TOKEN_ENCRYPTION_KEYS (it encrypts,
 * the old ones still decrypt), then this re-encrypts every stored secret whose key id is not the
 * current one: both tokens of each connection, each workspace client's secret, and the client
 * secret a pending connect intent carries (every column of store/sealed.ts's SEALED_COLUMNS). Each
 * row is handled in its own short transaction under FOR UPDATE and re-read there. No lock is ever
 * held across a call to Zendesk (a renewal holds a lease, not a lock): the row lock only orders
 * this rewrite against a renewal's milliseconds-long store, which writes the new pair under the
 * current key anyway. The plaintext is unchanged: token_version and updated_at stay as they are.
 * A secret whose key is missing fails closed with MissingKeyError naming the key id.
 */

export interface RotationCounts {
  currentKeyId: string;
  /** Rows whose secrets were rewritten. */
  connections: number;
  oauthClients: number;
  /** Pending connect intents whose own-client secret was rewritten. */
  connectIntents: number;
  /** Individual secrets rewritten (a connection has up to two). */
  secrets: number;
  /**
   * Rows still holding a secret under another key, counted after the pass: written meanwhile by
   * an instance that does not yet have the new key first. Zero is the only success.
   */
  remaining: number;
}

/** Re-encrypts every secret not under the current key, `batchSize` rows at a time. */
export async function reencryptAllSecrets({ batchSize = 100 }: { batchSize?: number } = {}): Promise<RotationCounts> {
  const ring = keyRing();
  const current = ring.currentKeyId;
  const size = Math.max(1, Math.floor(batchSize));
  const counts: RotationCounts = {
    currentKeyId: current,
    connections: 0,
    oauthClients: 0,
    connectIntents: 0,
    secrets: 0,
    remaining: 0,
  };

  // Keyset paging by id: a row that is rewritten (or fails) is never visited twice in a run.
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const batch = await db
      .select({ id: zendeskConnections.id })
      .from(zendeskConnections)
      .where(
        and(
          gt(zendeskConnections.id, after),
          or(
            ne(keyOf(zendeskConnections.accessTokenCiphertext), current),
            and(
              isNotNull(zendeskConnections.refreshTokenCiphertext),
              ne(keyOf(zendeskConnections.refreshTokenCiphertext), current),
            ),
          ),
        ),
      )
      .orderBy(asc(zendeskConnections.id))
      .limit(size);
    for (const { id } of batch) {
      const rewritten = await reencryptConnection(id, current);
      if (rewritten > 0) {
        counts.connections += 1;
        counts.secrets += rewritten;
      }
    }
    if (batch.length < size) break;
    after = batch[batch.length - 1]!.id;
  }

  after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const batch = await db
      .select({ id: zendeskOauthClients.id })
      .from(zendeskOauthClients)
      .where(
        and(
          gt(zendeskOauthClients.id, after),
          isNotNull(zendeskOauthClients.secretCiphertext),
          ne(keyOf(zendeskOauthClients.secretCiphertext), current),
        ),
      )
      .orderBy(asc(zendeskOauthClients.id))
      .limit(size);
    for (const { id } of batch) {
      if (await reencryptClient(id, current)) {
        counts.oauthClients += 1;
        counts.secrets += 1;
      }
    }
    if (batch.length < size) break;
    after = batch[batch.length - 1]!.id;
  }
  after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const batch = await db
      .select({ id: zendeskConnectIntents.id })
      .from(zendeskConnectIntents)
      .where(
        and(
          gt(zendeskConnectIntents.id, after),
          isNotNull(zendeskConnectIntents.pendingClientSecretCiphertext),
          ne(keyOf(zendeskConnectIntents.pendingClientSecretCiphertext), current),
        ),
      )
      .orderBy(asc(zendeskConnectIntents.id))
      .limit(size);
    for (const { id } of batch) {
      if (await reencryptIntent(id, current)) {
        counts.connectIntents += 1;
        counts.secrets += 1;
      }
    }
    if (batch.length < size) break;
    after = batch[batch.length - 1]!.id;
  }
  counts.remaining = await countRowsNotUnderKey(current);
  return counts;
}

// The key id is the second dot-separated field of "v1.<keyId>.<iv>.<body>".
const keyOf = (column: AnyPgColumn) => sql`split_part(${column}, '.', 2)`;

/** Rows (connections, OAuth clients, pending connect intents) with at least one secret not under `keyId`. */
export async function countRowsNotUnderKey(keyId: string): Promise<number> {
  const [connections] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(zendeskConnections)
    .where(
      or(
        ne(keyOf(zendeskConnections.accessTokenCiphertext), keyId),
        and(
          isNotNull(zendeskConnections.refreshTokenCiphertext),
          ne(keyOf(zendeskConnections.refreshTokenCiphertext), keyId),
        ),
      ),
    );
  const [clients] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(zendeskOauthClients)
    .where(
      and(isNotNull(zendeskOauthClients.secretCiphertext), ne(keyOf(zendeskOauthClients.secretCiphertext), keyId)),
    );
  const [intents] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(zendeskConnectIntents)
    .where(
      and(
        isNotNull(zendeskConnectIntents.pendingClientSecretCiphertext),
        ne(keyOf(zendeskConnectIntents.pendingClientSecretCiphertext), keyId),
      ),
    );
  return Number(connections?.n ?? 0) + Number(clients?.n ?? 0) + Number(intents?.n ?? 0);
}

/** The script's one line and exit code: success only when no row is left under an old key. */
export function rotationReport(counts: RotationCounts): { exitCode: 0 | 1; line: string } {
  const key = `"${counts.currentKeyId}"`;
  const done = `Re-encrypted ${counts.secrets} secret(s) under key ${key}: ${counts.connections} connection(s), ${counts.oauthClients} OAuth client(s), ${counts.connectIntents} pending connect(s).`;
  if (counts.remaining > 0) {
    return {
      exitCode: 1,
      line: `Key rotation incomplete: ${counts.remaining} row(s) still use a key other than ${key} (written during the run by an instance without ${key} first?). Put ${key} first on every instance and run this again; keep the old key until it succeeds.`,
    };
  }
  return { exitCode: 0, line: `${done} Every stored secret now uses ${key}.` };
}

type Tx = Parameters<Parameters<typeof db.transaction>[0]>[0];

async function shortLocks(tx: Tx): Promise<void> {
  // Row locks here are held for milliseconds (claims and stores; nothing waits on Zendesk under one):
  // a bound only cuts off a stuck statement, or an older version that still held a lock across a call.
  if (database().kind === "postgres") await tx.execute(sql`select set_config('lock_timeout', '60s', true)`);
}

async function reencryptConnection(id: string, current: string): Promise<number> {
  return db.transaction(async (tx) => {
    await shortLocks(tx);
    const [row] = await tx
      .select({
        accessTokenCiphertext: zendeskConnections.accessTokenCiphertext,
        refreshTokenCiphertext: zendeskConnections.refreshTokenCiphertext,
        updatedAt: zendeskConnections.updatedAt,
      })
      .from(zendeskConnections)
      .where(eq(zendeskConnections.id, id))
      .for("update");
    if (!row) return 0;
    // Re-read under the lock: a refresh may have rewritten the tokens (already under the new key).
    const ring = keyRing();
    let rewritten = 0;
    let access = row.accessTokenCiphertext;
    let refresh = row.refreshTokenCiphertext;
    if (keyIdOf(access) !== current) {
      access = reencryptSecret(ring, access, sealedColumnAad("accessToken", id));
      rewritten += 1;
    }
    if (refresh !== null && keyIdOf(refresh) !== current) {
      refresh = reencryptSecret(ring, refresh, sealedColumnAad("refreshToken", id));
      rewritten += 1;
    }
    if (rewritten === 0) return 0;
    await tx
      .update(zendeskConnections)
      .set({ accessTokenCiphertext: access, refreshTokenCiphertext: refresh, updatedAt: row.updatedAt })
      .where(eq(zendeskConnections.id, id));
    return rewritten;
  });
}

async function reencryptClient(id: string, current: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await shortLocks(tx);
    const [row] = await tx
      .select({ secretCiphertext: zendeskOauthClients.secretCiphertext, updatedAt: zendeskOauthClients.updatedAt })
      .from(zendeskOauthClients)
      .where(eq(zendeskOauthClients.id, id))
      .for("update");
    if (!row?.secretCiphertext || keyIdOf(row.secretCiphertext) === current) return false;
    const sealed = reencryptSecret(keyRing(), row.secretCiphertext, sealedColumnAad("clientSecret", id));
    await tx
      .update(zendeskOauthClients)
      .set({ secretCiphertext: sealed, updatedAt: row.updatedAt })
      .where(eq(zendeskOauthClients.id, id));
    return true;
  });
}

async function reencryptIntent(id: string, current: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await shortLocks(tx);
    const [row] = await tx
      .select({ secret: zendeskConnectIntents.pendingClientSecretCiphertext })
      .from(zendeskConnectIntents)
      .where(eq(zendeskConnectIntents.id, id))
      .for("update");
    // Re-read under the lock: the callback may have consumed the intent (and wiped the secret).
    if (!row?.secret || keyIdOf(row.secret) === current) return false;
    const sealed = reencryptSecret(keyRing(), row.secret, sealedColumnAad("intentClientSecret", id));
    await tx
      .update(zendeskConnectIntents)
      .set({ pendingClientSecretCiphertext: sealed })
      .where(eq(zendeskConnectIntents.id, id));
    return true;
  });
}
