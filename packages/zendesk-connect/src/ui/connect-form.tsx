"use client";

import { useActionState, useEffect, useRef } from "react";
import { RedirectUrl } from "./redirect-url.js";
import { Field, FormMessage } from "./field.js";
import { SubmitButton } from "./submit-button.js";
import type { FormState } from "../routes/forms.js";
import { helpHref, isHelpTopic, SCOPE_CATALOGUE, SCOPE_PRESETS, type ScopePresetId } from "../public.js";
import { useSettingsAction } from "./settings-action.js";
import { PermissionsDiff } from "./permissions-diff.js";
import { SubdomainCheckStatus, useSubdomainCheck } from "./subdomain-check.js";

export interface ConnectFormDefaults {
  subdomain?: string;
  preset?: ScopePresetId | "custom";
  scopes?: string[];
  client?: "global" | "local" | "client_credentials";
  clientIdentifier?: string;
}

/** The Connect Zendesk form: subdomain, permissions, and which OAuth client to use. */
export function ConnectForm({
  defaults,
  globalClientAvailable,
  callbackUrl,
  localClients,
  submitLabel = "Connect Zendesk",
  currentScopes,
}: {
  defaults: ConnectFormDefaults;
  globalClientAvailable: boolean;
  callbackUrl: string;
  localClients: { subdomain: string; identifier: string; kind: "confidential" | "public" }[];
  submitLabel?: string;
  /** Change permissions: the connection's granted scopes, to show what consenting again adds and removes. */
  currentScopes?: string[];
}) {
  const [state, action, pending] = useActionState(useSettingsAction("connect"), {} as FormState);
  // Change permissions keeps the connection's subdomain (read-only): nothing to check.
  const subdomainCheck = useSubdomainCheck(currentScopes === undefined);
  const values = state.values ?? {};
  // Uncontrolled inputs: React resets a form after its action, to these defaults (the echoed values).
  // Which sections show follows the checked radios through CSS (styles.css, zc-reveal-when-*), without client state.
  const preset = values.preset ?? defaults.preset ?? "tickets-users-read";
  const client = values.client ?? defaults.client ?? (globalClientAvailable ? "global" : "local");
  const kind = values.clientKind ?? "confidential";
  const chosenScopes = new Set((values.scopes ? values.scopes.split(" ") : defaults.scopes) ?? []);
  const errors = state.fieldErrors ?? {};
  const form = useRef<HTMLFormElement>(null);
  // The fields were disabled while Connect ran, so focus was lost: a refusal returns it to the
  // first field it names, where the person fixes it.
  useEffect(() => {
    if (state.fieldErrors) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [state]);

  return (
    <form ref={form} action={action} noValidate aria-describedby={state.error ? "connect-error" : undefined}>
      {/* Nothing can be typed while Connect runs: React resets the form to the echoed values when
          the answer comes, which would silently replace what was typed in the meantime. */}
      <fieldset disabled={pending} aria-busy={pending} className="zc:space-y-6">
        <div id="connect-error">
          <FormMessage
            error={state.error}
            helpHref={state.code && isHelpTopic(state.code) ? helpHref(state.code) : undefined}
          />
        </div>
        <div>
          <Field
            name="subdomain"
            label="Zendesk subdomain"
            placeholder="acme"
            autoComplete="off"
            spellCheck={false}
            required
            readOnly={currentScopes !== undefined}
            defaultValue={values.subdomain ?? defaults.subdomain}
            hint={
              <>
                The first part of your Zendesk address: <strong>acme</strong> in acme.zendesk.com. Pasting the whole
                address works too.
              </>
            }
            errors={errors.subdomain}
            onInput={subdomainCheck.onInput}
            onBlur={subdomainCheck.onBlur}
          />
          <SubdomainCheckStatus
            store={subdomainCheck.store}
            refusedValue={errors.subdomain?.length ? values.subdomain : undefined}
          />
        </div>

        <fieldset>
          <legend className="zc:label">Permissions</legend>
          <p className="zc:mb-2 zc:text-sm zc:text-zinc-600 zc:dark:text-zinc-400">
            What this app may do in Zendesk. Zendesk also limits it to what the connecting user&apos;s role allows.
          </p>
          <div className="zc:space-y-2">
            {Object.values(SCOPE_PRESETS).map((p) => (
              <label
                key={p.id}
                className="zc:flex zc:cursor-pointer zc:gap-3 zc:rounded-md zc:border zc:border-zinc-200 zc:p-3 zc:has-checked:border-accent-600 zc:dark:border-zinc-700"
              >
                <input type="radio" name="preset" value={p.id} defaultChecked={preset === p.id} className="zc:mt-1" />
                <span>
                  <span className="zc:block zc:text-sm zc:font-medium">{p.label}</span>
                  <span className="zc:block zc:text-sm zc:text-zinc-600 zc:dark:text-zinc-400">{p.description}</span>
                  <span className="zc:mt-1 zc:block zc:font-mono zc:text-xs zc:text-zinc-500 zc:dark:text-zinc-400">
                    {p.scopes.join(" ")}
                  </span>
                </span>
              </label>
            ))}
            <label className="zc:flex zc:cursor-pointer zc:gap-3 zc:rounded-md zc:border zc:border-zinc-200 zc:p-3 zc:has-checked:border-accent-600 zc:dark:border-zinc-700">
              <input
                type="radio"
                name="preset"
                value="custom"
                defaultChecked={preset === "custom"}
                className="zc:mt-1"
              />
              <span>
                <span className="zc:block zc:text-sm zc:font-medium">Choose individual scopes (advanced)</span>
                <span className="zc:block zc:text-sm zc:text-zinc-600 zc:dark:text-zinc-400">
                  Pick exactly the Zendesk scopes to request.
                </span>
              </span>
            </label>
          </div>
          <div
            className="zc-reveal-when-custom-scopes zc:mt-3 zc:gap-1 zc:sm:grid-cols-2"
            role="group"
            aria-label="Scopes"
          >
            {SCOPE_CATALOGUE.map((s) => (
              <label
                key={s.name}
                className="zc:flex zc:gap-2 zc:rounded zc:px-2 zc:py-1 zc:text-sm zc:hover:bg-zinc-100 zc:dark:hover:bg-zinc-800"
              >
                <input
                  type="checkbox"
                  name="scopes"
                  value={s.name}
                  defaultChecked={chosenScopes.has(s.name)}
                  className="zc:mt-0.5"
                />
                <span>
                  <span className="zc:font-mono zc:text-xs">{s.name}</span>
                  <span className="zc:block zc:text-xs zc:text-zinc-600 zc:dark:text-zinc-400">{s.description}</span>
                </span>
              </label>
            ))}
          </div>
          {errors.scopes?.length ? <p className="zc:field-error">{errors.scopes[0]}</p> : null}
          {currentScopes ? (
            <div className="zc:mt-3">
              <PermissionsDiff granted={currentScopes} />
            </div>
          ) : null}
        </fieldset>

        <fieldset>
          <legend className="zc:label">OAuth client</legend>
          <div className="zc:space-y-2">
            {globalClientAvailable ? (
              <label className="zc:flex zc:cursor-pointer zc:gap-3 zc:text-sm">
                <input type="radio" name="client" value="global" defaultChecked={client === "global"} />
                This app&apos;s Zendesk client (recommended)
              </label>
            ) : (
              <p className="zc:text-sm zc:text-zinc-600 zc:dark:text-zinc-400">
                This app has no global Zendesk client yet, so connect with an OAuth client created in your own Zendesk.
              </p>
            )}
            <label className="zc:flex zc:cursor-pointer zc:gap-3 zc:text-sm">
              <input type="radio" name="client" value="local" defaultChecked={client === "local"} />
              My own OAuth client, created in my Zendesk
            </label>
            <label className="zc:flex zc:cursor-pointer zc:gap-3 zc:text-sm">
              <input
                type="radio"
                name="client"
                value="client_credentials"
                defaultChecked={client === "client_credentials"}
              />
              <span>
                My own confidential client, with client credentials
                <span className="zc:block zc:text-zinc-600 zc:dark:text-zinc-400">
                  No Zendesk sign-in or consent page: the token is issued to the client itself, for server-to-server
                  use.
                </span>
              </span>
            </label>
          </div>
          <div className="zc-reveal-when-local-client zc:mt-4 zc:rounded-md zc:border zc:border-zinc-200 zc:p-4 zc:dark:border-zinc-700">
            <div className="zc:grid zc:gap-6 zc:lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
              <div className="zc:space-y-4">
                {localClients.length ? (
                  <p className="zc:text-sm zc:text-zinc-600 zc:dark:text-zinc-400">
                    Saved clients: {localClients.map((c) => `${c.subdomain} (${c.identifier})`).join(", ")}. Leave the
                    fields empty to use the saved client for that subdomain.
                  </p>
                ) : null}
                <Field
                  name="clientIdentifier"
                  label="Unique Identifier"
                  autoComplete="off"
                  spellCheck={false}
                  defaultValue={values.clientIdentifier ?? defaults.clientIdentifier}
                  hint={
                    <>
                      The client&apos;s Unique Identifier (client_id), not its numeric ID.{" "}
                      <a className="zc:link" href="#guide-identifier">
                        Step 7
                      </a>
                    </>
                  }
                  errors={errors.clientIdentifier}
                />
                <fieldset className="zc-hide-when-client-credentials">
                  <legend className="zc:label">Client kind</legend>
                  <div className="zc:flex zc:gap-4 zc:text-sm">
                    <label className="zc:flex zc:gap-2">
                      <input
                        type="radio"
                        name="clientKind"
                        value="confidential"
                        defaultChecked={kind === "confidential"}
                      />
                      Confidential
                    </label>
                    <label className="zc:flex zc:gap-2">
                      <input type="radio" name="clientKind" value="public" defaultChecked={kind === "public"} />
                      Public (PKCE, no secret)
                    </label>
                  </div>
                  <p className="zc:mt-1 zc:text-sm zc:text-zinc-600 zc:dark:text-zinc-400">
                    As chosen in Zendesk.{" "}
                    <a className="zc:link" href="#guide-kind">
                      Step 4
                    </a>
                  </p>
                </fieldset>
                <div className="zc-hide-when-public-client">
                  <Field
                    name="clientSecret"
                    label="Secret"
                    type="password"
                    autoComplete="off"
                    hint={
                      <>
                        Stored encrypted and never shown again.{" "}
                        <a className="zc:link" href="#guide-secret">
                          Step 6
                        </a>
                      </>
                    }
                    errors={errors.clientSecret}
                  />
                </div>
              </div>
              <SetupGuide callbackUrl={callbackUrl} />
            </div>
          </div>
        </fieldset>

        <SubmitButton pendingLabel="Connecting…">{submitLabel}</SubmitButton>
      </fieldset>
    </form>
  );
}

/**
 * How to create the client in Zendesk, step by step, beside the fields it fills. Each field
 * links to its step; the redirect URL is the exact one this app uses.
 */
function SetupGuide({ callbackUrl }: { callbackUrl: string }) {
  const step =
    "zc:scroll-mt-8 zc:target:rounded zc:target:bg-sky-50 zc:target:outline zc:target:outline-2 zc:target:outline-accent-600 zc:dark:target:bg-zinc-800";
  return (
    <aside aria-labelledby="setup-guide-title" className="zc:text-sm" data-testid="setup-guide">
      <h4 id="setup-guide-title" className="zc:font-semibold">
        Create the OAuth client in Zendesk
      </h4>
      <ol className="zc:mt-2 zc:list-decimal zc:space-y-2 zc:pl-5 zc:text-zinc-700 zc:dark:text-zinc-300">
        <li id="guide-plan" className={step}>
          Check your plan: OAuth clients need Zendesk <strong>Suite Growth</strong> or higher, or{" "}
          <strong>Support Professional</strong> or higher.{" "}
          <a className="zc:link" href={helpHref("plan_without_oauth")}>
            Not available?
          </a>
        </li>
        <li id="guide-open" className={step}>
          As a Zendesk admin, open <strong>Admin Center → Apps and integrations → APIs → OAuth Clients</strong> and
          choose <strong>Add OAuth client</strong>. Use a Zendesk Support client, not a Sell one.
        </li>
        <li id="guide-fields" className={step}>
          Fill in every field: <strong>Client name</strong> (your people see it on Zendesk&apos;s consent page),{" "}
          <strong>Description</strong>, <strong>Company</strong>; a logo is optional.
        </li>
        <li id="guide-kind" className={step}>
          <strong>Client kind</strong>: <strong>Confidential</strong>. (Public works only for the sign-in flow, never
          for client credentials.)
        </li>
        <li id="guide-redirect" className={step}>
          <span className="zc:block">
            <strong>Redirect URLs</strong>: paste exactly this, nothing more:
          </span>
          <RedirectUrl url={callbackUrl} />
        </li>
        <li id="guide-secret" className={step}>
          Choose <strong>Save</strong>. Zendesk shows the <strong>Secret</strong> once: copy it into <em>Secret</em>{" "}
          here. Lost it? Regenerate it on the client and enter the new one.
        </li>
        <li id="guide-identifier" className={step}>
          Copy the <strong>Unique Identifier</strong> (the text you typed or Zendesk suggested, e.g.{" "}
          <code>acme_connect</code>), not the numeric ID in the address bar, into <em>Unique Identifier</em> here.
        </li>
      </ol>
      <p className="zc:mt-3">
        <a className="zc:link" href="/help/zendesk#own-client">
          Full guide and fixes for common errors
        </a>
      </p>
    </aside>
  );
}
