// The baseline of the browser connect scenario (scenario 6): Zendesk's tutorial "OAuth in a web
// app" written as plainly as it reads, on node:http. A page with a Connect button → 302 to the
// authorize URL with a random state → on the callback, the state checked, a JSON code exchange at
// /oauth/tokens, users/me with the token, and a page showing the user, rendered by the callback
// itself. No database, no session, no PKCE, no encryption, no redirect after the callback: the
// least a web app must do to connect, so the product's extra time shows against it.
// Run as its own process by bench/run.ts (like `next start`), configured by environment:
//   TUTORIAL_PORT, ZENDESK_BASE_URL_TEMPLATE, ZENDESK_CLIENT_ID, ZENDESK_CLIENT_SECRET, TUTORIAL_REDIRECT_URI
import { randomBytes } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";

const config = {
  port: Number(required("TUTORIAL_PORT")),
  baseUrlTemplate: required("ZENDESK_BASE_URL_TEMPLATE"),
  clientId: required("ZENDESK_CLIENT_ID"),
  clientSecret: required("ZENDESK_CLIENT_SECRET"),
  redirectUri: required("TUTORIAL_REDIRECT_URI"),
};

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`tutorial app: ${name} is not set`);
  return value;
}

// The tutorial keeps the state in the user's session; one process and no users here, so a map.
const pending = new Map<string, { subdomain: string; createdAt: number }>();
const STATE_TTL_MS = 10 * 60_000;

const zendesk = (subdomain: string, path: string) =>
  `${config.baseUrlTemplate.replace("{subdomain}", subdomain)}${path}`;

const escape = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function html(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`,
  );
}

const connectPage = (message = "") =>
  `<h1>Connect Zendesk</h1>${message ? `<p role="alert">${escape(message)}</p>` : ""}
<form method="get" action="/connect">
<label for="subdomain">Zendesk subdomain</label> <input id="subdomain" name="subdomain" autocomplete="off" required>
<button type="submit">Connect Zendesk</button>
</form>`;

async function callback(url: URL, res: ServerResponse): Promise<void> {
  const state = url.searchParams.get("state") ?? "";
  const flow = pending.get(state);
  pending.delete(state);
  if (!flow || Date.now() - flow.createdAt > STATE_TTL_MS)
    return html(res, 400, "Error", connectPage("The sign-in expired: connect again."));
  const error = url.searchParams.get("error");
  if (error) return html(res, 400, "Error", connectPage(`Zendesk answered: ${error}`));

  const tokenResponse = await fetch(zendesk(flow.subdomain, "/oauth/tokens"), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({
      grant_type: "authorization_code",
      code: url.searchParams.get("code"),
      client_id: config.clientId,
      client_secret: config.clientSecret,
      redirect_uri: config.redirectUri,
      scope: "read",
    }),
  });
  const tokens = (await tokenResponse.json().catch(() => ({}))) as { access_token?: string };
  if (!tokens.access_token) return html(res, 502, "Error", connectPage("The code exchange failed."));

  const meResponse = await fetch(zendesk(flow.subdomain, "/api/v2/users/me.json"), {
    headers: { authorization: `Bearer ${tokens.access_token}`, accept: "application/json" },
  });
  const me = (await meResponse.json().catch(() => ({}))) as { user?: { id?: number; name?: string; role?: string } };
  if (!me.user?.id) return html(res, 502, "Error", connectPage("Zendesk did not say who you are."));

  html(
    res,
    200,
    "Connected",
    `<h1>Connected</h1>
<section data-testid="connection-${escape(flow.subdomain)}"><h2>${escape(flow.subdomain)}.zendesk.com</h2>
<p data-testid="zendesk-user">${escape(me.user.name ?? "")} (${escape(me.user.role ?? "")})</p></section>`,
  );
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", `http://localhost:${config.port}`);
  const work = async () => {
    if (req.method !== "GET") return html(res, 405, "Not allowed", "<p>Method not allowed</p>");
    if (url.pathname === "/") return html(res, 200, "Connect Zendesk", connectPage());
    if (url.pathname === "/connect") {
      const subdomain = (url.searchParams.get("subdomain") ?? "").trim().toLowerCase();
      // The one check the tutorial's URL building needs: a single DNS label.
      if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(subdomain))
        return html(res, 400, "Connect Zendesk", connectPage("Enter your Zendesk subdomain."));
      const state = randomBytes(16).toString("base64url");
      pending.set(state, { subdomain, createdAt: Date.now() });
      const authorize = new URL(zendesk(subdomain, "/oauth/authorizations/new"));
      authorize.search = new URLSearchParams({
        response_type: "code",
        client_id: config.clientId,
        redirect_uri: config.redirectUri,
        scope: "read",
        state,
      }).toString();
      res.writeHead(302, { location: authorize.toString() });
      return res.end();
    }
    if (url.pathname === "/callback") return callback(url, res);
    html(res, 404, "Not found", "<p>Not found</p>");
  };
  work().catch(() => {
    if (!res.headersSent) html(res, 500, "Error", "<p>Something went wrong.</p>");
    else res.end();
  });
});

// Every interface, as `next start` listens: the browser reaches both at http://localhost.
server.listen(config.port, () => console.log(`tutorial app on http://localhost:${config.port}`));
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => server.close(() => process.exit(0)));
