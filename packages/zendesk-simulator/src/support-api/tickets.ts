/**
 * Tickets: list (cursor or offset), show, show_many, create, update (a comment rides along in
 * `ticket.comment`), delete, and each ticket's comments. Reads need `read` or `tickets:read`,
 * writes `write` or `tickets:write`; end-users are refused (they use the Requests API).
 */
import { emptyResponse, jsonResponse } from "../http.js";
import { isResponse, requireAccess } from "./access.js";
import { apiUrlOf } from "./api-url.js";
import { invalidAttribute, recordInvalid, recordNotFound, unparsableBody } from "./errors.js";
import { commentJson, isoSeconds, ticketJson } from "./json.js";
import { listResponse, readPageRequest } from "./pagination.js";
import { readTicketInput } from "./ticket-input.js";
import type { ZendeskRequest } from "../context.js";
import type { SimResponse } from "../http.js";
import type { Authorized } from "./access.js";
import type { CommentRecord, TicketRecord } from "./records.js";
import type { SupportData } from "./support-data.js";
import type { TicketChanges } from "./ticket-input.js";

const byId = (record: { id: number }): number => record.id;
const SHOW_MANY_LIMIT = 100;

/** The numeric id captured by the route, or null when it is not one (a 404 then). */
function routeId(req: ZendeskRequest, index = 0): number | null {
  const raw = req.routeParams[index];
  return raw !== undefined && /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}

function findTicket(req: ZendeskRequest): TicketRecord | undefined {
  const id = routeId(req);
  return id === null ? undefined : req.instance.data.tickets.get(id);
}

/** `GET /api/v2/tickets.json`: cursor (`page[size]`) or offset (`page`, `per_page`), by id. */
export function listTickets(req: ZendeskRequest): SimResponse {
  const caller = requireAccess(req, "tickets", "read");
  if (isResponse(caller)) return caller;
  const query = req.url.searchParams;
  const request = readPageRequest(query, { action: "api/v2/tickets/index", offset: true });
  if (isResponse(request)) return request;
  const apiUrl = apiUrlOf(req);
  return listResponse(
    "tickets",
    req.instance.data.tickets.sorted,
    byId,
    request,
    apiUrl("tickets.json"),
    query,
    (ticket) => ticketJson(apiUrl, ticket),
  );
}

/** `GET /api/v2/tickets/{id}.json`. */
export function showTicket(req: ZendeskRequest): SimResponse {
  const caller = requireAccess(req, "tickets", "read");
  if (isResponse(caller)) return caller;
  const ticket = findTicket(req);
  if (ticket === undefined) return recordNotFound();
  return jsonResponse(200, { ticket: ticketJson(apiUrlOf(req), ticket) });
}

/** `GET /api/v2/tickets/show_many.json?ids=1,2,3`: up to 100 ids; unknown ids are left out. */
export function showManyTickets(req: ZendeskRequest): SimResponse {
  const caller = requireAccess(req, "tickets", "read");
  if (isResponse(caller)) return caller;
  const raw = req.url.searchParams.get("ids") ?? "";
  const parts = raw
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  if (!parts.every((part) => /^\d{1,15}$/.test(part))) {
    return invalidAttribute("ids", "api/v2/tickets/show_many", "must be a comma-separated list of integers");
  }
  const ids = [...new Set(parts.map(Number))];
  if (ids.length > SHOW_MANY_LIMIT) {
    return invalidAttribute("ids", "api/v2/tickets/show_many", `must list at most ${SHOW_MANY_LIMIT} ids`);
  }
  const apiUrl = apiUrlOf(req);
  const tickets = ids
    .flatMap((id) => req.instance.data.tickets.get(id) ?? [])
    .map((ticket) => ticketJson(apiUrl, ticket));
  return jsonResponse(200, { tickets, next_page: null, previous_page: null, count: tickets.length });
}

function readJsonBody(req: ZendeskRequest): { ok: true; value: unknown } | { ok: false } {
  if (req.rawBody.trim() === "") return { ok: true, value: {} };
  try {
    const value: unknown = JSON.parse(req.rawBody);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? { ok: true, value } : { ok: false };
  } catch {
    return { ok: false };
  }
}

interface AuditEvent {
  id: number;
  type: "Create" | "Change" | "Comment";
  [field: string]: unknown;
}

const AUDITED_FIELDS = [
  "subject",
  "status",
  "priority",
  "type",
  "requester_id",
  "assignee_id",
  "organization_id",
  "group_id",
  "tags",
] as const;

/** Zendesk's ticket audit: one event per changed field, plus the comment. */
function auditJson(
  auditId: number,
  ticket: TicketRecord,
  author: number,
  at: number,
  changes: Record<string, { value: unknown; previous?: unknown }>,
  comment: CommentRecord | null,
  created: boolean,
): Record<string, unknown> {
  const events: AuditEvent[] = [];
  let eventId = auditId * 100;
  if (comment !== null) events.push({ ...commentJson(comment), id: ++eventId, type: "Comment" });
  for (const [field, change] of Object.entries(changes)) {
    events.push(
      created
        ? { id: ++eventId, type: "Create", field_name: field, value: change.value }
        : { id: ++eventId, type: "Change", field_name: field, value: change.value, previous_value: change.previous },
    );
  }
  return {
    id: auditId,
    ticket_id: ticket.id,
    created_at: isoSeconds(at),
    author_id: author,
    metadata: { system: {}, custom: {} },
    via: { channel: "api", source: { from: {}, to: {}, rel: null } },
    events,
  };
}

/** The end-user a write names by `requester: {name, email}`, made first as Zendesk does. */
function createRequester(req: ZendeskRequest, changes: TicketChanges): void {
  if (changes.newRequester === null) return;
  const user = req.state.store.addUser(
    req.instance,
    { name: changes.newRequester.name, email: changes.newRequester.email, role: "end-user" },
    req.state.clock.now(),
  );
  changes.fields.requester_id = user.id;
}

/** `POST /api/v2/tickets.json` → 201 `{ticket, audit}`. */
export function createTicket(req: ZendeskRequest): SimResponse {
  const caller = requireAccess(req, "tickets", "write");
  if (isResponse(caller)) return caller;
  const body = readJsonBody(req);
  if (!body.ok) return unparsableBody();
  const data = req.instance.data;
  const input = readTicketInput(body.value, data, "create");
  if (!input.ok) return recordInvalid(input.details);
  const { changes } = input;
  createRequester(req, changes);
  const now = req.state.clock.now();
  const ticket = buildTicket(data, caller, changes, now);
  data.insertTicket(ticket);
  const auditId = data.nextAuditId();
  const comment = data.addComment(
    ticket,
    {
      author_id: changes.comment?.author_id ?? caller.user.id,
      body: ticket.description,
      public: changes.comment?.public ?? true,
      created_at: now,
      channel: "api",
    },
    auditId,
  );
  const created: Record<string, { value: unknown }> = {};
  for (const field of AUDITED_FIELDS) created[field] = { value: ticket[field] };
  const apiUrl = apiUrlOf(req);
  return jsonResponse(
    201,
    {
      ticket: ticketJson(apiUrl, ticket),
      audit: auditJson(auditId, ticket, caller.user.id, now, created, comment, true),
    },
    { location: apiUrl(`tickets/${ticket.id}.json`) },
  );
}

function buildTicket(data: SupportData, caller: Authorized, changes: TicketChanges, now: number): TicketRecord {
  const { fields } = changes;
  const requesterId = fields.requester_id ?? caller.user.id;
  const assigneeId = fields.assignee_id ?? null;
  return {
    id: data.tickets.lastId + 1,
    external_id: fields.external_id ?? null,
    type: fields.type ?? null,
    subject: fields.subject ?? null,
    description: changes.comment?.body ?? changes.description ?? "",
    priority: fields.priority ?? null,
    // Zendesk opens a ticket that is created assigned.
    status: fields.status ?? (assigneeId === null ? "new" : "open"),
    recipient: null,
    requester_id: requesterId,
    submitter_id: fields.submitter_id ?? caller.user.id,
    assignee_id: assigneeId,
    organization_id:
      fields.organization_id === undefined
        ? (data.users.get(requesterId)?.organization_id ?? null)
        : fields.organization_id,
    group_id: fields.group_id ?? null,
    collaborator_ids: fields.collaborator_ids ?? [],
    follower_ids: fields.follower_ids ?? [],
    email_cc_ids: [],
    tags: fields.tags ?? [],
    custom_fields: fields.custom_fields ?? [],
    created_at: now,
    updated_at: now,
    channel: "api",
  };
}

/** `PUT /api/v2/tickets/{id}.json` → 200 `{ticket, audit}`; `ticket.comment` adds a comment. */
export function updateTicket(req: ZendeskRequest): SimResponse {
  const caller = requireAccess(req, "tickets", "write");
  if (isResponse(caller)) return caller;
  const ticket = findTicket(req);
  if (ticket === undefined) return recordNotFound();
  const body = readJsonBody(req);
  if (!body.ok) return unparsableBody();
  const data = req.instance.data;
  const input = readTicketInput(body.value, data, "update");
  if (!input.ok) return recordInvalid(input.details);
  if (ticket.status === "closed") {
    return recordInvalid({
      status: [{ description: "Status: closed prevents ticket update", error: "InvalidValue", field_key: "status" }],
    });
  }
  const { changes } = input;
  createRequester(req, changes);
  const now = req.state.clock.now();
  const changed: Record<string, { value: unknown; previous: unknown }> = {};
  const record = ticket as unknown as Record<string, unknown>;
  for (const [field, value] of Object.entries(changes.fields)) {
    const previous = record[field];
    if (JSON.stringify(previous) === JSON.stringify(value)) continue;
    changed[field] = { value, previous };
    record[field] = value;
  }
  const auditId = data.nextAuditId();
  const comment =
    changes.comment === null
      ? null
      : data.addComment(
          ticket,
          {
            author_id: changes.comment.author_id ?? caller.user.id,
            body: changes.comment.body,
            public: changes.comment.public,
            created_at: now,
            channel: "api",
          },
          auditId,
        );
  if (comment !== null || Object.keys(changed).length > 0) {
    ticket.updated_at = now;
    data.ticketChanged();
  }
  return jsonResponse(200, {
    ticket: ticketJson(apiUrlOf(req), ticket),
    audit: auditJson(auditId, ticket, caller.user.id, now, changed, comment, false),
  });
}

/** `DELETE /api/v2/tickets/{id}.json` → 204; the incremental export then reports it `deleted`. */
export function deleteTicket(req: ZendeskRequest): SimResponse {
  const caller = requireAccess(req, "tickets", "write");
  if (isResponse(caller)) return caller;
  const ticket = findTicket(req);
  if (ticket === undefined) return recordNotFound();
  req.instance.data.deleteTicket(ticket.id, req.state.clock.now());
  return emptyResponse(204);
}

/** `GET /api/v2/tickets/{id}/comments.json`: oldest first, cursor or offset. */
export function listTicketComments(req: ZendeskRequest): SimResponse {
  const caller = requireAccess(req, "tickets", "read");
  if (isResponse(caller)) return caller;
  const ticket = findTicket(req);
  if (ticket === undefined) return recordNotFound();
  const query = req.url.searchParams;
  const request = readPageRequest(query, { action: "api/v2/comments/index", offset: true });
  if (isResponse(request)) return request;
  const comments = req.instance.data.comments(ticket.id);
  return listResponse(
    "comments",
    comments,
    byId,
    request,
    apiUrlOf(req)(`tickets/${ticket.id}/comments.json`),
    query,
    commentJson,
  );
}
