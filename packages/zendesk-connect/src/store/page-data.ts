import { and, desc, eq } from "drizzle-orm";
import { db } from "../db/index.js";
import { zendeskConnectionEvents } from "../db/schema.js";
import type { ZendeskHost } from "../host.js";
import { type ConnectionRow, listConnections } from "./queries.js";
import { listLocalClients } from "./oauth-clients.js";

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

/** Connection cards per page: the page's cost stays that of this many cards however many exist. */
export const CONNECTIONS_PAGE_SIZE = 10;

/**
 * Everything the Integrations page shows, in a constant number of queries whatever the number
 * of connections: one page of connections with the totals (1), the workspace's own clients
 * (1), and the history of the one connection whose history is open (1, only then). History is
 * on demand so each card stays light.
 */
export async function loadIntegrationsData(
  workspaceId: string,
  {
    includeClients = true,
    expanded,
    page = 1,
    moreHistory = false,
    host,
  }: {
    includeClients?: boolean;
    expanded?: string;
    page?: number;
    moreHistory?: boolean;
    /** Names the people in the cards and the history (the host's userNames), when it can. */
    host?: Pick<ZendeskHost, "userNames">;
  } = {},
) {
  const current = Number.isSafeInteger(page) && page > 0 ? page : 1;
  const [connections, localClients] = await Promise.all([
    listConnections(workspaceId, { limit: CONNECTIONS_PAGE_SIZE, offset: (current - 1) * CONNECTIONS_PAGE_SIZE }),
    includeClients ? listLocalClients(workspaceId) : Promise.resolve([]),
  ]);
  const open = connections.find((c) => c.subdomain === expanded);
  const history = open
    ? await loadHistory(workspaceId, open.id, moreHistory ? HISTORY_MAX : HISTORY_PAGE_SIZE)
    : undefined;
  const total = connections[0]?.total ?? 0;
  // User ids are the host's, opaque here: one call for every name the page shows.
  const ids = [
    ...connections.flatMap((c) => (c.connectedByUserId ? [c.connectedByUserId] : [])),
    ...(history?.entries.flatMap((e) => (e.actorUserId ? [e.actorUserId] : [])) ?? []),
  ];
  const names = ids.length > 0 && host?.userNames ? await host.userNames(ids) : new Map<string, { name: string }>();
  const nameOf = (id: string | null) => (id ? (names.get(id)?.name ?? null) : null);
  return {
    connections: connections.map((c) => ({ ...c, connectedByName: nameOf(c.connectedByUserId) })),
    localClients,
    history: history && {
      ...history,
      entries: history.entries.map(({ actorUserId, ...e }): HistoryEntry => ({ ...e, actorName: nameOf(actorUserId) })),
    },
    paging: {
      page: current,
      pageSize: CONNECTIONS_PAGE_SIZE,
      total,
      troubled: connections[0]?.troubled ?? 0,
      pages: Math.max(1, Math.ceil(total / CONNECTIONS_PAGE_SIZE)),
    },
  };
}

/** One connection's latest events, newest first, and whether older ones exist. One query. */
async function loadHistory(workspaceId: string, connectionId: string, limit: number) {
  const rows = await db
    .select({
      id: zendeskConnectionEvents.id,
      connectionId: zendeskConnectionEvents.connectionId,
      type: zendeskConnectionEvents.type,
      detail: zendeskConnectionEvents.detail,
      createdAt: zendeskConnectionEvents.createdAt,
      actorUserId: zendeskConnectionEvents.actorUserId,
    })
    .from(zendeskConnectionEvents)
    .where(
      and(eq(zendeskConnectionEvents.workspaceId, workspaceId), eq(zendeskConnectionEvents.connectionId, connectionId)),
    )
    .orderBy(desc(zendeskConnectionEvents.createdAt), desc(zendeskConnectionEvents.id))
    .limit(limit + 1);
  return {
    connectionId,
    entries: rows.slice(0, limit).map((r) => ({ ...r, connectionId })),
    hasMore: rows.length > limit,
    limit,
  };
}

export type IntegrationsData = Awaited<ReturnType<typeof loadIntegrationsData>>;
export type ConnectionSummary = IntegrationsData["connections"][number];
export type { ConnectionRow };
