/**
 * `GET /api/v2/ticket_fields.json`: the system fields every Zendesk account has (the simulator
 * has no custom fields). Readable with `read` or `tickets:read`; cursor or offset.
 */
import { isResponse, requireAccess } from "./access.js";
import { apiUrlOf } from "./api-url.js";
import { listResponse, readPageRequest } from "./pagination.js";
import type { ZendeskRequest } from "../context.js";
import type { SimResponse } from "../http.js";
import type { ApiUrl } from "./json.js";

interface SystemField {
  id: number;
  type: string;
  title: string;
  description: string;
  required: boolean;
  options?: { name: string; value: string }[];
}

const options = (values: string[]): { name: string; value: string }[] =>
  values.map((value) => ({ name: value.charAt(0).toUpperCase() + value.slice(1), value }));

const SYSTEM_FIELDS: SystemField[] = [
  { id: 360_000_000_001, type: "subject", title: "Subject", description: "", required: true },
  {
    id: 360_000_000_002,
    type: "description",
    title: "Description",
    description: "Please enter the details of your request.",
    required: true,
  },
  {
    id: 360_000_000_003,
    type: "status",
    title: "Status",
    description: "Request status",
    required: false,
    options: options(["new", "open", "pending", "hold", "solved", "closed"]),
  },
  {
    id: 360_000_000_004,
    type: "tickettype",
    title: "Type",
    description: "Request type",
    required: false,
    options: options(["question", "incident", "problem", "task"]),
  },
  {
    id: 360_000_000_005,
    type: "priority",
    title: "Priority",
    description: "Request priority",
    required: false,
    options: options(["low", "normal", "high", "urgent"]),
  },
  { id: 360_000_000_006, type: "group", title: "Group", description: "Request group", required: false },
  {
    id: 360_000_000_007,
    type: "assignee",
    title: "Assignee",
    description: "Agent assigned to your request",
    required: true,
  },
];

const FIELDS_CREATED_AT = "2024-01-02T09:00:00Z";

function fieldJson(apiUrl: ApiUrl, field: SystemField, position: number): Record<string, unknown> {
  return {
    url: apiUrl(`ticket_fields/${field.id}.json`),
    id: field.id,
    type: field.type,
    title: field.title,
    raw_title: field.title,
    description: field.description,
    raw_description: field.description,
    position,
    active: true,
    required: field.required,
    collapsed_for_agents: false,
    regexp_for_validation: null,
    title_in_portal: field.title,
    raw_title_in_portal: field.title,
    visible_in_portal: field.type === "subject" || field.type === "description",
    editable_in_portal: field.type === "subject" || field.type === "description",
    required_in_portal: field.type === "subject" || field.type === "description",
    tag: null,
    created_at: FIELDS_CREATED_AT,
    updated_at: FIELDS_CREATED_AT,
    removable: false,
    key: null,
    agent_description: null,
    ...(field.options === undefined ? {} : { system_field_options: field.options }),
  };
}

export function listTicketFields(req: ZendeskRequest): SimResponse {
  const caller = requireAccess(req, "tickets", "read");
  if (isResponse(caller)) return caller;
  const query = req.url.searchParams;
  const request = readPageRequest(query, { action: "api/v2/ticket_fields/index", offset: true });
  if (isResponse(request)) return request;
  const apiUrl = apiUrlOf(req);
  return listResponse(
    "ticket_fields",
    SYSTEM_FIELDS,
    (field) => field.id,
    request,
    apiUrl("ticket_fields.json"),
    query,
    (field) => fieldJson(apiUrl, field, SYSTEM_FIELDS.indexOf(field) + 1),
  );
}
