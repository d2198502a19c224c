/**
 * The Support API over plain HTTP: pagination edge cases, Zendesk's errors, scopes and roles,
 * writes, search, the incremental export, generators and the control API's records.
 */
import { describe, expect, it } from "vitest";
import { SimulatorControlError } from "./control.js";
import { setupSimulator } from "./test-support.js";
import type { Json } from "./test-support.js";

const context = setupSimulator();

async function token(scopes: string[], options: { subdomain?: string; user_id?: number } = {}): Promise<string> {
  const issued = await context.sim.control.issueToken({
    subdomain: options.subdomain ?? "acme",
    client_id: "zdg-zendesk-connect-dev",
    scopes,
    ...(options.user_id === undefined ? {} : { user_id: options.user_id }),
  });
  return issued.access_token;
}

interface Answer {
  status: number;
  body: Json;
  headers: Headers;
}

/** A request to `/{subdomain}/api/v2/{path}`, or to an absolute URL (a pagination link). */
async function send(
  method: string,
  path: string,
  bearer: string | null,
  body?: unknown,
  subdomain = "acme",
): Promise<Answer> {
  const url = path.startsWith("http") ? path : `${context.sim.instanceUrl(subdomain)}/api/v2/${path}`;
  const response = await fetch(url, {
    method,
    headers: {
      ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? {} : (JSON.parse(text) as Json), headers: response.headers };
}

const get = (path: string, bearer: string | null, subdomain?: string) =>
  send("GET", path, bearer, undefined, subdomain);
const ids = (list: unknown): number[] => (list as { id: number }[]).map((item) => item.id);

const FORBIDDEN = {
  error: "Forbidden",
  description:
    "You do not have access to this page. Please contact the account owner of this help desk for further help.",
};

async function bulkInstance(tickets: number, extra: Record<string, number> = {}): Promise<void> {
  await context.sim.control.addInstance({
    subdomain: "bulk",
    name: "Bulk",
    generate: { tickets, users: 40, organizations: 5, comments_per_ticket: 2, seed: 7, ...extra },
  });
}

describe("cursor pagination", () => {
  it("pages 250 tickets by 100 in id order: meta, links, and back with page[before]", async () => {
    await bulkInstance(250);
    const bearer = await token(["read"], { subdomain: "bulk" });
    const seen: number[] = [];
    const pages: Json[] = [];
    let next: string | null = "tickets.json?page[size]=100";
    while (next !== null) {
      const page = await get(next, bearer, "bulk");
      expect(page.status).toBe(200);
      pages.push(page.body);
      seen.push(...ids(page.body.tickets));
      next = (page.body.links as { next: string | null }).next;
    }
    expect(seen).toEqual(Array.from({ length: 250 }, (_, index) => index + 1));
    expect(pages.map((page) => (page.meta as Json).has_more)).toEqual([true, true, false]);
    const first = pages[0] as Json;
    expect(first).not.toHaveProperty("count");
    expect(first).not.toHaveProperty("next_page");
    expect(first.links).toEqual({
      next: expect.stringMatching(
        new RegExp(`^${context.sim.url}/bulk/api/v2/tickets\\.json\\?page%5Bsize%5D=100&page%5Bafter%5D=`),
      ),
      prev: null,
    });
    const last = pages[2] as Json;
    expect((last.links as Json).next).toBeNull();
    // The previous page again, from the last page's before cursor.
    const back = await get(String((last.links as Json).prev), bearer, "bulk");
    expect(ids(back.body.tickets)).toEqual(Array.from({ length: 100 }, (_, index) => index + 101));
    expect((back.body.meta as Json).has_more).toBe(true);
    // Cursors are opaque, base64 and need URL-encoding: the links carry them encoded.
    const cursor = String((first.meta as Json).after_cursor);
    const again = await get(`tickets.json?page[size]=100&page[after]=${encodeURIComponent(cursor)}`, bearer, "bulk");
    expect(ids(again.body.tickets)[0]).toBe(101);
  });

  it("keeps the request's other parameters in the links, and works on every list", async () => {
    await bulkInstance(5);
    const bearer = await token(["read"], { subdomain: "bulk" });
    const users = await get("users.json?role=agent&page[size]=2", bearer, "bulk");
    expect((users.body.users as Json[]).every((user) => user.role !== "end-user")).toBe(true);
    expect(String((users.body.links as Json).next)).toContain("role=agent");
    for (const list of [
      "organizations.json",
      "ticket_fields.json",
      "tickets/1/comments.json",
      "users/search.json?query=example",
    ]) {
      const page = await get(`${list}${list.includes("?") ? "&" : "?"}page[size]=2`, bearer, "bulk");
      expect(page.status, list).toBe(200);
      expect(page.body.meta, list).toMatchObject({ has_more: expect.any(Boolean) });
    }
  });

  it("refuses bad parameters with Zendesk's 400s", async () => {
    const bearer = await token(["read"]);
    expect(await get("tickets.json?page[size]=101", bearer)).toMatchObject({
      status: 400,
      body: { error: "InvalidPaginationParameter", description: "page[size] must be less than or equal to 100" },
    });
    expect(await get("tickets.json?page[size]=0", bearer)).toMatchObject({
      status: 400,
      body: { error: "InvalidPaginationParameter" },
    });
    expect(await get("tickets.json?page[size]=ten", bearer)).toMatchObject({
      status: 400,
      body: {
        error: {
          title: "Invalid attribute",
          message:
            "You passed an invalid value for the page.size attribute. Invalid parameter: page.size must be an integer from api/v2/tickets/index",
        },
      },
    });
    expect(await get("tickets.json?page[after]=not-a-cursor", bearer)).toMatchObject({
      status: 400,
      body: { error: "InvalidPaginationParameter", description: "The cursor is invalid" },
    });
    const cursor = encodeURIComponent(Buffer.from(JSON.stringify({ id: 3 })).toString("base64"));
    expect(await get(`tickets.json?page[after]=${cursor}&page[before]=${cursor}`, bearer)).toMatchObject({
      status: 400,
      body: { error: "InvalidPaginationParameter" },
    });
  });

  it("an empty list answers an empty page with null cursors", async () => {
    await context.sim.control.addInstance({ subdomain: "empty", name: "Empty" });
    const page = await get("tickets.json?page[size]=10", await token(["read"], { subdomain: "empty" }), "empty");
    expect(page.body).toEqual({
      tickets: [],
      meta: { has_more: false, after_cursor: null, before_cursor: null },
      links: { next: null, prev: null },
    });
  });
});

describe("speed", () => {
  it("a 10,000-ticket instance pages through by cursor at 2,000 tickets/s or more", async () => {
    await context.sim.control.addInstance({
      subdomain: "large",
      name: "Large",
      rate_limit_per_minute: 1_000_000,
      generate: { tickets: 10_000, seed: 3 },
    });
    const bearer = await token(["read"], { subdomain: "large" });
    const started = performance.now();
    let count = 0;
    let next: string | null = "tickets.json?page[size]=100";
    while (next !== null) {
      const page = await get(next, bearer, "large");
      count += (page.body.tickets as Json[]).length;
      next = (page.body.links as { next: string | null }).next;
    }
    const perSecond = count / ((performance.now() - started) / 1000);
    expect(count).toBe(10_000);
    expect(perSecond).toBeGreaterThanOrEqual(2_000);
  });
});

describe("offset pagination", () => {
  it("pages tickets, users and organizations with next_page/previous_page/count; per_page is capped at 100", async () => {
    await bulkInstance(150);
    const bearer = await token(["read"], { subdomain: "bulk" });
    const second = await get("tickets.json?page=2&per_page=500", bearer, "bulk");
    expect(ids(second.body.tickets)).toEqual(Array.from({ length: 50 }, (_, index) => index + 101));
    expect(second.body).toMatchObject({
      count: 150,
      next_page: null,
      previous_page: `${context.sim.url}/bulk/api/v2/tickets.json?page=1&per_page=100`,
    });
    const users = await get("users.json?per_page=10", bearer, "bulk");
    expect(users.body).toMatchObject({
      count: 43,
      next_page: `${context.sim.url}/bulk/api/v2/users.json?page=2&per_page=10`,
    });
    const organizations = await get("organizations.json", bearer, "bulk");
    expect(organizations.body).toMatchObject({ count: 5, next_page: null, previous_page: null });
  });

  it("refuses page=abc and anything past the first 10,000 records", async () => {
    const bearer = await token(["read"]);
    expect(await get("tickets.json?page=abc", bearer)).toMatchObject({
      status: 400,
      body: { error: { title: "Invalid attribute" } },
    });
    expect(await get("tickets.json?page=101", bearer)).toMatchObject({
      status: 400,
      body: { error: "InvalidPaginationParameter" },
    });
    expect((await get("tickets.json?page=100", bearer)).status).toBe(200);
  });
});

describe("tickets", () => {
  it("show, show_many and Zendesk's 404", async () => {
    const bearer = await token(["tickets:read"]);
    const shown = await get("tickets/2.json", bearer);
    expect(shown.body.ticket).toMatchObject({
      id: 2,
      url: `${context.sim.url}/acme/api/v2/tickets/2.json`,
      subject: "Cannot log in",
      raw_subject: "Cannot log in",
      status: "open",
      requester_id: 10003,
      submitter_id: 10003,
      organization_id: 900002,
      collaborator_ids: [],
      follower_ids: [],
      custom_fields: [],
      created_at: "2025-01-07T09:07:00Z",
      via: { channel: "web" },
    });
    expect(await get("tickets/999.json", bearer)).toMatchObject({
      status: 404,
      body: { error: "RecordNotFound", description: "Not found" },
    });
    expect((await get("tickets/abc.json", bearer)).status).toBe(404);
    const many = await get("tickets/show_many.json?ids=3,1,999", bearer);
    expect(ids(many.body.tickets)).toEqual([3, 1]);
    expect((await get("tickets/show_many.json?ids=1,x", bearer)).status).toBe(400);
    const tooMany = Array.from({ length: 101 }, (_, index) => index + 1).join(",");
    expect((await get(`tickets/show_many.json?ids=${tooMany}`, bearer)).status).toBe(400);
  });

  it("create: 201 with the ticket, an audit and Location; the comment becomes the description", async () => {
    await context.sim.control.advanceClock(3600);
    const bearer = await token(["tickets:write", "tickets:read"], { user_id: 10002 });
    const created = await send("POST", "tickets.json", bearer, {
      ticket: {
        subject: "Webhook failures",
        comment: { body: "Our webhooks fail since 9:00.", public: false },
        priority: "high",
        tags: ["webhooks", "webhooks", "api"],
        requester_id: 10003,
        external_id: "crm-42",
        custom_fields: [{ id: 360001, value: "yes" }],
      },
    });
    expect(created.status).toBe(201);
    const ticket = created.body.ticket as Json;
    expect(ticket).toMatchObject({
      id: 8,
      subject: "Webhook failures",
      description: "Our webhooks fail since 9:00.",
      status: "new",
      priority: "high",
      requester_id: 10003,
      submitter_id: 10002,
      assignee_id: null,
      organization_id: 900002,
      tags: ["webhooks", "api"],
      external_id: "crm-42",
      custom_fields: [{ id: 360001, value: "yes" }],
      via: { channel: "api" },
    });
    expect(created.headers.get("location")).toBe(`${context.sim.url}/acme/api/v2/tickets/8.json`);
    expect(created.body.audit).toMatchObject({ ticket_id: 8, author_id: 10002, via: { channel: "api" } });
    const events = (created.body.audit as { events: Json[] }).events;
    expect(events[0]).toMatchObject({
      type: "Comment",
      body: "Our webhooks fail since 9:00.",
      public: false,
      author_id: 10002,
    });
    expect(events).toContainEqual(expect.objectContaining({ type: "Create", field_name: "status", value: "new" }));
    // Simulator time, to the second.
    expect(Date.parse(String(ticket.created_at))).toBeGreaterThan(Date.now() + 3_500_000);

    const assigned = await send("POST", "tickets.json", bearer, {
      ticket: { description: "No subject", assignee_id: 10001 },
    });
    expect(assigned.body.ticket).toMatchObject({
      subject: null,
      status: "open",
      assignee_id: 10001,
      requester_id: 10002,
    });
  });

  it("create refuses invalid tickets with 422 RecordInvalid and details", async () => {
    const bearer = await token(["write"]);
    expect(await send("POST", "tickets.json", bearer, { ticket: { subject: "No body" } })).toMatchObject({
      status: 422,
      body: {
        error: "RecordInvalid",
        description: "Record validation errors",
        details: { base: [{ description: "Description: cannot be blank", error: "BlankValue" }] },
      },
    });
    const bad = await send("POST", "tickets.json", bearer, {
      ticket: { comment: { body: "x" }, status: "urgent", requester_id: 424242, assignee_id: 10003, priority: 3 },
    });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.details as Json).sort()).toEqual(["assignee_id", "priority", "requester_id", "status"]);
    expect(await send("POST", "tickets.json", bearer, "{not json")).toMatchObject({ status: 400 });
    expect((await send("POST", "tickets.json", bearer, { ticket: { comment: { body: "   " } } })).status).toBe(422);
  });

  it("create with requester {name, email} makes the end-user first, as Zendesk does", async () => {
    const bearer = await token(["write", "read"]);
    const created = await send("POST", "tickets.json", bearer, {
      ticket: { comment: { body: "Hello" }, requester: { name: "New Person", email: "New.Person@Example.com" } },
    });
    const requesterId = (created.body.ticket as Json).requester_id as number;
    const user = await get(`users/${requesterId}.json`, bearer);
    expect(user.body.user).toMatchObject({ name: "New Person", email: "new.person@example.com", role: "end-user" });
    const again = await send("POST", "tickets.json", bearer, {
      ticket: { comment: { body: "Again" }, requester: { email: "new.person@example.com" } },
    });
    expect((again.body.ticket as Json).requester_id).toBe(requesterId);
  });

  it("update changes fields, adds the comment, moves updated_at; a closed ticket refuses updates", async () => {
    const bearer = await token(["tickets:read", "tickets:write"]);
    await context.sim.control.advanceClock(60);
    const updated = await send("PUT", "tickets/2.json", bearer, {
      ticket: { status: "solved", comment: { body: "Fixed, thanks!", author_id: 10002 }, tags: ["done"] },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.ticket).toMatchObject({ id: 2, status: "solved", tags: ["done"] });
    expect((updated.body.ticket as Json).updated_at).not.toBe("2025-01-07T09:07:00Z");
    expect((updated.body.audit as { events: Json[] }).events).toEqual([
      expect.objectContaining({ type: "Comment", body: "Fixed, thanks!", author_id: 10002 }),
      expect.objectContaining({ type: "Change", field_name: "status", value: "solved", previous_value: "open" }),
      expect.objectContaining({
        type: "Change",
        field_name: "tags",
        value: ["done"],
        previous_value: ["simulator", "batch-1"],
      }),
    ]);
    const comments = await get("tickets/2/comments.json", bearer);
    expect((comments.body.comments as Json[]).map((comment) => [comment.author_id, comment.body])).toEqual([
      [10003, "I get 'invalid password' since this morning."],
      [10002, "Fixed, thanks!"],
    ]);
    expect(comments.body).toMatchObject({ count: 2, next_page: null });

    expect(await send("PUT", "tickets/7.json", bearer, { ticket: { status: "open" } })).toMatchObject({
      status: 422,
      body: { error: "RecordInvalid", details: { status: [{ description: "Status: closed prevents ticket update" }] } },
    });
    expect((await send("PUT", "tickets/999.json", bearer, { ticket: { status: "open" } })).status).toBe(404);
    expect((await send("PUT", "tickets/2.json", bearer, { ticket: { assignee_id: 999 } })).status).toBe(422);
  });

  it("delete: 204, then 404; the incremental export reports it deleted", async () => {
    const bearer = await token(["read", "write"]);
    expect((await send("DELETE", "tickets/3.json", bearer)).status).toBe(204);
    expect((await get("tickets/3.json", bearer)).status).toBe(404);
    expect((await send("DELETE", "tickets/3.json", bearer)).status).toBe(404);
    expect((await get("tickets/3/comments.json", bearer)).status).toBe(404);
    const exported = await get("incremental/tickets/cursor.json?start_time=0", bearer);
    const deleted = (exported.body.tickets as Json[]).find((ticket) => ticket.id === 3);
    expect(deleted).toMatchObject({ status: "deleted" });
    expect((exported.body.tickets as Json[]).at(-1)?.id).toBe(3);
  });
});

describe("scopes and roles", () => {
  it("reads need read or {resource}:read, writes write or {resource}:write; otherwise 403 Forbidden", async () => {
    const cases: [string[], string, string, number][] = [
      [["tickets:read"], "GET", "tickets/1.json", 200],
      [["tickets:read"], "POST", "tickets.json", 403],
      [["tickets:write"], "GET", "tickets/1.json", 403],
      [["tickets:write"], "DELETE", "tickets/1.json", 204],
      [["users:read"], "GET", "users.json", 200],
      [["users:read"], "GET", "users/10001.json", 200],
      [["users:read"], "GET", "users/search.json?query=ada", 200],
      [["users:read"], "GET", "tickets.json", 403],
      [["tickets:read"], "GET", "users.json", 403],
      [["organizations:read"], "GET", "organizations.json", 200],
      [["organizations:read"], "GET", "organizations/900001.json", 200],
      [["users:read"], "GET", "organizations.json", 403],
      [["read"], "GET", "search.json?query=printer", 200],
      [["tickets:read"], "GET", "search.json?query=printer", 403],
      [["tickets:read"], "GET", "search.json?query=type:ticket printer", 200],
      [["tickets:read"], "GET", "search.json?query=type:user ada", 403],
      [["users:read"], "GET", "search/count.json?query=type:user ada", 200],
      [["tickets:read"], "GET", "ticket_fields.json", 200],
      [["tickets:read"], "GET", "incremental/tickets/cursor.json?start_time=0", 200],
      [["write"], "GET", "incremental/tickets/cursor.json?start_time=0", 403],
    ];
    for (const [scopes, method, path, status] of cases) {
      const answer = await send(
        method,
        path,
        await token(scopes),
        method === "POST" ? { ticket: { comment: { body: "x" } } } : undefined,
      );
      expect(answer.status, `${scopes.join(" ")} ${method} ${path}`).toBe(status);
      if (status === 403) expect(answer.body).toEqual(FORBIDDEN);
    }
  });

  it("the user's role still applies: end-users are refused, the export is for admins", async () => {
    const endUser = await token(["read", "write"], { user_id: 10003 });
    for (const path of ["tickets.json", "tickets/1.json", "users.json", "organizations.json", "search.json?query=x"]) {
      expect((await get(path, endUser)).status, path).toBe(403);
    }
    const agent = await token(["read"], { user_id: 10002 });
    expect((await get("tickets.json", agent)).status).toBe(200);
    expect((await get("incremental/tickets/cursor.json?start_time=0", agent)).status).toBe(403);
  });

  it("no token: 401; another instance's token: invalid_token", async () => {
    expect(await get("tickets/1.json", null)).toMatchObject({
      status: 401,
      body: { error: "Couldn't authenticate you" },
    });
    const globex = await token(["read"], { subdomain: "globex" });
    expect(await get("tickets/1.json", globex)).toMatchObject({ status: 401, body: { error: "invalid_token" } });
  });
});

describe("users and organizations", () => {
  it("lists, shows and searches users; shows organizations from the seed", async () => {
    const bearer = await token(["read"]);
    const users = await get("users.json", bearer);
    expect(ids(users.body.users)).toEqual([10001, 10002, 10003]);
    expect(await get("users/10002.json", bearer)).toMatchObject({
      status: 200,
      body: { user: { name: "Alan Agent", role: "agent" } },
    });
    expect((await get("users/1.json", bearer)).status).toBe(404);
    const found = await get("users/search.json?query=erin.enduser@acme.example.com", bearer);
    expect(ids(found.body.users)).toEqual([10003]);
    expect(ids((await get("users/search.json?query=a%20admin", bearer)).body.users)).toEqual([10001]);
    expect((await get("users/search.json", bearer)).status).toBe(400);
    expect((await get("users.json?role=owner", bearer)).status).toBe(400);
    const organization = await get("organizations/900001.json", bearer);
    expect(organization.body.organization).toMatchObject({
      id: 900001,
      name: "Acme Inc.",
      domain_names: ["acme.example.com"],
      url: `${context.sim.url}/acme/api/v2/organizations/900001.json`,
    });
    expect((await get("organizations/1.json", bearer)).status).toBe(404);
  });
});

describe("older seeds", () => {
  it("get one organization per organization_id their users name", async () => {
    await context.sim.control.addInstance({
      subdomain: "legacy",
      name: "Legacy",
      users: [{ id: 1, name: "Owner", email: "owner@legacy.example.com", role: "admin", organization_id: 555 }],
    });
    const organizations = await context.sim.control.organizations("legacy");
    expect(organizations).toEqual([expect.objectContaining({ id: 555, name: "Organization 555" })]);
  });
});

describe("search", () => {
  it("filters by type, status, requester, tags, dates and free text", async () => {
    const bearer = await token(["read"]);
    const search = async (query: string, extra = ""): Promise<Json> =>
      (await get(`search.json?query=${encodeURIComponent(query)}${extra}`, bearer)).body;
    expect(ids((await search("type:ticket status:open")).results)).toEqual([2, 4]);
    expect(ids((await search("type:ticket status<pending")).results)).toEqual([1, 2, 4]);
    expect(ids((await search("type:ticket requester:erin.enduser@acme.example.com tags:batch-1")).results)).toEqual([
      2, 4, 6,
    ]);
    expect(ids((await search("type:ticket requester:10003 -tags:batch-1")).results)).toEqual([1, 3, 5, 7]);
    expect(ids((await search("type:ticket created>2025-01-10")).results)).toEqual([6, 7]);
    expect(ids((await search("type:ticket created:2025-01-10")).results)).toEqual([5]);
    expect(ids((await search('type:ticket "dark mode"')).results)).toEqual([4]);
    expect(ids((await search("printer")).results)).toEqual([1]);
    const mixed = await search("ada");
    expect((mixed.results as Json[]).map((result) => [result.result_type, result.id])).toEqual([["user", 10001]]);
    expect((await search("type:organization acme")).results).toEqual([
      expect.objectContaining({ id: 900001, result_type: "organization" }),
    ]);
    const sorted = await search("type:ticket", "&sort_by=created_at&sort_order=asc");
    expect(ids(sorted.results)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(sorted).toMatchObject({ count: 7, next_page: null, previous_page: null, facets: null });
    const count = await get(`search/count.json?query=${encodeURIComponent("type:ticket status:open")}`, bearer);
    expect(count.body).toEqual({ count: 2 });
  });

  it("offset only, 1,000 results at most, and a query is required", async () => {
    await bulkInstance(1_200);
    const bearer = await token(["read"], { subdomain: "bulk" });
    const first = await get("search.json?query=type:ticket&per_page=100", bearer, "bulk");
    expect(first.body).toMatchObject({ count: 1_200 });
    expect(String(first.body.next_page)).toBe(
      `${context.sim.url}/bulk/api/v2/search.json?page=2&per_page=100&query=type%3Aticket`,
    );
    const tenth = await get("search.json?query=type:ticket&per_page=100&page=10", bearer, "bulk");
    expect((tenth.body.results as Json[]).length).toBe(100);
    expect(tenth.body.next_page).toBeNull();
    expect(await get("search.json?query=type:ticket&per_page=100&page=11", bearer, "bulk")).toMatchObject({
      status: 422,
      body: {
        error: "invalid",
        description: "Invalid search: Requested response size was greater than Search Response Limits",
      },
    });
    expect(await get("search.json?query=type:ticket&page[size]=10", bearer, "bulk")).toMatchObject({
      status: 400,
      body: { error: { title: "Invalid attribute" } },
    });
    expect((await get("search.json", bearer, "bulk")).status).toBe(400);
    expect((await get("search.json?query=x&sort_by=color", bearer, "bulk")).status).toBe(400);
  });
});

describe("incremental ticket export", () => {
  it("start_time, then cursor: by update time, end_of_stream, and an after_cursor to resume", async () => {
    await bulkInstance(30);
    const bearer = await token(["read"], { subdomain: "bulk" });
    const first = await get("incremental/tickets/cursor.json?start_time=0&per_page=20", bearer, "bulk");
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ end_of_stream: false, before_cursor: null, before_url: null });
    expect(String(first.body.after_url)).toMatch(/incremental\/tickets\/cursor\.json\?cursor=.+&per_page=20$/);
    const second = await get(String(first.body.after_url), bearer, "bulk");
    expect(second.body.end_of_stream).toBe(true);
    const all = [...(first.body.tickets as Json[]), ...(second.body.tickets as Json[])];
    expect(all).toHaveLength(30);
    const times = all.map((ticket) => Date.parse(String(ticket.updated_at)));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // Nothing new: an empty page, still resumable. Then an update shows up after the cursor.
    const resume = String(second.body.after_cursor);
    const idle = await get(`incremental/tickets/cursor.json?cursor=${encodeURIComponent(resume)}`, bearer, "bulk");
    expect(idle.body).toMatchObject({ tickets: [], end_of_stream: true, after_cursor: resume });
    await context.sim.control.advanceClock(10);
    await send(
      "PUT",
      "tickets/5.json",
      await token(["write"], { subdomain: "bulk" }),
      { ticket: { comment: { body: "ping" } } },
      "bulk",
    );
    const changed = await get(`incremental/tickets/cursor.json?cursor=${encodeURIComponent(resume)}`, bearer, "bulk");
    expect(ids(changed.body.tickets)).toEqual([5]);

    const later = Math.floor(Date.parse("2030-01-01T00:00:00Z") / 1000);
    const none = await get(`incremental/tickets/cursor.json?start_time=${later}`, bearer, "bulk");
    expect(none.body).toMatchObject({ tickets: [], end_of_stream: true });
  });

  it("refuses a missing start_time, a bad one and a bad cursor", async () => {
    const bearer = await token(["read"]);
    expect((await get("incremental/tickets/cursor.json", bearer)).status).toBe(400);
    expect((await get("incremental/tickets/cursor.json?start_time=yesterday", bearer)).status).toBe(400);
    expect(await get("incremental/tickets/cursor.json?cursor=zzz", bearer)).toMatchObject({
      status: 400,
      body: { error: "InvalidPaginationParameter" },
    });
  });
});

describe("ticket fields", () => {
  it("lists the system fields", async () => {
    const answer = await get("ticket_fields.json", await token(["read"]));
    expect((answer.body.ticket_fields as Json[]).map((field) => field.type)).toEqual([
      "subject",
      "description",
      "status",
      "tickettype",
      "priority",
      "group",
      "assignee",
    ]);
    expect((answer.body.ticket_fields as Json[])[2]).toMatchObject({
      title: "Status",
      active: true,
      system_field_options: expect.arrayContaining([{ name: "Open", value: "open" }]),
    });
  });
});

describe("rate limits", () => {
  it("every answer carries the X-Rate-Limit and ratelimit-* headers; over the plan's limit, 429 with Retry-After", async () => {
    await context.sim.control.setOptions({ rate_limits: { acme: 2 } });
    const bearer = await token(["read"]);
    const first = await get("tickets/1.json", bearer);
    expect(
      Object.fromEntries(
        ["x-rate-limit", "x-rate-limit-remaining", "ratelimit-limit", "ratelimit-remaining"].map((name) => [
          name,
          first.headers.get(name),
        ]),
      ),
    ).toEqual({
      "x-rate-limit": "2",
      "x-rate-limit-remaining": "1",
      "ratelimit-limit": "2",
      "ratelimit-remaining": "1",
    });
    expect(Number(first.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    expect(first.headers.get("retry-after")).toBeNull();
    await get("search.json?query=x", bearer);
    const limited = await get("users.json", bearer);
    expect(limited).toMatchObject({ status: 429, body: { error: "APIRateLimitExceeded" } });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("generators", () => {
  it("the same seed gives the same data; another seed other data", async () => {
    const spec = { tickets: 20, users: 10, organizations: 3, comments_per_ticket: 2 };
    const users = [
      { id: 1, name: "Owner", email: "owner@example.com", role: "admin" as const },
      { id: 2, name: "Helper", email: "helper@example.com", role: "agent" as const },
      { id: 3, name: "Client", email: "client@example.com", role: "end-user" as const },
    ];
    for (const [subdomain, seed] of [
      ["gen-a", 42],
      ["gen-b", 42],
      ["gen-c", 43],
    ] as const) {
      await context.sim.control.addInstance({ subdomain, name: subdomain, users, generate: { ...spec, seed } });
    }
    // Only the URL differs (it names the subdomain).
    const strip = (tickets: Json[]) => tickets.map((ticket) => ({ ...ticket, url: null }));
    const [a, b, c] = await Promise.all(["gen-a", "gen-b", "gen-c"].map((sub) => context.sim.control.tickets(sub)));
    expect(a).toHaveLength(20);
    expect(strip(a as unknown as Json[])).toEqual(strip(b as unknown as Json[]));
    expect(strip(a as unknown as Json[])).not.toEqual(strip(c as unknown as Json[]));
    // Default users (3) + 10 generated; 3 organizations; 1 + 2 comments per ticket.
    expect(await context.sim.control.users("gen-a")).toHaveLength(13);
    expect(await context.sim.control.organizations("gen-a")).toHaveLength(3);
    expect((await context.sim.control.ticket("gen-a", 1)).comments).toHaveLength(3);
    // After a reset the instance is gone (it was added at run time); a seed keeps it.
    await context.sim.control.reset();
    expect((await context.sim.control.instances()).map((instance) => instance.subdomain)).toEqual([
      "acme",
      "globex",
      "initech",
    ]);
  });
});

describe("control API records", () => {
  it("arranges tickets, comments, users and organizations, and reads what the API wrote", async () => {
    const control = context.sim.control;
    const organization = await control.addOrganization("acme", {
      name: "Wayne Enterprises",
      domain_names: ["wayne.example.com"],
    });
    expect(organization).toMatchObject({ id: 900003, name: "Wayne Enterprises" });
    const user = await control.addUser("acme", {
      name: "Bruce Wayne",
      email: "bruce@wayne.example.com",
      role: "end-user",
      organization_id: organization.id,
    });
    expect(user).toMatchObject({ id: 10004, organization_id: 900003, role: "end-user" });
    const arranged = await control.addTicket("acme", {
      subject: "Batmobile recall",
      description: "The brakes squeal.",
      requester_id: user.id,
      tags: ["vip"],
      comments: [{ body: "Any news?", author_id: user.id }],
    });
    expect(arranged.ticket).toMatchObject({ id: 8, organization_id: 900003, status: "open", tags: ["vip"] });
    expect(arranged.comments.map((comment) => comment.body)).toEqual(["The brakes squeal.", "Any news?"]);
    const added = await control.addComment("acme", 8, { body: "Following up", public: false });
    expect(added.comment).toMatchObject({ author_id: 10004, public: false });

    // The feature under test writes through the API; the test asserts through the control API.
    const bearer = await token(["write"]);
    await send("PUT", "tickets/8.json", bearer, {
      ticket: { status: "pending", comment: { body: "On it", author_id: 10002 } },
    });
    const { ticket, comments } = await control.ticket("acme", 8);
    expect(ticket.status).toBe("pending");
    expect(comments.map((comment) => [comment.author_id, comment.body])).toEqual([
      [10004, "The brakes squeal."],
      [10004, "Any news?"],
      [10004, "Following up"],
      [10002, "On it"],
    ]);
    expect((await control.tickets("acme")).map((candidate) => candidate.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    for (const call of [
      () => control.ticket("acme", 999),
      () => control.addTicket("acme", { subject: "x", requester_id: 424242 }),
      () => control.addTicket("acme", { id: 1, subject: "x" }),
      () => control.addUser("acme", { name: "x", email: "x@example.com", role: "agent", organization_id: 1 }),
      () => control.tickets("nope"),
    ]) {
      const error = await call().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SimulatorControlError);
      expect([400, 404, 409]).toContain((error as SimulatorControlError).status);
    }
    await control.reset();
    expect(await control.tickets("acme")).toHaveLength(7);
  });
});
