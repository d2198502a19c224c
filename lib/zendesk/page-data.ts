import "server-only";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { db } from "@/db";
import { users, zendeskConnectionEvents } from "@/db/schema";
import { type ConnectionRow, listConnections } from "./connection-queries";
import { listLocalClients } from "./oauth-clients";

export const HISTORY_PAGE_SIZE = 20;
export const HISTORY_MAX = 200;

export interface HistoryEntry {
  id: number;
  connectionId: string;
  type: string;
  detail: string | null;
  createdAt: Date;
  actorName: string | null;
}

/**
 * Everything the Integrations page shows, in a constant number of queries whatever the number
 * of connections: connections (1), their latest events (1), the workspace's own clients (1).
 * `expanded` raises one connection's history limit (the "Show more" link).
 */
export async function loadIntegrationsData(workspaceId: string, { includeClients = true, expanded }: { includeClients?: boolean; expanded?: string } = {}) {
  const [connections, localClients] = await Promise.all([
    listConnections(workspaceId),
    includeClients ? listLocalClients(workspaceId) : Promise.resolve([]),
  ]);
  const history = await loadHistory(
    workspaceId,
    connections.map((c) => c.id),
    connections.find((c) => c.subdomain === expanded)?.id,
  );
  return { connections, localClients, history };
}

/** The latest events of each connection, plus whether older ones exist. One query. */
async function loadHistory(workspaceId: string, connectionIds: string[], expandedId?: string) {
  const byConnection = new Map<string, { entries: HistoryEntry[]; hasMore: boolean }>();
  for (const id of connectionIds) byConnection.set(id, { entries: [], hasMore: false });
  if (connectionIds.length === 0) return byConnection;
  const rank = sql<number>`row_number() over (partition by ${zendeskConnectionEvents.connectionId} order by ${zendeskConnectionEvents.createdAt} desc, ${zendeskConnectionEvents.id} desc)`;
  const ranked = db
    .select({
      id: zendeskConnectionEvents.id,
      connectionId: zendeskConnectionEvents.connectionId,
      type: zendeskConnectionEvents.type,
      detail: zendeskConnectionEvents.detail,
      createdAt: zendeskConnectionEvents.createdAt,
      actorName: users.name,
      rank: rank.as("rank"),
    })
    .from(zendeskConnectionEvents)
    .leftJoin(users, eq(users.id, zendeskConnectionEvents.actorUserId))
    .where(and(eq(zendeskConnectionEvents.workspaceId, workspaceId), inArray(zendeskConnectionEvents.connectionId, connectionIds)))
    .as("ranked");
  const limit = (id: string) => (id === expandedId ? HISTORY_MAX : HISTORY_PAGE_SIZE);
  const rows = await db
    .select()
    .from(ranked)
    .where(sql`${ranked.rank} <= case when ${ranked.connectionId} = ${expandedId ?? null}::uuid then ${HISTORY_MAX + 1}::int else ${HISTORY_PAGE_SIZE + 1}::int end`)
    .orderBy(ranked.connectionId, desc(ranked.createdAt), desc(ranked.id));
  for (const row of rows) {
    if (!row.connectionId) continue;
    const bucket = byConnection.get(row.connectionId);
    if (!bucket) continue;
    if (bucket.entries.length < limit(row.connectionId)) {
      bucket.entries.push({ id: row.id, connectionId: row.connectionId, type: row.type, detail: row.detail, createdAt: row.createdAt, actorName: row.actorName });
    } else bucket.hasMore = true;
  }
  return byConnection;
}

export type IntegrationsData = Awaited<ReturnType<typeof loadIntegrationsData>>;
export type { ConnectionRow };
