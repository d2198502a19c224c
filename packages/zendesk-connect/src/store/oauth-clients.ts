import { and, asc, eq } from "drizzle-orm";
import { db } from "../db/index.js";
import { zendeskOauthClients } from "../db/schema.js";
import { zendeskSettings } from "../transport/settings.js";
import { ZendeskError } from "../transport/errors.js";
import { openClientSecret, sealClientSecret } from "./sealed.js";
import type { Subdomain } from "../transport/subdomain.js";
import type { Tx } from "./events.js";
import { writeKeyedRow } from "./keyed-row.js";

/** The OAuth client a flow or a connection uses: the operator's global client or a workspace's own. */
export interface ZendeskClientCredentials {
  source: "global" | "local";
  /** Row id of a workspace's local client; null for the global client. */
  oauthClientId: string | null;
  /** Zendesk's "Unique Identifier" (client_id). */
  identifier: string;
  kind: "confidential" | "public";
  /** Absent for public clients. */
  secret?: string;
}

/** A workspace's own client as the UI may see it: never the secret. */
export interface LocalClientSummary {
  id: string;
  subdomain: string;
  identifier: string;
  kind: "confidential" | "public";
  hasSecret: boolean;
  updatedAt: Date;
}

const summaryColumns = {
  id: zendeskOauthClients.id,
  subdomain: zendeskOauthClients.subdomain,
  identifier: zendeskOauthClients.identifier,
  kind: zendeskOauthClients.kind,
  secretCiphertext: zendeskOauthClients.secretCiphertext,
  updatedAt: zendeskOauthClients.updatedAt,
};

function toSummary(
  row: { secretCiphertext: string | null } & Omit<LocalClientSummary, "hasSecret">,
): LocalClientSummary {
  const { secretCiphertext, ...rest } = row;
  return { ...rest, hasSecret: secretCiphertext !== null };
}

/** A workspace's own client as entered: not yet stored, and not yet accepted by Zendesk. */
export interface LocalClientInput {
  identifier: string;
  kind: "confidential" | "public";
  /** Omitted on a confidential client: keep the stored secret (same subdomain). */
  secret?: string;
}

/**
 * Registers (or replaces) a workspace's own OAuth client for one subdomain. The secret is
 * encrypted for this row; leaving it out on a confidential client keeps the stored one.
 * Connect flows call it only once Zendesk accepted the client (see storeLocalClient).
 */
export async function saveLocalClient(
  input: LocalClientInput & { workspaceId: string; subdomain: Subdomain; userId: string },
): Promise<LocalClientSummary> {
  return db.transaction((tx) => storeLocalClient(tx, input));
}

/** saveLocalClient in the caller's transaction (e.g. with the connection Zendesk just issued for it). */
export async function storeLocalClient(
  tx: Tx,
  input: LocalClientInput & { workspaceId: string; subdomain: Subdomain; userId: string },
): Promise<LocalClientSummary> {
  const key = and(
    eq(zendeskOauthClients.workspaceId, input.workspaceId),
    eq(zendeskOauthClients.subdomain, input.subdomain),
  );
  const sealedFor = (id: string, stored: string | null) => {
    const ciphertext = input.kind === "public" ? null : input.secret ? sealClientSecret(id, input.secret) : stored;
    if (input.kind === "confidential" && !ciphertext) throw new Error("a confidential client needs its secret");
    return ciphertext;
  };
  const values = { identifier: input.identifier, kind: input.kind, createdByUserId: input.userId };
  const { id } = await writeKeyedRow({
    lock: async () =>
      (
        await tx
          .select({ id: zendeskOauthClients.id, secretCiphertext: zendeskOauthClients.secretCiphertext })
          .from(zendeskOauthClients)
          .where(key)
          .for("update")
      )[0],
    insert: async (id) =>
      (
        await tx
          .insert(zendeskOauthClients)
          .values({
            id,
            workspaceId: input.workspaceId,
            subdomain: input.subdomain,
            ...values,
            secretCiphertext: sealedFor(id, null),
          })
          .onConflictDoNothing()
          .returning({ id: zendeskOauthClients.id })
      ).length === 1,
    update: async (existing) => {
      await tx
        .update(zendeskOauthClients)
        .set({ ...values, secretCiphertext: sealedFor(existing.id, existing.secretCiphertext) })
        .where(eq(zendeskOauthClients.id, existing.id));
    },
  });
  const [row] = await tx.select(summaryColumns).from(zendeskOauthClients).where(eq(zendeskOauthClients.id, id));
  return toSummary(row!);
}

/** The workspace's own clients, without secrets. */
export async function listLocalClients(workspaceId: string): Promise<LocalClientSummary[]> {
  const rows = await db
    .select(summaryColumns)
    .from(zendeskOauthClients)
    .where(eq(zendeskOauthClients.workspaceId, workspaceId))
    .orderBy(asc(zendeskOauthClients.subdomain));
  return rows.map(toSummary);
}

/** The workspace's own client for a subdomain, if it registered one. */
export async function findLocalClient(workspaceId: string, subdomain: Subdomain): Promise<LocalClientSummary | null> {
  const [row] = await db
    .select(summaryColumns)
    .from(zendeskOauthClients)
    .where(and(eq(zendeskOauthClients.workspaceId, workspaceId), eq(zendeskOauthClients.subdomain, subdomain)));
  return row ? toSummary(row) : null;
}

/**
 * The credentials to use: the workspace's local client by id, or (null) the operator's global
 * client. The local client must belong to the workspace; ZendeskError("no_client") when there is none.
 */
export async function resolveClientCredentials(
  workspaceId: string,
  oauthClientId: string | null,
  executor: Pick<typeof db, "select"> = db,
): Promise<ZendeskClientCredentials> {
  if (oauthClientId === null) {
    const global = zendeskSettings().globalClient;
    if (!global) throw new ZendeskError("no_client", "No global Zendesk OAuth client is configured");
    return {
      source: "global",
      oauthClientId: null,
      identifier: global.identifier,
      secret: global.secret,
      kind: "confidential",
    };
  }
  const [row] = await executor
    .select()
    .from(zendeskOauthClients)
    .where(and(eq(zendeskOauthClients.id, oauthClientId), eq(zendeskOauthClients.workspaceId, workspaceId)));
  if (!row) throw new ZendeskError("no_client", "This workspace's OAuth client no longer exists");
  return {
    source: "local",
    oauthClientId: row.id,
    identifier: row.identifier,
    kind: row.kind,
    secret: row.secretCiphertext ? openClientSecret({ id: row.id, secretCiphertext: row.secretCiphertext }) : undefined,
  };
}
