import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { deleteCurrentToken, revokeTokenById, showCurrentToken, showCurrentUser } from "./api.js";
import { renderAccountNotFoundPage, renderIndexPage, renderPageNotFound } from "./consent-page.js";
import { handleControl } from "./control-routes.js";
import {
  BodyTooLargeError,
  authorizationScheme,
  htmlResponse,
  jsonResponse,
  parseBodyParams,
  readBody,
  textResponse,
} from "./http.js";
import { decideAuthorization, handleToken, showAuthorization } from "./oauth.js";
import { maskParams, maskPath } from "./request-log.js";
import { INVALID_ENDPOINT } from "./support-api/errors.js";
import { exportTickets } from "./support-api/incremental.js";
import { listOrganizations, showOrganization } from "./support-api/organizations.js";
import { search, searchCount } from "./support-api/search.js";
import { listTicketFields } from "./support-api/ticket-fields.js";
import {
  createTicket,
  deleteTicket,
  listTicketComments,
  listTickets,
  showManyTickets,
  showTicket,
  updateTicket,
} from "./support-api/tickets.js";
import { listUsers, searchUsers, showUser } from "./support-api/users.js";
import type { EndpointName, Fault, MarketplaceHeaders } from "./control-schema.js";
import type { ZendeskRequest } from "./context.js";
import type { BodyParseResult, SimResponse } from "./http.js";
import type { SimulatorState } from "./state.js";

interface Route {
  method: string;
  pattern: RegExp;
  endpoint: EndpointName;
  handle: (req: ZendeskRequest) => SimResponse;
}

// Paths after `/{subdomain}`. Zendesk serves API paths with or without `.json`.
const ROUTES: Route[] = [
  { method: "GET", pattern: /^\/oauth\/authorizations\/new$/, endpoint: "authorize", handle: showAuthorization },
  { method: "POST", pattern: /^\/oauth\/authorizations$/, endpoint: "authorize", handle: decideAuthorization },
  { method: "POST", pattern: /^\/oauth\/tokens$/, endpoint: "token", handle: handleToken },
  { method: "GET", pattern: /^\/api\/v2\/users\/me(?:\.json)?$/, endpoint: "users_me", handle: showCurrentUser },
  {
    method: "GET",
    pattern: /^\/api\/v2\/oauth\/tokens\/current(?:\.json)?$/,
    endpoint: "tokens_current",
    handle: showCurrentToken,
  },
  {
    method: "DELETE",
    pattern: /^\/api\/v2\/oauth\/tokens\/current(?:\.json)?$/,
    endpoint: "token_revoke",
    handle: deleteCurrentToken,
  },
  {
    method: "DELETE",
    pattern: /^\/api\/v2\/oauth\/tokens\/(\d+)(?:\.json)?$/,
    endpoint: "token_revoke",
    handle: revokeTokenById,
  },
  ...supportRoutes(),
];

/** The Support API: `/api/v2/{path}` with or without `.json`. Specific paths before `{id}` ones. */
function supportRoutes(): Route[] {
  const api = (method: string, path: string, endpoint: EndpointName, handle: Route["handle"]): Route => ({
    method,
    pattern: new RegExp(`^/api/v2/${path}(?:\\.json)?$`),
    endpoint,
    handle,
  });
  return [
    api("GET", "tickets", "tickets", listTickets),
    api("POST", "tickets", "ticket_create", createTicket),
    api("GET", "tickets/show_many", "tickets_show_many", showManyTickets),
    api("GET", "tickets/([^/.]+)/comments", "ticket_comments", listTicketComments),
    api("GET", "tickets/([^/.]+)", "ticket_show", showTicket),
    api("PUT", "tickets/([^/.]+)", "ticket_update", updateTicket),
    api("DELETE", "tickets/([^/.]+)", "ticket_delete", deleteTicket),
    api("GET", "users", "users", listUsers),
    api("GET", "users/search", "users_search", searchUsers),
    api("GET", "users/([^/.]+)", "user_show", showUser),
    api("GET", "organizations", "organizations", listOrganizations),
    api("GET", "organizations/([^/.]+)", "organization_show", showOrganization),
    api("GET", "search", "search", search),
    api("GET", "search/count", "search_count", searchCount),
    api("GET", "incremental/tickets/cursor", "incremental_tickets", exportTickets),
    api("GET", "ticket_fields", "ticket_fields", listTicketFields),
  ];
}

function matchRoute(method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match !== null)
      return { route, params: match.slice(1).filter((value): value is string => value !== undefined) };
  }
  return undefined;
}

function splitTenant(pathname: string): { subdomain: string; path: string } {
  const [, first = "", ...rest] = pathname.split("/");
  let subdomain: string;
  try {
    subdomain = decodeURIComponent(first).toLowerCase();
  } catch {
    subdomain = first.toLowerCase();
  }
  return { subdomain, path: `/${rest.join("/")}` };
}

function send(res: ServerResponse, response: SimResponse): void {
  if (res.destroyed || res.writableEnded) return;
  // RFC 9110: no Content-Length on 204.
  const length = response.status === 204 ? {} : { "content-length": String(Buffer.byteLength(response.body)) };
  res.writeHead(response.status, { ...length, ...response.headers });
  res.end(response.body);
}

/** The canned answer of a fault, or null when the fault lets the request through. */
function faultResponse(fault: Fault): SimResponse | null {
  switch (fault.kind) {
    case "status": {
      const headers = { ...(fault.headers ?? {}) };
      if (fault.body === undefined) return { status: fault.status, headers, body: "" };
      if (typeof fault.body === "string") {
        return {
          status: fault.status,
          headers: { "content-type": fault.content_type ?? "text/plain; charset=utf-8", ...headers },
          body: fault.body,
        };
      }
      return {
        status: fault.status,
        headers: { "content-type": fault.content_type ?? "application/json; charset=utf-8", ...headers },
        body: JSON.stringify(fault.body),
      };
    }
    case "malformed_json":
      return {
        status: fault.status,
        headers: { "content-type": "application/json; charset=utf-8" },
        body: '{"access_token": "abc',
      };
    case "plain_text_429":
      return textResponse(
        429,
        fault.body,
        fault.retry_after === null ? {} : { "retry-after": String(fault.retry_after) },
      );
    default:
      return null;
  }
}

function rateLimited(req: ZendeskRequest, handle: () => SimResponse): SimResponse {
  const { instance, state } = req;
  const decision = state.rateLimiter.hit(instance.subdomain, instance.rateLimitPerMinute, state.clock.now());
  // Zendesk sends both the account headers and the IETF draft ones (reset: seconds to the window's end).
  const headers = {
    "x-rate-limit": String(decision.limit),
    "x-rate-limit-remaining": String(decision.remaining),
    "ratelimit-limit": String(decision.limit),
    "ratelimit-remaining": String(decision.remaining),
    "ratelimit-reset": String(decision.retryAfterSeconds),
  };
  if (!decision.allowed) {
    return jsonResponse(
      429,
      { error: "APIRateLimitExceeded", description: "Number of allowed API requests per minute exceeded" },
      { ...headers, "retry-after": String(decision.retryAfterSeconds) },
    );
  }
  const response = handle();
  return { ...response, headers: { ...response.headers, ...headers } };
}

/** Marketplace apps must send these on every API request (and only there): the log shows them. */
function marketplaceHeaders(req: IncomingMessage): MarketplaceHeaders | null {
  const read = (name: string): string | null => {
    const value = req.headers[name];
    return typeof value === "string" ? value : (value?.join(", ") ?? null);
  };
  const headers: MarketplaceHeaders = {
    name: read("x-zendesk-marketplace-name"),
    organization_id: read("x-zendesk-marketplace-organization-id"),
    app_id: read("x-zendesk-marketplace-app-id"),
  };
  return headers.name === null && headers.organization_id === null && headers.app_id === null ? null : headers;
}

async function handleZendesk(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  state: SimulatorState,
  baseUrl: string,
): Promise<void> {
  const started = performance.now();
  const method = req.method ?? "GET";
  const { subdomain, path } = splitTenant(url.pathname);
  const matched = matchRoute(method, path);
  const endpoint = matched?.route.endpoint ?? null;

  let body: BodyParseResult;
  let rawBody = "";
  try {
    rawBody = await readBody(req);
    body = parseBodyParams(req.headers["content-type"], rawBody);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    body = { ok: false, reason: error.message };
  }
  const params = body.ok && (endpoint === "token" || endpoint === "authorize") ? body.params : null;
  const grantType = endpoint === "token" ? (params?.grant_type ?? null) : null;

  const marketplace = marketplaceHeaders(req);

  if (state.switches.latency_ms > 0) await sleep(state.switches.latency_ms);

  const record = (status: number | null, fault: Fault | undefined): void => {
    state.log.record({
      time: new Date(state.clock.now()).toISOString(),
      method,
      path: maskPath(url),
      subdomain: subdomain === "" ? null : subdomain,
      endpoint,
      grant_type: grantType,
      status,
      fault: fault?.kind ?? null,
      auth: authorizationScheme(req.headers.authorization),
      params: params === null ? null : maskParams(params),
      marketplace,
      duration_ms: Math.round(performance.now() - started),
    });
  };

  const instance = state.store.findInstance(subdomain);
  if (instance === undefined) {
    // Real Zendesk answers an unknown account with an HTML page, even on /oauth/tokens.
    const response = htmlResponse(404, renderAccountNotFoundPage(subdomain));
    send(res, response);
    record(response.status, undefined);
    return;
  }
  if (matched === undefined) {
    const response = path.startsWith("/api/")
      ? jsonResponse(404, INVALID_ENDPOINT)
      : htmlResponse(404, renderPageNotFound(instance));
    send(res, response);
    record(response.status, undefined);
    return;
  }

  const fault = state.faults.take(matched.route.endpoint, subdomain, grantType);
  if (fault?.kind === "close") {
    record(null, fault);
    req.socket.destroy();
    return;
  }
  if (fault?.kind === "delay") await sleep(fault.delay_ms);
  const canned = fault === undefined ? null : faultResponse(fault);
  if (canned !== null) {
    send(res, canned);
    record(canned.status, fault);
    return;
  }

  const zendeskRequest: ZendeskRequest = {
    method,
    url,
    instance,
    state,
    body,
    rawBody,
    authorization: req.headers.authorization,
    baseUrl,
    routeParams: matched.params,
  };
  const handle = (): SimResponse => matched.route.handle(zendeskRequest);
  const response = path.startsWith("/api/") ? rateLimited(zendeskRequest, handle) : handle();
  // The operation happened; its answer arrives late (a slow network after Zendesk acted).
  if (fault?.kind === "delay_after_commit") await sleep(fault.delay_ms);
  if (fault?.kind === "close_after_commit") {
    // The operation happened (a refresh rotated the tokens) but the answer never arrives.
    record(null, fault);
    req.socket.destroy();
    return;
  }
  send(res, response);
  record(response.status, fault);
}

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the HTTP server on `host:port` (port 0 picks a free one). */
export async function listen(state: SimulatorState, options: { host: string; port: number }): Promise<RunningServer> {
  let baseUrl = "";
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", baseUrl);
    const work =
      url.pathname === "/__sim" || url.pathname.startsWith("/__sim/")
        ? handleControl(req, url, state).then((response) => send(res, response))
        : url.pathname === "/"
          ? Promise.resolve(send(res, htmlResponse(200, renderIndexPage(baseUrl, [...state.store.instances.values()]))))
          : handleZendesk(req, res, url, state, baseUrl);
    work.catch((error: unknown) => {
      process.stderr.write(
        `zendesk simulator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      send(
        res,
        jsonResponse(500, { error: "InternalError", description: "The Zendesk simulator failed; see its output." }),
      );
    });
  });
  // Benchmarks keep connections open; a long keep-alive avoids reconnect noise in timings.
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  baseUrl = `http://${host}:${port}`;

  return {
    server,
    url: baseUrl,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Open keep-alive sockets would hold close() back.
        server.closeAllConnections();
      }),
  };
}
