import { and, asc, eq, gt, isNotNull, ne, or, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { database, db } from "../db/index.js";
import { zendeskConnections, zendeskOauthClients } from "../db/schema.js";
import { keyIdOf, reencryptSecret } from "../crypto/keyring.js";
import { keyRing } from "../crypto/secrets.js";
import { sealedColumnAad } from "./sealed.js";

/*
 * Key rotation without downtime: the new key is prepended to TOKEN_ENCRYPTION_KEYS (it encrypts,
 * the old ones still decrypt), then this re-encrypts every stored secret whose key id is not the
 * current one. Each row is handled in its own short transaction under FOR UPDATE and re-read
 * there, so it never races a token refresh (which rewrites the same columns under the same lock).
 * The plaintext is unchanged: token_version and updated_at stay as they are.
 * A secret whose key is missing fails closed with MissingKeyError naming the key id.
 */

export interface RotationCounts {
  currentKeyId: string;
  /** Rows whose secrets were rewritten. */
  connections: number;
  oauthClients: number;
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
  const counts: RotationCounts = { currentKeyId: current, connections: 0, oauthClients: 0, secrets: 0, remaining: 0 };

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
  counts.remaining = await countRowsNotUnderKey(current);
  return counts;
}

// The key id is the second dot-separated field of "v1.<keyId>.<iv>.<body>".
const keyOf = (column: AnyPgColumn) => sql`split_part(${column}, '.', 2)`;

/** Rows (connections and OAuth clients) with at least one secret not under `keyId`. */
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
  return Number(connections?.n ?? 0) + Number(clients?.n ?? 0);
}

/** The script's one line and exit code: success only when no row is left under an old key. */
export function rotationReport(counts: RotationCounts): { exitCode: 0 | 1; line: string } {
  const key = `"${counts.currentKeyId}"`;
  const done = `Re-encrypted ${counts.secrets} secret(s) under key ${key}: ${counts.connections} connection(s), ${counts.oauthClients} OAuth client(s).`;
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
  // Waiting behind a refresh is fine (it holds the row for at most two Zendesk calls); forever is not.
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
