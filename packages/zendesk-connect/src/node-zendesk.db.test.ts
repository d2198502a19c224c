/**
 * A host's own Zendesk code, unchanged, on a connection the product made: node-zendesk (a client
 * nobody here wrote) with the access token the package hands out after a real connect through
 * its callback (Auth.js, the simulator's consent page, the code exchange), against the simulator.
 */
import { createClient } from "node-zendesk";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { setupTestDatabase } from "@/testing/database";
import { connectThroughCallback } from "@/testing/connect-flow";
import { createTestAccount, setupZendeskSimulator } from "@/testing/zendesk";
import { db } from "./db/index.js";
import { zendeskConnections } from "./db/schema.js";
import { getAccessToken } from "./tokens/lifecycle.js";
import { zendesk } from "./api-client.js";

setupTestDatabase();
const fixture = setupZendeskSimulator();

type Json = Record<string, unknown>;

describe("node-zendesk on a connection made by the product's connect flow", () => {
  it("lists (cursor pages), creates, searches and reads tickets and users with the package's token", async () => {
    const account = await createTestAccount();
    const outcome = await connectThroughCallback(fixture.sim, account, {
      scopes: ["tickets:read", "tickets:write", "users:read"],
    });
    expect(outcome.ok).toBe(true);
    const [row] = await db
      .select({ id: zendeskConnections.id, subdomain: zendeskConnections.subdomain })
      .from(zendeskConnections)
      .where(eq(zendeskConnections.workspaceId, account.workspaceId));
    const connectionId = row!.id;
    for (let i = 0; i < 150; i++)
      await fixture.sim.control.addTicket(row!.subdomain, { subject: `Imported ${i}`, description: "Body" });
    const expected = (await fixture.sim.control.tickets(row!.subdomain)).map((t) => t.id);

    const client = createClient({
      token: await getAccessToken(connectionId),
      oauth: true,
      endpointUri: `${fixture.sim.instanceUrl(row!.subdomain)}/api/v2`,
    });
    const listed = (await client.tickets.list()) as unknown as Json[];
    expect(listed.map((t) => t.id)).toEqual(expected);

    const created = (await client.tickets.create({
      ticket: { subject: "Written by the host's feature", comment: { body: "Hello from node-zendesk" } },
    })) as unknown as { result: Json };
    const id = created.result.id as number;
    expect((await fixture.sim.control.ticket(row!.subdomain, id)).ticket.subject).toBe("Written by the host's feature");

    const found = (await client.search.query("type:ticket Written")) as unknown as { result: Json[] };
    expect(found.result.map((t) => t.id)).toContain(id);
    const users = (await client.users.list()) as unknown as Json[];
    expect(users.length).toBeGreaterThan(0);

    // The product's own client pages the same list by cursor.
    const ours: number[] = [];
    for await (const t of zendesk(connectionId).paginate<{ id: number }>("/api/v2/tickets.json", {
      query: { "page[size]": 100 },
    }))
      ours.push(t.id);
    expect(ours).toEqual([...expected, id]);
  });
});
