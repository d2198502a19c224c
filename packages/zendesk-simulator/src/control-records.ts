/**
 * The control API's Support records, so a test can arrange an instance's data and assert what
 * the feature under test wrote, without a token or a rate limit:
 *
 *   GET|POST /__sim/instances/{sub}/tickets          GET /__sim/instances/{sub}/tickets/{id}
 *   POST     /__sim/instances/{sub}/tickets/{id}/comments
 *   GET|POST /__sim/instances/{sub}/users            GET|POST /__sim/instances/{sub}/organizations
 *
 * Answers use the Support API's own JSON shapes (support-api/json.ts).
 */
import {
  arrangeCommentInputSchema,
  arrangeOrganizationInputSchema,
  arrangeTicketInputSchema,
  arrangeUserInputSchema,
} from "./control-schema.js";
import { controlError, parseInput } from "./control-http.js";
import { jsonResponse } from "./http.js";
import { commentJson, isoSeconds, organizationJson, ticketJson, userJson } from "./support-api/json.js";
import { organizationFromSeed } from "./support-api/support-data.js";
import type { SimResponse } from "./http.js";
import type { SimulatorState } from "./state.js";
import type { Instance } from "./store.js";
import type { ApiUrl } from "./support-api/json.js";

/** Names users a record refers to that the instance does not have. */
function missingUsers(instance: Instance, ids: (number | null | undefined)[]): number[] {
  return ids.filter((id): id is number => typeof id === "number" && instance.data.users.get(id) === undefined);
}

function ticketWithComments(apiUrl: ApiUrl, instance: Instance, id: number): Record<string, unknown> | null {
  const ticket = instance.data.tickets.get(id);
  if (ticket === undefined) return null;
  return { ticket: ticketJson(apiUrl, ticket), comments: instance.data.comments(id).map(commentJson) };
}

function addTicket(state: SimulatorState, instance: Instance, apiUrl: ApiUrl, raw: string): SimResponse {
  const input = parseInput(arrangeTicketInputSchema, raw);
  if (!input.ok) return input.response;
  const data = instance.data;
  const requesterId =
    input.data.requester_id ?? instance.users.find((user) => user.role === "end-user")?.id ?? instance.users[0]?.id;
  const id = input.data.id ?? data.tickets.lastId + 1;
  if (data.tickets.get(id) !== undefined) return controlError(409, "conflict", `Ticket ${id} already exists.`);
  const missing = missingUsers(instance, [
    requesterId,
    input.data.submitter_id,
    input.data.assignee_id,
    ...input.data.comments.map((comment) => comment.author_id),
  ]);
  if (missing.length > 0)
    return controlError(400, "invalid_body", `No user ${missing.join(", ")} on ${instance.subdomain}.`);
  if (requesterId === undefined) return controlError(400, "invalid_body", "The instance has no user to request it.");
  data.insertSeedTicket({
    ...input.data,
    id,
    requester_id: requesterId,
    created_at: input.data.created_at ?? isoSeconds(state.clock.now()),
  });
  return jsonResponse(201, ticketWithComments(apiUrl, instance, id));
}

function addComment(state: SimulatorState, instance: Instance, apiUrl: ApiUrl, id: number, raw: string): SimResponse {
  const input = parseInput(arrangeCommentInputSchema, raw);
  if (!input.ok) return input.response;
  const ticket = instance.data.tickets.get(id);
  if (ticket === undefined) return controlError(404, "not_found", `No ticket ${id} on ${instance.subdomain}.`);
  const missing = missingUsers(instance, [input.data.author_id]);
  if (missing.length > 0)
    return controlError(400, "invalid_body", `No user ${missing.join(", ")} on ${instance.subdomain}.`);
  const at = input.data.created_at === undefined ? state.clock.now() : Date.parse(input.data.created_at);
  const comment = instance.data.addComment(ticket, {
    author_id: input.data.author_id ?? ticket.requester_id,
    body: input.data.body,
    public: input.data.public,
    created_at: at,
    channel: "web",
  });
  // A comment updates its ticket, as in Zendesk (the incremental export sees it again).
  ticket.updated_at = Math.max(ticket.updated_at, at);
  instance.data.ticketChanged();
  return jsonResponse(201, { comment: commentJson(comment), ticket: ticketJson(apiUrl, ticket) });
}

function addUser(state: SimulatorState, instance: Instance, apiUrl: ApiUrl, raw: string): SimResponse {
  const input = parseInput(arrangeUserInputSchema, raw);
  if (!input.ok) return input.response;
  const { id, organization_id: organizationId } = input.data;
  if (id !== undefined && instance.data.users.get(id) !== undefined) {
    return controlError(409, "conflict", `User ${id} already exists.`);
  }
  if (organizationId !== null && instance.data.organizations.get(organizationId) === undefined) {
    return controlError(400, "invalid_body", `No organization ${organizationId} on ${instance.subdomain}.`);
  }
  const user = state.store.addUser(
    instance,
    { ...input.data, id, created_at: input.data.created_at ?? isoSeconds(state.clock.now()) },
    state.clock.now(),
  );
  return jsonResponse(201, { user: userJson(apiUrl, user) });
}

function addOrganization(state: SimulatorState, instance: Instance, apiUrl: ApiUrl, raw: string): SimResponse {
  const input = parseInput(arrangeOrganizationInputSchema, raw);
  if (!input.ok) return input.response;
  const id = input.data.id ?? instance.data.organizations.lastId + 1;
  if (instance.data.organizations.get(id) !== undefined) {
    return controlError(409, "conflict", `Organization ${id} already exists.`);
  }
  const organization = organizationFromSeed({
    ...input.data,
    id,
    created_at: input.data.created_at ?? isoSeconds(state.clock.now()),
  });
  instance.data.insertOrganization(organization);
  return jsonResponse(201, { organization: organizationJson(apiUrl, organization) });
}

const RECORDS_PATH = /^\/__sim\/instances\/([^/]+)\/(tickets|users|organizations)(?:\/(\d+)(\/comments)?)?$/;

/** Answers a records path, or null when `path` is not one. */
export function handleRecordsControl(
  state: SimulatorState,
  method: string,
  path: string,
  origin: string,
  raw: string,
): SimResponse | null {
  const match = RECORDS_PATH.exec(path);
  if (match === null) return null;
  const [, subdomain = "", kind, rawId, comments] = match;
  const instance = state.store.findInstance(decodeURIComponent(subdomain).toLowerCase());
  if (instance === undefined) return controlError(404, "not_found", `No instance "${subdomain}".`);
  const base = `${origin}/${instance.subdomain}/api/v2/`;
  const apiUrl: ApiUrl = (relative) => base + relative;
  const id = rawId === undefined ? undefined : Number(rawId);
  const data = instance.data;
  const route = `${method} ${kind}${id === undefined ? "" : "/id"}${comments ?? ""}`;
  switch (route) {
    case "GET tickets":
      return jsonResponse(200, { tickets: data.tickets.sorted.map((ticket) => ticketJson(apiUrl, ticket)) });
    case "POST tickets":
      return addTicket(state, instance, apiUrl, raw);
    case "GET tickets/id": {
      const found = ticketWithComments(apiUrl, instance, id as number);
      return found === null
        ? controlError(404, "not_found", `No ticket ${id} on ${instance.subdomain}.`)
        : jsonResponse(200, found);
    }
    case "POST tickets/id/comments":
      return addComment(state, instance, apiUrl, id as number, raw);
    case "GET users":
      return jsonResponse(200, { users: data.users.sorted.map((user) => userJson(apiUrl, user)) });
    case "POST users":
      return addUser(state, instance, apiUrl, raw);
    case "GET organizations":
      return jsonResponse(200, {
        organizations: data.organizations.sorted.map((organization) => organizationJson(apiUrl, organization)),
      });
    case "POST organizations":
      return addOrganization(state, instance, apiUrl, raw);
    default:
      return controlError(404, "not_found", `No control endpoint ${method} ${path}. See the simulator's README.`);
  }
}
