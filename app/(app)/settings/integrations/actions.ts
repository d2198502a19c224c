"use server";

import { cookies } from "next/headers";
import { z } from "zod";
import { signIn } from "@/lib/auth/auth";
import { canManageIntegrations, currentWorkspace } from "@/lib/auth/session";
import { type FormState, parseForm } from "@/lib/forms";
import { intentCookie, prepareConnect, runInConnectFlow, SETTINGS_PATH } from "@/lib/zendesk/connect-flow";
import { findLocalClient, saveLocalClient } from "@/lib/zendesk/oauth-clients";
import { ZENDESK_PROVIDER_ID } from "@/lib/zendesk/provider";
import { DEFAULT_PRESET_ID, SCOPE_PRESET_IDS, SCOPE_PRESETS, scopesSchema } from "@/lib/zendesk/scopes";
import { subdomainSchema } from "@/lib/zendesk/subdomain";
import { CONNECT_ERROR_MESSAGES } from "./messages";

const connectSchema = z
  .object({
    subdomain: subdomainSchema,
    preset: z.enum([...SCOPE_PRESET_IDS, "custom"]).default(DEFAULT_PRESET_ID),
    scopes: z.union([z.string(), z.array(z.string())]).optional(),
    client: z.enum(["global", "local"]).default("global"),
    clientIdentifier: z
      .string()
      .trim()
      .max(200, "That identifier is too long")
      .regex(/^[A-Za-z0-9_.:-]*$/, "Use the client's Unique Identifier exactly as Zendesk shows it (letters, digits, - _ . :)")
      .optional(),
    clientSecret: z.string().trim().max(500, "That secret is too long").optional(),
    clientKind: z.enum(["confidential", "public"]).default("confidential"),
  })
  .transform((v, ctx) => {
    const scopes = scopesSchema.safeParse(v.preset === "custom" ? (v.scopes ?? []) : [...SCOPE_PRESETS[v.preset].scopes]);
    if (!scopes.success) {
      ctx.addIssue({ code: "custom", path: ["scopes"], message: scopes.error.issues[0]?.message ?? "Choose at least one scope." });
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

  let oauthClientId: string | null = null;
  if (input.client === "local") {
    const existing = await findLocalClient(context.workspace.id, input.subdomain);
    if (input.clientIdentifier) {
      const needsSecret = input.clientKind === "confidential" && !input.clientSecret && !(existing?.hasSecret && existing.identifier === input.clientIdentifier);
      if (needsSecret) {
        return { ...fail("no_client", { clientSecret: ["Paste the client's secret (Zendesk shows it once, when the client is created)"] }), error: undefined };
      }
      const saved = await saveLocalClient({
        workspaceId: context.workspace.id,
        subdomain: input.subdomain,
        identifier: input.clientIdentifier,
        kind: input.clientKind,
        secret: input.clientKind === "confidential" ? input.clientSecret : undefined,
        userId: context.user.id,
      });
      oauthClientId = saved.id;
    } else if (existing) {
      oauthClientId = existing.id;
    } else {
      return { ...fail("no_client", { clientIdentifier: ["Enter the client's Unique Identifier from Zendesk Admin Center"] }), error: undefined };
    }
  }

  const prepared = await prepareConnect({
    userId: context.user.id,
    workspaceId: context.workspace.id,
    subdomain: input.subdomain,
    scopes: input.scopes,
    oauthClientId,
    returnTo: SETTINGS_PATH,
  });
  if (!prepared.ok) {
    return prepared.code === "unknown_subdomain"
      ? fail("unknown_subdomain", { subdomain: [`There is no Zendesk account at ${input.subdomain}.zendesk.com. ${CONNECT_ERROR_MESSAGES.unknown_subdomain.message}`] })
      : fail(prepared.code);
  }
  const cookie = intentCookie(prepared.flow.intent.id);
  (await cookies()).set(cookie.name, cookie.value, cookie.options);
  // signIn throws Next's redirect to Zendesk's consent page: it must not be inside a try.
  await runInConnectFlow(prepared.flow, () => signIn(ZENDESK_PROVIDER_ID, { redirectTo: SETTINGS_PATH }));
  return {};
}
