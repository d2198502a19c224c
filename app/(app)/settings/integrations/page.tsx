import type { Metadata } from "next";
import Link from "next/link";
import { FormMessage } from "@/app/components/field";
import { canManageIntegrations, requireWorkspace } from "@/lib/auth/session";
import { listConnections } from "@/lib/zendesk/connection-queries";
import { isConnectErrorCode } from "@/lib/zendesk/error-codes";
import { listLocalClients } from "@/lib/zendesk/oauth-clients";
import { presetForScopes } from "@/lib/zendesk/scopes";
import { zendeskSettings } from "@/lib/zendesk/settings";
import { computeStatus } from "@/lib/zendesk/status";
import { isValidSubdomainLabel } from "@/lib/zendesk/subdomain";
import { instanceUrl } from "@/lib/zendesk/urls";
import { ConnectForm, type ConnectFormDefaults } from "./connect-form";
import { ConnectionCard } from "./connection-card";
import { CONNECT_ERROR_MESSAGES } from "./messages";

export const metadata: Metadata = { title: "Integrations" };

export default async function IntegrationsPage({ searchParams }: PageProps<"/settings/integrations">) {
  const { role, workspace } = await requireWorkspace("/settings/integrations");
  const params = await searchParams;
  const canManage = canManageIntegrations(role);
  const settings = zendeskSettings();
  const [connections, localClients] = await Promise.all([listConnections(workspace.id), canManage ? listLocalClients(workspace.id) : []]);
  const now = new Date();

  const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);
  const errorCode = one(params.error);
  const connected = one(params.connected) ?? one(params.reconnected);
  const reconnectSub = one(params.reconnect);
  const reconnecting = reconnectSub && isValidSubdomainLabel(reconnectSub) ? connections.find((c) => c.subdomain === reconnectSub) : undefined;
  const defaults: ConnectFormDefaults = reconnecting
    ? {
        subdomain: reconnecting.subdomain,
        preset: presetForScopes(reconnecting.requestedScopes)?.id ?? "custom",
        scopes: reconnecting.requestedScopes,
        client: reconnecting.oauthClientId ? "local" : "global",
      }
    : {};

  return (
    <section aria-labelledby="integrations-heading" className="space-y-6">
      <div>
        <h2 id="integrations-heading" className="text-xl font-semibold">
          Integrations
        </h2>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          {canManage
            ? `As ${role === "owner" ? "an owner" : "an admin"} of ${workspace.name}, you can connect and manage integrations.`
            : `You are a member of ${workspace.name}: you can see integrations, but only owners and admins can change them.`}
        </p>
      </div>

      {errorCode && isConnectErrorCode(errorCode) ? (
        <div role="alert" data-testid="connect-error" data-code={errorCode} className="rounded-md border border-red-300 bg-red-50 p-4 text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
          <p className="font-semibold">{CONNECT_ERROR_MESSAGES[errorCode].title}</p>
          <p className="mt-1 text-sm">{CONNECT_ERROR_MESSAGES[errorCode].message}</p>
        </div>
      ) : null}
      {connected && isValidSubdomainLabel(connected) ? (
        <FormMessage message={`${params.reconnected ? "Reconnected" : "Connected"} ${connected}.zendesk.com.`} />
      ) : null}

      <div className="space-y-4">
        <h3 className="text-lg font-semibold">Zendesk Support</h3>
        {connections.length === 0 ? (
          <div className="card text-sm text-zinc-700 dark:text-zinc-300" data-testid="empty-state">
            <p className="font-medium">No Zendesk account is connected yet.</p>
            <p className="mt-1">
              Connecting lets this workspace read (and, if you allow it, update) tickets and users in your Zendesk, as the Zendesk user who approves
              the connection. You choose the permissions; you can disconnect at any time.
            </p>
          </div>
        ) : (
          connections.map((c) => (
            <ConnectionCard
              key={c.id}
              connection={c}
              status={computeStatus(c, now, settings.expiringSoonSeconds)}
              instanceUrl={instanceUrl(c.subdomain, settings.baseUrlTemplate).toString()}
              actions={
                canManage ? (
                  <Link className="btn-secondary" href={`/settings/integrations?reconnect=${c.subdomain}#connect-zendesk`}>
                    Reconnect
                  </Link>
                ) : undefined
              }
            />
          ))
        )}
      </div>

      {canManage ? (
        <div id="connect-zendesk" className="card scroll-mt-8">
          <h3 className="mb-4 text-lg font-semibold">{reconnecting ? `Reconnect ${reconnecting.subdomain}` : connections.length ? "Connect another Zendesk account" : "Connect Zendesk"}</h3>
          <ConnectForm
            key={reconnecting?.subdomain ?? "new"}
            defaults={defaults}
            globalClientAvailable={Boolean(settings.globalClient)}
            callbackUrl={settings.callbackUrl}
            localClients={localClients.map((c) => ({ subdomain: c.subdomain, identifier: c.identifier, kind: c.kind }))}
            submitLabel={reconnecting ? "Reconnect Zendesk" : "Connect Zendesk"}
          />
        </div>
      ) : (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="member-notice">
          Only owners and admins can connect or change Zendesk.
        </p>
      )}
    </section>
  );
}
