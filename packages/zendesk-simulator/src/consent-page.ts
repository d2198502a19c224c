import { describeScope } from "./scopes.js";
import type { Client, Instance } from "./store.js";

/** Every interpolated value goes through this: the page echoes request parameters. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const STYLE = `
  :root { color-scheme: light; --kale: #03363d; --blue: #1f73b7; --grey: #68737d; --line: #d8dcde; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #2f3941; background: #f8f9f9; }
  header { background: var(--kale); color: #fff; padding: 12px 24px; display: flex; align-items: center; gap: 10px; font-weight: 600; }
  .logo { display: inline-grid; place-items: center; width: 28px; height: 28px; border-radius: 6px; background: #fff; color: var(--kale); font-weight: 800; }
  .badge { margin-left: auto; font-size: 12px; font-weight: 500; background: rgba(255,255,255,.15); padding: 2px 8px; border-radius: 10px; }
  main { max-width: 540px; margin: 40px auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 32px; }
  h1 { font-size: 22px; margin: 0 0 4px; color: var(--kale); }
  h2 { font-size: 16px; margin: 24px 0 8px; }
  .muted { color: var(--grey); margin: 0; }
  label { display: block; font-weight: 600; margin: 24px 0 6px; }
  select { width: 100%; padding: 8px 10px; border: 1px solid var(--line); border-radius: 4px; font: inherit; background: #fff; }
  ul { padding-left: 20px; margin: 8px 0 0; }
  li { margin: 4px 0; }
  code { background: #f3f4f5; padding: 1px 5px; border-radius: 3px; font-size: 13px; }
  .unknown { color: #cc3340; }
  .actions { display: flex; justify-content: flex-end; gap: 12px; margin-top: 32px; }
  button { font: inherit; font-weight: 600; padding: 8px 20px; border-radius: 4px; cursor: pointer; border: 1px solid var(--blue); }
  button.primary { background: var(--blue); color: #fff; }
  button.secondary { background: #fff; color: var(--blue); }
  button:focus-visible, select:focus-visible { outline: 3px solid rgba(31,115,183,.35); outline-offset: 1px; }
  .error-code { font-family: ui-monospace, monospace; font-size: 13px; color: var(--grey); }
`;

function layout(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><span class="logo" aria-hidden="true">Z</span><span>Zendesk</span><span class="badge">Simulator</span></header>
<main>
${content}
</main>
</body>
</html>
`;
}

export interface ConsentPageInput {
  instance: Instance;
  client: Client;
  scopes: string[];
  /** The validated authorization request, carried to the POST in hidden fields. */
  hidden: Record<string, string>;
  formAction: string;
}

/** The sign-in + consent screen: "Sign in as" stands in for Zendesk's login form. */
export function renderConsentPage({ instance, client, scopes, hidden, formAction }: ConsentPageInput): string {
  const options = instance.users
    .map(
      (user, index) =>
        `<option value="${user.id}"${index === 0 ? " selected" : ""}>${escapeHtml(`${user.name} (${user.role}) — ${user.email}`)}</option>`,
    )
    .join("\n      ");
  const scopeItems = scopes
    .map((scope) => {
      const { label, known } = describeScope(scope);
      return `<li${known ? "" : ' class="unknown"'}><code>${escapeHtml(scope)}</code> ${escapeHtml(label)}</li>`;
    })
    .join("\n      ");
  const hiddenInputs = Object.entries(hidden)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("\n    ");
  return layout(
    `Allow ${client.name} to access ${instance.name}?`,
    `<h1>Sign in to ${escapeHtml(instance.name)}</h1>
  <p class="muted">${escapeHtml(instance.subdomain)}.zendesk.com</p>
  <form method="post" action="${escapeHtml(formAction)}">
    <label for="user_id">Sign in as</label>
    <select id="user_id" name="user_id">
      ${options}
    </select>
    <h2>${escapeHtml(client.name)} wants to access your Zendesk account</h2>
    <p class="muted">Instance: <strong>${escapeHtml(instance.name)}</strong> (${escapeHtml(instance.subdomain)}). This app will be able to:</p>
    <ul aria-label="Requested scopes">
      ${scopeItems}
    </ul>
    ${hiddenInputs}
    <div class="actions">
      <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
      <button type="submit" name="decision" value="allow" class="primary">Allow</button>
    </div>
  </form>`,
  );
}

/** Shown instead of redirecting when the client or redirect_uri cannot be trusted. */
export function renderErrorPage(title: string, error: string, description: string): string {
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1>
  <p>${escapeHtml(description)}</p>
  <p class="error-code">error: ${escapeHtml(error)}</p>`,
  );
}

/** What an unknown subdomain answers, for every path. */
export function renderAccountNotFoundPage(subdomain: string): string {
  return layout(
    "This help center no longer exists",
    `<h1>Oops! This help center no longer exists</h1>
  <p>There is no Zendesk account at <strong>${escapeHtml(subdomain)}.zendesk.com</strong> (account not found).</p>`,
  );
}

/** A path this simulator does not serve on a known instance. */
export function renderPageNotFound(instance: Instance): string {
  return layout(
    "Page not found",
    `<h1>Oops! The page you were looking for doesn't exist</h1>
  <p>${escapeHtml(instance.name)} (${escapeHtml(instance.subdomain)}) has no such page in this simulator.</p>`,
  );
}

/** A small landing page at `/` naming the instances, for people who open the URL. */
export function renderIndexPage(baseUrl: string, instances: Instance[]): string {
  const items = instances
    .map(
      (instance) =>
        `<li><code>${escapeHtml(`${baseUrl}/${instance.subdomain}`)}</code> ${escapeHtml(instance.name)} (${instance.users.length} users, ${instance.clients.size} local clients)</li>`,
    )
    .join("\n    ");
  return layout(
    "Zendesk simulator",
    `<h1>Zendesk simulator</h1>
  <p class="muted">Base URL template: <code>${escapeHtml(baseUrl)}/{subdomain}</code>. Control API: <code>/__sim/</code>.</p>
  <h2>Instances</h2>
  <ul>
    ${items}
  </ul>`,
  );
}
