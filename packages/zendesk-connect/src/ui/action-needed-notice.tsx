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
      className="rounded-md border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
    >
      <p className="font-semibold">Action needed</p>
      <p className="mt-1">
        {notice.message}{" "}
        <a className="font-medium underline underline-offset-2" href={helpHref("non_expiring_tokens")}>
          Why this matters
        </a>
      </p>
      {canManage ? (
        <form action={move} className="mt-3">
          <input type="hidden" name="connectionId" value={connectionId} />
          <SubmitButton className="btn-primary" pendingLabel="Opening Zendesk…">
            Move to expiring tokens
          </SubmitButton>
        </form>
      ) : (
        <p className="mt-2">An owner or admin of this workspace can move it.</p>
      )}
      {state.error || state.message ? (
        <div className="mt-3">
          <FormMessage error={state.error} message={state.message} />
        </div>
      ) : null}
    </div>
  );
}
