/**
 * The simulator against a Zendesk client nobody here wrote: node-zendesk 6, with an OAuth token
 * obtained through the simulator's own consent page and token endpoint over HTTP.
 *
 * What node-zendesk needed (6.0.1):
 * - `endpointUri: "{simulator}/{subdomain}/api/v2"` instead of `subdomain` (there is no
 *   `remoteUri` in v6), and `oauth: true` with `token` for a Bearer header;
 * - its list methods add `page[size]=100` on the endpoints it knows support cursors (tickets,
 *   users, organizations) and follow `links.next`, else `next_page`, until it is null;
 * - it treats any answer carrying `Retry-After` as a 429, so the simulator sends Retry-After
 *   only on 429s;
 * - it has no method for the cursor-based incremental export (`tickets.incremental` calls the
 *   time-based `incremental/tickets.json`), and its `getAll` never follows `after_url`; the
 *   export is reached here through its generic `get`, which adds `page[size]=100` to it;
 * - a `DELETE` answered 204 resolves with a "No Content" result object rather than throwing;
 *   failures throw `Request processing failed: Zendesk Error (404): Item not found`.
 */
import { createClient } from "node-zendesk";
import { describe, expect, it } from "vitest";
import { connect, setupSimulator } from "./test-support.js";
import type { ZendeskClientOptions } from "node-zendesk";

const context = setupSimulator();

type Client = ReturnType<typeof createClient>;
type Json = Record<string, unknown>;

async function zendeskFor(subdomain: string, userId: number, scope = "read write"): Promise<Client> {
  const { accessToken } = await connect(context.sim, { subdomain, userId, scope });
  const options: ZendeskClientOptions = {
    token: accessToken,
    oauth: true,
    endpointUri: `${context.sim.instanceUrl(subdomain)}/api/v2`,
  };
  return createClient(options);
}

/** node-zendesk's single-record calls answer `{response, result}`. */
function resultOf(answer: unknown): Json {
  return (answer as { result: Json }).result;
}

describe("node-zendesk against the simulator", () => {
  it("users.me and oauthtokens.current", async () => {
    const client = await zendeskFor("acme", 10001);
    expect(resultOf(await client.users.me())).toMatchObject({ id: 10001, name: "Ada Admin", role: "admin" });
    expect(resultOf(await client.oauthtokens.current())).toMatchObject({
      user_id: 10001,
      client_id: 360000001,
      scopes: ["read", "write"],
    });
  });

  it("tickets.list follows cursor pagination: 250 tickets by pages of 100, all in order", async () => {
    const bulk = await context.sim.control.addInstance({
      subdomain: "bulk",
      name: "Bulk",
      generate: { tickets: 250, users: 20, organizations: 3, seed: 5 },
    });
    const admin = bulk.users.find((user) => user.role === "admin");
    const client = await zendeskFor("bulk", admin?.id ?? 0);
    await context.sim.control.clearLog();
    const tickets = (await client.tickets.list()) as unknown as Json[];
    expect(tickets.map((ticket) => ticket.id)).toEqual(Array.from({ length: 250 }, (_, index) => index + 1));
    const { entries } = await context.sim.control.requestLog();
    const paths = entries
      .filter((entry) => entry.endpoint === "tickets")
      .map((entry) => decodeURIComponent(entry.path));
    expect(paths).toHaveLength(3);
    expect(paths[0]).toBe("/bulk/api/v2/tickets.json?page[size]=100");
    expect(paths[1]).toMatch(/page\[size\]=100&page\[after\]=/);

    const users = (await client.users.list()) as unknown as Json[];
    expect(users).toHaveLength(23);
    const organizations = (await client.organizations.list()) as unknown as Json[];
    expect(organizations.map((organization) => organization.id)).toEqual([1, 2, 3]);
  });

  it("tickets: show, showMany, create, update with a comment, getComments, delete", async () => {
    const client = await zendeskFor("acme", 10002);
    expect(resultOf(await client.tickets.show(1))).toMatchObject({ id: 1, subject: "Printer on fire" });
    const many = resultOf(await client.tickets.showMany([3, 1])) as unknown as Json[];
    expect(many.map((ticket) => ticket.id)).toEqual([3, 1]);

    const created = resultOf(
      await client.tickets.create({
        ticket: {
          subject: "From node-zendesk",
          comment: { body: "Created by a third-party client." },
          priority: "low",
        },
      }),
    );
    expect(created).toMatchObject({ id: 8, subject: "From node-zendesk", status: "new", submitter_id: 10002 });

    const updated = resultOf(
      await client.tickets.update(8, {
        ticket: { status: "pending", comment: { body: "Waiting on you", public: true } },
      }),
    );
    expect(updated).toMatchObject({ id: 8, status: "pending" });
    const comments = (await client.tickets.getComments(8)) as unknown as Json[];
    expect(comments.map((comment) => comment.body)).toEqual(["Created by a third-party client.", "Waiting on you"]);

    await client.tickets.delete(8);
    await expect(client.tickets.show(8)).rejects.toThrow("Zendesk Error (404): Item not found");
    // What the client wrote, read back through the control API.
    expect((await context.sim.control.tickets("acme")).map((ticket) => ticket.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("a ticket without a comment is refused (422), as Zendesk does", async () => {
    const client = await zendeskFor("acme", 10001);
    await expect(client.tickets.create({ ticket: { subject: "No body" } })).rejects.toThrow(
      "Zendesk Error (422): Unprocessable Entity",
    );
  });

  it("users: show and search; organizations: show", async () => {
    const client = await zendeskFor("acme", 10001);
    expect(resultOf(await client.users.show(10003))).toMatchObject({ id: 10003, role: "end-user" });
    const found = (await client.users.search({ query: "alan" })) as unknown as Json[];
    expect(found.map((user) => user.id)).toEqual([10002]);
    expect(resultOf(await client.organizations.show(900001))).toMatchObject({ id: 900001, name: "Acme Inc." });
  });

  it("search: query, queryAll across pages and the result count", async () => {
    await context.sim.control.addInstance({
      subdomain: "bulk",
      name: "Bulk",
      generate: { tickets: 230, seed: 9 },
    });
    const bulkAdmin = (await context.sim.control.users("bulk")).find((user) => user.role === "admin");
    const bulk = await zendeskFor("bulk", bulkAdmin?.id ?? 0);
    const firstPage = resultOf(await bulk.search.query("type:ticket")) as unknown as Json[];
    expect(firstPage).toHaveLength(100);
    expect(firstPage[0]).toMatchObject({ result_type: "ticket" });
    const all = (await bulk.search.queryAll("type:ticket")) as unknown as Json[];
    expect(all).toHaveLength(230);

    const client = await zendeskFor("acme", 10001);
    const open = resultOf(await client.search.query("type:ticket status:open")) as unknown as Json[];
    expect(open.map((ticket) => ticket.id)).toEqual([2, 4]);
    expect(resultOf(await client.search.showResultsCount("type:ticket status:open"))).toEqual({ count: 2 });
  });

  it("ticket fields and the cursor-based incremental export", async () => {
    const client = await zendeskFor("acme", 10001);
    const fields = (await client.ticketfields.list()) as unknown as Json[];
    expect(fields.map((field) => field.type)).toContain("status");
    const exported = resultOf(await client.tickets.get(["incremental", "tickets", "cursor", { start_time: 0 }]));
    expect((exported as unknown as Json[]).map((ticket) => ticket.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("scopes: a read-only token may read but not write (403)", async () => {
    const client = await zendeskFor("acme", 10001, "tickets:read");
    expect((await client.tickets.list()) as unknown as Json[]).toHaveLength(7);
    await expect(client.tickets.create({ ticket: { comment: { body: "x" } } })).rejects.toThrow(
      "Zendesk Error (403): Forbidden",
    );
    await expect(client.users.list()).rejects.toThrow("Zendesk Error (403): Forbidden");
  });
});
