import { relations } from "drizzle-orm";
import {
  bigserial,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/*
 * The package's tables. They key everything by the host product's own ids (its workspace,
 * organisation or team, and its users), stored as opaque text with no foreign key to the host's
 * tables: Clerk's "org_2abc...", a uuid and an integer id all fit. The package owns them and
 * their migrations (its own ledger, migrate()); removing a workspace's Zendesk data is the
 * host's call (docs/adopting.md).
 */
const hostId = (name: string) => text(name);

/**
 * A Zendesk subdomain, written only from input that passed lib/zendesk/transport/subdomain.ts.
 * The type carries that module's brand (spelled out here: db/ imports nothing else).
 */
const subdomain = () => text("subdomain").notNull().$type<string & { readonly __brand: "ZendeskSubdomain" }>();

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const updatedAt = () =>
  timestamp("updated_at", { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());

export const zendeskClientKind = pgEnum("zendesk_client_kind", ["confidential", "public"]);

/** A workspace's own (local) OAuth client for one Zendesk instance. */
export const zendeskOauthClients = pgTable(
  "zendesk_oauth_clients",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: hostId("workspace_id").notNull(),
    subdomain: subdomain(),
    /** Zendesk's "Unique Identifier", sent as client_id. Not secret. */
    identifier: text("identifier").notNull(),
    kind: zendeskClientKind("kind").notNull(),
    /** Encrypted; null for public clients. */
    secretCiphertext: text("secret_ciphertext"),
    createdByUserId: hostId("created_by_user_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("zendesk_oauth_clients_workspace_subdomain_uq").on(t.workspaceId, t.subdomain)],
);

/**
 * What the server decided when a connect form was submitted. The OAuth callback reads
 * the flow's parameters from here, never from its query string. Single-use, short-lived.
 */
export const zendeskConnectIntents = pgTable(
  "zendesk_connect_intents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: hostId("workspace_id").notNull(),
    userId: hostId("user_id").notNull(),
    subdomain: subdomain(),
    scopes: text("scopes").array().notNull(),
    /** Null means the operator's global client. */
    oauthClientId: uuid("oauth_client_id").references(() => zendeskOauthClients.id, { onDelete: "cascade" }),
    returnTo: text("return_to").notNull(),
    /**
     * A workspace's own client entered in the connect form and not yet accepted by Zendesk: it
     * replaces the stored one (oauth_client_id, if any) only when the code exchange succeeds.
     */
    pendingClientIdentifier: text("pending_client_identifier"),
    pendingClientKind: zendeskClientKind("pending_client_kind"),
    /** Encrypted for this intent's row; null for a public client or to keep the stored secret. */
    pendingClientSecretCiphertext: text("pending_client_secret_ciphertext"),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    consumedAt: timestamp("consumed_at", { withTimezone: true }),
  },
  (t) => [index("zendesk_connect_intents_user_idx").on(t.userId)],
);

/**
 * The pre-flight's verdict on a subdomain for one workspace (does a Zendesk account answer
 * there?), written when the connect form checks the subdomain as it is entered. A connect of
 * the same workspace and subdomain reuses a fresh "found", or waits for a check still pending,
 * instead of asking Zendesk again: the person's click does not wait for a round trip the form
 * already made. In Postgres, so a check and the connect may run on different instances.
 */
export const zendeskSubdomainChecks = pgTable(
  "zendesk_subdomain_checks",
  {
    workspaceId: hostId("workspace_id").notNull(),
    subdomain: subdomain(),
    /** Null while the check is pending; "found", or the error code of the refusal. */
    outcome: text("outcome"),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.subdomain] })],
);

export const zendeskConnectionMode = pgEnum("zendesk_connection_mode", ["authorization_code", "client_credentials"]);

/** Stored state; "expiring soon" and "refresh token lapsed" are derived from it and the clock. */
export const zendeskConnectionStatus = pgEnum("zendesk_connection_status", [
  "active",
  "needs_reconnect",
  "revoked",
  "error",
]);

export const zendeskConnections = pgTable(
  "zendesk_connections",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: hostId("workspace_id").notNull(),
    subdomain: subdomain(),
    mode: zendeskConnectionMode("mode").notNull().default("authorization_code"),
    /** Null means the operator's global client. */
    oauthClientId: uuid("oauth_client_id").references(() => zendeskOauthClients.id, { onDelete: "restrict" }),
    zendeskUserId: text("zendesk_user_id"),
    zendeskUserName: text("zendesk_user_name"),
    zendeskUserEmail: text("zendesk_user_email"),
    zendeskUserRole: text("zendesk_user_role"),
    requestedScopes: text("requested_scopes").array().notNull(),
    grantedScopes: text("granted_scopes").array().notNull(),
    zendeskTokenId: text("zendesk_token_id"),
    accessTokenCiphertext: text("access_token_ciphertext").notNull(),
    refreshTokenCiphertext: text("refresh_token_ciphertext"),
    /** Null: Zendesk gave no expiry (older clients' tokens may never expire). */
    accessTokenExpiresAt: timestamp("access_token_expires_at", { withTimezone: true }),
    refreshTokenExpiresAt: timestamp("refresh_token_expires_at", { withTimezone: true }),
    /** Bumped on every stored rotation; lets a loser of a race see that someone else refreshed. */
    tokenVersion: integer("token_version").notNull().default(1),
    status: zendeskConnectionStatus("status").notNull().default("active"),
    statusReason: text("status_reason"),
    lastError: text("last_error"),
    lastErrorAt: timestamp("last_error_at", { withTimezone: true }),
    lastRefreshedAt: timestamp("last_refreshed_at", { withTimezone: true }),
    /**
     * The refresh lease (tokens/lifecycle.ts): who may call Zendesk's token endpoint for this row
     * until when. Taken and released in short transactions; no lock is held across the call.
     */
    refreshLeaseHolder: text("refresh_lease_holder"),
    refreshLeaseExpiresAt: timestamp("refresh_lease_expires_at", { withTimezone: true }),
    /**
     * Set when a refresh request is about to leave for Zendesk; cleared once its answer is read and
     * stored. Still set after the lease lapsed: an earlier attempt may have rotated the pair.
     */
    refreshInFlightSince: timestamp("refresh_in_flight_since", { withTimezone: true }),
    /** Failed renewals in a row (reset by a success), the start of that run, and the next automatic try. */
    refreshFailures: integer("refresh_failures").notNull().default(0),
    failingSince: timestamp("failing_since", { withTimezone: true }),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    connectedByUserId: hostId("connected_by_user_id"),
    connectedAt: timestamp("connected_at", { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("zendesk_connections_workspace_subdomain_uq").on(t.workspaceId, t.subdomain),
    index("zendesk_connections_access_expiry_idx").on(t.accessTokenExpiresAt),
    index("zendesk_connections_refresh_expiry_idx").on(t.refreshTokenExpiresAt),
  ],
);

export const zendeskConnectionEventType = pgEnum("zendesk_connection_event_type", [
  "connected",
  "reconnected",
  "scopes_changed",
  "refreshed",
  "refresh_failed",
  "needs_reconnect",
  "revoked",
  "disconnected",
  "revocation_failed",
  /** Reconnect replaced the grant: data.revocation says what happened to the old one at Zendesk. */
  "grant_replaced",
  "test_succeeded",
  "test_failed",
]);

/** History of a connection. Kept (with the subdomain) after the connection is deleted. */
export const zendeskConnectionEvents = pgTable(
  "zendesk_connection_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    connectionId: uuid("connection_id").references(() => zendeskConnections.id, { onDelete: "set null" }),
    workspaceId: hostId("workspace_id").notNull(),
    subdomain: text("subdomain").notNull(),
    type: zendeskConnectionEventType("type").notNull(),
    /** Null when the system acted (keep-alive, automatic refresh). */
    actorUserId: hostId("actor_user_id"),
    /** Human-readable, never token material. */
    detail: text("detail"),
    data: jsonb("data").$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [index("zendesk_connection_events_connection_idx").on(t.connectionId, t.createdAt.desc())],
);

export const webhookMessageStatus = pgEnum("webhook_message_status", [
  /** Waiting for its first or next attempt. */
  "pending",
  /** The endpoint answered 2xx. */
  "delivered",
  /** Every attempt of the retry schedule failed. */
  "failed",
  /** The endpoint answered 410 Gone: never retried. */
  "gone",
]);

/**
 * The webhook outbox: one row per message, written in the transaction of the state change it
 * reports. Runners claim rows with a short lease (never a lock held across the HTTP call).
 */
export const webhookMessages = pgTable(
  "webhook_messages",
  {
    /** Sent as webhook-id, the same on every retry: the host app deduplicates by it. */
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    /** Not a foreign key: the message outlives a disconnected connection. */
    connectionId: uuid("connection_id"),
    workspaceId: hostId("workspace_id"),
    /** The exact JSON body, serialised once so every retry sends the same bytes. */
    body: text("body").notNull(),
    status: webhookMessageStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    leaseHolder: text("lease_holder"),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true }),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    /** HTTP status of the last answer; null when there was none (timeout, refused connection). */
    lastStatus: integer("last_status"),
    /** Why the last attempt failed, without any response body: "timeout", "redirect not followed", ... */
    lastError: text("last_error"),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index("webhook_messages_due_idx").on(t.status, t.nextAttemptAt),
    index("webhook_messages_created_idx").on(t.createdAt.desc()),
  ],
);

/** Throttles operator alerts across instances: one row per alert, the last time it was logged. */
export const webhookAlerts = pgTable("webhook_alerts", {
  key: text("key").primaryKey(),
  lastLoggedAt: timestamp("last_logged_at", { withTimezone: true }).notNull(),
});

/**
 * The last run of each background job ("keep_alive"), one row per job, upserted at the end of a
 * run: any process (another instance, a CLI run, the metrics reader) can tell how long ago the
 * job last ran. Counts only, never token material.
 */
export const zendeskJobRuns = pgTable("zendesk_job_runs", {
  job: text("job").primaryKey(),
  lastRunAt: timestamp("last_run_at", { withTimezone: true }).notNull(),
  lastDurationMs: integer("last_duration_ms").notNull(),
  renewed: integer("renewed").notNull().default(0),
  skipped: integer("skipped").notNull().default(0),
  failed: integer("failed").notNull().default(0),
});

/**
 * Attempt counters for sign-in, sign-up and connect throttling (lib/throttle). One row per
 * bucket ("signin:account:<email>", "signin:address:<ip>", ...), updated by single atomic
 * upserts so several instances share one count. Pruned by lib/retention.ts after expires_at.
 */
export const throttles = pgTable(
  "throttles",
  {
    key: text("key").primaryKey(),
    /** Attempts counted in the current window (for "known" rows: 0). */
    attempts: integer("attempts").notNull().default(0),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }).notNull(),
    /** Attempts before this instant are refused without being counted. */
    blockedUntil: timestamp("blocked_until", { withTimezone: true }),
    /** After this the row carries no information and may be deleted. */
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("throttles_expires_idx").on(t.expiresAt)],
);

export const zendeskConnectionsRelations = relations(zendeskConnections, ({ one, many }) => ({
  oauthClient: one(zendeskOauthClients, {
    fields: [zendeskConnections.oauthClientId],
    references: [zendeskOauthClients.id],
  }),
  events: many(zendeskConnectionEvents),
}));
export const zendeskConnectionEventsRelations = relations(zendeskConnectionEvents, ({ one }) => ({
  connection: one(zendeskConnections, {
    fields: [zendeskConnectionEvents.connectionId],
    references: [zendeskConnections.id],
  }),
}));

export type ZendeskOauthClient = typeof zendeskOauthClients.$inferSelect;
export type ZendeskConnectIntent = typeof zendeskConnectIntents.$inferSelect;
export type ZendeskConnection = typeof zendeskConnections.$inferSelect;
export type ZendeskConnectionEvent = typeof zendeskConnectionEvents.$inferSelect;
export type Throttle = typeof throttles.$inferSelect;
export type ZendeskConnectionEventType = (typeof zendeskConnectionEventType.enumValues)[number];
export type WebhookMessage = typeof webhookMessages.$inferSelect;
