"use server";

import { revalidatePath } from "next/cache";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { type ActionContext, failure, workspaceAction } from "@/lib/actions";
import { signIn } from "@/lib/auth/auth";
import { appZendeskHost } from "@/lib/auth/zendesk-host";
import type { FormState } from "@/lib/forms";
import { throttleConnect, tooManyAttemptsMessage } from "@/lib/throttle/attempts";
import {
  authorizeConnectionChange,
  connectWithClientCredentials,
  DEFAULT_PRESET_ID,
  disconnectConnection,
  findLocalClient,
  intentCookie,
  prepareConnect,
  refreshConnection,
  runInConnectFlow,
  type LocalClientInput,
  SCOPE_PRESET_IDS,
  SCOPE_PRESETS,
  scopesSchema,
  SETTINGS_PATH,
  subdomainSchema,
  testConnection,
  unknownSubdomainMessage,
  validateScopes,
  ZENDESK_PROVIDER_ID,
  type ZendeskConnection,
} from "@/lib/zendesk";

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
  async (input, { member }) => {
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
        appZendeskHost,
      );
      if (!result.ok) {
        if (result.code === "secret_required")
          return fieldFail("clientSecret", "Paste the client's secret: the client credentials grant needs it");
        return result.code === "unknown_subdomain" ? unknownSubdomain() : fail(result.code);
      }
      revalidatePath(SETTINGS_PATH);
      redirect(`${SETTINGS_PATH}?${result.created ? "connected" : "reconnected"}=${input.subdomain}`);
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
        returnTo: SETTINGS_PATH,
      },
      appZendeskHost,
    );
    if (!prepared.ok) return prepared.code === "unknown_subdomain" ? unknownSubdomain() : fail(prepared.code);
    const cookie = intentCookie(prepared.flow.intent.id);
    (await cookies()).set(cookie.name, cookie.value, cookie.options);
    // signIn throws Next's redirect to Zendesk's consent page: it must not be inside a try.
    await runInConnectFlow(prepared.flow, () => signIn(ZENDESK_PROVIDER_ID, { redirectTo: SETTINGS_PATH }));
    return {};
  },
);

export async function connectZendeskAction(previous: FormState, formData: FormData): Promise<FormState> {
  return connect(previous, formData);
}

// A missing or malformed id is answered like an unknown one (authorizeConnectionChange).
const connectionActionSchema = z.object({ connectionId: z.string().default("") });

/**
 * The connection actions' pipeline: the posted id must name a connection of the member's own
 * workspace. The row is read once here and handed to the action (nothing reads it again).
 */
function connectionAction(
  run: (connection: ZendeskConnection, context: ActionContext) => Promise<FormState>,
): (previous: FormState, formData: FormData) => Promise<FormState> {
  return workspaceAction(connectionActionSchema, { manage: true }, async ({ connectionId }, context) => {
    const access = await authorizeConnectionChange(connectionId, context.member);
    if (!access.ok) return failure(access.code === "not_allowed" ? "not_allowed" : "connection_not_found");
    return run(access.connection, context);
  });
}

/** Refresh now: forces a token renewal and reports the new lifetime. */
const refreshNow = connectionAction(async (connection, { member }) => {
  const result = await refreshConnection(connection, { force: true, actorUserId: member.userId });
  revalidatePath(SETTINGS_PATH);
  if (!result.ok) return failure(result.code);
  const minutes = result.accessTokenExpiresAt
    ? Math.round((result.accessTokenExpiresAt.getTime() - Date.now()) / 60_000)
    : null;
  return {
    ok: true,
    message:
      minutes === null
        ? "Token refreshed. The new access token does not expire."
        : `Token refreshed. The new access token is valid for ${minutes} minutes.`,
  };
});

/** Test connection: calls users/me live and reports who answered and how fast. */
const testNow = connectionAction(async (connection, { member }) => {
  const result = await testConnection(connection, member.userId);
  revalidatePath(SETTINGS_PATH);
  if (!result.ok) return failure(result.code);
  const who = result.user.email ? `${result.user.name} (${result.user.email})` : result.user.name;
  return { ok: true, message: `Connection works: Zendesk answered as ${who} in ${result.latencyMs} ms.` };
});

/** Disconnect: revokes in Zendesk, removes the connection, and reports how revocation went. */
const disconnect = connectionAction(async (connection, { member }) => {
  const result = await disconnectConnection(connection.id, member.userId);
  if (!result.ok) return failure(result.code);
  revalidatePath(SETTINGS_PATH);
  const query = new URLSearchParams({ disconnected: result.subdomain, revocation: result.revocation.status });
  // The token's id (not a credential) tells the admin which token to revoke by hand.
  if (result.revocation.status === "failed" && result.tokenId) query.set("token", result.tokenId);
  redirect(`${SETTINGS_PATH}?${query}`);
});

// A "use server" module exports async functions only.
export async function refreshNowAction(previous: FormState, formData: FormData): Promise<FormState> {
  return refreshNow(previous, formData);
}

export async function testConnectionAction(previous: FormState, formData: FormData): Promise<FormState> {
  return testNow(previous, formData);
}

export async function disconnectAction(previous: FormState, formData: FormData): Promise<FormState> {
  return disconnect(previous, formData);
}

/**
 * Move to expiring tokens: a never-expiring token cannot be refreshed, so a new consent replaces
 * it. Same subdomain, client and permissions; the token request asks for lifetimes (as every
 * one does), and the callback updates the same connection (id and history kept).
 */
const moveToExpiringTokens = connectionAction(async (connection, { member }) => {
  if (connection.accessTokenExpiresAt !== null) {
    revalidatePath(SETTINGS_PATH);
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
      returnTo: SETTINGS_PATH,
    },
    appZendeskHost,
  );
  if (!prepared.ok) return failure(prepared.code);
  const cookie = intentCookie(prepared.flow.intent.id);
  (await cookies()).set(cookie.name, cookie.value, cookie.options);
  // signIn throws Next's redirect to Zendesk's consent page: it must not be inside a try.
  await runInConnectFlow(prepared.flow, () => signIn(ZENDESK_PROVIDER_ID, { redirectTo: SETTINGS_PATH }));
  return {};
});

export async function moveToExpiringTokensAction(previous: FormState, formData: FormData): Promise<FormState> {
  return moveToExpiringTokens(previous, formData);
}
