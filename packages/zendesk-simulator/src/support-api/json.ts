/**
 * The Support API's JSON shapes: Zendesk's field names, types and defaults, so a host's client
 * parses what it will parse in production. The control API answers with the same shapes.
 */
import type { UserRole } from "../seed.js";
import type { CommentRecord, OrganizationRecord, TicketRecord, UserRecord } from "./records.js";

/** Zendesk writes timestamps to the second: `2025-01-06T09:00:00Z`. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Builds `{base}/{subdomain}/api/v2/{path}` URLs (Zendesk's `url` fields and pagination links). */
export type ApiUrl = (path: string) => string;

export interface ZendeskVia {
  channel: string;
  source: { from: Record<string, unknown>; to: Record<string, unknown>; rel: string | null };
}

export interface ZendeskTicket {
  url: string;
  id: number;
  external_id: string | null;
  via: ZendeskVia;
  created_at: string;
  updated_at: string;
  generated_timestamp: number;
  type: TicketRecord["type"];
  subject: string | null;
  raw_subject: string | null;
  description: string;
  priority: TicketRecord["priority"];
  /** `deleted` only in incremental exports. */
  status: TicketRecord["status"] | "deleted";
  recipient: string | null;
  requester_id: number;
  submitter_id: number;
  assignee_id: number | null;
  organization_id: number | null;
  group_id: number | null;
  collaborator_ids: number[];
  follower_ids: number[];
  email_cc_ids: number[];
  forum_topic_id: null;
  problem_id: number | null;
  has_incidents: boolean;
  is_public: boolean;
  due_at: string | null;
  tags: string[];
  custom_fields: { id: number; value: unknown }[];
  fields: { id: number; value: unknown }[];
  satisfaction_rating: null;
  sharing_agreement_ids: number[];
  custom_status_id: number;
  followup_ids: number[];
  ticket_form_id: number | null;
  brand_id: number | null;
  allow_channelback: boolean;
  allow_attachments: boolean;
  from_messaging_channel: boolean;
}

export interface ZendeskComment {
  id: number;
  type: "Comment";
  author_id: number;
  body: string;
  html_body: string;
  plain_body: string;
  public: boolean;
  attachments: unknown[];
  audit_id: number;
  via: ZendeskVia;
  created_at: string;
  metadata: { system: Record<string, unknown>; custom: Record<string, unknown> };
}

export interface ZendeskUser {
  id: number;
  url: string;
  name: string;
  email: string;
  created_at: string;
  updated_at: string;
  time_zone: string;
  iana_time_zone: string;
  phone: string | null;
  shared_phone_number: boolean | null;
  photo: null;
  locale: string;
  locale_id: number;
  organization_id: number | null;
  role: UserRole;
  verified: boolean;
  external_id: string | null;
  tags: string[];
  alias: string | null;
  active: boolean;
  shared: boolean;
  shared_agent: boolean;
  last_login_at: string | null;
  two_factor_auth_enabled: boolean | null;
  signature: string | null;
  details: string;
  notes: string;
  role_type: number | null;
  custom_role_id: number | null;
  moderator: boolean;
  ticket_restriction: "requested" | null;
  only_private_comments: boolean;
  restricted_agent: boolean;
  suspended: boolean;
  default_group_id: number | null;
  report_csv: boolean;
  user_fields: Record<string, unknown>;
}

export interface ZendeskOrganization {
  url: string;
  id: number;
  name: string;
  shared_tickets: boolean;
  shared_comments: boolean;
  external_id: string | null;
  created_at: string;
  updated_at: string;
  domain_names: string[];
  details: string | null;
  notes: string | null;
  group_id: number | null;
  tags: string[];
  organization_fields: Record<string, unknown>;
}

function via(channel: string): ZendeskVia {
  return { channel, source: { from: {}, to: {}, rel: null } };
}

export function ticketJson(apiUrl: ApiUrl, ticket: TicketRecord, deleted = false): ZendeskTicket {
  return {
    url: apiUrl(`tickets/${ticket.id}.json`),
    id: ticket.id,
    external_id: ticket.external_id,
    via: via(ticket.channel),
    created_at: isoSeconds(ticket.created_at),
    updated_at: isoSeconds(ticket.updated_at),
    generated_timestamp: Math.floor(ticket.updated_at / 1000),
    type: ticket.type,
    subject: ticket.subject,
    raw_subject: ticket.subject,
    description: ticket.description,
    priority: ticket.priority,
    status: deleted ? "deleted" : ticket.status,
    recipient: ticket.recipient,
    requester_id: ticket.requester_id,
    submitter_id: ticket.submitter_id,
    assignee_id: ticket.assignee_id,
    organization_id: ticket.organization_id,
    group_id: ticket.group_id,
    collaborator_ids: [...ticket.collaborator_ids],
    follower_ids: [...ticket.follower_ids],
    email_cc_ids: [...ticket.email_cc_ids],
    forum_topic_id: null,
    problem_id: null,
    has_incidents: false,
    is_public: true,
    due_at: null,
    tags: [...ticket.tags],
    custom_fields: ticket.custom_fields.map((field) => ({ ...field })),
    fields: ticket.custom_fields.map((field) => ({ ...field })),
    satisfaction_rating: null,
    sharing_agreement_ids: [],
    // Every instance has the four system statuses; the simulator has no custom ones.
    custom_status_id: CUSTOM_STATUS_IDS[ticket.status],
    followup_ids: [],
    ticket_form_id: null,
    brand_id: null,
    allow_channelback: false,
    allow_attachments: true,
    from_messaging_channel: false,
  };
}

const CUSTOM_STATUS_IDS: Record<TicketRecord["status"], number> = {
  new: 1,
  open: 2,
  pending: 3,
  hold: 4,
  solved: 5,
  closed: 5,
};

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

export function commentJson(comment: CommentRecord): ZendeskComment {
  return {
    id: comment.id,
    type: "Comment",
    author_id: comment.author_id,
    body: comment.body,
    html_body: `<div class="zd-comment" dir="auto">${escapeHtml(comment.body).replaceAll("\n", "<br>")}</div>`,
    plain_body: comment.body,
    public: comment.public,
    attachments: [],
    audit_id: comment.audit_id,
    via: via(comment.channel),
    created_at: isoSeconds(comment.created_at),
    metadata: { system: {}, custom: {} },
  };
}

export function userJson(apiUrl: ApiUrl, user: UserRecord): ZendeskUser {
  return {
    id: user.id,
    url: apiUrl(`users/${user.id}.json`),
    name: user.name,
    email: user.email,
    created_at: user.created_at,
    updated_at: user.created_at,
    time_zone: user.time_zone,
    iana_time_zone: user.iana_time_zone,
    phone: null,
    shared_phone_number: null,
    photo: null,
    locale: user.locale,
    locale_id: 1,
    organization_id: user.organization_id,
    role: user.role,
    verified: true,
    external_id: user.external_id,
    tags: [...user.tags],
    alias: null,
    active: true,
    shared: false,
    shared_agent: false,
    last_login_at: null,
    two_factor_auth_enabled: null,
    signature: null,
    details: "",
    notes: "",
    role_type: null,
    custom_role_id: null,
    moderator: user.role !== "end-user",
    ticket_restriction: user.role === "end-user" ? "requested" : null,
    only_private_comments: false,
    restricted_agent: false,
    suspended: false,
    default_group_id: null,
    report_csv: user.role === "admin",
    user_fields: {},
  };
}

export function organizationJson(apiUrl: ApiUrl, organization: OrganizationRecord): ZendeskOrganization {
  return {
    url: apiUrl(`organizations/${organization.id}.json`),
    id: organization.id,
    name: organization.name,
    shared_tickets: organization.shared_tickets,
    shared_comments: organization.shared_comments,
    external_id: organization.external_id,
    created_at: isoSeconds(organization.created_at),
    updated_at: isoSeconds(organization.updated_at),
    domain_names: [...organization.domain_names],
    details: organization.details,
    notes: organization.notes,
    group_id: null,
    tags: [...organization.tags],
    organization_fields: {},
  };
}
