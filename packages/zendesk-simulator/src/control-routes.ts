import type { IncomingMessage } from "node:http";
import { z } from "zod";
import {
  addClientInputSchema,
  addInstanceInputSchema,
  advanceClockInputSchema,
  allowRedirectUrlInputSchema,
  faultInputSchema,
  issueTokenInputSchema,
  resetInputSchema,
  revokeInputSchema,
  simOptionsPatchSchema,
  updateClientInputSchema,
} from "./control-schema.js";
import { controlError, parseInput } from "./control-http.js";
import { handleRecordsControl } from "./control-records.js";
import { BodyTooLargeError, jsonResponse, readBody } from "./http.js";
import { redirectUrlProblem, unknownClients } from "./redirect-urls.js";
import { seedInstanceSchema } from "./seed.js";
import type { AllowedRedirectUrl, ClockState, HealthResponse, IssuedToken } from "./control-schema.js";
import type { SimResponse } from "./http.js";
import type { SeedUser } from "./seed.js";
import type { SimulatorState } from "./state.js";
import type { OAuthToken } from "./store.js";

function clockState(state: SimulatorState): ClockState {
  const now = state.clock.now();
  return { now: new Date(now).toISOString(), now_ms: now, offset_seconds: state.clock.offsetSeconds };
}

/** An admin, an agent and an end-user for an instance added without users. */
function defaultUsers(state: SimulatorState, subdomain: string, name: string): SeedUser[] {
  const highest = Math.max(
    0,
    ...[...state.store.instances.values()].flatMap((instance) => instance.users.map((user) => user.id)),
  );
  const roles = [
    ["admin", "Admin"],
    ["agent", "Agent"],
    ["end-user", "Customer"],
  ] as const;
  return roles.map(([role, label], index) => ({
    id: highest + index + 1,
    name: `${name} ${label}`,
    email: `${role.replace("-", "")}@${subdomain}.example.com`,
    role,
  }));
}

function revokeMatching(state: SimulatorState, raw: string): SimResponse {
  const input = parseInput(revokeInputSchema, raw);
  if (!input.ok) return input.response;
  const { token_id: tokenId, subdomain, client_id: clientId } = input.data;
  if (subdomain !== undefined && state.store.findInstance(subdomain) === undefined) {
    return controlError(404, "not_found", `No instance "${subdomain}".`);
  }
  if (tokenId !== undefined) {
    const token = state.store.findTokenById(tokenId);
    if (token === undefined || (subdomain !== undefined && token.subdomain !== subdomain)) {
      return controlError(404, "not_found", `No active token ${tokenId}.`);
    }
  }
  const revoked = state.store.revokeWhere(
    (token: OAuthToken) =>
      (tokenId === undefined || token.id === tokenId) &&
      (subdomain === undefined || token.subdomain === subdomain) &&
      (clientId === undefined || token.clientIdentifier === clientId),
  );
  return jsonResponse(200, { revoked });
}

function addClient(state: SimulatorState, raw: string): SimResponse {
  const input = parseInput(addClientInputSchema, raw);
  if (!input.ok) return input.response;
  const { subdomain, ...client } = input.data;
  if (subdomain !== undefined && state.store.findInstance(subdomain) === undefined) {
    return controlError(404, "not_found", `No instance "${subdomain}".`);
  }
  if (state.store.identifierTaken(client.identifier, subdomain ?? null)) {
    return controlError(409, "conflict", `A client "${client.identifier}" already exists there.`);
  }
  const created = state.store.addClient(client, subdomain ?? null);
  return jsonResponse(201, { client: state.store.summarizeClient(created) });
}

function updateClient(state: SimulatorState, identifier: string, raw: string): SimResponse {
  const input = parseInput(updateClientInputSchema, raw);
  if (!input.ok) return input.response;
  const { subdomain, allowed_scopes: allowedScopes, non_expiring_tokens: nonExpiring } = input.data;
  if (subdomain !== undefined && state.store.findInstance(subdomain) === undefined) {
    return controlError(404, "not_found", `No instance "${subdomain}".`);
  }
  const found = state.store.resolveClient(identifier, subdomain ?? null);
  if (!found.ok) {
    return found.reason === "ambiguous"
      ? controlError(409, "conflict", `Several instances have a client "${identifier}": name its subdomain.`)
      : controlError(
          404,
          "not_found",
          `No client "${identifier}"${subdomain === undefined ? "" : ` on ${subdomain}`}.`,
        );
  }
  // Tokens already issued keep working; the new rules apply to the next authorize or token request.
  if (allowedScopes !== undefined) found.client.allowedScopes = allowedScopes === null ? null : [...allowedScopes];
  if (nonExpiring !== undefined) found.client.nonExpiringTokens = nonExpiring;
  return jsonResponse(200, { client: state.store.summarizeClient(found.client) });
}

function issueToken(state: SimulatorState, raw: string): SimResponse {
  const input = parseInput(issueTokenInputSchema, raw);
  if (!input.ok) return input.response;
  const { subdomain, client_id: clientId, user_id: userId, scopes, expires_in: expiresIn } = input.data;
  const refreshTtl = input.data.refresh_token_expires_in;
  const instance = state.store.findInstance(subdomain);
  if (instance === undefined) return controlError(404, "not_found", `No instance "${subdomain}".`);
  const client = state.store.findClient(subdomain, clientId);
  if (client === undefined) return controlError(404, "not_found", `No client "${clientId}" usable on ${subdomain}.`);
  const user =
    userId === undefined
      ? instance.users.find((candidate) => candidate.role === "admin")
      : instance.users.find((candidate) => candidate.id === userId);
  if (user === undefined) return controlError(404, "not_found", `No user ${userId ?? "(admin)"} on ${subdomain}.`);
  const now = state.clock.now();
  const token = state.store.issueToken({
    subdomain,
    clientIdentifier: client.identifier,
    clientNumericId: client.id,
    userId: user.id,
    grantType: "authorization_code",
    scopes: [...new Set(scopes)],
    createdAt: now,
    expiresAt: expiresIn === null ? null : now + expiresIn * 1000,
    refreshTokenExpiresAt: refreshTtl === undefined || refreshTtl === null ? null : now + refreshTtl * 1000,
    withRefreshToken: refreshTtl !== undefined,
  });
  const answer: IssuedToken = {
    token: state.store.summarizeToken(token),
    access_token: token.accessToken,
    refresh_token: token.refreshToken,
  };
  return jsonResponse(201, answer);
}

function addInstance(state: SimulatorState, raw: string): SimResponse {
  const input = parseInput(addInstanceInputSchema, raw);
  if (!input.ok) return input.response;
  const { users, ...rest } = input.data;
  if (state.store.findInstance(rest.subdomain) !== undefined) {
    return controlError(409, "conflict", `An instance "${rest.subdomain}" already exists.`);
  }
  const clash = rest.clients.find((client) => state.store.globalClients.has(client.identifier));
  if (clash !== undefined) {
    return controlError(409, "conflict", `"${clash.identifier}" is a global client's identifier.`);
  }
  const parsed = seedInstanceSchema.safeParse({
    ...rest,
    users: users ?? defaultUsers(state, rest.subdomain, rest.name),
  });
  if (!parsed.success) return controlError(400, "invalid_body", z.prettifyError(parsed.error));
  const created = state.store.addInstance(parsed.data);
  return jsonResponse(201, { instance: state.store.summarizeInstance(created) });
}

function allowRedirectUrl(state: SimulatorState, raw: string): SimResponse {
  const input = parseInput(allowRedirectUrlInputSchema, raw);
  if (!input.ok) return input.response;
  const { url, clients } = input.data;
  const problem = redirectUrlProblem(url);
  if (problem !== null) return controlError(400, "invalid_body", problem);
  const unknown = unknownClients(state.store, clients ?? []);
  if (unknown.length > 0)
    return controlError(404, "not_found", `No client ${unknown.map((name) => `"${name}"`).join(", ")}.`);
  const changed = state.allowRedirectUrl({ url, clients: clients ?? null });
  const answer: AllowedRedirectUrl = { url, clients: clients ?? null, changed_clients: changed };
  return jsonResponse(200, answer);
}

function setOptions(state: SimulatorState, raw: string): SimResponse {
  const input = parseInput(simOptionsPatchSchema, raw);
  if (!input.ok) return input.response;
  const { rate_limits: rateLimits, tokens_current: tokensCurrent, ...switches } = input.data;
  // Check every named instance before changing anything: a refused patch changes nothing.
  for (const [option, perInstance] of Object.entries({ rate_limits: rateLimits, tokens_current: tokensCurrent })) {
    for (const subdomain of Object.keys(perInstance ?? {})) {
      if (state.store.findInstance(subdomain) === undefined) {
        return controlError(404, "not_found", `No instance "${subdomain}" for ${option}.`);
      }
    }
  }
  for (const [subdomain, limit] of Object.entries(rateLimits ?? {})) {
    const instance = state.store.findInstance(subdomain);
    if (instance !== undefined) instance.rateLimitPerMinute = limit;
  }
  for (const [subdomain, mode] of Object.entries(tokensCurrent ?? {})) {
    const instance = state.store.findInstance(subdomain);
    if (instance !== undefined) instance.tokensCurrent = mode;
  }
  const defined = Object.fromEntries(Object.entries(switches).filter(([, value]) => value !== undefined));
  state.switches = { ...state.switches, ...defined };
  return jsonResponse(200, state.options());
}

function injectFault(state: SimulatorState, raw: string): SimResponse {
  const input = parseInput(faultInputSchema, raw);
  if (!input.ok) return input.response;
  const fault = input.data;
  // Refuse faults that could never fire, rather than let a test wait for them in vain.
  if (fault.subdomain !== undefined && state.store.findInstance(fault.subdomain) === undefined) {
    return controlError(404, "not_found", `No instance "${fault.subdomain}".`);
  }
  if (fault.grant_type !== undefined && fault.endpoint !== "token") {
    return controlError(400, "invalid_body", "grant_type only applies to the token endpoint.");
  }
  return jsonResponse(201, { fault: state.faults.add(fault) });
}

/** The control API under `/__sim/`: JSON in, JSON out, never logged, never faulted. */
export async function handleControl(req: IncomingMessage, url: URL, state: SimulatorState): Promise<SimResponse> {
  let raw: string;
  try {
    raw = await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return controlError(413, "too_large", error.message);
    throw error;
  }
  const path = url.pathname.replace(/\/+$/, "");
  const method = req.method ?? "GET";

  switch (`${method} ${path}`) {
    case "GET /__sim/health": {
      const health: HealthResponse = {
        ok: true,
        now: new Date(state.clock.now()).toISOString(),
        instances: [...state.store.instances.keys()],
      };
      return jsonResponse(200, health);
    }
    case "POST /__sim/reset": {
      const input = parseInput(resetInputSchema, raw);
      if (!input.ok) return input.response;
      state.reset(input.data.seed);
      return jsonResponse(200, { ok: true });
    }
    case "GET /__sim/clock":
      return jsonResponse(200, clockState(state));
    case "POST /__sim/clock/advance": {
      const input = parseInput(advanceClockInputSchema, raw);
      if (!input.ok) return input.response;
      state.clock.advance(input.data.seconds);
      return jsonResponse(200, clockState(state));
    }
    case "GET /__sim/options":
      return jsonResponse(200, state.options());
    case "POST /__sim/options":
    case "PATCH /__sim/options":
      return setOptions(state, raw);
    case "GET /__sim/faults":
      return jsonResponse(200, { faults: state.faults.list() });
    case "POST /__sim/faults":
      return injectFault(state, raw);
    case "DELETE /__sim/faults":
      state.faults.clear();
      return jsonResponse(200, { ok: true });
    case "GET /__sim/tokens": {
      const subdomain = url.searchParams.get("subdomain");
      const clientId = url.searchParams.get("client_id");
      const tokens = state.store
        .tokens()
        .filter(
          (token) =>
            (subdomain === null || token.subdomain === subdomain) &&
            (clientId === null || token.clientIdentifier === clientId),
        )
        .map((token) => state.store.summarizeToken(token));
      return jsonResponse(200, { tokens });
    }
    case "POST /__sim/tokens":
      return issueToken(state, raw);
    case "POST /__sim/tokens/revoke":
      return revokeMatching(state, raw);
    case "GET /__sim/instances":
      return jsonResponse(200, {
        instances: [...state.store.instances.values()].map((instance) => state.store.summarizeInstance(instance)),
      });
    case "POST /__sim/instances":
      return addInstance(state, raw);
    case "POST /__sim/clients":
      return addClient(state, raw);
    case "GET /__sim/redirect-urls":
      return jsonResponse(200, { redirect_urls: state.redirectUrls() });
    case "POST /__sim/redirect-urls":
      return allowRedirectUrl(state, raw);
    case "GET /__sim/log":
      return jsonResponse(200, state.log.snapshot());
    case "DELETE /__sim/log":
      state.log.clear();
      return jsonResponse(200, { ok: true });
    default: {
      const records = handleRecordsControl(state, method, path, url.origin, raw);
      if (records !== null) return records;
      const clientPath = /^\/__sim\/clients\/([^/]+)$/.exec(path);
      const identifier = clientPath?.[1];
      if (identifier !== undefined && (method === "PATCH" || method === "POST")) {
        return updateClient(state, decodePathSegment(identifier), raw);
      }
      return controlError(404, "not_found", `No control endpoint ${method} ${path}. See simulator/README.md.`);
    }
  }
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
