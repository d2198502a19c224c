import type {
  AddClientInput,
  AddInstanceInput,
  AllowedRedirectUrl,
  ArrangeCommentInput,
  ArrangeOrganizationInput,
  ArrangeTicketInput,
  ArrangeUserInput,
  ClientSummary,
  ClockState,
  Fault,
  FaultInput,
  HealthResponse,
  InstanceSummary,
  IssueTokenInput,
  IssuedToken,
  RequestLogSnapshot,
  RedirectUrlSummary,
  RevokeInput,
  SimOptions,
  SimOptionsPatch,
  TokenSummary,
  UpdateClientInput,
} from "./control-schema.js";
import type { Seed } from "./seed.js";
import type { ZendeskComment, ZendeskOrganization, ZendeskTicket, ZendeskUser } from "./support-api/json.js";

/** A control API call that did not answer 2xx; `body` is the parsed JSON error when there is one. */
export class SimulatorControlError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
    this.name = "SimulatorControlError";
  }
}

/**
 * Typed client of the simulator's control API (`/__sim/`), for Vitest, Playwright and
 * adopters' suites. Uses global fetch only, so it runs in Node and in a Playwright worker.
 */
export class SimulatorControl {
  readonly baseUrl: string;

  /** `baseUrl` is the simulator's root, e.g. `http://127.0.0.1:4010`. */
  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  /** The base URL of one instance: what the app gets from `http://127.0.0.1:4010/{subdomain}`. */
  instanceUrl(subdomain: string): string {
    return `${this.baseUrl}/${subdomain}`;
  }

  health(): Promise<HealthResponse> {
    return this.#call("GET", "/__sim/health");
  }

  /** Back to the seed (or to a new one): clears tokens, codes, faults, clock, log and switches. */
  async reset(seed?: Seed): Promise<void> {
    await this.#call("POST", "/__sim/reset", seed === undefined ? {} : { seed });
  }

  clock(): Promise<ClockState> {
    return this.#call("GET", "/__sim/clock");
  }

  /** Moves simulator time forward: codes, tokens and rate-limit windows expire without sleeping. */
  advanceClock(seconds: number): Promise<ClockState> {
    return this.#call("POST", "/__sim/clock/advance", { seconds });
  }

  options(): Promise<SimOptions> {
    return this.#call("GET", "/__sim/options");
  }

  /** Changes some switches; the answer is every option after the change. */
  setOptions(patch: SimOptionsPatch): Promise<SimOptions> {
    return this.#call("POST", "/__sim/options", patch);
  }

  async injectFault(fault: FaultInput): Promise<Fault> {
    const answer = await this.#call<{ fault: Fault }>("POST", "/__sim/faults", fault);
    return answer.fault;
  }

  async faults(): Promise<Fault[]> {
    const answer = await this.#call<{ faults: Fault[] }>("GET", "/__sim/faults");
    return answer.faults;
  }

  async clearFaults(): Promise<void> {
    await this.#call("DELETE", "/__sim/faults");
  }

  /** Revokes as a Zendesk admin would: one token by id, or all of an instance's and/or a client's. */
  async revokeToken(target: number | RevokeInput): Promise<number> {
    const body = typeof target === "number" ? { token_id: target } : target;
    const answer = await this.#call<{ revoked: number }>("POST", "/__sim/tokens/revoke", body);
    return answer.revoked;
  }

  /** Live tokens (first 10 characters only), optionally of one instance and/or client identifier. */
  async tokens(filter: { subdomain?: string; client_id?: string } = {}): Promise<TokenSummary[]> {
    const query = new URLSearchParams();
    if (filter.subdomain !== undefined) query.set("subdomain", filter.subdomain);
    if (filter.client_id !== undefined) query.set("client_id", filter.client_id);
    const suffix = query.size > 0 ? `?${query.toString()}` : "";
    const answer = await this.#call<{ tokens: TokenSummary[] }>("GET", `/__sim/tokens${suffix}`);
    return answer.tokens;
  }

  /** A local client (with `subdomain`) or a global one (identifier `zdg-…`, no subdomain). */
  async addClient(client: AddClientInput): Promise<ClientSummary> {
    const answer = await this.#call<{ client: ClientSummary }>("POST", "/__sim/clients", client);
    return answer.client;
  }

  /**
   * Changes a client as a Zendesk admin would: its scope allowlist (null lifts it) and/or
   * whether it issues never-expiring tokens. Tokens already issued are untouched.
   */
  async updateClient(identifier: string, patch: UpdateClientInput): Promise<ClientSummary> {
    const answer = await this.#call<{ client: ClientSummary }>(
      "PATCH",
      `/__sim/clients/${encodeURIComponent(identifier)}`,
      patch,
    );
    return answer.client;
  }

  /** A token made directly, without consent (by default one that never expires, no refresh token). */
  issueToken(input: IssueTokenInput): Promise<IssuedToken> {
    return this.#call("POST", "/__sim/tokens", input);
  }

  /** A new instance; without `users` it gets an admin, an agent and an end-user. */
  async addInstance(instance: AddInstanceInput): Promise<InstanceSummary> {
    const answer = await this.#call<{ instance: InstanceSummary }>("POST", "/__sim/instances", instance);
    return answer.instance;
  }

  async instances(): Promise<InstanceSummary[]> {
    const answer = await this.#call<{ instances: InstanceSummary[] }>("GET", "/__sim/instances");
    return answer.instances;
  }

  /**
   * Lets every seeded client (or the named ones) accept one more redirect URL, without resetting
   * anything; later resets keep it. The URL must be http(s), without credentials or fragment.
   */
  allowRedirectUrl(url: string, clients?: string[]): Promise<AllowedRedirectUrl> {
    return this.#call("POST", "/__sim/redirect-urls", clients === undefined ? { url } : { url, clients });
  }

  /** The redirect URLs added at start or with `allowRedirectUrl`. */
  async redirectUrls(): Promise<RedirectUrlSummary[]> {
    const answer = await this.#call<{ redirect_urls: RedirectUrlSummary[] }>("GET", "/__sim/redirect-urls");
    return answer.redirect_urls;
  }

  /** Every ticket of an instance, in id order, as the API shows them. */
  async tickets(subdomain: string): Promise<ZendeskTicket[]> {
    const answer = await this.#call<{ tickets: ZendeskTicket[] }>("GET", `${this.#records(subdomain)}/tickets`);
    return answer.tickets;
  }

  /** One ticket and its comments (oldest first); throws SimulatorControlError 404 when absent. */
  ticket(subdomain: string, id: number): Promise<{ ticket: ZendeskTicket; comments: ZendeskComment[] }> {
    return this.#call("GET", `${this.#records(subdomain)}/tickets/${id}`);
  }

  /** Arranges a ticket (its description is the first comment); answers it with its comments. */
  addTicket(
    subdomain: string,
    ticket: ArrangeTicketInput,
  ): Promise<{ ticket: ZendeskTicket; comments: ZendeskComment[] }> {
    return this.#call("POST", `${this.#records(subdomain)}/tickets`, ticket);
  }

  /** Adds a comment to a ticket (and moves its `updated_at`), as a requester or agent writing in would. */
  addComment(
    subdomain: string,
    ticketId: number,
    comment: ArrangeCommentInput,
  ): Promise<{ comment: ZendeskComment; ticket: ZendeskTicket }> {
    return this.#call("POST", `${this.#records(subdomain)}/tickets/${ticketId}/comments`, comment);
  }

  async users(subdomain: string): Promise<ZendeskUser[]> {
    const answer = await this.#call<{ users: ZendeskUser[] }>("GET", `${this.#records(subdomain)}/users`);
    return answer.users;
  }

  /** Arranges a user (also offered on the consent page). */
  async addUser(subdomain: string, user: ArrangeUserInput): Promise<ZendeskUser> {
    const answer = await this.#call<{ user: ZendeskUser }>("POST", `${this.#records(subdomain)}/users`, user);
    return answer.user;
  }

  async organizations(subdomain: string): Promise<ZendeskOrganization[]> {
    const answer = await this.#call<{ organizations: ZendeskOrganization[] }>(
      "GET",
      `${this.#records(subdomain)}/organizations`,
    );
    return answer.organizations;
  }

  async addOrganization(subdomain: string, organization: ArrangeOrganizationInput): Promise<ZendeskOrganization> {
    const answer = await this.#call<{ organization: ZendeskOrganization }>(
      "POST",
      `${this.#records(subdomain)}/organizations`,
      organization,
    );
    return answer.organization;
  }

  #records(subdomain: string): string {
    return `/__sim/instances/${encodeURIComponent(subdomain)}`;
  }

  /** Requests to Zendesk endpoints since the last clear, secrets masked, with counts. */
  requestLog(): Promise<RequestLogSnapshot> {
    return this.#call("GET", "/__sim/log");
  }

  async clearLog(): Promise<void> {
    await this.#call("DELETE", "/__sim/log");
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {
      parsed = text;
    }
    if (!response.ok) {
      const detail =
        typeof parsed === "object" && parsed !== null && "message" in parsed
          ? String(parsed.message)
          : text.slice(0, 200);
      throw new SimulatorControlError(
        response.status,
        parsed,
        `Simulator control ${method} ${path} failed (${response.status}): ${detail}`,
      );
    }
    return parsed as T;
  }
}
