import { helpHref, narrowerChoice, SCOPE_ALLOWLIST_SETTING, scopeListParam } from "../public.js";

/**
 * Zendesk refused the requested scopes (invalid_scope): usually its admin restricted which scopes
 * the OAuth client may request. Names the refused scopes (catalogue names parsed from the query,
 * never its raw text), says where the admin changes that, and offers the same connect with the
 * largest preset that leaves them out.
 */
export function ScopeRefusedNotice({
  subdomain,
  refusedParam,
  requestedParam,
  clientParam,
  settingsPath,
}: {
  subdomain?: string;
  refusedParam?: string;
  requestedParam?: string;
  clientParam?: string;
  settingsPath: string;
}) {
  const requested = scopeListParam(requestedParam);
  const refused = scopeListParam(refusedParam).filter((s) => requested.length === 0 || requested.includes(s));
  const choice = requested.length ? narrowerChoice(requested, refused.length ? refused : requested) : null;
  const retry = new URLSearchParams();
  if (subdomain) retry.set("retry", subdomain);
  if (choice && "preset" in choice) retry.set("preset", choice.preset.id);
  if (choice && "custom" in choice) {
    retry.set("preset", "custom");
    retry.set("scopes", choice.custom.join(" "));
  }
  if (clientParam === "local" || clientParam === "global") retry.set("client", clientParam);
  const list = (scopes: string[]) => (
    <>
      {scopes.map((s, i) => (
        <span key={s}>
          {i > 0 ? ", " : ""}
          <code className="zc:font-mono">{s}</code>
        </span>
      ))}
    </>
  );
  return (
    <div
      role="alert"
      data-testid="connect-error"
      data-code="invalid_scope"
      className="zc:rounded-md zc:border zc:border-red-300 zc:bg-red-50 zc:p-4 zc:text-red-900 zc:dark:border-red-900 zc:dark:bg-red-950 zc:dark:text-red-100"
    >
      <p className="zc:font-semibold">
        {subdomain ? `${subdomain}.zendesk.com` : "Zendesk"} does not allow this app to request{" "}
        {refused.length ? <span data-testid="refused-scopes">{list(refused)}</span> : "the requested permissions"}
      </p>
      <div className="zc:mt-1 zc:space-y-2 zc:text-sm">
        <p>
          A Zendesk admin restricts which permissions (scopes) each OAuth client may request
          {refused.length && requested.length && refused.length < requested.length
            ? ", and Zendesk named the ones above as not allowed"
            : refused.length
              ? "; Zendesk did not say which of them it refused, so all are listed"
              : ""}
          . Nothing was connected or changed. Either connect with fewer permissions, or ask a Zendesk admin to allow
          them in <strong>{SCOPE_ALLOWLIST_SETTING}</strong> (edit the client, add the scopes it may request, save),
          then connect again.
        </p>
        <p className="zc:flex zc:flex-wrap zc:items-center zc:gap-3">
          {choice ? (
            <a
              className="zc:btn-primary"
              href={`${settingsPath}?${retry}#connect-zendesk`}
              data-testid="retry-narrower"
            >
              {"preset" in choice
                ? `Try again with “${choice.preset.label}”`
                : `Try again without ${refused.length === 1 ? "it" : "them"}`}
            </a>
          ) : null}
          <a className="zc:font-medium zc:underline zc:underline-offset-2" href={helpHref("scope_allowlist")}>
            How Zendesk limits permissions
          </a>
        </p>
      </div>
    </div>
  );
}
