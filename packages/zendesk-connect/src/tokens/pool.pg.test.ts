import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/testing/database";
import { connectTestConnection, setupZendeskSimulator } from "@/testing/zendesk";
import { refreshIfDue } from "./lifecycle.js";

/*
 * A claim never takes a second pooled connection while its transaction holds one (issue #22): with
 * keep-alive concurrency at or above the pool size (10), claims of locked rows that each waited for
 * another connection would drain the pool until Postgres cut their transactions off.
 */

setupTestDatabase();
const fixture = setupZendeskSimulator();

describe("claims of rows another process holds", () => {
  it("12 concurrent keep-alive claims of locked rows all answer busy at once", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i += 1) ids.push((await connectTestConnection(fixture.sim)).connectionId);
    // An older version (or another tool) holds the rows locked.
    const locker = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    const reserved = await locker.reserve();
    try {
      await reserved`begin`;
      await reserved`select id from zendesk_connections where id in ${reserved(ids)} for update`;
      const started = performance.now();
      const statuses = await Promise.all(ids.map((id) => refreshIfDue(id, () => true)));
      expect(statuses).toEqual(ids.map(() => "busy"));
      expect(performance.now() - started).toBeLessThan(3000);
    } finally {
      await reserved`rollback`;
      reserved.release();
      await locker.end();
    }
  }, 30_000);
});
