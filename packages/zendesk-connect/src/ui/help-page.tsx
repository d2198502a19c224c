import Link from "next/link";
import { RedirectUrl } from "./redirect-url.js";
import {
  HELP_TOPIC_GROUPS,
  type HelpTopic,
  isZendeskErrorCode,
  OWN_CLIENT_SECTION_ID,
  TROUBLESHOOTING,
  zendeskSettings,
} from "../index.js";

const muted = "zc:text-zinc-600 zc:dark:text-zinc-400";
const codeClass =
  "zc:break-all zc:rounded zc:bg-zinc-100 zc:px-1.5 zc:py-0.5 zc:font-mono zc:text-[0.85em] zc:dark:bg-zinc-800";

/**
 * The troubleshooting page's content (the host's /help/zendesk renders it in its own layout):
 * every error the settings page shows, and the problems that never reach it, with fixes.
 * Reads configuration (the redirect URL): render it per request (`dynamic = "force-dynamic"`).
 */
export function ZendeskHelp() {
  const settings = zendeskSettings();
  const settingsPath = settings.settingsPath;
  const redirectUrl = settings.callbackUrl;
  const hasGlobalClient = Boolean(settings.globalClient);

  return (
    <main id="main" className="zc-root zc:mx-auto zc:max-w-3xl zc:space-y-8 zc:px-4 zc:py-8">
      <div className="zc:space-y-3">
        <h1 className="zc:text-2xl zc:font-semibold">Troubleshooting Zendesk connections</h1>
        <p className={muted}>
          What each message about a Zendesk connection means, what you see in Zendesk when it happens, and how to fix
          it. Most fixes are made in Zendesk Admin Center by a Zendesk admin; the others on this app&apos;s{" "}
          <Link href={settingsPath} className="zc:link">
            Integrations page
          </Link>
          .
        </p>
      </div>

      <section className="zc:card zc:space-y-3" aria-labelledby="redirect-url-heading">
        <h2 id="redirect-url-heading" className="zc:font-semibold">
          This app&apos;s redirect URL
        </h2>
        <p className={`zc:text-sm ${muted}`}>
          Every OAuth client used with this app must list exactly this address among its Redirect URLs.
        </p>
        <RedirectUrl url={redirectUrl} testId="help-redirect-url" />
        <p className={`zc:text-sm ${muted}`}>
          {hasGlobalClient
            ? "This app has its own Zendesk client: on the Integrations page choose “This app's Zendesk client” and you don't need to create one. A client of your own remains possible (see below)."
            : "This app has no Zendesk client of its own yet, so each Zendesk account connects with an OAuth client its admin creates (see below)."}
        </p>
      </section>

      <nav aria-labelledby="contents-heading" id="contents" className="zc:card zc:scroll-mt-6">
        <h2 id="contents-heading" className="zc:font-semibold">
          Contents
        </h2>
        <ul className="zc:mt-3 zc:space-y-4 zc:text-sm">
          <li>
            <a href={`#${OWN_CLIENT_SECTION_ID}`} className="zc:link">
              Setting up your own OAuth client
            </a>
          </li>
          {HELP_TOPIC_GROUPS.map((group) => (
            <li key={group.title}>
              <span className="zc:font-medium">{group.title}</span>
              <ul className="zc:mt-1 zc:space-y-1 zc:border-l zc:border-zinc-200 zc:pl-3 zc:dark:border-zinc-700">
                {group.topics.map((topic) => (
                  <li key={topic}>
                    <a href={`#${topic}`} className="zc:link zc:font-normal">
                      {TROUBLESHOOTING[topic].title}
                    </a>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      </nav>

      <OwnClientSection redirectUrl={redirectUrl} settingsPath={settingsPath} />

      {HELP_TOPIC_GROUPS.map((group) => (
        <div key={group.title} className="zc:space-y-4">
          <p
            aria-hidden
            className="zc:pt-2 zc:text-xs zc:font-semibold zc:uppercase zc:tracking-wide zc:text-zinc-500 zc:dark:text-zinc-400"
          >
            {group.title}
          </p>
          {group.topics.map((topic) => (
            <TopicSection key={topic} topic={topic} />
          ))}
        </div>
      ))}

      <p className={`zc:text-sm ${muted}`}>
        Still stuck? Contact this app&apos;s support with the error code, your Zendesk subdomain and the time it
        happened. Never send a client secret or token.
      </p>
    </main>
  );
}

function TopicSection({ topic }: { topic: HelpTopic }) {
  const entry = TROUBLESHOOTING[topic];
  const titleId = `${topic}-title`;
  return (
    <section id={topic} aria-labelledby={titleId} className="zc:card zc:scroll-mt-6 zc:space-y-3">
      <div>
        <h2 id={titleId} className="zc:text-lg zc:font-semibold">
          {entry.title}
        </h2>
        {isZendeskErrorCode(topic) ? (
          <p className={`zc:mt-1 zc:text-xs ${muted}`}>
            Error code <code className={codeClass}>{topic}</code>
          </p>
        ) : null}
      </div>
      <h3 className="zc:text-sm zc:font-semibold">Why it happens</h3>
      <p className="zc:text-sm">{entry.cause}</p>
      <h3 className="zc:text-sm zc:font-semibold">What you see in Zendesk</h3>
      <p className="zc:text-sm">{entry.inZendesk}</p>
      <h3 className="zc:text-sm zc:font-semibold">How to fix it</h3>
      <ol className="zc:list-decimal zc:space-y-1 zc:pl-5 zc:text-sm zc:marker:text-zinc-500 zc:dark:marker:text-zinc-400">
        {entry.fix.map((step) => (
          <li key={step}>{step}</li>
        ))}
      </ol>
      <p className="zc:text-sm">
        <a href="#contents" className="zc:link">
          Back to contents
        </a>
      </p>
    </section>
  );
}

function OwnClientSection({ redirectUrl, settingsPath }: { redirectUrl: string; settingsPath: string }) {
  return (
    <section
      id={OWN_CLIENT_SECTION_ID}
      aria-labelledby={`${OWN_CLIENT_SECTION_ID}-title`}
      className="zc:card zc:scroll-mt-6 zc:space-y-3"
    >
      <h2 id={`${OWN_CLIENT_SECTION_ID}-title`} className="zc:text-lg zc:font-semibold">
        Setting up your own OAuth client
      </h2>
      <p className="zc:text-sm">
        A Zendesk admin does this once per Zendesk account, in about five minutes. It needs Suite Growth or higher, or
        Support Professional or higher (
        <a href="#plan_without_oauth" className="zc:link">
          other plans
        </a>
        ). The client works only for the Zendesk account it is created in.
      </p>

      <h3 className="zc:text-sm zc:font-semibold">In Zendesk</h3>
      <ol className="zc:list-decimal zc:space-y-2 zc:pl-5 zc:text-sm zc:marker:text-zinc-500 zc:dark:marker:text-zinc-400">
        <li>
          Open Admin Center and go to <strong>Apps and integrations → APIs → OAuth Clients</strong>.
        </li>
        <li>
          Choose <strong>Add OAuth client</strong>.
        </li>
        <li>
          <strong>Client name</strong>: a name your team will recognise, such as this app&apos;s name. Zendesk shows it
          on the consent page.
        </li>
        <li>
          <strong>Description</strong>: what the client is for, for example &ldquo;Connects our Zendesk to Zendesk
          Connect&rdquo;.
        </li>
        <li>
          <strong>Company</strong>: your company&apos;s name.
        </li>
        <li>
          <strong>Unique identifier</strong>: Zendesk fills it in from the client name; you may change it. This text is
          the client ID this app asks for (not the numeric ID).
        </li>
        <li>
          <strong>Client kind</strong>: <strong>Confidential</strong>.
        </li>
        <li>
          <strong>Redirect URLs</strong>: paste exactly
          <RedirectUrl url={redirectUrl} testId="help-own-client-redirect-url" />
          <span className={`zc:mt-1 zc:block ${muted}`}>
            No trailing slash, no spaces; https is required except for localhost and 127.0.0.1.
          </span>
        </li>
        <li>
          Choose <strong>Save</strong>.
        </li>
        <li>
          Zendesk now shows the <strong>secret</strong>, only once: copy it straight away and keep it somewhere safe
          until you have entered it in this app. If it is lost, regenerate it (
          <a href="#lost_secret" className="zc:link">
            how
          </a>
          ).
        </li>
      </ol>

      <h3 className="zc:text-sm zc:font-semibold">In this app</h3>
      <ol className="zc:list-decimal zc:space-y-2 zc:pl-5 zc:text-sm zc:marker:text-zinc-500 zc:dark:marker:text-zinc-400">
        <li>
          Go to{" "}
          <Link href={settingsPath} className="zc:link">
            Settings → Integrations
          </Link>{" "}
          (owners and admins of the workspace only).
        </li>
        <li>Enter your Zendesk subdomain (acme for acme.zendesk.com) and choose the permissions.</li>
        <li>
          Under <strong>OAuth client</strong>, choose <strong>My own OAuth client, created in my Zendesk</strong>.
        </li>
        <li>
          <strong>Unique Identifier</strong>: the client&apos;s Unique identifier. <strong>Client kind</strong>:
          Confidential. <strong>Secret</strong>: the secret you copied. It is stored encrypted and never shown again.
        </li>
        <li>
          Choose <strong>Connect Zendesk</strong>, sign in to Zendesk if asked, check the permissions on the consent
          page and choose <strong>Allow</strong>.
        </li>
      </ol>
      <p className={`zc:text-sm ${muted}`}>
        Prefer a connection without a Zendesk sign-in? With a Confidential client you can choose{" "}
        <strong>My own confidential client, with client credentials</strong> instead: no consent page, and the token
        acts for the client rather than for a person who approved it.
      </p>
    </section>
  );
}
