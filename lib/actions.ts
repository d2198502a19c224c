import "server-only";
import type { z } from "zod";
import { appZendeskHost } from "@/lib/auth/zendesk-host";
import { type FormState, parseForm } from "@/lib/forms";
import type { HostMember } from "@/lib/host";
import { errorSummary, type ZendeskErrorCode } from "@/lib/zendesk";

/*
 * The one pipeline of the server actions that act on a workspace: parse the form with zod,
 * resolve the signed-in member (workspace and role) once through the host seam, check the
 * owner-or-admin rule when the action changes something, run the action with that checked
 * context, and turn a result code into the FormState the form shows. Actions stay a few lines.
 */

/** What an action body receives: the member the host resolved for this request, already checked. */
export interface ActionContext {
  member: HostMember;
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

export function workspaceAction<S extends z.ZodType>(
  schema: S,
  options: ActionOptions,
  run: (input: z.infer<S>, context: ActionContext, formData: FormData) => Promise<FormState>,
): (previous: FormState, formData: FormData) => Promise<FormState> {
  return async (_previous, formData) => {
    const parsed = parseForm(schema, formData, { echo: options.echo });
    if (!parsed.ok) return parsed.state;
    const member = await appZendeskHost.currentMember();
    if (!member || (options.manage && !member.canManageIntegrations))
      return failure("not_allowed", { values: options.values?.(formData) });
    return run(parsed.data, { member }, formData);
  };
}
