import { randomBytes } from "node:crypto";
import { PLAN_RATE_LIMITS } from "./seed.js";
import { isoSeconds } from "./support-api/json.js";
import { sortByRole, SupportData } from "./support-api/support-data.js";
import type { ClientKind, ParsedClient, ParsedInstance, ParsedSeed, ParsedUser, TokensCurrentMode } from "./seed.js";
import type { ClientSummary, InstanceSummary, TokenSummary } from "./control-schema.js";

export interface Client {
  id: number;
  identifier: string;
  name: string;
  kind: ClientKind;
  secret: string | null;
  redirectUris: string[];
  /** null: a global client, valid on every instance. */
  subdomain: string | null;
  /** The admin's allowlist of requestable scopes; null = unrestricted. */
  allowedScopes: string[] | null;
  /** Tokens never expire and come without a refresh token (pre-2026 clients). */
  nonExpiringTokens: boolean;
}

export interface Instance {
  subdomain: string;
  name: string;
  plan: ParsedInstance["plan"];
  rateLimitPerMinute: number;
  /** How `GET tokens/current.json` answers on this instance. */
  tokensCurrent: TokensCurrentMode;
  /** Admins first: the consent page lists them first and client_credentials acts as the first. */
  users: ParsedUser[];
  /** Tickets, comments, users (the same objects as `users`) and organizations. */
  data: SupportData;
  clients: Map<string, Client>;
}

export interface AuthorizationCode {
  code: string;
  subdomain: string;
  clientIdentifier: string;
  userId: number;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | null;
  expiresAt: number;
}

export type GrantType = "authorization_code" | "refresh_token" | "client_credentials";

/** One OAuth token as Zendesk models it: an access token, its refresh token, one id. */
export interface OAuthToken {
  id: number;
  subdomain: string;
  clientIdentifier: string;
  clientNumericId: number;
  userId: number;
  grantType: GrantType;
  scopes: string[];
  accessToken: string;
  refreshToken: string | null;
  createdAt: number;
  usedAt: number | null;
  expiresAt: number | null;
  refreshTokenExpiresAt: number | null;
}

export const CODE_TTL_MS = 120_000;

function toClient(client: ParsedClient, subdomain: string | null): Client {
  return {
    id: client.id,
    identifier: client.identifier,
    name: client.name,
    kind: client.kind,
    secret: client.secret ?? null,
    redirectUris: [...client.redirect_uris],
    subdomain,
    allowedScopes: client.allowed_scopes === undefined ? null : [...client.allowed_scopes],
    nonExpiringTokens: client.non_expiring_tokens ?? false,
  };
}

function toInstance(instance: ParsedInstance): Instance {
  const { data, users } = SupportData.fromSeed(instance);
  return {
    subdomain: instance.subdomain,
    name: instance.name,
    plan: instance.plan,
    rateLimitPerMinute: instance.rate_limit_per_minute ?? PLAN_RATE_LIMITS[instance.plan],
    tokensCurrent: instance.tokens_current ?? "available",
    users,
    data,
    clients: new Map(instance.clients.map((client) => [client.identifier, toClient(client, instance.subdomain)])),
  };
}

function secretToken(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

/** ISO 8601 or null, the way Zendesk's API writes timestamps. */
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The simulated Zendesk data: instances, clients, authorization codes and tokens. */
export class ZendeskStore {
  readonly instances = new Map<string, Instance>();
  readonly globalClients = new Map<string, Client>();
  readonly #codes = new Map<string, AuthorizationCode>();
  readonly #tokensById = new Map<number, OAuthToken>();
  readonly #tokensByAccess = new Map<string, OAuthToken>();
  readonly #tokensByRefresh = new Map<string, OAuthToken>();
  #nextTokenId = 900_000_001;
  #nextClientId = 361_000_001;

  constructor(seed: ParsedSeed) {
    for (const client of seed.global_clients) this.globalClients.set(client.identifier, toClient(client, null));
    for (const instance of seed.instances) this.instances.set(instance.subdomain, toInstance(instance));
  }

  findInstance(subdomain: string): Instance | undefined {
    return this.instances.get(subdomain);
  }

  /** A client usable on this instance: one of its local clients, or a global client. */
  findClient(subdomain: string, identifier: string): Client | undefined {
    return this.instances.get(subdomain)?.clients.get(identifier) ?? this.globalClients.get(identifier);
  }

  /** Whether an identifier is taken where the new client would be visible. */
  identifierTaken(identifier: string, subdomain: string | null): boolean {
    if (this.globalClients.has(identifier)) return true;
    if (subdomain !== null) return this.instances.get(subdomain)?.clients.has(identifier) ?? false;
    return [...this.instances.values()].some((instance) => instance.clients.has(identifier));
  }

  /**
   * The client a control call names: with a subdomain, the one usable there (local or global);
   * without, the global client or the only local client with that identifier.
   */
  resolveClient(
    identifier: string,
    subdomain: string | null,
  ): { ok: true; client: Client } | { ok: false; reason: "not_found" | "ambiguous" } {
    if (subdomain !== null) {
      const client = this.findClient(subdomain, identifier);
      return client === undefined ? { ok: false, reason: "not_found" } : { ok: true, client };
    }
    const global = this.globalClients.get(identifier);
    if (global !== undefined) return { ok: true, client: global };
    const local = [...this.instances.values()].flatMap((instance) => instance.clients.get(identifier) ?? []);
    const [only] = local;
    if (only === undefined) return { ok: false, reason: "not_found" };
    return local.length === 1 ? { ok: true, client: only } : { ok: false, reason: "ambiguous" };
  }

  /** Every client: the global ones, then each instance's local ones. */
  allClients(): Client[] {
    return [
      ...this.globalClients.values(),
      ...[...this.instances.values()].flatMap((instance) => [...instance.clients.values()]),
    ];
  }

  /** The global client and every instance's local client with this identifier. */
  clientsNamed(identifier: string): Client[] {
    return this.allClients().filter((client) => client.identifier === identifier);
  }

  addClient(client: Omit<ParsedClient, "id"> & { id?: number | undefined }, subdomain: string | null): Client {
    const created = toClient({ ...client, id: client.id ?? this.#nextClientId++ }, subdomain);
    if (subdomain === null) this.globalClients.set(created.identifier, created);
    else this.instances.get(subdomain)?.clients.set(created.identifier, created);
    return created;
  }

  addInstance(instance: ParsedInstance): Instance {
    const created = toInstance(instance);
    this.instances.set(created.subdomain, created);
    return created;
  }

  /**
   * A user made at run time (a ticket's new requester, the control API): the next id on the
   * instance, seed defaults for what is not given, visible to the consent page too.
   */
  addUser(
    instance: Instance,
    user: Partial<ParsedUser> & Pick<ParsedUser, "name" | "email" | "role">,
    now: number,
  ): ParsedUser {
    const created: ParsedUser = {
      locale: "en-US",
      time_zone: "Eastern Time (US & Canada)",
      iana_time_zone: "America/New_York",
      organization_id: null,
      external_id: null,
      tags: [],
      created_at: isoSeconds(now),
      ...user,
      id: user.id ?? instance.data.users.lastId + 1,
    };
    instance.data.insertUser(created);
    instance.users = sortByRole([...instance.users, created]);
    return created;
  }

  issueCode(fields: Omit<AuthorizationCode, "code">): AuthorizationCode {
    const code: AuthorizationCode = { code: secretToken(20), ...fields };
    this.#codes.set(code.code, code);
    return code;
  }

  findCode(code: string): AuthorizationCode | undefined {
    return this.#codes.get(code);
  }

  /** Codes are single-use: consumed by the exchange that succeeds. */
  consumeCode(code: string): void {
    this.#codes.delete(code);
  }

  issueToken(
    fields: Omit<OAuthToken, "id" | "accessToken" | "refreshToken" | "usedAt"> & { withRefreshToken: boolean },
  ): OAuthToken {
    const { withRefreshToken, ...rest } = fields;
    const token: OAuthToken = {
      ...rest,
      id: this.#nextTokenId++,
      accessToken: secretToken(32),
      refreshToken: withRefreshToken ? secretToken(32) : null,
      usedAt: null,
    };
    this.#tokensById.set(token.id, token);
    this.#tokensByAccess.set(token.accessToken, token);
    if (token.refreshToken !== null) this.#tokensByRefresh.set(token.refreshToken, token);
    return token;
  }

  findByAccessToken(accessToken: string): OAuthToken | undefined {
    return this.#tokensByAccess.get(accessToken);
  }

  findByRefreshToken(refreshToken: string): OAuthToken | undefined {
    return this.#tokensByRefresh.get(refreshToken);
  }

  findTokenById(id: number): OAuthToken | undefined {
    return this.#tokensById.get(id);
  }

  /** Deletes the access token and its refresh token together, as Zendesk does. */
  revoke(token: OAuthToken): void {
    this.#tokensById.delete(token.id);
    this.#tokensByAccess.delete(token.accessToken);
    if (token.refreshToken !== null) this.#tokensByRefresh.delete(token.refreshToken);
  }

  revokeWhere(predicate: (token: OAuthToken) => boolean): number {
    const doomed = [...this.#tokensById.values()].filter(predicate);
    for (const token of doomed) this.revoke(token);
    return doomed.length;
  }

  tokens(): OAuthToken[] {
    return [...this.#tokensById.values()];
  }

  summarizeToken(token: OAuthToken): TokenSummary {
    return {
      id: token.id,
      subdomain: token.subdomain,
      client_id: token.clientIdentifier,
      client_numeric_id: token.clientNumericId,
      user_id: token.userId,
      grant_type: token.grantType,
      scopes: [...token.scopes],
      token: token.accessToken.slice(0, 10),
      has_refresh_token: token.refreshToken !== null,
      created_at: new Date(token.createdAt).toISOString(),
      used_at: iso(token.usedAt),
      expires_at: iso(token.expiresAt),
      refresh_token_expires_at: iso(token.refreshTokenExpiresAt),
    };
  }

  summarizeClient(client: Client): ClientSummary {
    return {
      id: client.id,
      identifier: client.identifier,
      name: client.name,
      kind: client.kind,
      redirect_uris: [...client.redirectUris],
      subdomain: client.subdomain,
      allowed_scopes: client.allowedScopes === null ? null : [...client.allowedScopes],
      non_expiring_tokens: client.nonExpiringTokens,
    };
  }

  summarizeInstance(instance: Instance): InstanceSummary {
    return {
      subdomain: instance.subdomain,
      name: instance.name,
      plan: instance.plan,
      rate_limit_per_minute: instance.rateLimitPerMinute,
      tokens_current: instance.tokensCurrent,
      users: instance.users.map((user) => ({ id: user.id, name: user.name, email: user.email, role: user.role })),
      clients: [...instance.clients.values(), ...this.globalClients.values()].map((client) =>
        this.summarizeClient(client),
      ),
      ticket_count: instance.data.tickets.size,
      organization_count: instance.data.organizations.size,
    };
  }
}
