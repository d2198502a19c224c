"use client";

import Link from "next/link";
import { useActionState, useEffect, useRef, useState } from "react";
import { FormMessage } from "./field.js";
import { SubmitButton } from "./submit-button.js";
import type { FormState } from "../routes/forms.js";
import { helpHref, isHelpTopic } from "../public.js";
import { useSettingsAction } from "./settings-action.js";

/** Refresh now, Test connection, Reconnect, Change permissions and Disconnect for one connection (owners and admins). */
export function ConnectionActions({
  connectionId,
  subdomain,
  canRefresh,
  needsReconnect,
  reconnectHref,
  changePermissionsHref,
}: {
  connectionId: string;
  subdomain: string;
  canRefresh: boolean;
  /** Reconnect becomes the primary action when Zendesk no longer accepts the connection. */
  needsReconnect: boolean;
  reconnectHref: string;
  /** Opens the scope picker pre-filled with the granted scopes, for a consent that updates this connection. */
  changePermissionsHref?: string;
}) {
  const [refreshState, refresh] = useActionState(useSettingsAction("refresh"), {} as FormState);
  const [testState, test] = useActionState(useSettingsAction("test"), {} as FormState);
  return (
    <div className="zc:w-full zc:space-y-3">
      <div className="zc:flex zc:flex-wrap zc:gap-2">
        {canRefresh ? (
          <form action={refresh}>
            <input type="hidden" name="connectionId" value={connectionId} />
            <SubmitButton className="zc:btn-secondary" pendingLabel="Refreshing…">
              Refresh now
            </SubmitButton>
          </form>
        ) : null}
        <form action={test}>
          <input type="hidden" name="connectionId" value={connectionId} />
          <SubmitButton className="zc:btn-secondary" pendingLabel="Testing…">
            Test connection
          </SubmitButton>
        </form>
        <Link className={needsReconnect ? "zc:btn-primary" : "zc:btn-secondary"} href={reconnectHref}>
          Reconnect
        </Link>
        {changePermissionsHref ? (
          <Link className="zc:btn-secondary" href={changePermissionsHref}>
            Change permissions
          </Link>
        ) : null}
        <DisconnectButton connectionId={connectionId} subdomain={subdomain} />
      </div>
      <div aria-live="polite" data-testid="action-result">
        {refreshState.error || refreshState.message ? (
          <FormMessage error={refreshState.error} message={refreshState.message} helpHref={help(refreshState)} />
        ) : null}
        {testState.error || testState.message ? (
          <FormMessage error={testState.error} message={testState.message} helpHref={help(testState)} />
        ) : null}
      </div>
    </div>
  );
}

/**
 * Disconnect behind a confirmation dialog. The native modal <dialog> traps focus and closes on
 * Escape; focus returns to the button that opened it. Its content is rendered only while open,
 * so a page of cards carries one button each, not one dialog each.
 */
function DisconnectButton({ connectionId, subdomain }: { connectionId: string; subdomain: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const [open, setOpen] = useState(false);
  const [state, disconnect] = useActionState(useSettingsAction("disconnect"), {} as FormState);
  const titleId = `disconnect-title-${connectionId}`;
  useEffect(() => {
    if (open && !dialog.current?.open) dialog.current?.showModal();
  }, [open]);
  return (
    <>
      <button ref={opener} type="button" className="zc:btn-danger" onClick={() => setOpen(true)}>
        Disconnect
      </button>
      <dialog
        ref={dialog}
        aria-labelledby={titleId}
        onClose={() => {
          setOpen(false);
          opener.current?.focus();
        }}
        className="zc:m-auto zc:w-[min(28rem,calc(100vw-2rem))] zc:rounded-lg zc:border zc:border-zinc-200 zc:bg-white zc:p-6 zc:text-zinc-900 zc:shadow-xl zc:backdrop:bg-black/50 zc:dark:border-zinc-700 zc:dark:bg-zinc-900 zc:dark:text-zinc-100"
      >
        {open ? (
          <>
            <h2 id={titleId} className="zc:text-lg zc:font-semibold">
              Disconnect {subdomain}.zendesk.com?
            </h2>
            <p className="zc:mt-2 zc:text-sm zc:text-zinc-700 zc:dark:text-zinc-300">
              This revokes the token in Zendesk and deletes the stored tokens. This workspace will stop syncing with
              Zendesk until someone connects again.
            </p>
            {state.error ? (
              <div className="zc:mt-3">
                <FormMessage error={state.error} helpHref={help(state)} />
              </div>
            ) : null}
            <form action={disconnect} className="zc:mt-6 zc:flex zc:justify-end zc:gap-2">
              <input type="hidden" name="connectionId" value={connectionId} />
              <button type="button" className="zc:btn-secondary" onClick={() => dialog.current?.close()} autoFocus>
                Cancel
              </button>
              <SubmitButton className="zc:btn-danger" pendingLabel="Disconnecting…">
                Disconnect
              </SubmitButton>
            </form>
          </>
        ) : null}
      </dialog>
    </>
  );
}

/** The troubleshooting entry for a failed action's code. */
function help(state: FormState): string | undefined {
  return state.code && isHelpTopic(state.code) ? helpHref(state.code) : undefined;
}
