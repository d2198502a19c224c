/**
 * Zendesk's two ways through a list, on records kept sorted by id:
 *
 * - cursor (`page[size]` ≤ 100, `page[after]` / `page[before]`): `meta {has_more, after_cursor,
 *   before_cursor}` and absolute `links {next, prev}`; a page is a binary search and a slice;
 * - offset (`page`, `per_page` ≤ 100): `next_page`, `previous_page`, `count`, refused past the
 *   first 10,000 records as Zendesk does since 2023 (search: past 1,000 results, 422).
 *
 * A request with `page[size]`, `page[after]` or `page[before]` is a cursor request; anything
 * else is offset (where the endpoint offers it) or the endpoint's first cursor page.
 */
import { invalidAttribute, invalidPagination } from "./errors.js";
import { upperBound } from "./records.js";
import { jsonResponse } from "../http.js";
import type { SimResponse } from "../http.js";

export const MAX_PAGE_SIZE = 100;
/** Offset pagination stops at the first 10,000 records (Zendesk, August 2023). */
export const OFFSET_RECORD_LIMIT = 10_000;

export type PageRequest =
  | { kind: "cursor"; size: number; after: number | null; before: number | null }
  | { kind: "offset"; page: number; perPage: number; perPageGiven: boolean };

export interface PaginationRules {
  /** For Zendesk's "Invalid attribute" messages, e.g. `api/v2/tickets/index`. */
  action: string;
  /** Whether the endpoint still offers offset pagination (otherwise a plain request is cursor). */
  offset: boolean;
}

const CURSOR_PARAMS = ["page[size]", "page[after]", "page[before]"];

/**
 * Cursors are opaque to clients. These are standard base64 (with `+`, `/`, `=`) like Zendesk's,
 * so a client that forgets to URL-encode a cursor it builds itself finds out here.
 */
export function encodeCursor(value: Record<string, number>): string {
  return Buffer.from(JSON.stringify(value)).toString("base64");
}

export function decodeCursor(raw: string, fields: readonly string[]): Record<string, number> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, "base64").toString("utf8"));
    if (typeof value !== "object" || value === null) return null;
    const record = value as Record<string, unknown>;
    const out: Record<string, number> = {};
    for (const field of fields) {
      const number = record[field];
      if (typeof number !== "number" || !Number.isSafeInteger(number)) return null;
      out[field] = number;
    }
    return out;
  } catch {
    return null;
  }
}

function integer(raw: string): number | null {
  return /^\d+$/.test(raw) && raw.length < 10 ? Number(raw) : null;
}

function cursorKey(raw: string | null): number | null | "invalid" {
  if (raw === null) return null;
  const decoded = decodeCursor(raw, ["id"]);
  return decoded === null ? "invalid" : (decoded.id as number);
}

/** Reads the pagination parameters, or Zendesk's 400 for bad ones. */
export function readPageRequest(query: URLSearchParams, rules: PaginationRules): PageRequest | SimResponse {
  const cursorRequested = CURSOR_PARAMS.some((name) => query.has(name));
  if (cursorRequested || !rules.offset) {
    const rawSize = query.get("page[size]");
    let size = MAX_PAGE_SIZE;
    if (rawSize !== null) {
      const parsed = integer(rawSize);
      if (parsed === null) return invalidAttribute("page.size", rules.action);
      if (parsed < 1) return invalidPagination("page[size] must be greater than 0");
      if (parsed > MAX_PAGE_SIZE) return invalidPagination(`page[size] must be less than or equal to ${MAX_PAGE_SIZE}`);
      size = parsed;
    }
    const after = cursorKey(query.get("page[after]"));
    const before = cursorKey(query.get("page[before]"));
    if (after === "invalid" || before === "invalid") return invalidPagination("The cursor is invalid");
    if (after !== null && before !== null) {
      return invalidPagination("page[after] and page[before] cannot be used together");
    }
    return { kind: "cursor", size, after, before };
  }
  const rawPage = query.get("page");
  const rawPerPage = query.get("per_page");
  const page = rawPage === null ? 1 : integer(rawPage);
  if (page === null) return invalidAttribute("page", rules.action);
  const perPage = rawPerPage === null ? MAX_PAGE_SIZE : integer(rawPerPage);
  if (perPage === null) return invalidAttribute("per_page", rules.action);
  // Zendesk caps per_page at 100 rather than refusing more; 0 means the default.
  return {
    kind: "offset",
    page: Math.max(1, page),
    perPage: perPage === 0 ? MAX_PAGE_SIZE : Math.min(MAX_PAGE_SIZE, perPage),
    perPageGiven: rawPerPage !== null,
  };
}

/** The list's URL with the given pagination parameters, keeping the request's other parameters. */
function pageLink(listUrl: string, query: URLSearchParams, pagination: Record<string, string>): string {
  const params = new URLSearchParams(pagination);
  for (const [name, value] of query) {
    if (name === "page" || name === "per_page" || name.startsWith("page[")) continue;
    params.append(name, value);
  }
  return `${listUrl}?${params.toString()}`;
}

export interface CursorPage<T> {
  items: T[];
  meta: { has_more: boolean; after_cursor: string | null; before_cursor: string | null };
  links: { next: string | null; prev: string | null };
}

/**
 * One cursor page of `sorted` (ascending by `keyOf`). `has_more` looks in the direction of
 * travel; `links.next` / `links.prev` are null when nothing lies that way.
 */
export function cursorPage<T>(
  sorted: readonly T[],
  keyOf: (item: T) => number,
  request: Extract<PageRequest, { kind: "cursor" }>,
  listUrl: string,
  query: URLSearchParams,
): CursorPage<T> {
  let start: number;
  let end: number;
  if (request.before !== null) {
    end = upperBound(sorted, request.before, keyOf, true);
    start = Math.max(0, end - request.size);
  } else {
    start = request.after === null ? 0 : upperBound(sorted, request.after, keyOf);
    end = Math.min(sorted.length, start + request.size);
  }
  const items = sorted.slice(start, end);
  const first = items[0];
  const last = items.at(-1);
  const afterCursor = last === undefined ? null : encodeCursor({ id: keyOf(last) });
  const beforeCursor = first === undefined ? null : encodeCursor({ id: keyOf(first) });
  const moreAfter = end < sorted.length;
  const moreBefore = start > 0;
  const size = String(request.size);
  return {
    items,
    meta: {
      has_more: request.before !== null ? moreBefore : moreAfter,
      after_cursor: afterCursor,
      before_cursor: beforeCursor,
    },
    links: {
      next:
        moreAfter && afterCursor !== null
          ? pageLink(listUrl, query, { "page[size]": size, "page[after]": afterCursor })
          : null,
      prev:
        moreBefore && beforeCursor !== null
          ? pageLink(listUrl, query, { "page[size]": size, "page[before]": beforeCursor })
          : null,
    },
  };
}

export interface OffsetPage<T> {
  items: T[];
  next_page: string | null;
  previous_page: string | null;
  count: number;
}

export function offsetPage<T>(
  all: readonly T[],
  request: Extract<PageRequest, { kind: "offset" }>,
  listUrl: string,
  query: URLSearchParams,
): OffsetPage<T> {
  const start = (request.page - 1) * request.perPage;
  const link = (page: number): string => {
    const params: Record<string, string> = { page: String(page) };
    if (request.perPageGiven) params.per_page = String(request.perPage);
    return pageLink(listUrl, query, params);
  };
  return {
    items: all.slice(start, start + request.perPage),
    next_page: start + request.perPage < all.length ? link(request.page + 1) : null,
    previous_page: request.page > 1 ? link(request.page - 1) : null,
    count: all.length,
  };
}

/** Offset requests past the first 10,000 records: 400, as Zendesk answers since August 2023. */
export function offsetLimitExceeded(request: Extract<PageRequest, { kind: "offset" }>): SimResponse | null {
  if ((request.page - 1) * request.perPage < OFFSET_RECORD_LIMIT) return null;
  return jsonResponse(400, {
    error: "InvalidPaginationParameter",
    description: `Offset pagination is limited to the first ${OFFSET_RECORD_LIMIT} records. Use cursor pagination (page[size]) to go further.`,
  });
}

/**
 * A list answer in either style: `{ [name]: [...], meta, links }` for cursor,
 * `{ [name]: [...], next_page, previous_page, count }` for offset.
 */
export function listResponse<T>(
  name: string,
  sorted: readonly T[],
  keyOf: (item: T) => number,
  request: PageRequest,
  listUrl: string,
  query: URLSearchParams,
  toJson: (item: T) => unknown,
): SimResponse {
  if (request.kind === "cursor") {
    const page = cursorPage(sorted, keyOf, request, listUrl, query);
    return jsonResponse(200, { [name]: page.items.map(toJson), meta: page.meta, links: page.links });
  }
  const refused = offsetLimitExceeded(request);
  if (refused !== null) return refused;
  const page = offsetPage(sorted, request, listUrl, query);
  return jsonResponse(200, {
    [name]: page.items.map(toJson),
    next_page: page.next_page,
    previous_page: page.previous_page,
    count: page.count,
  });
}
