"use client";

import { useActionState } from "react";
import { FormMessage } from "./field.js";
import { SubmitButton } from "./submit-button.js";
import type { FormState } from "../routes/forms.js";
import { helpHref, type NonExpiringNotice } from "../public.js";
import { useSettingsAction } from "./settings-action.js";

/** Action needed: the connection's token never expires; Move to expiring tokens asks Zendesk for a new consent. */
export function ActionNeededNotice({
  connectionId,
  notice,
  canManage,
}: {
  connectionId: string;
  notice: NonExpiringNotice;
  canManage: boolean;
}) {
  const [state, move] = useActionState(useSettingsAction("moveToExpiringTokens"), {} as FormState);
  return (
    <div
      role="status"
      data-testid="action-needed"
      data-deadline={notice.deadline ?? "unannounced"}
      className="zc:rounded-md zc:border zc:border-amber-300 zc:bg-amber-50 zc:p-4 zc:text-sm zc:text-amber-950 zc:dark:border-amber-800 zc:dark:bg-amber-950 zc:dark:text-amber-100"
    >
      <p className="zc:font-semibold">Action needed</p>
      <p className="zc:mt-1">
        {notice.message}{" "}
        <a className="zc:font-medium zc:underline zc:underline-offset-2" href={helpHref("non_expiring_tokens")}>
          Why this matters
        </a>
      </p>
      {canManage ? (
        <form action={move} className="zc:mt-3">
          <input type="hidden" name="connectionId" value={connectionId} />
          <SubmitButton className="zc:btn-primary" pendingLabel="Opening Zendesk…">
            Move to expiring tokens
          </SubmitButton>
        </form>
      ) : (
        <p className="zc:mt-2">An owner or admin of this workspace can move it.</p>
      )}
      {state.error || state.message ? (
        <div className="zc:mt-3">
          <FormMessage error={state.error} message={state.message} />
        </div>
      ) : null}
    </div>
  );
}
