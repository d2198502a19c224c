import { revalidatePath } from "next/cache";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { authorizeConnectionChange } from "../store/access.js";
import { connectWithClientCredentials } from "../connect/client-credentials.js";
import { disconnectConnection } from "../connect/disconnect.js";
import { prepareConnect } from "../connect/flow.js";
import type { ConnectFlow } from "../connect/provider.js";
import { findLocalClient, type LocalClientInput } from "../store/oauth-clients.js";
import { refreshConnection } from "../tokens/lifecycle.js";
import { testConnection } from "../api-client.js";
import { DEFAULT_PRESET_ID, SCOPE_PRESET_IDS, SCOPE_PRESETS, validateScopes } from "../catalogue/scopes.js";
import { scopesSchema } from "../catalogue/scope-schemas.js";
import { unknownSubdomainMessage } from "../catalogue/error-codes.js";
import { subdomainSchema } from "../transport/subdomain.js";
import { zendeskSettings } from "../transport/settings.js";
import type { ZendeskConnection } from "../db/schema.js";
import { throttleConnect, tooManyAttemptsMessage } from "../throttle/attempts.js";
import type { FormState } from "./forms.js";
import { type ActionContext, failure, type SettingsAction, workspaceAction } from "./workspace-action.js";
import { intentCookie } from "./callback.js";
import { startZendeskSignIn } from "./auth-js.js";

const connectSchema = z
  .object({
    subdomain: subdomainSchema,
    preset: z.enum([...SCOPE_PRESET_IDS, "custom"]).default(DEFAULT_PRESET_ID),
    scopes: z.union([z.string(), z.array(z.string())]).optional(),
    client: z.enum(["global", "local", "client_credentials"]).default("global"),
    clientIdentifier: z
      .string()
      .trim()
      .max(200, "That identifier is too long")
      .regex(
        /^[A-Za-z0-9_.:-]*$/,
        "Use the client's Unique Identifier exactly as Zendesk shows it (letters, digits, - _ . :)",
      )
      .refine(
        (v) => !/^\d+$/.test(v),
        "That looks like the client's numeric ID; enter its Unique Identifier (the text identifier) instead",
      )
      .optional(),
    clientSecret: z.string().trim().max(500, "That secret is too long").optional(),
    clientKind: z.enum(["confidential", "public"]).default("confidential"),
  })
  .transform((v, ctx) => {
    const scopes = scopesSchema.safeParse(
      v.preset === "custom" ? (v.scopes ?? []) : [...SCOPE_PRESETS[v.preset].scopes],
    );
    if (!scopes.success) {
      ctx.addIssue({
        code: "custom",
        path: ["scopes"],
        message: scopes.error.issues[0]?.message ?? "Choose at least one scope.",
      });
      return z.NEVER;
    }
    return { ...v, scopes: scopes.data };
  });

const ECHO = ["subdomain", "preset", "client", "clientIdentifier", "clientKind", "scopes"];

/**
 * Connect (or reconnect) Zendesk: validates, checks the role, stores the intent, then hands
 * over to Auth.js, which redirects the browser to Zendesk's consent page.
 */
const connect = workspaceAction(
  connectSchema,
  {
    manage: true,
    echo: ECHO,
    values: (formData) => Object.fromEntries(ECHO.map((k) => [k, formData.getAll(k).join(" ")])),
  },
  async (input, { member, host }) => {
    const values = {
      subdomain: input.subdomain,
      preset: input.preset,
      client: input.client,
      clientIdentifier: input.clientIdentifier ?? "",
      clientKind: input.clientKind,
      scopes: input.scopes.join(" "),
    };
    const fail = (code: Parameters<typeof failure>[0], fieldErrors?: FormState["fieldErrors"]) =>
      failure(code, { fieldErrors, values });
    // A field's own message, without the form-wide summary.
    const fieldFail = (field: string, message: string) =>
      failure("no_client", { fieldErrors: { [field]: [message] }, values, summary: false });
    const unknownSubdomain = () => fail("unknown_subdomain", { subdomain: [unknownSubdomainMessage(input.subdomain)] });

    const limited = await throttleConnect(member.workspaceId);
    if (!limited.ok)
      return { ok: false, code: "too_many_attempts", error: tooManyAttemptsMessage(limited.retryAfterSeconds), values };

    if (input.client === "client_credentials") {
      if (!input.clientIdentifier)
        return fieldFail("clientIdentifier", "Enter the client's Unique Identifier from Zendesk Admin Center");
      const result = await connectWithClientCredentials(
        {
          workspaceId: member.workspaceId,
          userId: member.userId,
          subdomain: input.subdomain,
          scopes: input.scopes,
          identifier: input.clientIdentifier,
          secret: input.clientSecret || undefined,
        },
        host,
      );
      if (!result.ok) {
        if (result.code === "secret_required")
          return fieldFail("clientSecret", "Paste the client's secret: the client credentials grant needs it");
        return result.code === "unknown_subdomain" ? unknownSubdomain() : fail(result.code);
      }
      revalidatePath(zendeskSettings().settingsPath);
      redirect(`${zendeskSettings().settingsPath}?${result.created ? "connected" : "reconnected"}=${input.subdomain}`);
    }

    let oauthClientId: string | null = null;
    let pendingClient: LocalClientInput | undefined;
    if (input.client === "local") {
      const existing = await findLocalClient(member.workspaceId, input.subdomain);
      const unchanged =
        !!existing &&
        existing.identifier === input.clientIdentifier &&
        existing.kind === input.clientKind &&
        (input.clientKind === "public" || (!input.clientSecret && existing.hasSecret));
      if (input.clientIdentifier && !unchanged) {
        if (input.clientKind === "confidential" && !input.clientSecret)
          return fieldFail(
            "clientSecret",
            "Paste the client's secret (Zendesk shows it once, when the client is created)",
          );
        // Kept with the connect intent; it replaces the saved client only once Zendesk accepts it.
        pendingClient = {
          identifier: input.clientIdentifier,
          kind: input.clientKind,
          secret: input.clientKind === "confidential" ? input.clientSecret : undefined,
        };
      } else if (existing) {
        oauthClientId = existing.id;
      } else {
        return fieldFail("clientIdentifier", "Enter the client's Unique Identifier from Zendesk Admin Center");
      }
    }

    const prepared = await prepareConnect(
      {
        userId: member.userId,
        workspaceId: member.workspaceId,
        subdomain: input.subdomain,
        scopes: input.scopes,
        oauthClientId,
        pendingClient,
        returnTo: zendeskSettings().settingsPath,
      },
      host,
    );
    if (!prepared.ok) return prepared.code === "unknown_subdomain" ? unknownSubdomain() : fail(prepared.code);
    return goToConsent(prepared.flow);
  },
);

// A missing or malformed id is answered like an unknown one (authorizeConnectionChange).
const connectionActionSchema = z.object({ connectionId: z.string().default("") });

/**
 * The connection actions' pipeline: the posted id must name a connection of the member's own
 * workspace. The row is read once here and handed to the action (nothing reads it again).
 */
function connectionAction(
  run: (connection: ZendeskConnection, context: ActionContext) => Promise<FormState>,
): SettingsAction {
  return workspaceAction(connectionActionSchema, { manage: true }, async ({ connectionId }, context) => {
    const access = await authorizeConnectionChange(connectionId, context.member);
    if (!access.ok) return failure(access.code === "not_allowed" ? "not_allowed" : "connection_not_found");
    return run(access.connection, context);
  });
}

/** Refresh now: forces a token renewal and reports the new lifetime. */
const refreshNow = connectionAction(async (connection, { member }) => {
  const result = await refreshConnection(connection, { force: true, actorUserId: member.userId });
  revalidatePath(zendeskSettings().settingsPath);
  if (!result.ok) return failure(result.code);
  const minutes = result.accessTokenExpiresAt
    ? Math.round((result.accessTokenExpiresAt.getTime() - Date.now()) / 60_000)
    : null;
  // Only a renewal this action made is "refreshed"; one another request made meanwhile is said so.
  const [done, token] = result.refreshed
    ? ["Token refreshed.", "The new access token"]
    : ["The token was renewed moments ago by another request.", "The access token"];
  return {
    ok: true,
    message:
      minutes === null
        ? `${done} ${token} does not expire.`
        : minutes > 0
          ? `${done} ${token} is valid for ${minutes} minutes.`
          : `${done} ${token} is renewed on its next use.`,
  };
});

/** Test connection: calls users/me live and reports who answered and how fast. */
const testNow = connectionAction(async (connection, { member }) => {
  const result = await testConnection(connection, member.userId);
  revalidatePath(zendeskSettings().settingsPath);
  if (!result.ok) return failure(result.code);
  const who = result.user.email ? `${result.user.name} (${result.user.email})` : result.user.name;
  return { ok: true, message: `Connection works: Zendesk answered as ${who} in ${result.latencyMs} ms.` };
});

/** Disconnect: revokes in Zendesk, removes the connection, and reports how revocation went. */
const disconnect = connectionAction(async (connection, { member }) => {
  const result = await disconnectConnection(connection.id, member.userId);
  if (!result.ok) return failure(result.code);
  revalidatePath(zendeskSettings().settingsPath);
  const query = new URLSearchParams({ disconnected: result.subdomain, revocation: result.revocation.status });
  // The token's id (not a credential) tells the admin which token to revoke by hand.
  if (result.revocation.status === "failed" && result.tokenId) query.set("token", result.tokenId);
  redirect(`${zendeskSettings().settingsPath}?${query}`);
});

/**
 * Move to expiring tokens: a never-expiring token cannot be refreshed, so a new consent replaces
 * it. Same subdomain, client and permissions; the token request asks for lifetimes (as every
 * one does), and the callback updates the same connection (id and history kept).
 */
const moveToExpiringTokens = connectionAction(async (connection, { member, host }) => {
  if (connection.accessTokenExpiresAt !== null) {
    revalidatePath(zendeskSettings().settingsPath);
    return { ok: true, message: "This connection already uses expiring tokens." };
  }
  if (connection.mode !== "authorization_code") return failure("invalid_request");
  const limited = await throttleConnect(member.workspaceId);
  if (!limited.ok)
    return { ok: false, code: "too_many_attempts", error: tooManyAttemptsMessage(limited.retryAfterSeconds) };
  const granted = validateScopes(connection.grantedScopes);
  const requested = validateScopes(connection.requestedScopes);
  const scopes = granted.ok
    ? granted.scopes
    : requested.ok
      ? requested.scopes
      : [...SCOPE_PRESETS[DEFAULT_PRESET_ID].scopes];
  const prepared = await prepareConnect(
    {
      userId: member.userId,
      workspaceId: member.workspaceId,
      subdomain: connection.subdomain,
      scopes,
      oauthClientId: connection.oauthClientId,
      returnTo: zendeskSettings().settingsPath,
    },
    host,
  );
  if (!prepared.ok) return failure(prepared.code);
  return goToConsent(prepared.flow);
});

/**
 * Sends the browser to Zendesk's consent page: the intent cookie and Auth.js's state and PKCE
 * cookies first, then Next's redirect (thrown: never inside a try).
 */
async function goToConsent(flow: ConnectFlow): Promise<never> {
  const start = await startZendeskSignIn(flow);
  const jar = await cookies();
  const intent = intentCookie(flow.intent.id);
  jar.set(intent.name, intent.value, intent.options);
  for (const cookie of start.cookies) jar.set(cookie.name, cookie.value, cookie.options);
  redirect(start.url);
}

/** The settings page's actions by name: the page's islands call them through the host's one server action. */
export const SETTINGS_ACTIONS = {
  connect,
  refresh: refreshNow,
  test: testNow,
  disconnect,
  moveToExpiringTokens,
} satisfies Record<string, SettingsAction>;

export type SettingsActionName = keyof typeof SETTINGS_ACTIONS;
