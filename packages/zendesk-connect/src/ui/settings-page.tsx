import { redirect } from "next/navigation";
import { connection } from "next/server";
import { Suspense } from "react";
import { FormMessage } from "./field.js";
import { settledWithin } from "../settled-within.js";
import type { ZendeskConnect } from "../routes/index.js";
import { type SettingsAction, SettingsActionProvider } from "./settings-action.js";
import {
  computeStatus,
  helpHref,
  instanceUrl,
  describeError,
  isZendeskErrorCode,
  isPermissionsReduced,
  isScopePresetId,
  isValidSubdomainLabel,
  loadIntegrationsData,
  MANUAL_REVOCATION_STEPS,
  nonExpiringNotice,
  PERMISSIONS_REDUCED_LABEL,
  presetForScopes,
  scopeListParam,
  zendeskSettings,
} from "../index.js";
import { ActionNeededNotice } from "./action-needed-notice.js";
import { ConnectForm, type ConnectFormDefaults } from "./connect-form.js";
import { ConnectionActions } from "./connection-actions.js";
import { ConnectionCard } from "./connection-card.js";
import { ConnectionHistory } from "./connection-history.js";
import { ConnectionsSkeleton } from "./connections-skeleton.js";
import { ScopeRefusedNotice } from "./scope-refused-notice.js";

type Params = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);

type IntegrationsData = Awaited<ReturnType<typeof loadIntegrationsData>>;

/**
 * Nothing here calls Zendesk: everything shown is stored state, read in a constant number of
 * small queries. The page waits for them up to ZENDESK_PAGE_INLINE_WAIT_MS, so the card is in
 * the first paint (someone back from Zendesk sees their connection at once, not a skeleton
 * that React reveals up to 300 ms later). A slower database does not hold the page: the
 * heading and messages paint and the Zendesk section streams in behind a Suspense boundary.
 */
export interface ZendeskSettingsProps {
  /** The host's createZendeskConnect() result: the host seam and the routes' base path. */
  connect: ZendeskConnect;
  /** The host's one server action, `(name, previous, formData) => zendeskConnect.runAction(name, previous, formData)`. */
  action: SettingsAction;
  /** The page's searchParams, as Next hands them to the page. */
  searchParams: Promise<Params> | Params;
}

/** The Zendesk settings: the signed-in member's workspace connections, Connect, and what each needs. */
export async function ZendeskSettings({ connect, action, searchParams }: ZendeskSettingsProps) {
  // Per request, always: it reads the session and the configuration (never prerendered at build).
  await connection();
  const { host } = connect;
  const { basePath, settingsPath } = connect.paths();
  const member = await host.currentMember();
  if (!member) redirect(host.signInPath(settingsPath));
  const params = await searchParams;
  const canManage = member.canManageIntegrations;
  const workspaceName = member.workspaceName ?? "this workspace";
  const data = loadIntegrationsData(member.workspaceId, {
    includeClients: canManage,
    expanded: one(params.history),
    page: Number(one(params.page) ?? "1"),
    moreHistory: one(params.more) === "1",
    host,
  });
  const ready = await settledWithin(data, zendeskSettings().pageInlineWaitMs);

  const errorCode = one(params.error);
  const connected = one(params.connected) ?? one(params.reconnected);
  const disconnected = one(params.disconnected);
  const revocation = one(params.revocation);

  return (
    <SettingsActionProvider action={action} basePath={basePath}>
      <section aria-labelledby="integrations-heading" className="zc-root zc:space-y-6">
        <div>
          <h2 id="integrations-heading" className="zc:text-xl zc:font-semibold">
            Integrations
          </h2>
          <p className="zc:mt-1 zc:text-sm zc:text-zinc-600 zc:dark:text-zinc-400">
            {canManage
              ? `You can connect and manage the integrations of ${workspaceName}.`
              : `You can see the integrations of ${workspaceName}, but only the people who manage them can change them.`}
          </p>
        </div>

        {errorCode === "invalid_scope" ? (
          <ScopeRefusedNotice
            subdomain={validLabel(one(params.subdomain))}
            refusedParam={one(params.refused)}
            requestedParam={one(params.requested)}
            clientParam={one(params.client)}
            settingsPath={settingsPath}
          />
        ) : errorCode && isZendeskErrorCode(errorCode) ? (
          <div
            role="alert"
            data-testid="connect-error"
            data-code={errorCode}
            className="zc:rounded-md zc:border zc:border-red-300 zc:bg-red-50 zc:p-4 zc:text-red-900 zc:dark:border-red-900 zc:dark:bg-red-950 zc:dark:text-red-100"
          >
            <p className="zc:font-semibold">{describeError(errorCode).title}</p>
            <p className="zc:mt-1 zc:text-sm">
              {describeError(errorCode).message}{" "}
              <a className="zc:font-medium zc:underline zc:underline-offset-2" href={describeError(errorCode).help}>
                Learn how to fix this
              </a>
            </p>
          </div>
        ) : null}
        {connected && isValidSubdomainLabel(connected) ? (
          <FormMessage message={`${params.reconnected ? "Reconnected" : "Connected"} ${connected}.zendesk.com.`} />
        ) : null}
        {disconnected && isValidSubdomainLabel(disconnected) ? (
          <DisconnectedNotice
            subdomain={disconnected}
            revocation={revocation}
            tokenId={one(params.token)?.match(/^\d{1,20}$/)?.[0]}
          />
        ) : null}

        <div className="zc:space-y-4">
          <h3 className="zc:text-lg zc:font-semibold">Zendesk Support</h3>
          {ready ? (
            <ZendeskSection data={ready.value} canManage={canManage} params={params} settingsPath={settingsPath} />
          ) : (
            <Suspense fallback={<ConnectionsSkeleton />}>
              <StreamedZendeskSection data={data} canManage={canManage} params={params} settingsPath={settingsPath} />
            </Suspense>
          )}
        </div>
      </section>
    </SettingsActionProvider>
  );
}

function validLabel(value: string | undefined): string | undefined {
  return value && isValidSubdomainLabel(value) ? value : undefined;
}

function DisconnectedNotice({
  subdomain,
  revocation,
  tokenId,
}: {
  subdomain: string;
  revocation?: string;
  tokenId?: string;
}) {
  if (revocation === "failed") {
    return (
      <div
        role="alert"
        data-testid="revocation-failed"
        className="zc:rounded-md zc:border zc:border-amber-300 zc:bg-amber-50 zc:p-4 zc:text-amber-950 zc:dark:border-amber-800 zc:dark:bg-amber-950 zc:dark:text-amber-100"
      >
        <p className="zc:font-semibold">
          Disconnected {subdomain}.zendesk.com here, but Zendesk did not confirm that its token was revoked
        </p>
        <p className="zc:mt-1 zc:text-sm">
          The stored tokens are deleted, so this app can no longer use them. To be sure Zendesk no longer accepts the
          token
          {tokenId ? ` (id ${tokenId})` : ""}: {MANUAL_REVOCATION_STEPS.replace("{id}", tokenId ?? "{id}")}{" "}
          <a className="zc:font-medium zc:underline zc:underline-offset-2" href={helpHref("revocation_failed")}>
            Learn more
          </a>
        </p>
      </div>
    );
  }
  const detail =
    revocation === "revoked"
      ? " Its token was revoked in Zendesk."
      : revocation === "not_needed"
        ? " Zendesk had already stopped accepting its token."
        : "";
  return <FormMessage message={`Disconnected ${subdomain}.zendesk.com.${detail}`} />;
}

interface SectionProps {
  canManage: boolean;
  params: Params;
  settingsPath: string;
}

async function StreamedZendeskSection({ data, ...props }: SectionProps & { data: Promise<IntegrationsData> }) {
  return <ZendeskSection data={await data} {...props} />;
}

function ZendeskSection({ data, canManage, params, settingsPath }: SectionProps & { data: IntegrationsData }) {
  const settings = zendeskSettings();
  const { connections, localClients, history, paging } = data;
  // Links keep the page the card is on.
  const href = (extra: Record<string, string> = {}, hash = "") => {
    const q = new URLSearchParams({ ...(paging.page > 1 ? { page: String(paging.page) } : {}), ...extra });
    return `${settingsPath}${q.size ? `?${q}` : ""}${hash}`;
  };
  const now = new Date();

  const reconnectSub = one(params.reconnect);
  const reconnecting =
    reconnectSub && isValidSubdomainLabel(reconnectSub)
      ? connections.find((c) => c.subdomain === reconnectSub)
      : undefined;
  // Change permissions: the same reconnect, pre-filled with what Zendesk granted, showing the difference.
  const changeSub = one(params.change);
  const changing =
    !reconnecting && changeSub && isValidSubdomainLabel(changeSub)
      ? connections.find((c) => c.subdomain === changeSub)
      : undefined;
  const existing = reconnecting ?? changing;
  const existingScopes = changing ? changing.grantedScopes : reconnecting?.requestedScopes;
  const retrySub = validLabel(one(params.retry));
  const retryPreset = one(params.preset);
  const defaults: ConnectFormDefaults = existing
    ? {
        subdomain: existing.subdomain,
        preset: presetForScopes(existingScopes ?? [])?.id ?? "custom",
        scopes: existingScopes,
        client:
          existing.mode === "client_credentials" ? "client_credentials" : existing.oauthClientId ? "local" : "global",
        clientIdentifier: existing.clientIdentifier ?? undefined,
      }
    : retrySub
      ? {
          // "Try again with a narrower preset" after invalid_scope: catalogue names and preset ids only.
          subdomain: retrySub,
          preset: retryPreset === "custom" || isScopePresetId(retryPreset) ? retryPreset : undefined,
          scopes: scopeListParam(one(params.scopes)),
          client: one(params.client) === "local" ? "local" : undefined,
          clientIdentifier:
            one(params.client) === "local" ? localClients.find((c) => c.subdomain === retrySub)?.identifier : undefined,
        }
      : {};

  return (
    <>
      {paging.total > paging.pageSize ? <PageSummary paging={paging} href={href} /> : null}
      {connections.length === 0 && paging.page > 1 ? (
        <p className="zc:card zc:text-sm">
          There are no connections on this page.{" "}
          <a className="zc:link" href={settingsPath}>
            Go to the first page
          </a>
        </p>
      ) : connections.length === 0 ? (
        <div className="zc:card zc:text-sm zc:text-zinc-700 zc:dark:text-zinc-300" data-testid="empty-state">
          <p className="zc:font-medium">No Zendesk account is connected yet.</p>
          <p className="zc:mt-1">
            Connecting lets this workspace read (and, if you allow it, update) tickets and users in your Zendesk, as the
            Zendesk user who approves the connection. You choose the permissions; you can disconnect at any time, which
            also revokes access in Zendesk.
          </p>
        </div>
      ) : (
        connections.map((c) => {
          const status = computeStatus(c, now, settings.expiringSoonSeconds);
          const open = history?.connectionId === c.id ? history : undefined;
          const reduced = status.status === "needs_reconnect" && isPermissionsReduced(c);
          const notice = nonExpiringNotice(c, {
            localDeadline: settings.nonExpiringDeadline,
            globalClientIdentifier: settings.globalClient?.identifier,
          });
          return (
            <ConnectionCard
              key={c.id}
              connection={c}
              status={status}
              statusLabel={reduced ? PERMISSIONS_REDUCED_LABEL : undefined}
              helpTopic={reduced ? "scope_allowlist" : undefined}
              notice={
                notice && c.mode === "authorization_code" ? (
                  <ActionNeededNotice connectionId={c.id} notice={notice} canManage={canManage} />
                ) : undefined
              }
              instanceUrl={instanceUrl(c.subdomain, settings.baseUrlTemplate).toString()}
              actions={
                canManage ? (
                  <ConnectionActions
                    connectionId={c.id}
                    subdomain={c.subdomain}
                    canRefresh={c.mode === "client_credentials" || c.hasRefreshToken}
                    needsReconnect={status.status === "needs_reconnect" || status.status === "revoked"}
                    reconnectHref={href({ reconnect: c.subdomain }, "#connect-zendesk")}
                    changePermissionsHref={
                      c.mode === "authorization_code" ? href({ change: c.subdomain }, "#connect-zendesk") : undefined
                    }
                  />
                ) : undefined
              }
              history={
                <ConnectionHistory
                  subdomain={c.subdomain}
                  history={open}
                  showHref={href({ history: c.subdomain }, `#history-${c.subdomain}`)}
                  moreHref={href({ history: c.subdomain, more: "1" }, `#history-${c.subdomain}`)}
                  hideHref={href({}, `#connection-${c.subdomain}`)}
                />
              }
            />
          );
        })
      )}

      {canManage ? (
        <div id="connect-zendesk" className="zc:card zc:scroll-mt-8">
          <h3 className="zc:mb-4 zc:text-lg zc:font-semibold">
            {changing
              ? `Change permissions for ${changing.subdomain}`
              : reconnecting
                ? `Reconnect ${reconnecting.subdomain}`
                : connections.length
                  ? "Connect another Zendesk account"
                  : "Connect Zendesk"}
          </h3>
          <ConnectForm
            key={changing ? `change-${changing.subdomain}` : (reconnecting?.subdomain ?? retrySub ?? "new")}
            currentScopes={changing?.grantedScopes}
            defaults={defaults}
            globalClientAvailable={Boolean(settings.globalClient)}
            callbackUrl={settings.callbackUrl}
            localClients={localClients.map((c) => ({ subdomain: c.subdomain, identifier: c.identifier, kind: c.kind }))}
            submitLabel={changing ? "Change permissions" : reconnecting ? "Reconnect Zendesk" : "Connect Zendesk"}
          />
        </div>
      ) : (
        <p className="zc:text-sm zc:text-zinc-600 zc:dark:text-zinc-400" data-testid="member-notice">
          Only owners and admins can connect or change Zendesk.
        </p>
      )}
    </>
  );
}

function PageSummary({
  paging,
  href,
}: {
  paging: { page: number; pages: number; pageSize: number; total: number; troubled: number };
  href: (extra?: Record<string, string>) => string;
}) {
  const first = (paging.page - 1) * paging.pageSize + 1;
  const last = Math.min(paging.total, paging.page * paging.pageSize);
  return (
    <nav
      aria-label="Connection pages"
      className="zc:flex zc:flex-wrap zc:items-center zc:justify-between zc:gap-2 zc:text-sm"
      data-testid="connection-pages"
    >
      <p>
        {first}–{last} of {paging.total} connections
        {paging.troubled
          ? ` · ${paging.troubled} need${paging.troubled === 1 ? "s" : ""} attention (listed first)`
          : ""}
      </p>
      <div className="zc:flex zc:gap-2">
        {paging.page > 1 ? (
          <a className="zc:btn-secondary" href={href({ page: String(paging.page - 1) })} rel="prev">
            Previous
          </a>
        ) : null}
        {paging.page < paging.pages ? (
          <a className="zc:btn-secondary" href={href({ page: String(paging.page + 1) })} rel="next">
            Next
          </a>
        ) : null}
      </div>
    </nav>
  );
}
