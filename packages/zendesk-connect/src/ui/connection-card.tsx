import { LocalTime } from "./local-time.js";
import {
  type ConnectionSummary,
  describeScope,
  diffScopes,
  type DisplayStatus,
  helpHref,
  type HelpTopic,
  STATUS_LABEL,
} from "../index.js";

/** Where a troubled status's reason links to. */
const STATUS_HELP: Partial<Record<DisplayStatus, HelpTopic>> = {
  needs_reconnect: "needs_reconnect",
  revoked: "token_revoked",
  error: "zendesk_error",
};

const BADGE: Record<DisplayStatus, string> = {
  connected: "zc:bg-emerald-100 zc:text-emerald-900 zc:dark:bg-emerald-950 zc:dark:text-emerald-200",
  expiring_soon: "zc:bg-amber-100 zc:text-amber-900 zc:dark:bg-amber-950 zc:dark:text-amber-200",
  needs_reconnect: "zc:bg-red-100 zc:text-red-900 zc:dark:bg-red-950 zc:dark:text-red-200",
  revoked: "zc:bg-red-100 zc:text-red-900 zc:dark:bg-red-950 zc:dark:text-red-200",
  error: "zc:bg-orange-100 zc:text-orange-900 zc:dark:bg-orange-950 zc:dark:text-orange-200",
};

/** One connected Zendesk instance: who, what it may do, how long its tokens last. */
export function ConnectionCard({
  connection: c,
  status,
  instanceUrl,
  actions,
  history,
  statusLabel,
  helpTopic,
  notice,
}: {
  connection: ConnectionSummary;
  status: { status: DisplayStatus; reason: string };
  instanceUrl: string;
  actions?: React.ReactNode;
  history?: React.ReactNode;
  /** Overrides the status's label (e.g. "Needs reconnect — permissions reduced"). */
  statusLabel?: string;
  /** Overrides where the status's "How to fix this" links. */
  helpTopic?: HelpTopic;
  /** A notice under the header (e.g. Action needed for a never-expiring token). */
  notice?: React.ReactNode;
}) {
  const help = helpTopic ?? STATUS_HELP[status.status];
  const diff = diffScopes(c.requestedScopes, c.grantedScopes);
  const headingId = `connection-${c.subdomain}`;
  return (
    <article
      aria-labelledby={headingId}
      className="zc:card zc:space-y-4"
      data-testid={`connection-${c.subdomain}`}
      data-connection-id={c.id}
    >
      <header className="zc:flex zc:flex-wrap zc:items-start zc:justify-between zc:gap-3">
        <div className="zc:min-w-0">
          <h3 id={headingId} className="zc:text-lg zc:font-semibold">
            <a href={instanceUrl} className="zc:link" target="_blank" rel="noreferrer noopener">
              {c.subdomain}.zendesk.com
            </a>
          </h3>
          <p className="zc:text-sm zc:text-zinc-600 zc:dark:text-zinc-400">
            {c.mode === "client_credentials" ? "Client credentials (no user)" : "OAuth"} ·{" "}
            {c.oauthClientId ? `your own client ${c.clientIdentifier ?? ""}` : "this app's global client"}
          </p>
        </div>
        <div className="zc:text-right">
          <span
            className={`zc:inline-block zc:rounded-full zc:px-2.5 zc:py-0.5 zc:text-sm zc:font-medium ${BADGE[status.status]}`}
            data-testid="connection-status"
          >
            {statusLabel ?? STATUS_LABEL[status.status]}
          </span>
          <p
            className="zc:mt-1 zc:max-w-xs zc:text-sm zc:text-zinc-600 zc:dark:text-zinc-400"
            data-testid="status-reason"
          >
            {status.reason}
          </p>
          {help ? (
            <a className="zc:link zc:text-sm" href={helpHref(help)}>
              How to fix this
            </a>
          ) : null}
        </div>
      </header>
      {notice}

      <dl className="zc:grid zc:gap-x-6 zc:gap-y-3 zc:text-sm zc:sm:grid-cols-2">
        <div>
          <dt className="zc:font-medium zc:text-zinc-500 zc:dark:text-zinc-400">Zendesk user</dt>
          <dd data-testid="zendesk-user">
            {c.zendeskUserName ?? "Unknown"}
            {c.zendeskUserEmail ? ` · ${c.zendeskUserEmail}` : ""}
            {c.zendeskUserRole ? ` · ${c.zendeskUserRole}` : ""}
          </dd>
        </div>
        <div>
          <dt className="zc:font-medium zc:text-zinc-500 zc:dark:text-zinc-400">Access token expires</dt>
          <dd data-testid="access-expiry">
            {c.accessTokenExpiresAt ? <LocalTime iso={c.accessTokenExpiresAt.toISOString()} /> : "Does not expire"}
            {c.accessTokenExpiresAt && (c.mode === "client_credentials" || c.hasRefreshToken) ? (
              <span className="zc:block zc:text-xs zc:text-zinc-600 zc:dark:text-zinc-400">
                Renewed on next use once expired
              </span>
            ) : null}
          </dd>
        </div>
        <div>
          <dt className="zc:font-medium zc:text-zinc-500 zc:dark:text-zinc-400">Refresh token expires</dt>
          <dd data-testid="refresh-expiry">
            {c.mode === "client_credentials" ? (
              "Not used (renewed with the client's credentials)"
            ) : c.refreshTokenExpiresAt ? (
              <LocalTime iso={c.refreshTokenExpiresAt.toISOString()} />
            ) : c.hasRefreshToken ? (
              "Does not expire"
            ) : (
              "No refresh token"
            )}
          </dd>
        </div>
        <div>
          <dt className="zc:font-medium zc:text-zinc-500 zc:dark:text-zinc-400">Connected</dt>
          <dd>
            <LocalTime iso={c.connectedAt.toISOString()} relative={false} />
            {c.connectedByName ? ` by ${c.connectedByName}` : ""}
          </dd>
        </div>
        <div>
          <dt className="zc:font-medium zc:text-zinc-500 zc:dark:text-zinc-400">Last refreshed</dt>
          <dd data-testid="last-refreshed">
            {c.lastRefreshedAt ? <LocalTime iso={c.lastRefreshedAt.toISOString()} /> : "Not yet"}
          </dd>
        </div>
        {c.lastError ? (
          <div>
            <dt className="zc:font-medium zc:text-zinc-500 zc:dark:text-zinc-400">Last error</dt>
            <dd data-testid="last-error">
              {c.lastError}
              {c.lastErrorAt ? (
                <>
                  {" "}
                  (<LocalTime iso={c.lastErrorAt.toISOString()} />)
                </>
              ) : null}
            </dd>
          </div>
        ) : null}
      </dl>

      <div>
        <h4 className="zc:mb-2 zc:text-sm zc:font-medium zc:text-zinc-500 zc:dark:text-zinc-400">
          Granted permissions
        </h4>
        <ul className="zc:flex zc:flex-wrap zc:gap-2" aria-label="Granted scopes">
          {c.grantedScopes.map((scope) => (
            <li
              key={scope}
              className="zc:rounded-full zc:border zc:border-zinc-300 zc:px-2.5 zc:py-0.5 zc:text-xs zc:dark:border-zinc-700"
              title={describeScope(scope)}
            >
              <span className="zc:font-mono">{scope}</span>
              <span className="zc:sr-only">: {describeScope(scope)}</span>
            </li>
          ))}
        </ul>
        {diff.missing.length || diff.extra.length ? (
          <p className="zc:mt-2 zc:text-sm zc:text-amber-800 zc:dark:text-amber-300" data-testid="scope-difference">
            {diff.missing.length ? `Requested but not granted: ${diff.missing.join(", ")}. ` : ""}
            {diff.extra.length ? `Granted beyond the request: ${diff.extra.join(", ")}.` : ""}
          </p>
        ) : null}
      </div>

      {actions ? (
        <div className="zc:flex zc:flex-wrap zc:gap-2 zc:border-t zc:border-zinc-200 zc:pt-4 zc:dark:border-zinc-800">
          {actions}
        </div>
      ) : null}
      {history}
    </article>
  );
}
