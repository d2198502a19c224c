import { and, count, eq, inArray, isNull } from "drizzle-orm";
import { db } from "../db/index.js";
import { zendeskConnections } from "../db/schema.js";

/**
 * How many live connections hold an access token that never expires (none stored): they must be
 * moved to expiring tokens by a new consent. One workspace's, or all of them (the keep-alive job).
 */
export async function countNonExpiringConnections(workspaceId?: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(zendeskConnections)
    .where(
      and(
        inArray(zendeskConnections.status, ["active", "error"]),
        isNull(zendeskConnections.accessTokenExpiresAt),
        workspaceId ? eq(zendeskConnections.workspaceId, workspaceId) : undefined,
      ),
    );
  return row?.n ?? 0;
}
