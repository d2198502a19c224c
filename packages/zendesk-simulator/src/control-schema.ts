/**
 * The wire contract of the control API under `/__sim/`: zod schemas for what it accepts
 * (the server validates with them) and the shapes it answers with. `control.ts` imports
 * only types from here. JSON fields are snake_case, like the seed and Zendesk's own API.
 */
import { z } from "zod";
import {
  seedCommentSchema,
  seedOrganizationSchema,
  seedTicketSchema,
  seedUserSchema,
  seedClientObject,
  seedInstanceObject,
  seedSchema,
  checkClientSecret,
  scopeNameSchema,
  tokensCurrentModeSchema,
} from "./seed.js";
import type { ClientKind, TokensCurrentMode, UserRole } from "./seed.js";

export const ENDPOINT_NAMES = [
  "authorize",
  "token",
  "users_me",
  "tokens_current",
  "token_revoke",
  "tickets",
  "ticket_show",
  "tickets_show_many",
  "ticket_create",
  "ticket_update",
  "ticket_delete",
  "ticket_comments",
  "users",
  "user_show",
  "users_search",
  "organizations",
  "organization_show",
  "search",
  "search_count",
  "incremental_tickets",
  "ticket_fields",
] as const;
export type EndpointName = (typeof ENDPOINT_NAMES)[number];

export const FAULT_KINDS = [
  "status",
  "delay",
  "malformed_json",
  "plain_text_429",
  "close",
  "close_after_commit",
  "delay_after_commit",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

// ---- options -------------------------------------------------------------------------

export const simOptionsSchema = z.object({
  /** Zendesk documents 201 for token responses; some clients see 200. */
  token_success_status: z.union([z.literal(200), z.literal(201)]),
  /** `DELETE /api/v2/oauth/tokens/current.json` answers 204; reported not to revoke. */
  revoke_on_delete_current: z.boolean(),
  /** Lifetime (s) of an access token whose request omitted `expires_in`; null = never expires. */
  default_access_token_ttl: z.int().positive().nullable(),
  /** Lifetime (s) of a refresh token whose request omitted `refresh_token_expires_in`; null = never. */
  default_refresh_token_ttl: z.int().positive().nullable(),
  /** When the request omits `expires_in` (or `refresh_token_expires_in`), leave it out of the response. */
  omit_default_expires_in: z.boolean(),
  /** Added before every Zendesk endpoint answers (not the control API). */
  latency_ms: z.int().min(0).max(60_000),
  /** Requests per minute per instance on `/api/`; seeded from each instance's plan. */
  rate_limits: z.record(z.string(), z.int().positive()),
  /** How `GET tokens/current.json` answers, per instance; seeded from each instance's `tokens_current`. */
  tokens_current: z.record(z.string(), tokensCurrentModeSchema),
});
export type SimOptions = z.infer<typeof simOptionsSchema>;

export const simOptionsPatchSchema = simOptionsSchema.partial().strict();
export type SimOptionsPatch = z.input<typeof simOptionsPatchSchema>;

// ---- faults --------------------------------------------------------------------------

const faultTarget = {
  endpoint: z.enum(ENDPOINT_NAMES),
  /** Only requests to this instance; any instance when omitted. */
  subdomain: z.string().optional(),
  /** Only token requests with this grant_type. */
  grant_type: z.string().optional(),
  /** How many matching requests the fault applies to. */
  times: z.int().positive().max(100_000).default(1),
};

export const faultInputSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    ...faultTarget,
    kind: z.literal("status"),
    status: z.int().min(200).max(599),
    /** A string is sent as text/plain, anything else as JSON; omitted = empty body. */
    body: z.unknown().optional(),
    content_type: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  z.strictObject({ ...faultTarget, kind: z.literal("delay"), delay_ms: z.int().min(0).max(60_000) }),
  z.strictObject({ ...faultTarget, kind: z.literal("malformed_json"), status: z.int().min(200).max(599).default(200) }),
  z.strictObject({
    ...faultTarget,
    kind: z.literal("plain_text_429"),
    /** Seconds for Retry-After; null sends no Retry-After at all. */
    retry_after: z.int().min(0).nullable().default(60),
    body: z.string().default("Too Many Requests"),
  }),
  z.strictObject({ ...faultTarget, kind: z.literal("close") }),
  z.strictObject({ ...faultTarget, kind: z.literal("close_after_commit") }),
  /** Performs the request at once (a refresh rotates the tokens), then holds the answer. */
  z.strictObject({ ...faultTarget, kind: z.literal("delay_after_commit"), delay_ms: z.int().min(0).max(60_000) }),
]);
export type FaultInput = z.input<typeof faultInputSchema>;
export type FaultSpec = z.output<typeof faultInputSchema>;
/** An injected fault; `remaining` counts down as matching requests consume it. */
export type Fault = FaultSpec & { id: number; remaining: number };

// ---- tokens, clients, instances ------------------------------------------------------

export const revokeInputSchema = z
  .strictObject({
    token_id: z.int().positive().optional(),
    subdomain: z.string().optional(),
    /** The client's identifier (not its numeric id). */
    client_id: z.string().optional(),
  })
  .refine((input) => input.token_id !== undefined || input.subdomain !== undefined || input.client_id !== undefined, {
    message: "name a token_id, a subdomain, a client_id, or a subdomain and a client_id",
  });
export type RevokeInput = z.input<typeof revokeInputSchema>;

export const addClientInputSchema = seedClientObject
  .extend({
    /** Omitted numeric ids are assigned. */
    id: z.int().positive().optional(),
    /** The instance of a local client; omit for a global client (identifier `zdg-…`). */
    subdomain: z.string().optional(),
  })
  .strict()
  .superRefine(checkClientSecret)
  .superRefine((client, ctx) => {
    if (client.subdomain === undefined && !client.identifier.startsWith("zdg-")) {
      ctx.addIssue({
        code: "custom",
        path: ["identifier"],
        message: "a global client's identifier starts with zdg- (pass subdomain for a local client)",
      });
    }
  });
export type AddClientInput = z.input<typeof addClientInputSchema>;

/** Changes a client in place, as a Zendesk admin editing it would. */
export const updateClientInputSchema = z
  .strictObject({
    /** Which instance's client (or a global client used there); needed when several instances share the identifier. */
    subdomain: z.string().optional(),
    /** The new allowlist; null lifts the restriction. */
    allowed_scopes: z.array(scopeNameSchema).nullable().optional(),
    non_expiring_tokens: z.boolean().optional(),
  })
  .refine((input) => input.allowed_scopes !== undefined || input.non_expiring_tokens !== undefined, {
    message: "change allowed_scopes and/or non_expiring_tokens",
  });
export type UpdateClientInput = z.input<typeof updateClientInputSchema>;

/**
 * A token made directly, without consent: an "imported" or pre-2026 connection for app tests.
 * `expires_in` null = never expires; `refresh_token_expires_in` omitted = no refresh token.
 */
export const issueTokenInputSchema = z.strictObject({
  subdomain: z.string(),
  /** The client's identifier. */
  client_id: z.string(),
  /** Default: the instance's first admin. */
  user_id: z.int().positive().optional(),
  scopes: z.array(scopeNameSchema).min(1),
  expires_in: z.int().positive().nullable().default(null),
  refresh_token_expires_in: z.int().positive().nullable().optional(),
});
export type IssueTokenInput = z.input<typeof issueTokenInputSchema>;

/** Users are optional: an instance without them gets an admin, an agent and an end-user. */
export const addInstanceInputSchema = seedInstanceObject
  .extend({ users: seedInstanceObject.shape.users.optional() })
  .strict();
export type AddInstanceInput = z.input<typeof addInstanceInputSchema>;

/** A redirect URL added to every seeded client, or to the named ones (identifiers). */
export const allowRedirectUrlInputSchema = z.strictObject({
  url: z.string(),
  clients: z.array(z.string().min(1)).min(1).optional(),
});
export type AllowRedirectUrlInput = z.input<typeof allowRedirectUrlInputSchema>;

// ---- Support records (arrange and assert) --------------------------------------------

/**
 * A ticket arranged by a test: the seed's ticket fields; `id` defaults to the next one,
 * `requester_id` to the instance's first end-user, `created_at` to simulator time now.
 */
export const arrangeTicketInputSchema = seedTicketSchema
  .extend({
    id: z.int().positive().optional(),
    requester_id: z.int().positive().optional(),
    created_at: z.iso.datetime().optional(),
  })
  .strict();
export type ArrangeTicketInput = z.input<typeof arrangeTicketInputSchema>;

/** A comment added to a ticket; `author_id` defaults to the requester, `created_at` to now. */
export const arrangeCommentInputSchema = seedCommentSchema.strict();
export type ArrangeCommentInput = z.input<typeof arrangeCommentInputSchema>;

/** A user; `id` defaults to the next one, `created_at` to now. */
export const arrangeUserInputSchema = seedUserSchema
  .extend({ id: z.int().positive().optional(), created_at: z.iso.datetime().optional() })
  .strict();
export type ArrangeUserInput = z.input<typeof arrangeUserInputSchema>;

/** An organization; `id` defaults to the next one, `created_at` to now. */
export const arrangeOrganizationInputSchema = seedOrganizationSchema
  .extend({ id: z.int().positive().optional(), created_at: z.iso.datetime().optional() })
  .strict();
export type ArrangeOrganizationInput = z.input<typeof arrangeOrganizationInputSchema>;

export const resetInputSchema = z.strictObject({ seed: seedSchema.optional() });
export const advanceClockInputSchema = z.strictObject({
  seconds: z
    .number()
    .min(0)
    .max(10 * 365 * 24 * 3600),
});

// ---- answers -------------------------------------------------------------------------

export interface HealthResponse {
  ok: true;
  now: string;
  instances: string[];
}

export interface ClockState {
  /** Simulator time, ISO 8601. */
  now: string;
  now_ms: number;
  offset_seconds: number;
}

export interface TokenSummary {
  id: number;
  subdomain: string;
  /** The client's identifier; `client_numeric_id` is what Zendesk's API calls `client_id`. */
  client_id: string;
  client_numeric_id: number;
  user_id: number;
  grant_type: "authorization_code" | "refresh_token" | "client_credentials";
  scopes: string[];
  /** First 10 characters only, like Zendesk's token API. */
  token: string;
  has_refresh_token: boolean;
  created_at: string;
  used_at: string | null;
  expires_at: string | null;
  refresh_token_expires_at: string | null;
}

export interface ClientSummary {
  id: number;
  identifier: string;
  name: string;
  kind: ClientKind;
  redirect_uris: string[];
  /** null for a global client. */
  subdomain: string | null;
  /** The admin's allowlist; null = unrestricted. */
  allowed_scopes: string[] | null;
  non_expiring_tokens: boolean;
}

export interface UserSummary {
  id: number;
  name: string;
  email: string;
  role: UserRole;
}

export interface InstanceSummary {
  subdomain: string;
  name: string;
  plan: string;
  rate_limit_per_minute: number;
  tokens_current: TokensCurrentMode;
  users: UserSummary[];
  /** Local clients and the global clients that also work here. */
  clients: ClientSummary[];
  ticket_count: number;
  organization_count: number;
}

export interface RequestLogEntry {
  id: number;
  /** Simulator time, ISO 8601. */
  time: string;
  method: string;
  /** Path and query after masking secrets. */
  path: string;
  subdomain: string | null;
  endpoint: EndpointName | null;
  grant_type: string | null;
  /** null when the socket was closed without an answer. */
  status: number | null;
  fault: FaultKind | null;
  /** The Authorization scheme sent, never its value. */
  auth: "bearer" | "basic" | "other" | null;
  /** Body parameters of token and consent requests, secrets masked. */
  params: Record<string, string> | null;
  /** The `X-Zendesk-Marketplace-*` headers sent (a missing one is null); null when none was. */
  marketplace: MarketplaceHeaders | null;
  duration_ms: number;
}

export interface MarketplaceHeaders {
  name: string | null;
  organization_id: string | null;
  app_id: string | null;
}

/** The answer of `POST /__sim/tokens`: the only place a full token is shown. */
export interface IssuedToken {
  token: TokenSummary;
  access_token: string;
  refresh_token: string | null;
}

export interface RequestLogSnapshot {
  entries: RequestLogEntry[];
  /** Requests since the last clear; entries keeps only the most recent ones. */
  total: number;
  dropped: number;
  counts: {
    by_endpoint: Record<string, number>;
    by_grant_type: Record<string, number>;
    by_status: Record<string, number>;
  };
}

/** A redirect URL added at run time; `clients` null = every client. */
export interface RedirectUrlSummary {
  url: string;
  clients: string[] | null;
}

/** The answer of `POST /__sim/redirect-urls`: the grant and the clients that now accept the URL. */
export interface AllowedRedirectUrl extends RedirectUrlSummary {
  changed_clients: string[];
}

export interface ControlErrorBody {
  error: string;
  message: string;
}
