import { readFileSync } from "node:fs";
import { z } from "zod";

/** A Zendesk subdomain is a single DNS label; anything else could never be `{sub}.zendesk.com`. */
export const SUBDOMAIN_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Requests per minute by Zendesk plan (reference: "Rate limits per account, per minute"). */
export const PLAN_RATE_LIMITS = {
  team: 200,
  growth: 400,
  professional: 400,
  enterprise: 700,
  high_volume: 2500,
} as const;

export const userRoleSchema = z.enum(["admin", "agent", "end-user"]);
export type UserRole = z.infer<typeof userRoleSchema>;

export const seedUserSchema = z.object({
  id: z.int().positive(),
  name: z.string().min(1),
  email: z.email(),
  role: userRoleSchema,
  locale: z.string().min(2).default("en-US"),
  time_zone: z.string().min(1).default("Eastern Time (US & Canada)"),
  iana_time_zone: z.string().min(1).default("America/New_York"),
  organization_id: z.int().positive().nullable().default(null),
  external_id: z.string().nullable().default(null),
  tags: z.array(z.string()).default([]),
  created_at: z.iso.datetime().default("2024-01-02T09:00:00Z"),
});

/** One scope name as Zendesk writes it: no whitespace (scopes are space-separated). */
export const scopeNameSchema = z.string().regex(/^\S+$/, "a scope name without spaces");

export const clientKindSchema = z.enum(["confidential", "public"]);
export type ClientKind = z.infer<typeof clientKindSchema>;

export const seedClientObject = z.object({
  /** Zendesk's numeric client id: what `tokens/current.json` reports as `client_id`. */
  id: z.int().positive(),
  /** The "Unique Identifier": what OAuth requests send as `client_id`. */
  identifier: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "letters, digits, '.', '_' or '-'"),
  name: z.string().min(1),
  kind: clientKindSchema,
  secret: z.string().min(1).optional(),
  redirect_uris: z.array(z.url()).min(1),
  /**
   * Granular scopes (Zendesk, Aug 2026): the only scopes this client may request, as an admin
   * restricted them. Omitted = unrestricted. Names match exactly (`read` does not cover `tickets:read`).
   */
  allowed_scopes: z.array(scopeNameSchema).optional(),
  /** Issue tokens that never expire and have no refresh token, as clients made before 2026 got. */
  non_expiring_tokens: z.boolean().optional(),
});

/** A confidential client has a secret; a public one never does (it must use PKCE instead). */
export function checkClientSecret(
  client: { kind: ClientKind; secret?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (client.kind === "confidential" && client.secret === undefined) {
    ctx.addIssue({ code: "custom", path: ["secret"], message: "a confidential client needs a secret" });
  }
  if (client.kind === "public" && client.secret !== undefined) {
    ctx.addIssue({ code: "custom", path: ["secret"], message: "a public client has no secret" });
  }
}

export const seedClientSchema = seedClientObject.superRefine(checkClientSecret);

export const ticketStatusSchema = z.enum(["new", "open", "pending", "hold", "solved", "closed"]);

export const ticketPrioritySchema = z.enum(["low", "normal", "high", "urgent"]);
export const ticketTypeSchema = z.enum(["problem", "incident", "question", "task"]);

/** A comment written into a seeded or arranged ticket (the description is the first one). */
export const seedCommentSchema = z.object({
  /** Default: the ticket's requester. */
  author_id: z.int().positive().optional(),
  body: z.string().min(1),
  public: z.boolean().default(true),
  /** Default: the ticket's `updated_at`. */
  created_at: z.iso.datetime().optional(),
});

export const seedTicketSchema = z.object({
  id: z.int().positive(),
  subject: z.string().min(1),
  description: z.string().default(""),
  status: ticketStatusSchema.default("open"),
  priority: ticketPrioritySchema.nullable().default(null),
  type: ticketTypeSchema.nullable().default(null),
  requester_id: z.int().positive(),
  /** Default: the requester. */
  submitter_id: z.int().positive().optional(),
  assignee_id: z.int().positive().nullable().default(null),
  /** Default: the requester's organization. */
  organization_id: z.int().positive().nullable().optional(),
  group_id: z.int().positive().nullable().default(null),
  external_id: z.string().nullable().default(null),
  collaborator_ids: z.array(z.int().positive()).default([]),
  follower_ids: z.array(z.int().positive()).default([]),
  tags: z.array(z.string()).default([]),
  custom_fields: z.array(z.object({ id: z.int().positive(), value: z.unknown() })).default([]),
  created_at: z.iso.datetime().default("2025-01-06T09:00:00Z"),
  /** Default: `created_at`. */
  updated_at: z.iso.datetime().optional(),
  /** Comments after the description (which is always the first comment). */
  comments: z.array(seedCommentSchema).default([]),
});

export const seedOrganizationSchema = z.object({
  id: z.int().positive(),
  name: z.string().min(1),
  domain_names: z.array(z.string()).default([]),
  details: z.string().nullable().default(null),
  notes: z.string().nullable().default(null),
  external_id: z.string().nullable().default(null),
  tags: z.array(z.string()).default([]),
  shared_tickets: z.boolean().default(false),
  shared_comments: z.boolean().default(false),
  created_at: z.iso.datetime().default("2024-01-02T09:00:00Z"),
});

/**
 * Deterministic bulk data on top of the listed records: the same `seed` always gives the same
 * users, organizations, tickets and comments, so a suite can count on ids and contents.
 */
export const generateSpecSchema = z.strictObject({
  tickets: z.int().min(0).max(200_000).default(0),
  /** End-users and agents (one in ten is an agent). */
  users: z.int().min(0).max(100_000).default(0),
  organizations: z.int().min(0).max(10_000).default(0),
  /** Comments after the description on each generated ticket. */
  comments_per_ticket: z.int().min(0).max(50).default(0),
  seed: z.int().default(1),
});

export const TOKENS_CURRENT_MODES = ["available", "require_read", "missing"] as const;
export const tokensCurrentModeSchema = z.enum(TOKENS_CURRENT_MODES);
export type TokensCurrentMode = z.infer<typeof tokensCurrentModeSchema>;

export const seedInstanceObject = z.object({
  subdomain: z.string().regex(SUBDOMAIN_PATTERN, "a single lowercase DNS label"),
  name: z.string().min(1),
  plan: z.enum(["team", "growth", "professional", "enterprise", "high_volume"]).default("professional"),
  /** Overrides the plan's limit; tests lower it to reach 429 quickly. */
  rate_limit_per_minute: z.int().positive().optional(),
  users: z.array(seedUserSchema).min(1),
  clients: z.array(seedClientSchema).default([]),
  tickets: z.array(seedTicketSchema).default([]),
  /**
   * Omitted: one organization per `organization_id` the users name, called "Organization {id}"
   * (older seeds list none).
   */
  organizations: z.array(seedOrganizationSchema).default([]),
  generate: generateSpecSchema.optional(),
  /**
   * How `GET /api/v2/oauth/tokens/current.json` behaves here (it is not in Zendesk's public API
   * reference): `available` to any valid token, `require_read` (403 without the `read` scope) or
   * `missing` (404, as an unknown API path). Omitted = `available`.
   */
  tokens_current: tokensCurrentModeSchema.optional(),
});

export const seedInstanceSchema = seedInstanceObject.superRefine((instance, ctx) => {
  // client_credentials tokens act as the first admin, and the consent page defaults to it.
  if (!instance.users.some((user) => user.role === "admin")) {
    ctx.addIssue({ code: "custom", path: ["users"], message: "an instance needs at least one admin" });
  }
  const userIds = new Set<number>();
  for (const [index, user] of instance.users.entries()) {
    if (userIds.has(user.id)) {
      ctx.addIssue({ code: "custom", path: ["users", index, "id"], message: `duplicate user id ${user.id}` });
    }
    userIds.add(user.id);
  }
  const ticketIds = new Set<number>();
  for (const [index, ticket] of instance.tickets.entries()) {
    if (ticketIds.has(ticket.id)) {
      ctx.addIssue({ code: "custom", path: ["tickets", index, "id"], message: `duplicate ticket id ${ticket.id}` });
    }
    ticketIds.add(ticket.id);
    const people: [string, number | null | undefined][] = [
      ["requester_id", ticket.requester_id],
      ["submitter_id", ticket.submitter_id],
      ["assignee_id", ticket.assignee_id],
      ...ticket.comments.map((comment, at): [string, number | undefined] => [
        `comments.${at}.author_id`,
        comment.author_id,
      ]),
    ];
    for (const [field, id] of people) {
      if (id !== null && id !== undefined && !userIds.has(id)) {
        ctx.addIssue({
          code: "custom",
          path: ["tickets", index, ...field.split(".")],
          message: `no user ${id} in ${instance.subdomain}`,
        });
      }
    }
  }
  const organizationIds = new Set<number>();
  for (const [index, organization] of instance.organizations.entries()) {
    if (organizationIds.has(organization.id)) {
      ctx.addIssue({
        code: "custom",
        path: ["organizations", index, "id"],
        message: `duplicate organization id ${organization.id}`,
      });
    }
    organizationIds.add(organization.id);
  }
});

export const seedSchema = z
  .object({
    /** Global clients (identifier `zdg-…`) work on every instance. */
    global_clients: z.array(seedClientSchema).default([]),
    instances: z.array(seedInstanceSchema).min(1),
  })
  .superRefine((seed, ctx) => {
    const subdomains = new Set<string>();
    for (const [index, instance] of seed.instances.entries()) {
      if (subdomains.has(instance.subdomain)) {
        ctx.addIssue({ code: "custom", path: ["instances", index, "subdomain"], message: "duplicate subdomain" });
      }
      subdomains.add(instance.subdomain);
    }
    const globalIdentifiers = new Set<string>();
    for (const [index, client] of seed.global_clients.entries()) {
      if (!client.identifier.startsWith("zdg-")) {
        ctx.addIssue({
          code: "custom",
          path: ["global_clients", index, "identifier"],
          message: "a global client's identifier starts with zdg-",
        });
      }
      globalIdentifiers.add(client.identifier);
    }
    for (const [index, instance] of seed.instances.entries()) {
      const local = new Set<string>();
      for (const [clientIndex, client] of instance.clients.entries()) {
        // A zdg- identifier on a local client would be ambiguous with the global namespace.
        if (globalIdentifiers.has(client.identifier) || local.has(client.identifier)) {
          ctx.addIssue({
            code: "custom",
            path: ["instances", index, "clients", clientIndex, "identifier"],
            message: `identifier ${client.identifier} is already taken`,
          });
        }
        local.add(client.identifier);
      }
    }
  });

/** The seed as written in JSON (defaults optional). */
export type Seed = z.input<typeof seedSchema>;
export type SeedInstance = z.input<typeof seedInstanceSchema>;
export type SeedUser = z.input<typeof seedUserSchema>;
export type SeedClient = z.input<typeof seedClientSchema>;
export type SeedTicket = z.input<typeof seedTicketSchema>;
export type SeedComment = z.input<typeof seedCommentSchema>;
export type SeedOrganization = z.input<typeof seedOrganizationSchema>;
export type GenerateSpec = z.input<typeof generateSpecSchema>;

/** The seed after validation, defaults filled in. */
export type ParsedSeed = z.output<typeof seedSchema>;
export type ParsedInstance = z.output<typeof seedInstanceSchema>;
export type ParsedUser = z.output<typeof seedUserSchema>;
export type ParsedClient = z.output<typeof seedClientSchema>;
export type ParsedTicket = z.output<typeof seedTicketSchema>;
export type ParsedComment = z.output<typeof seedCommentSchema>;
export type ParsedOrganization = z.output<typeof seedOrganizationSchema>;
export type ParsedGenerateSpec = z.output<typeof generateSpecSchema>;
export type TicketStatus = z.infer<typeof ticketStatusSchema>;

export const DEFAULT_SEED_PATH = new URL("../seed.json", import.meta.url);

/** Validates a seed object; throws an Error listing every problem. */
export function parseSeed(input: unknown, origin = "seed"): ParsedSeed {
  const result = seedSchema.safeParse(input);
  if (!result.success) {
    throw new Error(`Invalid Zendesk simulator ${origin}:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/** Reads and validates a seed file (JSON). */
export function readSeedFile(path: string | URL): ParsedSeed {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`Cannot read Zendesk simulator seed ${String(path)}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new Error(`Zendesk simulator seed ${String(path)} is not valid JSON: ${(error as Error).message}`);
  }
  return parseSeed(json, `seed ${String(path)}`);
}

/** A seed object, a path to a seed file, or nothing for the bundled `simulator/seed.json`. */
export function loadSeed(source?: Seed | string | URL): ParsedSeed {
  if (source === undefined) return readSeedFile(DEFAULT_SEED_PATH);
  if (typeof source === "string" || source instanceof URL) return readSeedFile(source);
  return parseSeed(source);
}
