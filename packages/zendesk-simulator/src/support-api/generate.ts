/**
 * Deterministic bulk records for a seed's `generate` block. Everything derives from the spec's
 * `seed` through one small PRNG and fixed dates (never the clock), so the same seed gives the
 * same ids, texts and timestamps on every machine and after every reset.
 */
import type { ParsedGenerateSpec, ParsedUser, TicketStatus } from "../seed.js";
import type { CommentRecord, OrganizationRecord, TicketRecord } from "./records.js";

/** mulberry32: tiny, fast and good enough to make test data look varied. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const FIRST_NAMES = [
  "Ada",
  "Bao",
  "Carla",
  "Dmitri",
  "Efua",
  "Farid",
  "Greta",
  "Hiro",
  "Ines",
  "Jonas",
  "Kemi",
  "Luis",
];
const LAST_NAMES = ["Ng", "Okafor", "Larsen", "Silva", "Kowalski", "Haddad", "Moreau", "Tanaka", "Brown", "Rossi"];
const COMPANY_WORDS = ["Northwind", "Contoso", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent"];
const COMPANY_KINDS = ["Labs", "Logistics", "Retail", "Health", "Media", "Foods"];
const SUBJECT_VERBS = ["Cannot", "Unable to", "How do I", "Error when trying to", "Question: how to", "Please help me"];
const SUBJECT_OBJECTS = [
  "reset my password",
  "export the monthly report",
  "update billing details",
  "connect the mobile app",
  "add a team member",
  "download my invoice",
  "change the delivery address",
  "enable two-factor authentication",
];
const TAGS = ["billing", "login", "mobile", "vip", "export", "bug", "feature_request", "refund"];
const STATUSES: TicketStatus[] = ["new", "open", "open", "pending", "hold", "solved", "solved", "closed"];
const PRIORITIES = [null, "low", "normal", "normal", "high", "urgent"] as const;
const TYPES = [null, "question", "incident", "problem", "task"] as const;
const REPLIES = [
  "Thanks for reaching out, we are looking into it.",
  "Could you send a screenshot of the error?",
  "Here is the screenshot you asked for.",
  "This should be fixed now, can you try again?",
  "It works now, thank you!",
];

/** Generated records start after a fixed instant, one ticket every ~37 minutes. */
const EPOCH = Date.parse("2024-01-01T00:00:00Z");
const TICKET_SPACING_MS = 37 * 60 * 1000;

/** Comments come without audits: the instance's data numbers them. */
export interface GeneratedRecords {
  users: ParsedUser[];
  organizations: OrganizationRecord[];
  tickets: TicketRecord[];
  comments: CommentRecord[];
}

export interface GenerateContext {
  spec: ParsedGenerateSpec;
  subdomain: string;
  /** The seed's own users: generated tickets are also requested by its end-users and assigned to its agents. */
  users: readonly ParsedUser[];
  /** First free ids (above the seed's own records). */
  nextUserId: number;
  nextOrganizationId: number;
  nextTicketId: number;
  nextCommentId: number;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

export function generateRecords(context: GenerateContext): GeneratedRecords {
  const { spec, subdomain } = context;
  const random = prng(spec.seed);

  const organizations: OrganizationRecord[] = [];
  for (let index = 0; index < spec.organizations; index++) {
    const id = context.nextOrganizationId + index;
    const name = `${pick(random, COMPANY_WORDS)} ${pick(random, COMPANY_KINDS)} ${id}`;
    const created = EPOCH - (spec.organizations - index) * 3_600_000;
    organizations.push({
      id,
      name,
      domain_names: [`org${id}.example.com`],
      details: null,
      notes: null,
      external_id: `org-${id}`,
      tags: [pick(random, TAGS)],
      shared_tickets: false,
      shared_comments: false,
      created_at: created,
      updated_at: created,
    });
  }

  const users: ParsedUser[] = [];
  for (let index = 0; index < spec.users; index++) {
    const id = context.nextUserId + index;
    const first = pick(random, FIRST_NAMES);
    const last = pick(random, LAST_NAMES);
    const organization = organizations.length > 0 && random() < 0.8 ? pick(random, organizations).id : null;
    users.push({
      id,
      name: `${first} ${last}`,
      email: `${first}.${last}.${id}@${subdomain}.example.com`.toLowerCase(),
      role: index % 10 === 9 ? "agent" : "end-user",
      locale: "en-US",
      time_zone: "Eastern Time (US & Canada)",
      iana_time_zone: "America/New_York",
      organization_id: organization,
      external_id: `user-${id}`,
      tags: [],
      created_at: new Date(EPOCH - (spec.users - index) * 60_000).toISOString().replace(".000Z", "Z"),
    });
  }

  const everyone = [...context.users, ...users];
  const requesters = everyone.filter((user) => user.role === "end-user");
  const agents = everyone.filter((user) => user.role !== "end-user");
  const requesterPool = requesters.length > 0 ? requesters : everyone;

  const tickets: TicketRecord[] = [];
  const comments: CommentRecord[] = [];
  let commentId = context.nextCommentId;
  for (let index = 0; index < spec.tickets; index++) {
    const id = context.nextTicketId + index;
    const requester = pick(random, requesterPool);
    const status = pick(random, STATUSES);
    const assignee = status === "new" || agents.length === 0 ? null : pick(random, agents);
    const created = seconds(EPOCH + index * TICKET_SPACING_MS + Math.floor(random() * 600_000));
    const subject = `${pick(random, SUBJECT_VERBS)} ${pick(random, SUBJECT_OBJECTS)}`;
    const description = `${subject}. Ticket ${id} was generated by the Zendesk simulator (seed ${spec.seed}).`;
    const tags = [...new Set([pick(random, TAGS), pick(random, TAGS)])];
    const ticketComments: CommentRecord[] = [
      {
        id: commentId++,
        ticket_id: id,
        author_id: requester.id,
        body: description,
        public: true,
        audit_id: 0,
        created_at: created,
        channel: "web",
      },
    ];
    let at = created;
    for (let reply = 0; reply < spec.comments_per_ticket; reply++) {
      at += seconds(60_000 + Math.floor(random() * 3_600_000));
      const fromAgent = reply % 2 === 0 && assignee !== null;
      ticketComments.push({
        id: commentId++,
        ticket_id: id,
        author_id: fromAgent ? assignee.id : requester.id,
        body: pick(random, REPLIES),
        // One agent reply in three is an internal note.
        public: !(fromAgent && random() < 0.33),
        audit_id: 0,
        created_at: at,
        channel: "web",
      });
    }
    comments.push(...ticketComments);
    tickets.push({
      id,
      external_id: null,
      type: pick(random, TYPES),
      subject,
      description,
      priority: pick(random, PRIORITIES),
      status,
      recipient: null,
      requester_id: requester.id,
      submitter_id: requester.id,
      assignee_id: assignee?.id ?? null,
      organization_id: requester.organization_id,
      group_id: null,
      collaborator_ids: [],
      follower_ids: [],
      email_cc_ids: [],
      tags,
      custom_fields: [],
      created_at: created,
      updated_at: at + seconds(Math.floor(random() * 86_400_000)),
      channel: "web",
    });
  }
  return { users, organizations, tickets, comments };
}
