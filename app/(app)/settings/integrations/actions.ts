"use server";

import { revalidatePath } from "next/cache";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { signIn } from "@/lib/auth/auth";
import { canManageIntegrations, currentWorkspace } from "@/lib/auth/session";
import { appZendeskHost } from "@/lib/auth/zendesk-host";
import { type FormState, parseForm } from "@/lib/forms";
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
  ZENDESK_PROVIDER_ID,
  type ZendeskErrorCode,
} from "@/lib/zendesk";
import { CONNECT_ERROR_MESSAGES, messageForCode } from "./messages";

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

const ECHO = ["subdomain", "preset", "client", "clientIdentifier", "clientKind"];

/**
 * Connect (or reconnect) Zendesk: validates, checks the role, stores the intent, then hands
 * over to Auth.js, which redirects the browser to Zendesk's consent page.
 */
export async function connectZendeskAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const parsed = parseForm(connectSchema, formData, { echo: ECHO });
  const echoed = parsed.ok ? undefined : parsed.state.values;
  if (!parsed.ok) return { ...parsed.state, values: { ...echoed, scopes: formData.getAll("scopes").join(" ") } };
  const input = parsed.data;
  const values = {
    subdomain: input.subdomain,
    preset: input.preset,
    client: input.client,
    clientIdentifier: input.clientIdentifier ?? "",
    clientKind: input.clientKind,
    scopes: input.scopes.join(" "),
  };
  const fail = (code: keyof typeof CONNECT_ERROR_MESSAGES, fieldErrors?: FormState["fieldErrors"]): FormState => ({
    ok: false,
    code,
    error: `${CONNECT_ERROR_MESSAGES[code].title}. ${CONNECT_ERROR_MESSAGES[code].message}`,
    fieldErrors,
    values,
  });

  const context = await currentWorkspace();
  if (!context || !canManageIntegrations(context.role)) return fail("not_allowed");
  const limited = await throttleConnect(context.workspace.id);
  if (!limited.ok)
    return { ok: false, code: "too_many_attempts", error: tooManyAttemptsMessage(limited.retryAfterSeconds), values };

  if (input.client === "client_credentials") {
    if (!input.clientIdentifier) {
      return {
        ...fail("no_client", { clientIdentifier: ["Enter the client's Unique Identifier from Zendesk Admin Center"] }),
        error: undefined,
      };
    }
    const result = await connectWithClientCredentials(
      {
        workspaceId: context.workspace.id,
        userId: context.user.id,
        subdomain: input.subdomain,
        scopes: input.scopes,
        identifier: input.clientIdentifier,
        secret: input.clientSecret || undefined,
      },
      appZendeskHost,
    );
    if (!result.ok) {
      if (result.code === "secret_required") {
        return {
          ...fail("no_client", { clientSecret: ["Paste the client's secret: the client credentials grant needs it"] }),
          error: undefined,
        };
      }
      return result.code === "unknown_subdomain"
        ? fail("unknown_subdomain", {
            subdomain: [
              `There is no Zendesk account at ${input.subdomain}.zendesk.com. ${CONNECT_ERROR_MESSAGES.unknown_subdomain.message}`,
            ],
          })
        : fail(result.code);
    }
    revalidatePath(SETTINGS_PATH);
    redirect(`${SETTINGS_PATH}?${result.created ? "connected" : "reconnected"}=${input.subdomain}`);
  }

  let oauthClientId: string | null = null;
  let pendingClient: LocalClientInput | undefined;
  if (input.client === "local") {
    const existing = await findLocalClient(context.workspace.id, input.subdomain);
    const unchanged =
      !!existing &&
      existing.identifier === input.clientIdentifier &&
      existing.kind === input.clientKind &&
      (input.clientKind === "public" || (!input.clientSecret && existing.hasSecret));
    if (input.clientIdentifier && !unchanged) {
      if (input.clientKind === "confidential" && !input.clientSecret) {
        return {
          ...fail("no_client", {
            clientSecret: ["Paste the client's secret (Zendesk shows it once, when the client is created)"],
          }),
          error: undefined,
        };
      }
      // Kept with the connect intent; it replaces the saved client only once Zendesk accepts it.
      pendingClient = {
        identifier: input.clientIdentifier,
        kind: input.clientKind,
        secret: input.clientKind === "confidential" ? input.clientSecret : undefined,
      };
    } else if (existing) {
      oauthClientId = existing.id;
    } else {
      return {
        ...fail("no_client", { clientIdentifier: ["Enter the client's Unique Identifier from Zendesk Admin Center"] }),
        error: undefined,
      };
    }
  }

  const prepared = await prepareConnect(
    {
      userId: context.user.id,
      workspaceId: context.workspace.id,
      subdomain: input.subdomain,
      scopes: input.scopes,
      oauthClientId,
      pendingClient,
      returnTo: SETTINGS_PATH,
    },
    appZendeskHost,
  );
  if (!prepared.ok) {
    return prepared.code === "unknown_subdomain"
      ? fail("unknown_subdomain", {
          subdomain: [
            `There is no Zendesk account at ${input.subdomain}.zendesk.com. ${CONNECT_ERROR_MESSAGES.unknown_subdomain.message}`,
          ],
        })
      : fail(prepared.code);
  }
  const cookie = intentCookie(prepared.flow.intent.id);
  (await cookies()).set(cookie.name, cookie.value, cookie.options);
  // signIn throws Next's redirect to Zendesk's consent page: it must not be inside a try.
  await runInConnectFlow(prepared.flow, () => signIn(ZENDESK_PROVIDER_ID, { redirectTo: SETTINGS_PATH }));
  return {};
}

const connectionActionSchema = z.object({ connectionId: z.uuid("That connection does not exist") });

function failure(code: ZendeskErrorCode): FormState {
  const m = messageForCode(code);
  return { ok: false, code, error: `${m.title}. ${m.message}` };
}

/** Parses the posted connection id and checks the caller may change that connection. */
async function authorizeAction(formData: FormData) {
  const parsed = parseForm(connectionActionSchema, formData);
  if (!parsed.ok) return { ok: false as const, state: failure("connection_not_found") };
  const access = await authorizeConnectionChange(parsed.data.connectionId, appZendeskHost);
  if (!access.ok)
    return {
      ok: false as const,
      state: failure(access.code === "not_allowed" ? "not_allowed" : "connection_not_found"),
    };
  return access;
}

/** Refresh now: forces a token renewal and reports the new lifetime. */
export async function refreshNowAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const access = await authorizeAction(formData);
  if (!access.ok) return access.state;
  const result = await refreshConnection(access.connection.id, { force: true, actorUserId: access.member.userId });
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
}

/** Test connection: calls users/me live and reports who answered and how fast. */
export async function testConnectionAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const access = await authorizeAction(formData);
  if (!access.ok) return access.state;
  const result = await testConnection(access.connection.id, access.member.userId);
  revalidatePath(SETTINGS_PATH);
  if (!result.ok) return failure(result.code);
  const who = result.user.email ? `${result.user.name} (${result.user.email})` : result.user.name;
  return { ok: true, message: `Connection works: Zendesk answered as ${who} in ${result.latencyMs} ms.` };
}

/** Disconnect: revokes in Zendesk, removes the connection, and reports how revocation went. */
export async function disconnectAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const access = await authorizeAction(formData);
  if (!access.ok) return access.state;
  const result = await disconnectConnection(access.connection.id, access.member.userId);
  if (!result.ok) return failure(result.code);
  revalidatePath(SETTINGS_PATH);
  const query = new URLSearchParams({ disconnected: result.subdomain, revocation: result.revocation.status });
  // The token's id (not a credential) tells the admin which token to revoke by hand.
  if (result.revocation.status === "failed" && result.tokenId) query.set("token", result.tokenId);
  redirect(`${SETTINGS_PATH}?${query}`);
}
