/**
 * Reads the `ticket` object of `POST tickets.json` / `PUT tickets/{id}.json` the way Zendesk
 * validates it: unknown fields are ignored, wrong values are a 422 RecordInvalid naming each
 * field (`details.{field}`), and a new ticket needs a comment or description (`details.base`).
 */
import type { FieldError } from "./errors.js";
import type { SupportData } from "./support-data.js";
import type { TicketRecord, UserRecord } from "./records.js";

const STATUSES = ["new", "open", "pending", "hold", "solved", "closed"] as const;
const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
const TYPES = ["problem", "incident", "question", "task"] as const;

export interface CommentInput {
  body: string;
  public: boolean;
  author_id: number | null;
}

/** The fields a write changes (absent = unchanged) and the comment it adds. */
export interface TicketChanges {
  fields: Partial<
    Pick<
      TicketRecord,
      | "subject"
      | "status"
      | "priority"
      | "type"
      | "requester_id"
      | "submitter_id"
      | "assignee_id"
      | "organization_id"
      | "group_id"
      | "external_id"
      | "tags"
      | "custom_fields"
      | "collaborator_ids"
      | "follower_ids"
    >
  >;
  comment: CommentInput | null;
  /** `requester: {name, email}` naming someone new: the end-user to create first. */
  newRequester: { name: string; email: string } | null;
  /** `description` on create, used when there is no comment. */
  description: string | null;
}

export type TicketInputResult =
  { ok: true; changes: TicketChanges } | { ok: false; details: Record<string, FieldError[]> };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function label(field: string): string {
  const words = field.replace(/_id$/, "").replace(/_ids$/, "s").split("_");
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Validates `body.ticket` against the instance's users and organizations. */
export function readTicketInput(body: unknown, data: SupportData, mode: "create" | "update"): TicketInputResult {
  const ticket = isObject(body) && isObject(body.ticket) ? body.ticket : {};
  const details: Record<string, FieldError[]> = {};
  const fail = (field: string, description: string, error = "InvalidValue"): void => {
    (details[field] ??= []).push({ description: `${label(field)}: ${description}`, error, field_key: field });
  };
  const changes: TicketChanges = { fields: {}, comment: null, newRequester: null, description: null };
  const { fields } = changes;

  const user = (field: string, value: unknown, nullable: boolean): UserRecord | null | undefined => {
    if (value === null && nullable) return null;
    if (typeof value !== "number" || !Number.isSafeInteger(value)) {
      fail(field, "is invalid");
      return undefined;
    }
    const found = data.users.get(value);
    if (found === undefined) fail(field, `${value} is not a user of this account`);
    return found;
  };

  if ("subject" in ticket) {
    if (ticket.subject === null || typeof ticket.subject === "string") {
      fields.subject = ticket.subject === null || ticket.subject.trim() === "" ? null : ticket.subject;
    } else fail("subject", "is invalid");
  }
  const oneOf = <T extends string>(field: "status" | "priority" | "type", allowed: readonly T[], nullable: boolean) => {
    if (!(field in ticket)) return;
    const value = ticket[field];
    if (value === null && nullable) (fields as Record<string, unknown>)[field] = null;
    else if (typeof value === "string" && (allowed as readonly string[]).includes(value)) {
      (fields as Record<string, unknown>)[field] = value;
    } else fail(field, `${JSON.stringify(value)} is not valid (one of ${allowed.join(", ")})`);
  };
  oneOf("status", STATUSES, false);
  oneOf("priority", PRIORITIES, true);
  oneOf("type", TYPES, true);

  if ("requester_id" in ticket) {
    const found = user("requester_id", ticket.requester_id, false);
    if (found) fields.requester_id = found.id;
  } else if ("requester" in ticket) {
    const requester = ticket.requester;
    const email =
      isObject(requester) && typeof requester.email === "string" ? requester.email.trim().toLowerCase() : "";
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) fail("requester", "needs a valid email");
    else {
      const known = data.users.sorted.find((candidate) => candidate.email.toLowerCase() === email);
      if (known !== undefined) fields.requester_id = known.id;
      else {
        const name =
          isObject(requester) && typeof requester.name === "string" && requester.name.trim() !== ""
            ? requester.name.trim()
            : email;
        changes.newRequester = { name, email };
      }
    }
  }
  if ("submitter_id" in ticket) {
    const found = user("submitter_id", ticket.submitter_id, false);
    if (found) fields.submitter_id = found.id;
  }
  if ("assignee_id" in ticket) {
    const found = user("assignee_id", ticket.assignee_id, true);
    if (found === null) fields.assignee_id = null;
    else if (found !== undefined) {
      if (found.role === "end-user") fail("assignee_id", `${found.id} is not an agent`);
      else fields.assignee_id = found.id;
    }
  }
  if ("organization_id" in ticket) {
    const value = ticket.organization_id;
    if (value === null) fields.organization_id = null;
    else if (typeof value === "number" && data.organizations.get(value) !== undefined) fields.organization_id = value;
    else fail("organization_id", `${JSON.stringify(value)} is not an organization of this account`);
  }
  if ("group_id" in ticket) {
    const value = ticket.group_id;
    // The simulator has no groups: any positive id is kept as given.
    if (value === null || (typeof value === "number" && Number.isSafeInteger(value) && value > 0))
      fields.group_id = value;
    else fail("group_id", "is invalid");
  }
  if ("external_id" in ticket) {
    const value = ticket.external_id;
    if (value === null || typeof value === "string") fields.external_id = value;
    else if (typeof value === "number") fields.external_id = String(value);
    else fail("external_id", "is invalid");
  }
  if ("tags" in ticket) {
    const value = ticket.tags;
    // Zendesk takes a list or one space-separated string.
    const list = typeof value === "string" ? value.split(/\s+/) : value;
    if (Array.isArray(list) && list.every((tag) => typeof tag === "string")) {
      fields.tags = [...new Set((list as string[]).map((tag) => tag.trim()).filter((tag) => tag !== ""))];
    } else fail("tags", "must be a list of strings");
  }
  if ("custom_fields" in ticket) {
    const value = ticket.custom_fields;
    if (Array.isArray(value) && value.every((field) => isObject(field) && typeof field.id === "number")) {
      fields.custom_fields = (value as { id: number; value?: unknown }[]).map((field) => ({
        id: field.id,
        value: field.value ?? null,
      }));
    } else fail("custom_fields", "must be a list of {id, value}");
  }
  for (const field of ["collaborator_ids", "follower_ids"] as const) {
    if (!(field in ticket)) continue;
    const value = ticket[field];
    if (Array.isArray(value) && value.every((id) => typeof id === "number" && data.users.get(id) !== undefined)) {
      fields[field] = [...new Set(value as number[])];
    } else fail(field, "must list users of this account");
  }

  if ("comment" in ticket && ticket.comment !== null) {
    const comment = ticket.comment;
    const text = isObject(comment) ? (typeof comment.body === "string" ? comment.body : comment.html_body) : comment;
    if (typeof text !== "string" || text.trim() === "") fail("comment", "cannot be blank", "BlankValue");
    else if (isObject(comment) && "public" in comment && typeof comment.public !== "boolean")
      fail("comment", "public must be true or false");
    else {
      let authorId: number | null = null;
      if (isObject(comment) && "author_id" in comment && comment.author_id !== null) {
        const author = user("author_id", comment.author_id, false);
        if (author) authorId = author.id;
      }
      changes.comment = {
        body: text,
        public: isObject(comment) && comment.public === false ? false : true,
        author_id: authorId,
      };
    }
  }
  if (mode === "create") {
    if (typeof ticket.description === "string" && ticket.description.trim() !== "")
      changes.description = ticket.description;
    if (changes.comment === null && changes.description === null && details.comment === undefined) {
      (details.base ??= []).push({
        description: "Description: cannot be blank",
        error: "BlankValue",
        field_key: "description",
      });
    }
  }
  return Object.keys(details).length > 0 ? { ok: false, details } : { ok: true, changes };
}
