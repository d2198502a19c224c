import "server-only";
import type { z } from "zod";
import { type FormState, parseForm } from "./forms.js";
import type { HostMember, ZendeskHost } from "../host.js";
import { errorSummary, type ZendeskErrorCode } from "../catalogue/error-codes.js";

/*
 * The one pipeline of the server actions that act on a workspace: parse the form with zod,
 * resolve the signed-in member (workspace and role) once through the host seam, check the
 * owner-or-admin rule when the action changes something, run the action with that checked
 * context, and turn a result code into the FormState the form shows. Actions stay a few lines.
 */

/** What an action body receives: the member the host resolved for this request, already checked. */
export interface ActionContext {
  member: HostMember;
  host: ZendeskHost;
}

export interface ActionOptions {
  /** The action changes the workspace's integrations: owners and admins only. */
  manage?: boolean;
  /** Fields echoed back (non-secret) when the form does not validate, so nothing typed is lost. */
  echo?: string[];
  /** Values shown back with a refusal of the member itself (not allowed). */
  values?: (formData: FormData) => Record<string, string>;
}

/** A code from the catalogue as a form state: "Title. Message." for the whole form, plus the code. */
export function failure(
  code: ZendeskErrorCode,
  extra: Pick<FormState, "fieldErrors" | "values"> & { summary?: boolean } = {},
): FormState {
  const { summary = true, ...rest } = extra;
  return { ok: false, code, error: summary ? errorSummary(code) : undefined, ...rest };
}

/** A settings action: what it does once the host seam is known (createZendeskConnect binds it). */
export type SettingsAction = (host: ZendeskHost, previous: FormState, formData: FormData) => Promise<FormState>;

export function workspaceAction<S extends z.ZodType>(
  schema: S,
  options: ActionOptions,
  run: (input: z.infer<S>, context: ActionContext, formData: FormData) => Promise<FormState>,
): SettingsAction {
  return async (host, _previous, formData) => {
    const parsed = parseForm(schema, formData, { echo: options.echo });
    if (!parsed.ok) return parsed.state;
    const member = await host.currentMember();
    if (!member || (options.manage && !member.canManageIntegrations))
      return failure("not_allowed", { values: options.values?.(formData) });
    return run(parsed.data, { member, host }, formData);
  };
}
