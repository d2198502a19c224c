/**
 * `GET /api/v2/search.json` and `search/count.json` over the instance's tickets, users and
 * organizations, for the documented subset of Zendesk's query language:
 *
 *   type:ticket|user|organization   status:open (also status<solved, status>=pending)
 *   requester:{id|email|me}  assignee:{id|email|me|none}  priority:high  tags:vip (tag:)
 *   created>2024-01-31  created<…  created:… (also >=, <=; updated likewise)
 *   free text: every other word (or "quoted phrase") in the subject (tickets), name or email
 *   (users), name (organizations); a leading `-` negates any term.
 *
 * Offset pagination only (page[size] is refused, as Zendesk does), at most 1,000 results.
 */
import { jsonResponse } from "../http.js";
import { scopeAllows } from "../scopes.js";
import { isResponse, requireToken } from "./access.js";
import { apiUrlOf } from "./api-url.js";
import { forbidden, invalidAttribute } from "./errors.js";
import { organizationJson, ticketJson, userJson } from "./json.js";
import { offsetPage, readPageRequest } from "./pagination.js";
import type { ZendeskRequest } from "../context.js";
import type { SimResponse } from "../http.js";
import type { Resource } from "./access.js";
import type { OrganizationRecord, TicketRecord, UserRecord } from "./records.js";

/** Zendesk's search returns at most 1,000 results per query. */
export const SEARCH_RESULT_LIMIT = 1_000;

type ResultType = "ticket" | "user" | "organization";
type Hit =
  | { type: "ticket"; record: TicketRecord }
  | { type: "user"; record: UserRecord }
  | { type: "organization"; record: OrganizationRecord };

type Predicate = (hit: Hit) => boolean;

interface ParsedQuery {
  types: Set<ResultType>;
  predicates: Predicate[];
}

const STATUS_ORDER = ["new", "open", "pending", "hold", "solved", "closed"];
const DAY_MS = 86_400_000;

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

function compare(operator: string, left: number, right: number): boolean {
  switch (operator) {
    case "<":
      return left < right;
    case "<=":
      return left <= right;
    case ">":
      return left > right;
    case ">=":
      return left >= right;
    default:
      return left === right;
  }
}

/**
 * A date condition: a day (`2024-01-31`) covers the whole UTC day (`>` is after it, `<` before
 * it), a full timestamp compares exactly. null when the value is not a date.
 */
function dateCondition(operator: string, value: string): ((ms: number) => boolean) | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = Date.parse(`${value}T00:00:00Z`);
    if (Number.isNaN(start)) return null;
    const end = start + DAY_MS;
    switch (operator) {
      case ":":
        return (ms) => ms >= start && ms < end;
      case ">":
        return (ms) => ms >= end;
      case ">=":
        return (ms) => ms >= start;
      case "<":
        return (ms) => ms < start;
      default:
        return (ms) => ms < end;
    }
  }
  const exact = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(exact)) return null;
  return (ms) => (operator === ":" ? ms === exact : compare(operator, ms, exact));
}

function createdAt(hit: Hit): number {
  return hit.type === "user" ? Date.parse(hit.record.created_at) : hit.record.created_at;
}

function updatedAt(hit: Hit): number {
  return hit.type === "user" ? Date.parse(hit.record.created_at) : hit.record.updated_at;
}

function textOf(hit: Hit): string {
  switch (hit.type) {
    case "ticket":
      return (hit.record.subject ?? "").toLowerCase();
    case "user":
      return `${hit.record.name} ${hit.record.email}`.toLowerCase();
    default:
      return hit.record.name.toLowerCase();
  }
}

/** A user id from `123`, an email or `me`; null when nobody matches (the term then matches nothing). */
function personId(req: ZendeskRequest, callerId: number, value: string): number | null {
  if (value === "me") return callerId;
  if (/^\d+$/.test(value)) return Number(value);
  const email = value.toLowerCase();
  return req.instance.data.users.sorted.find((user) => user.email.toLowerCase() === email)?.id ?? null;
}

function parseQuery(req: ZendeskRequest, callerId: number, raw: string): ParsedQuery {
  const types = new Set<ResultType>();
  const predicates: Predicate[] = [];
  const tokens = raw.match(/-?[a-z_]+(?::|<=|>=|<|>)"[^"]*"|-?"[^"]*"|\S+/gi) ?? [];
  for (const token of tokens) {
    const negated = token.startsWith("-") && token.length > 1;
    const body = negated ? token.slice(1) : token;
    const match = /^([a-z_]+)(:|<=|>=|<|>)(.+)$/i.exec(body);
    const keyword = match?.[1]?.toLowerCase();
    const operator = match?.[2] ?? ":";
    const value = unquote(match?.[3] ?? "");
    let predicate: Predicate | null = null;
    if (keyword === "type" && operator === ":" && ["ticket", "user", "organization"].includes(value.toLowerCase())) {
      types.add(value.toLowerCase() as ResultType);
      continue;
    }
    if (keyword === "status" && STATUS_ORDER.includes(value.toLowerCase())) {
      const wanted = STATUS_ORDER.indexOf(value.toLowerCase());
      predicate = (hit) => hit.type === "ticket" && compare(operator, STATUS_ORDER.indexOf(hit.record.status), wanted);
    } else if (keyword === "priority" && operator === ":") {
      predicate = (hit) => hit.type === "ticket" && (hit.record.priority ?? "none") === value.toLowerCase();
    } else if ((keyword === "requester" || keyword === "assignee") && operator === ":") {
      const id = keyword === "assignee" && value === "none" ? null : personId(req, callerId, value);
      const unknown = id === null && !(keyword === "assignee" && value === "none");
      predicate = (hit) =>
        hit.type === "ticket" &&
        !unknown &&
        (keyword === "requester" ? hit.record.requester_id === id : hit.record.assignee_id === id);
    } else if ((keyword === "tags" || keyword === "tag") && operator === ":") {
      const tag = value.toLowerCase();
      predicate = (hit) => hit.record.tags.some((candidate) => candidate.toLowerCase() === tag);
    } else if (keyword === "created" || keyword === "updated") {
      const condition = dateCondition(operator, value);
      if (condition !== null) predicate = (hit) => condition(keyword === "created" ? createdAt(hit) : updatedAt(hit));
    }
    if (predicate === null) {
      // Anything else is free text, Zendesk-style: a word or phrase to find.
      const text = unquote(body).toLowerCase();
      if (text === "") continue;
      predicate = (hit) => textOf(hit).includes(text);
    }
    const positive = predicate;
    predicates.push(negated ? (hit) => !positive(hit) : positive);
  }
  if (types.size === 0) for (const type of ["ticket", "user", "organization"] as const) types.add(type);
  return { types, predicates };
}

const RESOURCES: Record<ResultType, Resource> = { ticket: "tickets", user: "users", organization: "organizations" };

/**
 * The hits of `query`, or the refusal. A query limited by `type:` needs `read` or that
 * resource's read scope; a query over every type needs `read`.
 */
function runSearch(req: ZendeskRequest, action: string): { hits: Hit[] } | SimResponse {
  const caller = requireToken(req);
  if (isResponse(caller)) return caller;
  if (caller.user.role === "end-user") return forbidden();
  const query = req.url.searchParams.get("query");
  if (query === null || query.trim() === "") return invalidAttribute("query", action, "is required");
  const parsed = parseQuery(req, caller.user.id, query);
  const allTypes = parsed.types.size === 3;
  if (
    allTypes
      ? !caller.token.scopes.includes("read")
      : ![...parsed.types].every((type) => scopeAllows(caller.token.scopes, RESOURCES[type], "read"))
  ) {
    return forbidden();
  }
  const data = req.instance.data;
  const hits: Hit[] = [];
  const consider = (hit: Hit): void => {
    if (parsed.predicates.every((predicate) => predicate(hit))) hits.push(hit);
  };
  if (parsed.types.has("ticket")) for (const record of data.tickets.sorted) consider({ type: "ticket", record });
  if (parsed.types.has("user")) for (const record of data.users.sorted) consider({ type: "user", record });
  if (parsed.types.has("organization")) {
    for (const record of data.organizations.sorted) consider({ type: "organization", record });
  }
  return { hits };
}

function sortHits(hits: Hit[], query: URLSearchParams): SimResponse | null {
  const sortBy = query.get("sort_by");
  const sortOrder = query.get("sort_order") ?? "desc";
  if (sortOrder !== "asc" && sortOrder !== "desc") {
    return invalidAttribute("sort_order", "api/v2/search/index", "must be asc or desc");
  }
  if (sortBy === null) return null;
  const keys: Record<string, (hit: Hit) => number> = {
    created_at: createdAt,
    updated_at: updatedAt,
    status: (hit) => (hit.type === "ticket" ? STATUS_ORDER.indexOf(hit.record.status) : -1),
    priority: (hit) =>
      hit.type === "ticket" ? [null, "low", "normal", "high", "urgent"].indexOf(hit.record.priority) : -1,
    ticket_type: (hit) =>
      hit.type === "ticket" ? [null, "question", "incident", "problem", "task"].indexOf(hit.record.type) : -1,
  };
  const key = keys[sortBy];
  if (key === undefined) {
    return invalidAttribute(
      "sort_by",
      "api/v2/search/index",
      "must be one of created_at, updated_at, priority, status, ticket_type",
    );
  }
  const sign = sortOrder === "asc" ? 1 : -1;
  hits.sort((a, b) => sign * (key(a) - key(b)) || a.record.id - b.record.id);
  return null;
}

/** `GET /api/v2/search.json?query=…`: `{results, facets, next_page, previous_page, count}`. */
export function search(req: ZendeskRequest): SimResponse {
  const query = req.url.searchParams;
  // Search is offset-only: a cursor parameter is refused before anything else, as Zendesk does.
  if ([...query.keys()].some((name) => name.startsWith("page["))) {
    return invalidAttribute("page", "api/v2/search/index");
  }
  const result = runSearch(req, "api/v2/search/index");
  if (isResponse(result)) return result;
  const refused = sortHits(result.hits, query);
  if (refused !== null) return refused;
  const request = readPageRequest(query, { action: "api/v2/search/index", offset: true });
  if (isResponse(request)) return request;
  if (request.kind !== "offset") return invalidAttribute("page", "api/v2/search/index");
  if (request.page * request.perPage > SEARCH_RESULT_LIMIT) {
    return jsonResponse(422, {
      error: "invalid",
      description: "Invalid search: Requested response size was greater than Search Response Limits",
    });
  }
  const apiUrl = apiUrlOf(req);
  // Only the first 1,000 results can be paged to; `count` still tells how many matched.
  const reachable = result.hits.slice(0, SEARCH_RESULT_LIMIT);
  const page = offsetPage(reachable, request, apiUrl("search.json"), query);
  const results = page.items.map((hit) => {
    switch (hit.type) {
      case "ticket":
        return { ...ticketJson(apiUrl, hit.record), result_type: "ticket" };
      case "user":
        return { ...userJson(apiUrl, hit.record), result_type: "user" };
      default:
        return { ...organizationJson(apiUrl, hit.record), result_type: "organization" };
    }
  });
  return jsonResponse(200, {
    results,
    facets: null,
    next_page: page.next_page,
    previous_page: page.previous_page,
    count: result.hits.length,
  });
}

/** `GET /api/v2/search/count.json?query=…` → `{count}`. */
export function searchCount(req: ZendeskRequest): SimResponse {
  const result = runSearch(req, "api/v2/search/count");
  if (isResponse(result)) return result;
  return jsonResponse(200, { count: result.hits.length });
}
