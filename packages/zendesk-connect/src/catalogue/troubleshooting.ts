import { ERROR_CATALOGUE, type ZendeskErrorCode } from "./error-codes.js";
import type { EXTRA_TOPICS, HelpTopic } from "./help-links.js";

export { EXTRA_TOPICS, HELP_TOPICS, type HelpTopic, helpHref, isHelpTopic } from "./help-links.js";

/*
 * The troubleshooting guide's content: one entry per error code the product shows, plus the
 * problems that never come back to the app as a code (Zendesk stops on its own error page, or
 * the mistake happens in Zendesk Admin Center). Plain data, no React and no server-only
 * imports, so the settings page, its client islands and /help/zendesk can all use it.
 * Facts follow shared/zendesk-oauth-reference.md; where Zendesk's documentation is unclear the
 * text says so. No entry ever contains a secret, token or code value.
 */

export interface TroubleshootingEntry {
  /** A heading that names the problem. */
  title: string;
  /** Why it happens, in plain language. */
  cause: string;
  /** What the Zendesk admin sees in Zendesk (error page, consent page, Admin Center). */
  inZendesk: string;
  /** What to do, as concrete steps in order. */
  fix: string[];
}

/** The anchor of the guide's "Setting up your own OAuth client" section. */
export const OWN_CLIENT_SECTION_ID = "own-client";

const OAUTH_CLIENTS = "Zendesk Admin Center → Apps and integrations → APIs → OAuth Clients";
const OWN_CLIENT = "“Setting up your own OAuth client” at the top of this guide";
const ENTER_OWN_CLIENT =
  "In this app, go to Settings → Integrations, choose “My own OAuth client, created in my Zendesk”, and enter the subdomain, the client's Unique Identifier and its secret.";
const RETRY_LATER = "Wait a minute and try again. Nothing was changed, and an existing connection keeps its tokens.";
const KEPT_ON_ERROR =
  "An existing connection shows Error until a later attempt succeeds: automatic renewals and the next use retry by themselves, or choose Refresh now.";
const STATUS_PAGE =
  "If it lasts, check Zendesk's status page (status.zendesk.com), then contact this app's support with the time it happened.";

/** The prose of each code's entry; its title is the catalogue's (error-codes.ts), as on the settings page. */
const CODE_ENTRIES: Record<ZendeskErrorCode, Omit<TroubleshootingEntry, "title">> = {
  // --- Connect flow -------------------------------------------------------------------------
  access_denied: {
    cause:
      "Someone chose Deny on Zendesk's consent page, so Zendesk issued no authorization and nothing was connected. This is what Deny is meant to do, not a fault.",
    inZendesk:
      "Zendesk's consent page, on your own address (yoursubdomain.zendesk.com), named the app asking for access and listed the permissions it requested, with Allow and Deny buttons. After Deny, Zendesk sent you back to this app.",
    fix: [
      "In this app, go to Settings → Integrations and choose Connect Zendesk again.",
      "If the permissions looked too broad, choose a smaller set under Permissions first (for example read-only).",
      "On Zendesk's consent page, check the account and the permissions, then choose Allow.",
    ],
  },
  flow_expired: {
    cause:
      "Each connection attempt is valid for 10 minutes and can be completed once. It ends when the page you return to from Zendesk is reloaded or opened twice, when the browser's Back button replays it, when more than 10 minutes pass on Zendesk's pages, or when this app's cookies were cleared in between.",
    inZendesk: "Nothing unusual: you may have approved the connection normally. Zendesk is not the cause.",
    fix: [
      "In this app, go to Settings → Integrations and choose Connect Zendesk again.",
      "Sign in to Zendesk and approve within 10 minutes, in the same browser tab.",
      "Don't reload, bookmark or share the page you land on when you come back from Zendesk.",
      "If it happens every time, make sure this browser keeps cookies for this app.",
    ],
  },
  session_mismatch: {
    cause:
      "The connection was started by one account of this app and came back while another account was signed in in the same browser (for example after signing out and in as a colleague in another tab). For safety, a connection is only stored for the person who started it.",
    inZendesk:
      "Nothing unusual. The check is about who is signed in to this app, not about the Zendesk user who approved.",
    fix: [
      "Sign in to this app as the person who should make the connection (an owner or admin of the workspace).",
      "Go to Settings → Integrations and choose Connect Zendesk again.",
      "Don't switch accounts of this app in other tabs until you are back from Zendesk.",
    ],
  },
  state_invalid: {
    cause:
      "When Zendesk sends you back, this app checks that the answer belongs to the attempt it started (the OAuth state and PKCE checks). The check failed, so nothing was stored. Usually an old or copied return address was opened, or something on the way (a browser extension, a link scanner, a proxy) changed the address.",
    inZendesk:
      "Nothing unusual: Zendesk may have shown and accepted the consent page, but this app discarded the answer.",
    fix: [
      "Start again from Settings → Integrations → Connect Zendesk, in a single tab.",
      "Don't open or share the address you land on after Zendesk: it works once.",
      "If it keeps happening, try a private window or turn off extensions that rewrite links, then connect again.",
      "If it still fails, contact this app's support with the time of the attempt.",
    ],
  },
  invalid_grant: {
    cause:
      "After you choose Allow, Zendesk sends back a one-time code that this app exchanges for a token. Zendesk refused the exchange (invalid_grant): a code is valid for only 120 seconds and can be used once, and the exchange must name the same redirect URL the attempt started with. A slow return from Zendesk, a return page opened twice, or a change of this app's address in between all cause it.",
    inZendesk:
      "The consent page worked and you chose Allow; the error only shows once you are back in this app. Nothing was stored.",
    fix: [
      "Choose Connect Zendesk again and let the return to this app finish without reloading it.",
      `If it fails every time, open your OAuth client in ${OAUTH_CLIENTS} and compare its Redirect URLs with the redirect URL shown at the top of this guide: one of them must be identical.`,
      "If you use “This app's Zendesk client”, or the URLs already match, contact this app's support: the address the app is configured with may not be the one you use.",
    ],
  },
  invalid_client: {
    cause:
      "Zendesk refused the client's credentials (invalid_client). With your own client, the secret saved in this app is usually wrong: mistyped, belonging to another client, replaced in Zendesk since it was saved, or the client was deleted. On an existing connection it appears at the next token renewal after the secret was changed or the client deleted. With “This app's Zendesk client”, the fault is in the app's own configuration.",
    inZendesk: `The consent page usually appeared normally (so the Unique Identifier was right) and the error followed after Allow. In ${OAUTH_CLIENTS} the client may be missing, or its secret may have been regenerated. With “My own confidential client, with client credentials” there is no consent page: the error appears as soon as you choose Connect Zendesk.`,
    fix: [
      `Open ${OAUTH_CLIENTS} and find the client you entered in this app. If it is gone, create a new one (see ${OWN_CLIENT}).`,
      "Check that its Unique identifier matches the one saved in this app exactly (not the numeric ID).",
      "Zendesk never shows an existing secret again: regenerate it, copy the new value at once and save the client in Zendesk. Anything else that uses this client needs the new secret too.",
      `${ENTER_OWN_CLIENT} Then Connect, or Reconnect the existing connection.`,
      "If you connected with “This app's Zendesk client”, contact this app's support: only its operator can fix that client.",
    ],
  },
  invalid_scope: {
    cause:
      "Zendesk refused the permissions (scopes) that were requested (invalid_scope). This app only requests scope names that Zendesk documents, so the usual cause is the OAuth client's scope allowlist: since August 2026 a Zendesk admin can restrict which scopes each OAuth client may request, and anything outside that list is refused. On an existing connection it means the admin narrowed the list after the connection was made, so Zendesk refused to renew its token.",
    inZendesk:
      "Zendesk may send you straight back to this app without showing the consent page, or show an error page.",
    fix: [
      "Read the message in this app: it names the permissions Zendesk refused when Zendesk says which ones they are, and offers to try again with a narrower set that leaves them out.",
      "Or ask a Zendesk admin to allow them: see “Zendesk limits which permissions this app may request” in this guide.",
      "For an existing connection, choose Reconnect and approve again.",
      "If it persists, contact this app's support with the permissions you chose.",
    ],
  },
  invalid_request: {
    cause:
      "Zendesk said the request was invalid (invalid_request), or answered with an OAuth error this app does not expect. Typical causes are settings of your OAuth client that don't match what was entered in this app, such as its client kind (Confidential or Public).",
    inZendesk: "Zendesk sent you back to this app with an error instead of the consent page, or right after it.",
    fix: [
      "Choose Connect Zendesk again: a one-off failure often clears.",
      `With your own client, open it in ${OAUTH_CLIENTS}, check its Client kind and Redirect URLs, and choose the same kind in this app (Confidential with its secret, or Public without one).`,
      "If it keeps happening, contact this app's support with the time of the attempt and your subdomain.",
    ],
  },
  unknown_subdomain: {
    cause:
      "Nothing answers as a Zendesk account at the address built from what you entered (yoursubdomain.zendesk.com). Usually a typo, a subdomain that was changed, a trial or account that was closed, or a custom domain entered instead of the zendesk.com address.",
    inZendesk:
      "Opening https://yoursubdomain.zendesk.com in a browser shows a Zendesk page saying the account or help center doesn't exist, instead of your sign-in page.",
    fix: [
      "Sign in to Zendesk as you usually do and look at the address bar of the agent workspace: it starts with https://yoursubdomain.zendesk.com.",
      "Enter that subdomain (acme for acme.zendesk.com), or paste the whole address: this app extracts the subdomain.",
      "If your help center uses your own domain (such as support.example.com), enter the zendesk.com address instead.",
      "If the account was renamed or closed, connect the account you use now.",
    ],
  },
  zendesk_unreachable: {
    cause:
      "This app could not open a connection to your Zendesk: the network failed, a name lookup failed, or the connection was refused. It is usually temporary, on Zendesk's side or on the network in between.",
    inZendesk:
      "Your Zendesk may work normally in your browser: the problem can lie between this app's servers and Zendesk.",
    fix: [RETRY_LATER, KEPT_ON_ERROR, STATUS_PAGE],
  },
  zendesk_timeout: {
    cause:
      "Zendesk did not answer within this app's time limit (a few seconds). It is usually a temporary slowdown at Zendesk or on the network.",
    inZendesk: "Your Zendesk may feel slow too, or work normally.",
    fix: [RETRY_LATER, KEPT_ON_ERROR, STATUS_PAGE],
  },
  zendesk_error: {
    cause:
      "Zendesk answered with a server error (a 5xx status) or a status this app does not expect. The problem is on Zendesk's side and is usually temporary, for example during maintenance.",
    inZendesk: "Zendesk may show errors or a maintenance notice in your browser too, or work normally.",
    fix: [RETRY_LATER, KEPT_ON_ERROR, STATUS_PAGE],
  },
  zendesk_malformed: {
    cause:
      "Zendesk's answer was not the JSON it normally sends, for example a maintenance page, or a page from a network device between this app and Zendesk. It is usually temporary.",
    inZendesk: "Nothing to change in Zendesk.",
    fix: [RETRY_LATER, KEPT_ON_ERROR, STATUS_PAGE],
  },
  rate_limited: {
    cause:
      "Zendesk limits how many API requests an account may make per minute, for all apps and integrations together: 200 on Team plans, 400 on Growth and Professional, 700 on Enterprise, 2,500 with the High Volume API add-on. Your account went over the limit and Zendesk answered 429 Too Many Requests. This app waits and retries briefly, then reports it.",
    inZendesk:
      "Nothing on screen in Zendesk. Other integrations on the same Zendesk account may fail at the same moment.",
    fix: [
      "Wait a minute and try again: the limit is counted per minute. Nothing was changed.",
      KEPT_ON_ERROR,
      "If it happens often, find which apps and integrations make the most API requests to your Zendesk and reduce them.",
      "For more capacity, consider a higher Zendesk plan or the High Volume API add-on.",
    ],
  },
  anonymous_user: {
    cause:
      "After approval, Zendesk answered the request for the connecting user's profile as if nobody were signed in (an anonymous user without an id), so the token cannot act for anyone. It is rare, and Zendesk does not document when it happens.",
    inZendesk: "The consent page worked and Allow was chosen; nothing else looks wrong.",
    fix: [
      "In the same browser, sign in to your Zendesk (yoursubdomain.zendesk.com) as an agent or admin.",
      "Choose Connect Zendesk again and approve.",
      "If it happens again, contact this app's support.",
    ],
  },
  forbidden: {
    cause:
      "Zendesk answered 403 Forbidden: the connection's token may not do what was asked. Either the permissions (scopes) approved for the connection don't cover it, or the Zendesk user who approved the connection doesn't have the role for it: a token never does more than its user could do in Zendesk, whatever its scopes.",
    inZendesk:
      "Nothing on screen. In Admin Center → People → Team → Team members, the user who connected (shown on the connection's card in this app) may be an agent or have a custom role without access to that data.",
    fix: [
      "On the connection's card in this app, check Granted permissions and the connected Zendesk user and role.",
      "If a permission is missing, choose Reconnect and pick wider permissions.",
      "If the role is the limit, sign in to Zendesk as an admin and choose Reconnect, or have a Zendesk admin give the connecting user the role they need.",
    ],
  },
  token_revoked: {
    cause:
      "Zendesk rejected the connection's access token (401 invalid_token) and refused to renew it. Access was ended in Zendesk: an admin revoked the token or deleted the OAuth client it was issued to, or something else ended it (Zendesk does not say what).",
    inZendesk: `Your own OAuth client may be missing from ${OAUTH_CLIENTS}, or its secret may have been regenerated. In this app the connection shows Revoked in Zendesk.`,
    fix: [
      "On Settings → Integrations, choose Reconnect on the connection and approve in Zendesk. The same connection is updated.",
      `If your own OAuth client was deleted, create a new one first (see ${OWN_CLIENT}) and enter it when reconnecting.`,
      "If the Zendesk user who connected has left, reconnect while signed in to Zendesk as another agent or admin.",
    ],
  },
  no_client: {
    cause:
      "This app connects through an OAuth client. It has no Zendesk client of its own configured yet, and no client of yours is saved for this subdomain (or the one saved was incomplete or removed).",
    inZendesk: "Nothing: the attempt stopped before reaching Zendesk.",
    fix: [
      `Create an OAuth client in your Zendesk (see ${OWN_CLIENT}).`,
      ENTER_OWN_CLIENT,
      "Choose Connect Zendesk and approve on Zendesk's consent page.",
      "Or ask this app's operator whether “This app's Zendesk client” will be offered.",
    ],
  },
  not_allowed: {
    cause:
      "Only owners and admins of a workspace in this app can connect, reconnect, refresh, test or disconnect Zendesk. Your role in this workspace is member, or you are no longer in the workspace. This is about your role in this app, not in Zendesk.",
    inZendesk: "Nothing: the request stopped before reaching Zendesk.",
    fix: [
      "Ask an owner or admin of this workspace to make the change, or to make you an admin.",
      "If you belong to several workspaces, check the workspace menu: you may be in the wrong one.",
    ],
  },
  storage_failed: {
    cause:
      "Zendesk approved the connection and issued a token, but this app failed to save it (a problem on this app's side, such as its database). Nothing was changed here: an existing connection keeps working as before.",
    inZendesk:
      "The approval went through normally. This app revoked the token Zendesk issued right away, since it was never stored; if Zendesk could not be reached for that, the token is unused and expires by itself.",
    fix: [
      "Choose Connect Zendesk again.",
      "If it fails again, contact this app's support with the time of the attempt: the problem is on this app's side, not in Zendesk.",
    ],
  },

  // --- Token lifecycle ---------------------------------------------------------------------
  needs_reconnect: {
    cause:
      "Zendesk refused the connection's refresh token (invalid_grant), so its access can't be renewed. A refresh token works once: each renewal replaces it. Zendesk refuses it when access was revoked in Zendesk, when the token was already used (for example by a copy of this app's data restored from a backup, or by a renewal whose answer was lost on the network), or when a different OAuth client was saved in this app for the subdomain since the connection was made (a refresh token works only with the client it was issued to).",
    inZendesk: `Usually nothing visible. If access was revoked, your own OAuth client may be missing or changed in ${OAUTH_CLIENTS}.`,
    fix: [
      "On Settings → Integrations, choose Reconnect on the connection and approve in Zendesk. The same connection is updated and keeps its history.",
      "If your OAuth client was deleted or its secret regenerated, enter the new client or secret when reconnecting.",
      "If it keeps happening, contact this app's support.",
    ],
  },
  refresh_token_expired: {
    cause:
      "Zendesk refresh tokens expire when they go unused for too long: this app asks Zendesk for a lifetime between 7 and 90 days (30 days unless its operator changed it), and each renewal starts a new one. This app renews connections on a schedule, so a lapse means renewals stopped for longer than that, for example because the scheduled job was not running.",
    inZendesk: "Nothing visible in Zendesk.",
    fix: [
      "On Settings → Integrations, choose Reconnect on the connection and approve in Zendesk.",
      "If connections keep lapsing, tell this app's operator: the scheduled keep-alive job may not be running.",
    ],
  },
  connection_not_found: {
    cause:
      "The connection you acted on no longer exists in this workspace: it was disconnected, perhaps in another tab or by a colleague, while the page was open.",
    inZendesk: "Nothing to check in Zendesk.",
    fix: ["Reload Settings → Integrations to see the current connections.", "Connect again if you still need it."],
  },
  refresh_in_progress: {
    cause:
      "Another request was renewing this connection's token at that moment (an automatic renewal, the scheduled job or a colleague). Only one renewal runs at a time, because each Zendesk refresh token works once.",
    inZendesk: "Nothing to check in Zendesk.",
    fix: [
      "Wait a few seconds and try again.",
      "If it is still running after a minute, reload the page; contact this app's support if it never clears.",
    ],
  },
  invalid_url: {
    cause:
      "Before any request leaves this app, it checks that the address points at your own Zendesk account and at a path Zendesk has. A request failed that check, so it was never sent. It points to a fault in this app or in code built on it, not to anything you did.",
    inZendesk: "Nothing: the request never reached Zendesk.",
    fix: [
      "Try again: the connection itself is unaffected.",
      "If it keeps happening, contact this app's support with the time it happened and what you were doing.",
    ],
  },
};

const EXTRA_ENTRIES: Record<(typeof EXTRA_TOPICS)[number], TroubleshootingEntry> = {
  // --- Problems without an error code ------------------------------------------------------
  redirect_uri_mismatch: {
    title: "Zendesk shows an error page about the redirect URL",
    cause:
      "The redirect URL this app sends must exactly equal one of the Redirect URLs registered on the OAuth client: same https scheme, host, port and path, with no trailing slash or extra characters. Zendesk accepts http only for localhost and 127.0.0.1. It goes wrong when the URL was mistyped, copied from another environment, or this app's address changed.",
    inZendesk:
      "Zendesk shows its own error page instead of the consent page (the wording varies; it usually mentions the redirect URI) and does not send you back to this app, so this app cannot show an error. If the mismatch is only noticed after Allow, this app shows “Zendesk refused the authorization code” instead.",
    fix: [
      "Copy the redirect URL shown at the top of this guide (it is also on Settings → Integrations).",
      `Open your client in ${OAUTH_CLIENTS}.`,
      "Under Redirect URLs, paste it exactly, replacing any wrong entry, then Save.",
      "Back in this app, choose Connect Zendesk again.",
      "If you used “This app's Zendesk client”, contact this app's support: its operator registers that URL.",
    ],
  },
  plan_without_oauth: {
    title: "Your Zendesk plan doesn't include OAuth clients",
    cause:
      "Creating OAuth clients in Zendesk requires Suite Growth or higher, or Support Professional or higher. On lower plans (such as Team), admins cannot create the client this app needs.",
    inZendesk:
      "Under Admin Center → Apps and integrations → APIs there is no OAuth Clients page, or no way to add a client. What exactly appears depends on your plan and Zendesk's current Admin Center.",
    fix: [
      "If the Integrations page of this app offers “This app's Zendesk client”, use it: you don't need a client of your own. Zendesk's documentation is not explicit about whether every plan can approve an app's client; try it.",
      `Otherwise, upgrade to Suite Growth or Support Professional (or higher), then follow ${OWN_CLIENT}.`,
      "Check that you are a Zendesk admin: only admins can manage OAuth clients.",
    ],
  },
  role_limits_scopes: {
    title: "Your Zendesk role limits what the connection can do",
    cause:
      "A connection acts as the Zendesk user who approved it. Scopes only narrow what that user can do; they never add to it. An agent's token cannot manage triggers, automations, webhooks or other admin-only settings whatever scopes were approved, and custom roles can restrict it further. A connection made with client credentials has no approving user; the connection's card shows the Zendesk user Zendesk reports for its token, and that user's role applies the same way.",
    inZendesk:
      "The consent page lists the requested permissions whatever your role, and approving works. Requests beyond the role fail later with “Zendesk refused access”. A user's role is shown in Admin Center → People → Team → Team members (and the connected user's role is on the connection's card in this app).",
    fix: [
      "Check the connected Zendesk user and role on the connection's card in this app.",
      "For admin-level features, sign in to Zendesk as an admin (sign out first, or use a private window), then choose Reconnect and approve.",
      "Or have a Zendesk admin give the connecting user the role they need.",
      "Request only the permissions you need: wider scopes don't help when the role doesn't allow the action.",
    ],
  },
  sell_client: {
    title: "The client was created for Zendesk Sell",
    cause:
      "Zendesk Sell (the sales CRM) has its own OAuth clients, registered in Sell and used with Sell's own API. This app connects Zendesk Support, whose OAuth clients are created in Admin Center. Zendesk Support does not know a Sell client's identifier and secret.",
    inZendesk:
      "Zendesk Support shows an error page instead of the consent page (it doesn't know the client), and you are not sent back to this app.",
    fix: [`Open ${OAUTH_CLIENTS} in Zendesk Support and add a client there (see ${OWN_CLIENT}).`, ENTER_OWN_CLIENT],
  },
  numeric_client_id: {
    title: "The numeric client ID was entered instead of the Unique Identifier",
    cause:
      "A Zendesk OAuth client has two identifiers: a numeric ID (used in Zendesk's API answers and some Admin Center addresses) and its Unique identifier, a text value such as acme_reporting. OAuth uses the Unique identifier as the client_id. With the numeric ID, Zendesk does not recognise the client.",
    inZendesk: "Zendesk shows an error page instead of the consent page, and you are not sent back to this app.",
    fix: [
      `Open your client in ${OAUTH_CLIENTS}.`,
      "Copy the value of its Unique identifier field, not the number.",
      "In this app, choose “My own OAuth client, created in my Zendesk”, enter it as the Unique Identifier with the client's secret, and connect again.",
    ],
  },
  lost_secret: {
    title: "The client's secret was lost",
    cause:
      "Zendesk shows an OAuth client's secret only once, when the client is created or when a new secret is generated. It cannot be displayed again later, and this app never shows the copy it stores.",
    inZendesk: `When you open the client in ${OAUTH_CLIENTS}, the secret is not shown; you can only regenerate it.`,
    fix: [
      `Open the client in ${OAUTH_CLIENTS}.`,
      "Regenerate the secret, copy it right away, and save the client.",
      `${ENTER_OWN_CLIENT} Use the same Unique Identifier with the new secret, then Connect (or Reconnect an existing connection) to save it.`,
      "Assume the old secret stops working at once: anything else that uses this client needs the new one too, and this app's connections through it fail to renew until the new secret is saved here.",
    ],
  },
  client_other_account: {
    title: "The client belongs to another Zendesk account",
    cause:
      "An OAuth client created in a Zendesk account (a local client) works only for that account. A client created in a sandbox or in another company's Zendesk does not work for acme.zendesk.com. Only an app's global client (its identifier starts with zdg-) works across accounts.",
    inZendesk:
      "Zendesk shows an error page instead of the consent page (it doesn't know the client), and you are not sent back to this app.",
    fix: [
      "Check the subdomain you are connecting, and that the client was created in Admin Center of that same account.",
      `If not, create a client in that account (see ${OWN_CLIENT}) and enter it in this app for that subdomain.`,
      "Every subdomain you connect needs its own client, unless you use “This app's Zendesk client”.",
    ],
  },
  host_mapped_domain: {
    title: "A custom domain was entered instead of the zendesk.com address",
    cause:
      "Zendesk's OAuth works only on an account's own yoursubdomain.zendesk.com address, not on host-mapped custom domains such as support.example.com. This app refuses such addresses before contacting Zendesk.",
    inZendesk:
      "Your help center may be reached at your own domain, but your Zendesk account still has a yoursubdomain.zendesk.com address, usually the one the agent workspace uses.",
    fix: [
      "Sign in to your Zendesk agent workspace and copy the address from the browser (https://yoursubdomain.zendesk.com/agent/…).",
      "Paste it, or just the subdomain, into the Zendesk subdomain field and connect again.",
    ],
  },
  client_kind: {
    title: "Confidential or Public client",
    cause:
      "A Zendesk OAuth client is Confidential (for server applications: it has a secret, PKCE is optional) or Public (no secret, PKCE required). This app runs on a server and keeps secrets encrypted, so a Confidential client is the right kind, and connecting with client credentials (no Zendesk sign-in) needs one. The kind chosen in this app must match the client's kind in Zendesk. Zendesk documents token renewal with a secret; renewal for Public clients is less clearly documented.",
    inZendesk: `The Client kind is shown when you open the client in ${OAUTH_CLIENTS}. Only a Confidential client has a secret.`,
    fix: [
      "Open the client and check its Client kind.",
      `For this app, use a Confidential client: if yours is Public, create a new Confidential one (see ${OWN_CLIENT}).`,
      "In this app, under “My own OAuth client, created in my Zendesk”, choose the same Client kind: Confidential with its secret, or Public without one.",
      "Connect again.",
    ],
  },
  api_token: {
    title: "An API token was entered instead of an OAuth client",
    cause:
      "Zendesk API tokens (used with an email address for basic authentication) are not OAuth clients. Zendesk's terms don't allow apps to collect their customers' API tokens, so this app connects only with OAuth and never asks for one. An API token entered as a client secret is refused (“Zendesk did not accept the OAuth client”).",
    inZendesk: "API tokens are managed separately from OAuth clients in Admin Center → Apps and integrations → APIs.",
    fix: [
      `Create an OAuth client instead (see ${OWN_CLIENT}) and enter its Unique Identifier and secret.`,
      "If an API token was pasted into this app, delete or deactivate that token in Zendesk Admin Center: it has been shared outside Zendesk.",
    ],
  },
  revocation_failed: {
    title: "Disconnected, but Zendesk didn't confirm the revocation",
    cause:
      "Disconnecting deletes the connection and its tokens from this app and asks Zendesk to revoke the token. Zendesk did not confirm (it was unreachable, slow or answered with an error), so the token may still be valid in Zendesk until it expires.",
    inZendesk:
      "Zendesk may accept the token until it expires: access tokens last at most 2 days, and this app asks for 1 hour unless its operator changed it. This app has deleted its copy and can no longer use it.",
    fix: [
      "Nothing more is needed for this app: it can no longer use the token.",
      "To end it in Zendesk at once, a Zendesk admin can revoke it with the API: find its id with GET /api/v2/oauth/tokens.json, then call DELETE /api/v2/oauth/tokens/{id}.json.",
      `If you connected with your own OAuth client and no longer need it, delete the client in ${OAUTH_CLIENTS}. Zendesk's documentation is not explicit about whether that also ends tokens already issued.`,
    ],
  },
  scope_allowlist: {
    title: "Zendesk limits which permissions this app may request",
    cause:
      "Since August 2026 a Zendesk admin can restrict the scopes each OAuth client may request (granular scopes). When this app asks for a scope outside the client's list, Zendesk refuses with invalid_scope: at once when connecting, or at the next token renewal when the list was narrowed after connecting (the connection then shows “Needs reconnect — permissions reduced”).",
    inZendesk:
      "Zendesk sends you straight back to this app without showing its consent page. In Admin Center → Apps and integrations → APIs → OAuth clients, the client's settings list the scopes it may request.",
    fix: [
      "Either connect with fewer permissions: the message in this app names the refused ones and its “Try again with …” button pre-selects the largest preset without them (for example Read tickets only).",
      "Or have a Zendesk admin allow them: open Admin Center → Apps and integrations → APIs → OAuth clients, edit the client this app uses (this app's global client, or your own), add the scopes to the ones it may request, and save.",
      "Then connect again (or choose Reconnect, or Change permissions, on the existing connection). The connection keeps its history.",
    ],
  },
  non_expiring_tokens: {
    title: "This connection uses a token that never expires",
    cause:
      "Connections made before Zendesk issued refresh tokens (or imported from elsewhere) hold an access token with no expiry and no refresh token. Zendesk is retiring them: existing local OAuth clients must move to expiring tokens by 1 April 2027, and Zendesk has not announced a date for global clients. Such a token cannot be renewed, so moving needs a new consent.",
    inZendesk: "Nothing visible: the token keeps working until Zendesk stops accepting never-expiring tokens.",
    fix: [
      "In this app, go to Settings → Integrations and choose Move to expiring tokens on the connection, then Allow on Zendesk's consent page.",
      "The connection keeps its id, its permissions and its history; from then on this app renews its token by itself.",
    ],
  },
};

export const TROUBLESHOOTING: Record<HelpTopic, TroubleshootingEntry> = {
  ...(Object.fromEntries(
    Object.entries(CODE_ENTRIES).map(([code, entry]) => [
      code,
      { title: ERROR_CATALOGUE[code as ZendeskErrorCode].title, ...entry },
    ]),
  ) as Record<ZendeskErrorCode, TroubleshootingEntry>),
  ...EXTRA_ENTRIES,
};

/** The guide's sections in reading order, grouped for the table of contents. Every topic appears once. */
export const HELP_TOPIC_GROUPS: readonly { title: string; topics: readonly HelpTopic[] }[] = [
  {
    title: "Setting up an OAuth client",
    topics: [
      "plan_without_oauth",
      "redirect_uri_mismatch",
      "numeric_client_id",
      "lost_secret",
      "client_kind",
      "client_other_account",
      "sell_client",
      "api_token",
      "no_client",
      "invalid_client",
    ],
  },
  {
    title: "Connecting",
    topics: [
      "unknown_subdomain",
      "host_mapped_domain",
      "access_denied",
      "invalid_grant",
      "flow_expired",
      "session_mismatch",
      "state_invalid",
      "invalid_scope",
      "scope_allowlist",
      "invalid_request",
      "anonymous_user",
      "not_allowed",
      "storage_failed",
    ],
  },
  { title: "Permissions and roles", topics: ["role_limits_scopes", "forbidden"] },
  {
    title: "Keeping a connection working",
    topics: [
      "refresh_token_expired",
      "needs_reconnect",
      "non_expiring_tokens",
      "token_revoked",
      "revocation_failed",
      "connection_not_found",
      "refresh_in_progress",
      "invalid_url",
    ],
  },
  {
    title: "When Zendesk is busy or unavailable",
    topics: ["rate_limited", "zendesk_unreachable", "zendesk_timeout", "zendesk_error", "zendesk_malformed"],
  },
];
