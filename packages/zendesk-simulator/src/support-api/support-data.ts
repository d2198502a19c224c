/**
 * One instance's Support data in memory: tickets, their comments, users and organizations,
 * built from the seed (listed records, then generated ones) and changed by the API and the
 * control API. All writes go through here, so ids, audits and the incremental-export order stay
 * consistent in one place.
 */
import { generateRecords } from "./generate.js";
import { RecordTable, upperBound } from "./records.js";
import type { ParsedInstance, ParsedOrganization, ParsedTicket, ParsedUser } from "../seed.js";
import type { CommentRecord, OrganizationRecord, TicketRecord, UserRecord } from "./records.js";

/** A ticket as the incremental export sees it: live, or deleted (status `deleted`). */
export interface ExportEntry {
  ticket: TicketRecord;
  deleted: boolean;
  /** The export's order key: `updated_at`, or the deletion time. */
  updatedAt: number;
}

export interface NewComment {
  author_id: number;
  body: string;
  public: boolean;
  created_at: number;
  channel: "web" | "api";
}

const ROLE_ORDER = { admin: 0, agent: 1, "end-user": 2 } as const;

/** Admins first (the consent page lists them first; client_credentials acts as the first). */
export function sortByRole(users: ParsedUser[]): ParsedUser[] {
  return users.sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role]);
}

function ms(iso: string): number {
  return Date.parse(iso);
}

export function organizationFromSeed(organization: ParsedOrganization): OrganizationRecord {
  const created = ms(organization.created_at);
  return {
    ...organization,
    domain_names: [...organization.domain_names],
    tags: [...organization.tags],
    created_at: created,
    updated_at: created,
  };
}

/** Older seeds name organization ids on users without listing the organizations. */
function placeholderOrganization(id: number): OrganizationRecord {
  const created = ms("2024-01-02T09:00:00Z");
  return {
    id,
    name: `Organization ${id}`,
    domain_names: [],
    details: null,
    notes: null,
    external_id: null,
    tags: [],
    shared_tickets: false,
    shared_comments: false,
    created_at: created,
    updated_at: created,
  };
}

export function ticketFromSeed(ticket: ParsedTicket, requester: UserRecord | undefined): TicketRecord {
  const created = ms(ticket.created_at);
  return {
    id: ticket.id,
    external_id: ticket.external_id,
    type: ticket.type,
    subject: ticket.subject,
    description: ticket.description,
    priority: ticket.priority,
    status: ticket.status,
    recipient: null,
    requester_id: ticket.requester_id,
    submitter_id: ticket.submitter_id ?? ticket.requester_id,
    assignee_id: ticket.assignee_id,
    organization_id:
      ticket.organization_id === undefined ? (requester?.organization_id ?? null) : ticket.organization_id,
    group_id: ticket.group_id,
    collaborator_ids: [...ticket.collaborator_ids],
    follower_ids: [...ticket.follower_ids],
    email_cc_ids: [],
    tags: [...new Set(ticket.tags)],
    custom_fields: ticket.custom_fields.map((field) => ({ id: field.id, value: field.value })),
    created_at: created,
    updated_at: ticket.updated_at === undefined ? created : ms(ticket.updated_at),
    channel: "web",
  };
}

export class SupportData {
  readonly tickets = new RecordTable<TicketRecord>();
  readonly users = new RecordTable<UserRecord>();
  readonly organizations = new RecordTable<OrganizationRecord>();
  readonly #comments = new Map<number, CommentRecord[]>();
  readonly #deleted = new Map<number, ExportEntry>();
  #nextCommentId = 1;
  #nextAuditId = 1;
  /** The incremental export's order, rebuilt on the next export after any ticket write. */
  #exportOrder: ExportEntry[] | null = null;

  /** The seed's records, then the generated ones; returns the users in consent-page order. */
  static fromSeed(instance: ParsedInstance): { data: SupportData; users: ParsedUser[] } {
    const data = new SupportData();
    for (const user of instance.users) data.users.insert(user);
    for (const organization of instance.organizations) data.organizations.insert(organizationFromSeed(organization));
    for (const seeded of [...instance.tickets].sort((a, b) => a.id - b.id)) data.insertSeedTicket(seeded);
    if (instance.generate !== undefined) {
      const generated = generateRecords({
        spec: instance.generate,
        subdomain: instance.subdomain,
        users: instance.users,
        nextUserId: data.users.lastId + 1,
        nextOrganizationId: data.organizations.lastId + 1,
        nextTicketId: data.tickets.lastId + 1,
        nextCommentId: data.#nextCommentId,
      });
      for (const organization of generated.organizations) data.organizations.insert(organization);
      for (const user of generated.users) data.users.insert(user);
      for (const ticket of generated.tickets) data.tickets.insert(ticket);
      for (const comment of generated.comments) data.#storeComment({ ...comment, audit_id: data.nextAuditId() });
      data.#nextCommentId = (generated.comments.at(-1)?.id ?? data.#nextCommentId - 1) + 1;
    }
    for (const user of data.users.sorted) {
      if (user.organization_id !== null && data.organizations.get(user.organization_id) === undefined) {
        data.organizations.insert(placeholderOrganization(user.organization_id));
      }
    }
    return { data, users: sortByRole([...data.users.sorted]) };
  }

  /** A ticket written as in a seed (or arranged by the control API), its description the first comment. */
  insertSeedTicket(seeded: ParsedTicket): TicketRecord {
    const ticket = ticketFromSeed(seeded, this.users.get(seeded.requester_id));
    this.insertTicket(ticket);
    this.addComment(ticket, {
      author_id: ticket.submitter_id,
      body: ticket.description,
      public: true,
      created_at: ticket.created_at,
      channel: "web",
    });
    for (const comment of seeded.comments) {
      this.addComment(ticket, {
        author_id: comment.author_id ?? ticket.requester_id,
        body: comment.body,
        public: comment.public,
        created_at: comment.created_at === undefined ? ticket.updated_at : ms(comment.created_at),
        channel: "web",
      });
    }
    return ticket;
  }

  comments(ticketId: number): readonly CommentRecord[] {
    return this.#comments.get(ticketId) ?? [];
  }

  nextAuditId(): number {
    return this.#nextAuditId++;
  }

  /** Appends a comment under a new audit (or `auditId`, when one write adds several changes). */
  addComment(ticket: TicketRecord, comment: NewComment, auditId = this.nextAuditId()): CommentRecord {
    const record: CommentRecord = { ...comment, id: this.#nextCommentId++, ticket_id: ticket.id, audit_id: auditId };
    this.#storeComment(record);
    return record;
  }

  #storeComment(comment: CommentRecord): void {
    const list = this.#comments.get(comment.ticket_id);
    if (list === undefined) this.#comments.set(comment.ticket_id, [comment]);
    else list.push(comment);
  }

  insertTicket(ticket: TicketRecord): void {
    this.tickets.insert(ticket);
    this.ticketChanged();
  }

  /** Call after changing a ticket in place: its place in the incremental export moves. */
  ticketChanged(): void {
    this.#exportOrder = null;
  }

  deleteTicket(id: number, now: number): boolean {
    const ticket = this.tickets.remove(id);
    if (ticket === undefined) return false;
    this.#comments.delete(id);
    this.#deleted.set(id, { ticket, deleted: true, updatedAt: now });
    this.ticketChanged();
    return true;
  }

  insertUser(user: UserRecord): void {
    this.users.insert(user);
  }

  insertOrganization(organization: OrganizationRecord): void {
    this.organizations.insert(organization);
  }

  /** Live and deleted tickets by (update time, id): the incremental export's order. */
  exportOrder(): readonly ExportEntry[] {
    if (this.#exportOrder === null) {
      const entries: ExportEntry[] = this.tickets.sorted.map((ticket) => ({
        ticket,
        deleted: false,
        updatedAt: ticket.updated_at,
      }));
      entries.push(...this.#deleted.values());
      entries.sort((a, b) => a.updatedAt - b.updatedAt || a.ticket.id - b.ticket.id);
      this.#exportOrder = entries;
    }
    return this.#exportOrder;
  }

  /** The first export entry after (update time, id), by binary search. */
  exportIndexAfter(updatedAt: number, id: number): number {
    const order = this.exportOrder();
    // Entries sort by updatedAt then id: search on the pair folded into one comparable number
    // is unsafe (ids are unbounded), so search on updatedAt and step over equal times.
    let index = upperBound(order, updatedAt, (entry) => entry.updatedAt, true);
    while (index < order.length) {
      const entry = order[index] as ExportEntry;
      if (entry.updatedAt > updatedAt || entry.ticket.id > id) break;
      index += 1;
    }
    return index;
  }
}
