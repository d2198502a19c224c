import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { zendeskConnections } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { connectTestConnection, endpointCount, setupZendeskSimulator, storedConnection } from "@/testing/zendesk";
import { disconnectConnection } from "../connect/disconnect.js";
import { claimConnection, loadConnection, newLeaseHolder, readRow, releaseLease } from "./lease.js";
import { refreshLeaseMs } from "./policy.js";

/*
 * The lease's database half: giving a lease back, a connection that is gone, and a claim waiting
 * out the lease of a holder that died mid-renewal. The rules themselves are pure (lease.test.ts);
 * claims of rows another session locks are in pool.pg.test.ts.
 */

setupTestDatabase();
// The shortest HTTP timeout makes the refresh lease 5.5 s: the wait below is that long.
const fixture = setupZendeskSimulator({ httpTimeoutMs: 500 });

const GONE = "00000000-0000-4000-8000-000000000000";

async function setLease(connectionId: string, holder: string | null, expiresAt: Date | null): Promise<void> {
  await db
    .update(zendeskConnections)
    .set({ refreshLeaseHolder: holder, refreshLeaseExpiresAt: expiresAt })
    .where(eq(zendeskConnections.id, connectionId));
}

describe("releaseLease", () => {
  it("gives the lease back only when the caller still holds it", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    const expiresAt = new Date(Date.now() + 60_000);
    await setLease(connectionId, "refresh:theirs", expiresAt);

    await releaseLease(connectionId, "refresh:ours");
    expect(await storedConnection(connectionId)).toMatchObject({
      refreshLeaseHolder: "refresh:theirs",
      refreshLeaseExpiresAt: expiresAt,
    });

    await releaseLease(connectionId, "refresh:theirs");
    expect(await storedConnection(connectionId)).toMatchObject({
      refreshLeaseHolder: null,
      refreshLeaseExpiresAt: null,
    });
  });
});

describe("a connection that is gone", () => {
  it("is named as such by every way of reading it", async () => {
    const gone = { code: "connection_not_found", message: "This Zendesk connection no longer exists." };
    await expect(loadConnection(GONE)).rejects.toMatchObject(gone);
    await expect(claimConnection(GONE, newLeaseHolder("disconnect"), 10_000)).rejects.toMatchObject(gone);
    await expect(db.transaction((tx) => readRow(tx, GONE))).rejects.toMatchObject(gone);
  });
});

describe("a disconnect and the lease of a renewal whose process died", () => {
  it("waits the lease out and ends the connection, instead of asking the person to retry", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    // A renewal took the lease this instant and its process died: nobody will release it.
    await setLease(connectionId, newLeaseHolder("refresh"), new Date(Date.now() + refreshLeaseMs()));

    const result = await disconnectConnection(connectionId, null);

    expect(result).toMatchObject({ ok: true });
    expect(await db.select().from(zendeskConnections).where(eq(zendeskConnections.id, connectionId))).toEqual([]);
    // The grant was revoked at Zendesk once the lease had lapsed.
    expect(await endpointCount(fixture.sim, "token_revoke")).toBeGreaterThan(0);
  }, 15_000);

  it("a live disconnect lease is waited for, then the claim gives up with a clear message", async () => {
    const { connectionId } = await connectTestConnection(fixture.sim);
    // Another disconnect holds the row past the claim's wait (its lease is longer than a refresh's).
    await setLease(connectionId, newLeaseHolder("disconnect"), new Date(Date.now() + 60_000));

    const started = Date.now();
    await expect(claimConnection(connectionId, newLeaseHolder("disconnect"), 10_000)).rejects.toMatchObject({
      code: "refresh_in_progress",
      message: "A refresh of this Zendesk connection is taking too long; try again shortly.",
    });
    // It gave up only after a refresh lease taken when it started would have lapsed.
    expect(Date.now() - started).toBeGreaterThanOrEqual(refreshLeaseMs());
  }, 15_000);
});
