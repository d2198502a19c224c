import { z } from "zod";
import type { ZendeskConnection } from "./db/schema.js";
import { recordConnectionEvent } from "./store/events.js";
import { currentAccessToken, markRenewedTokenRejected, renewRejectedToken } from "./tokens/lifecycle.js";
import { parseZendeskUser, type ZendeskUser } from "./transport/api.js";
import { type Result, ZendeskError } from "./transport/errors.js";
import { zendeskRequest } from "./transport/http.js";
import type { Subdomain } from "./transport/subdomain.js";
import { apiUrl, isSameZendeskInstance } from "./transport/urls.js";
import { zendeskSettings } from "./transport/settings.js";

/*
 * The API client bound to one stored connection. Every URL is built by lib/zendesk/transport/urls.ts for
 * the connection's own instance: only /api/v2/ paths, never an absolute URL, another host or
 * "..", and a next_page link is followed only while it stays on the same instance. The token
 * comes from getAccessToken's lifecycle and travels in the Authorization header only.
 * Every failure is a ZendeskError with a code from the catalogue.
 */

export interface ZendeskClientOptions {
  /** Per request; defaults to ZENDESK_HTTP_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Total time spent waiting on 429s before giving up with `rate_limited` (default 10 s). */
  maxRateLimitWaitMs?: number;
  /** Retries after a 429 (default 2). */
  maxRateLimitRetries?: number;
  /** Wait when a 429 has no Retry-After (default 1 s). */
  defaultRetryAfterMs?: number;
}

export interface RequestOptions {
  query?: Readonly<Record<string, string | number>>;
}

export interface PaginateOptions extends RequestOptions {
  /** The array to yield from each page; defaults to the path's last segment ("tickets" for /api/v2/tickets.json). */
  key?: string;
  /** Stops after this many pages (default 1000): a guard against a server that never ends. */
  maxPages?: number;
}

export interface ZendeskTicket {
  id: number;
  subject: string | null;
  status: string | null;
  priority: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface ZendeskClient {
  readonly connectionId: string;
  get<T = unknown>(path: string, options?: RequestOptions): Promise<T>;
  post<T = unknown>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  put<T = unknown>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  delete<T = unknown>(path: string, options?: RequestOptions): Promise<T>;
  /** Yields the items of every page, following next_page (or links.next) on the same instance only. */
  paginate<T = unknown>(path: string, options?: PaginateOptions): AsyncGenerator<T, void, undefined>;
  /** GET /api/v2/users/me.json: the Zendesk user the connection acts as. */
  me(): Promise<ZendeskUser>;
  /** The instance's tickets, every page (or the first `max`). */
  tickets(options?: { perPage?: number; max?: number }): Promise<ZendeskTicket[]>;
}

type Method = "GET" | "POST" | "PUT" | "DELETE";

const API_PREFIX = "/api/v2/";

/**
 * The API client of one connection, by id or from a row the caller already loaded (its first
 * request then uses that row instead of reading it again; later ones read the current state).
 */
export function zendesk(connection: string | ZendeskConnection, options: ZendeskClientOptions = {}): ZendeskClient {
  const connectionId = typeof connection === "string" ? connection : connection.id;
  let preloaded = typeof connection === "string" ? undefined : connection;
  const limits = {
    maxRateLimitWaitMs: options.maxRateLimitWaitMs ?? 10_000,
    maxRateLimitRetries: options.maxRateLimitRetries ?? 2,
    defaultRetryAfterMs: options.defaultRetryAfterMs ?? 1000,
  };

  // The instance the connection belongs to, known after the first request.
  let subdomain: Subdomain | undefined = preloaded?.subdomain;

  async function send(method: Method, path: string, query: Record<string, string>, body: unknown): Promise<unknown> {
    // A path that is not /api/v2/ is refused before anything else happens.
    if (typeof path !== "string" || !path.startsWith(API_PREFIX)) {
      throw new ZendeskError(
        "invalid_url",
        "The Zendesk client accepts only /api/v2/ paths on the connection's own instance",
      );
    }
    const current = await currentAccessToken(preloaded ?? connectionId);
    preloaded = undefined;
    const connection = current.connection;
    let { accessToken, tokenVersion } = current;
    subdomain = connection.subdomain;
    const url = apiUrl(connection.subdomain, zendeskSettings().baseUrlTemplate, path, query);
    let renewed = false;
    let rateLimitWaitMs = 0;
    let rateLimitRetries = 0;
    for (;;) {
      try {
        const response = await zendeskRequest(url, {
          method,
          headers: {
            Authorization: `Bearer ${accessToken}`,
            ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          timeoutMs: options.timeoutMs ?? zendeskSettings().httpTimeoutMs,
        });
        return response.body;
      } catch (error) {
        if (!(error instanceof ZendeskError) || !error.failure) throw error;
        const failure = error.failure;
        if (failure.kind === "invalid_token") {
          if (renewed) throw await markRenewedTokenRejected(connectionId, tokenVersion);
          // Exactly one renewal and one retry; a refused refresh marks the connection revoked.
          ({ accessToken, tokenVersion } = await renewRejectedToken(connectionId, tokenVersion));
          renewed = true;
          continue;
        }
        if (failure.kind === "rate_limited") {
          const waitMs =
            failure.retryAfterSeconds !== undefined ? failure.retryAfterSeconds * 1000 : limits.defaultRetryAfterMs;
          if (rateLimitRetries < limits.maxRateLimitRetries && rateLimitWaitMs + waitMs <= limits.maxRateLimitWaitMs) {
            rateLimitRetries += 1;
            rateLimitWaitMs += waitMs;
            await sleep(waitMs);
            continue;
          }
        }
        throw error;
      }
    }
  }

  async function request<T>(method: Method, path: string, options: RequestOptions = {}, body?: unknown): Promise<T> {
    const [pathOnly, inlineQuery] = splitPath(path);
    return (await send(method, pathOnly, { ...inlineQuery, ...stringify(options.query) }, body)) as T;
  }

  async function* paginate<T>(path: string, options: PaginateOptions = {}): AsyncGenerator<T, void, undefined> {
    const [pathOnly, inlineQuery] = splitPath(path);
    const key = options.key ?? defaultKey(pathOnly);
    const maxPages = options.maxPages ?? 1000;
    let next: { path: string; query: Record<string, string> } | null = {
      path: pathOnly,
      query: { ...inlineQuery, ...stringify(options.query) },
    };
    const seen = new Set<string>();
    for (let page = 0; next && page < maxPages; page++) {
      const body = await send("GET", next.path, next.query, undefined);
      const record = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
      const items = record[key];
      if (!Array.isArray(items))
        throw new ZendeskError("zendesk_malformed", `Zendesk's answer has no "${key}" list`, {
          kind: "malformed",
          status: 200,
        });
      for (const item of items) yield item as T;
      const following = nextPage(record);
      if (!following) return;
      next =
        "link" in following
          ? await followable(following.link)
          : { path: next.path, query: { ...withoutCursor(next.query), "page[after]": following.afterCursor } };
      const signature = `${next.path}?${new URLSearchParams(next.query).toString()}`;
      if (seen.has(signature)) return;
      seen.add(signature);
    }
  }

  /** A next-page link becomes a path + query again, rebuilt through apiUrl; another host ends paging with an error. */
  async function followable(link: string): Promise<{ path: string; query: Record<string, string> }> {
    // Paging follows a first page, which set the subdomain.
    const sub = subdomain!;
    const template = zendeskSettings().baseUrlTemplate;
    if (!isSameZendeskInstance(link, sub, template)) {
      throw new ZendeskError(
        "zendesk_error",
        "Zendesk's next-page link points outside this Zendesk instance; paging stopped",
        {
          kind: "unexpected_status",
          status: 200,
        },
      );
    }
    const url = new URL(link);
    const prefix = instancePrefix(sub, template);
    return { path: url.pathname.slice(prefix.length), query: Object.fromEntries(url.searchParams) };
  }

  return {
    connectionId,
    get: (path, options) => request("GET", path, options),
    post: (path, body, options) => request("POST", path, options, body),
    put: (path, body, options) => request("PUT", path, options, body),
    delete: (path, options) => request("DELETE", path, options),
    paginate,
    async me() {
      return parseZendeskUser(await request<unknown>("GET", "/api/v2/users/me.json"), 200);
    },
    async tickets({ perPage = 100, max = Number.POSITIVE_INFINITY } = {}) {
      const tickets: ZendeskTicket[] = [];
      // Cursor pages: what Zendesk recommends, and requires past 100 offset pages.
      for await (const raw of paginate<unknown>("/api/v2/tickets.json", {
        query: { "page[size]": Math.min(100, Math.max(1, perPage)) },
      })) {
        const parsed = ticketSchema.safeParse(raw);
        if (!parsed.success) continue;
        const t = parsed.data;
        tickets.push({
          id: t.id,
          subject: t.subject ?? null,
          status: t.status ?? null,
          priority: t.priority ?? null,
          createdAt: t.created_at ?? null,
          updatedAt: t.updated_at ?? null,
        });
        if (tickets.length >= max) break;
      }
      return tickets;
    },
  };
}

export type TestConnectionResult = Result<{ user: ZendeskUser; latencyMs: number }>;

/**
 * Calls users/me with the connection's token and records test_succeeded / test_failed. Takes
 * the row the caller already loaded and checked (store/access.ts): one read per click.
 */
export async function testConnection(
  connection: ZendeskConnection,
  actorUserId: string | null,
): Promise<TestConnectionResult> {
  const base = {
    connectionId: connection.id,
    workspaceId: connection.workspaceId,
    subdomain: connection.subdomain,
    actorUserId,
  };
  const started = performance.now();
  try {
    const user = await zendesk(connection).me();
    const latencyMs = Math.round(performance.now() - started);
    await recordConnectionEvent({
      ...base,
      type: "test_succeeded",
      detail: `Zendesk answered as ${user.email ? `${user.name} (${user.email})` : user.name} in ${latencyMs} ms`,
      data: { latencyMs, zendeskUserId: user.id },
    });
    return { ok: true, user, latencyMs };
  } catch (error) {
    if (!(error instanceof ZendeskError)) throw error;
    // A connection deleted meanwhile has no history left to write to.
    if (error.code !== "connection_not_found")
      await recordConnectionEvent({ ...base, type: "test_failed", detail: error.message, data: { code: error.code } });
    return { ok: false, code: error.code, message: error.message };
  }
}

const ticketSchema = z.object({
  id: z.number().int(),
  subject: z.string().nullable().optional(),
  status: z.string().nullable().optional(),
  priority: z.string().nullable().optional(),
  created_at: z.string().nullable().optional(),
  updated_at: z.string().nullable().optional(),
});

/** "/api/v2/x.json?a=1" → ["/api/v2/x.json", {a: "1"}]; the path part is still validated by apiUrl. */
function splitPath(path: string): [string, Record<string, string>] {
  if (typeof path !== "string") throw new ZendeskError("invalid_url", "The path must be a string");
  const at = path.indexOf("?");
  if (at === -1) return [path, {}];
  return [path.slice(0, at), Object.fromEntries(new URLSearchParams(path.slice(at + 1)))];
}

function stringify(query: RequestOptions["query"]): Record<string, string> {
  return Object.fromEntries(Object.entries(query ?? {}).map(([k, v]) => [k, String(v)]));
}

function defaultKey(path: string): string {
  const last = path.split("/").filter(Boolean).pop() ?? "";
  return last.replace(/\.json$/, "");
}

/** Offset pagination (next_page) or cursor pagination (meta.has_more + links.next). */
/**
 * Where the next page is: offset pages name it in `next_page`; cursor pages (`page[size]`) say
 * `meta.has_more` and give `links.next`, or at least `meta.after_cursor` for the same path.
 */
function nextPage(body: Record<string, unknown>): { link: string } | { afterCursor: string } | null {
  if (typeof body.next_page === "string" && body.next_page !== "") return { link: body.next_page };
  const meta = body.meta as { has_more?: unknown; after_cursor?: unknown } | undefined;
  if (meta?.has_more !== true) return null;
  const links = body.links as { next?: unknown } | undefined;
  if (typeof links?.next === "string" && links.next !== "") return { link: links.next };
  if (typeof meta.after_cursor === "string" && meta.after_cursor !== "") return { afterCursor: meta.after_cursor };
  return null;
}

function withoutCursor(query: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(query).filter(([key]) => key !== "page[after]" && key !== "page[before]"));
}

/** The path prefix of the instance ("" for host tenancy, "/acme" for the simulator's path tenancy). */
function instancePrefix(subdomain: Subdomain, template: string): string {
  const probe = apiUrl(subdomain, template, "/api/v2/x").pathname;
  return probe.slice(0, probe.length - "/api/v2/x".length);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
