import { ZendeskError } from "./errors.js";
import { isValidSubdomainLabel, type Subdomain } from "./subdomain.js";

/*
 * The ONLY builder of Zendesk URLs. Every URL that carries a client secret, a code or a token
 * is built here, and the security invariant is checked on every call, not only at connect
 * time: the result's protocol, hostname, port and (for path-prefix tenancy) path prefix are
 * exactly what the configured template gives for a valid subdomain label. A crafted subdomain
 * ("evil.com#", "a@evil.com", ...) or path ("/../", "//evil.com") throws instead of sending a
 * secret elsewhere.
 *
 * Templates: "https://{subdomain}.zendesk.com" (production, host tenancy) or
 * "http://127.0.0.1:4010/{subdomain}" (the simulator, path-prefix tenancy).
 */

/** A Zendesk URL that cannot be built safely (bad subdomain, path, query or template): ZendeskError("invalid_url"). */
function invalidUrl(message: string): ZendeskError {
  return new ZendeskError("invalid_url", message);
}

const PLACEHOLDER = "{subdomain}";
// Substituted while validating a template; any valid label works, this one is easy to spot.
const PROBE = "zdtemplateprobe";
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);
const MAX_TEMPLATE_LENGTH = 2048;
const MAX_PATH_LENGTH = 2048;
const MAX_LINK_LENGTH = 8192;
const API_PREFIX = "/api/v2/";
const OAUTH_PREFIX = "/oauth/";

interface ParsedTemplate {
  /** Normalised template (lowercase scheme, no trailing slash). */
  readonly template: string;
  readonly protocol: "https:" | "http:";
  /** "host": {subdomain} is the first label of the host; "path": it is the first path segment. */
  readonly mode: "host" | "path";
  /** Host mode: the hostname after the label, with its leading dot (".zendesk.com"). Path mode: the fixed hostname. */
  readonly host: string;
  /** As URL.port gives it: "" for the scheme's default port. */
  readonly port: string;
}

interface Expected {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
  /** "" in host mode, "/<subdomain>" in path mode. */
  readonly prefix: string;
}

/** Validates a base URL template (the env module's ZENDESK_BASE_URL_TEMPLATE) and returns it normalised; throws ZendeskError("invalid_url"). */
export function validateBaseUrlTemplate(template: string): string {
  return parseTemplate(template).template;
}

/** Builds a URL under /oauth/ or /api/v2/ on the subdomain's instance; throws ZendeskError("invalid_url") rather than build anything else. */
export function zendeskUrl(
  subdomain: Subdomain,
  path: string,
  template: string,
  query?: Readonly<Record<string, string>>,
): URL {
  if (typeof path !== "string" || !(path.startsWith(OAUTH_PREFIX) || path.startsWith(API_PREFIX))) {
    throw invalidUrl(`Zendesk URL paths must start with ${OAUTH_PREFIX} or ${API_PREFIX}`);
  }
  return buildUrl(subdomain, path, template, query);
}

/** The token endpoint (POST; credentials go in the body, never in this URL). */
export function tokenUrl(subdomain: Subdomain, template: string): URL {
  return buildUrl(subdomain, "/oauth/tokens", template);
}

/** A REST API URL; `path` must start with /api/v2/ and any query goes in `query`. */
export function apiUrl(
  subdomain: Subdomain,
  template: string,
  path: string,
  query?: Readonly<Record<string, string>>,
): URL {
  if (typeof path !== "string" || !path.startsWith(API_PREFIX))
    throw invalidUrl(`Zendesk API paths must start with ${API_PREFIX}`);
  return buildUrl(subdomain, path, template, query);
}

/** The agent home of the instance ({base}/agent), for "Open Zendesk" links in the UI. */
export function instanceUrl(subdomain: Subdomain, template: string): URL {
  return buildUrl(subdomain, "/agent", template);
}

/** True when a link returned by the API (e.g. next_page) stays on this instance's /api/v2/, so it may receive the token. */
export function isSameZendeskInstance(url: string, subdomain: Subdomain, template: string): boolean {
  if (typeof url !== "string" || url.length > MAX_LINK_LENGTH) return false;
  // The URL parser silently drops tabs/newlines and turns "\" into "/": refuse them outright.
  if (/[^\x21-\x7e]|\\/.test(url)) return false;
  if (!isValidSubdomainLabel(subdomain)) return false;
  let expected: Expected;
  let parsed: URL;
  try {
    expected = expectedFor(parseTemplate(template), subdomain);
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === expected.protocol &&
    parsed.hostname === expected.hostname &&
    parsed.port === expected.port &&
    parsed.username === "" &&
    parsed.password === "" &&
    parsed.hash === "" &&
    parsed.pathname.startsWith(`${expected.prefix}${API_PREFIX}`) &&
    // Encoded slashes, backslashes and dots could be decoded into a different path by a proxy.
    !/%(2f|5c|2e)/i.test(parsed.pathname)
  );
}

function buildUrl(subdomain: Subdomain, path: string, template: string, query?: Readonly<Record<string, string>>): URL {
  if (!isValidSubdomainLabel(subdomain)) {
    throw invalidUrl(
      `Refusing to build a Zendesk URL for the invalid subdomain ${JSON.stringify(String(subdomain).slice(0, 70))}`,
    );
  }
  const parsedTemplate = parseTemplate(template);
  checkPath(path);
  const entries = checkQuery(query);

  const url = new URL(parsedTemplate.template.replace(PLACEHOLDER, subdomain) + path);
  for (const [key, value] of entries) url.searchParams.append(key, value);

  // The assertion that makes this module the security boundary: whatever went in, what comes
  // out points at exactly the template's origin (and prefix) for this subdomain.
  const expected = expectedFor(parsedTemplate, subdomain);
  if (
    url.protocol !== expected.protocol ||
    url.hostname !== expected.hostname ||
    url.port !== expected.port ||
    url.username !== "" ||
    url.password !== "" ||
    url.hash !== "" ||
    url.pathname !== `${expected.prefix}${path}`
  ) {
    throw invalidUrl("Refusing a Zendesk URL that does not point at the configured instance");
  }
  return url;
}

function expectedFor(t: ParsedTemplate, subdomain: Subdomain): Expected {
  return t.mode === "host"
    ? { protocol: t.protocol, hostname: `${subdomain}${t.host}`, port: t.port, prefix: "" }
    : { protocol: t.protocol, hostname: t.host, port: t.port, prefix: `/${subdomain}` };
}

function checkPath(path: string): void {
  if (typeof path !== "string" || path === "" || path.length > MAX_PATH_LENGTH)
    throw invalidUrl("Invalid Zendesk URL path");
  if (!path.startsWith("/")) throw invalidUrl("Zendesk URL paths must start with /");
  if (/[\u0000-\u0020\u007f]/.test(path))
    throw invalidUrl("Zendesk URL paths must not contain whitespace or control characters");
  if (path.includes("\\")) throw invalidUrl("Zendesk URL paths must not contain a backslash");
  if (path.includes("//")) throw invalidUrl('Zendesk URL paths must not contain "//"');
  if (path.includes("..")) throw invalidUrl('Zendesk URL paths must not contain ".."');
  if (path.includes("#")) throw invalidUrl('Zendesk URL paths must not contain "#"');
  if (path.includes("@")) throw invalidUrl('Zendesk URL paths must not contain "@"');
  if (path.includes("?")) throw invalidUrl("Zendesk URL paths must not contain a query: pass it as the query argument");
  if (path.includes("%")) throw invalidUrl("Zendesk URL paths must not contain percent-encoding");
  if (path.split("/").includes(".")) throw invalidUrl('Zendesk URL paths must not contain "." segments');
  // Unreserved characters only (RFC 3986), so the URL parser has nothing to re-interpret.
  if (!/^[A-Za-z0-9._~/-]+$/.test(path))
    throw invalidUrl("Zendesk URL paths may contain only letters, digits and - . _ ~ /");
}

function checkQuery(query: Readonly<Record<string, string>> | undefined): [string, string][] {
  if (query === undefined) return [];
  if (query === null || typeof query !== "object" || Array.isArray(query))
    throw invalidUrl("The query must be an object of strings");
  const entries = Object.entries(query);
  for (const [key, value] of entries) {
    if (key === "" || typeof value !== "string")
      throw invalidUrl("The query must be an object of non-empty names and string values");
  }
  return entries;
}

// The configured template is one string for the life of the process: parse it once, not per URL.
let lastParsed: { source: string; parsed: ParsedTemplate } | undefined;

function parseTemplate(template: string): ParsedTemplate {
  if (lastParsed?.source === template) return lastParsed.parsed;
  const parsed = parseTemplateUncached(template);
  lastParsed = { source: template, parsed };
  return parsed;
}

function parseTemplateUncached(template: string): ParsedTemplate {
  if (typeof template !== "string" || template === "") throw badTemplate("is empty");
  if (template.length > MAX_TEMPLATE_LENGTH) throw badTemplate("is too long");
  if (/[^\x21-\x7e]/.test(template)) throw badTemplate("must be plain ASCII without spaces or control characters");

  const count = template.split(PLACEHOLDER).length - 1;
  if (count === 0) throw badTemplate("must contain {subdomain}");
  if (count > 1) throw badTemplate("must contain {subdomain} exactly once");
  if (/[{}]/.test(template.replace(PLACEHOLDER, "")))
    throw badTemplate("must not contain braces other than {subdomain}");
  if (template.includes("\\")) throw badTemplate("must not contain a backslash");
  if (template.includes("?")) throw badTemplate("must not contain a query (?)");
  if (template.includes("#")) throw badTemplate("must not contain a fragment (#)");
  if (template.includes("%")) throw badTemplate("must not contain percent-encoding");

  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(template);
  const protocolName = scheme?.[1]?.toLowerCase();
  if (!scheme || protocolName === undefined) throw badTemplate("must start with https://");
  if (protocolName !== "https" && protocolName !== "http")
    throw badTemplate(`must use https://, not ${protocolName}://`);

  const rest = template.slice(scheme[0].length);
  const slash = rest.indexOf("/");
  const authority = (slash === -1 ? rest : rest.slice(0, slash)).toLowerCase();
  // One trailing slash is tolerated and removed: paths are appended with their own leading "/".
  const path = (slash === -1 ? "" : rest.slice(slash)).replace(/\/$/, "");
  if (authority === "") throw badTemplate("has no host name");
  if (authority.includes("@")) throw badTemplate("must not contain a user name or password (@)");

  let mode: "host" | "path";
  if (authority.includes(PLACEHOLDER)) {
    if (authority === PLACEHOLDER || authority.startsWith(`${PLACEHOLDER}:`))
      throw badTemplate("must have a domain after {subdomain}");
    if (!authority.startsWith(`${PLACEHOLDER}.`)) {
      throw badTemplate(
        "must have {subdomain} as the whole first label of the host name, as in https://{subdomain}.zendesk.com",
      );
    }
    if (path !== "") throw badTemplate("must not have a path when {subdomain} is in the host name");
    mode = "host";
  } else {
    if (path !== `/${PLACEHOLDER}`) {
      throw badTemplate(
        "must have {subdomain} as the whole and only path segment, as in http://127.0.0.1:4010/{subdomain}",
      );
    }
    mode = "path";
  }

  const writtenHost = (
    authority.startsWith("[") ? authority.slice(0, authority.indexOf("]") + 1) : (authority.split(":")[0] ?? "")
  ).replace(PLACEHOLDER, PROBE);
  if (!writtenHost.startsWith("[") && !/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(writtenHost)) {
    throw badTemplate(
      "has an invalid host name (empty label, trailing dot or a character other than letters, digits, hyphens and dots)",
    );
  }

  const normalised = `${protocolName}://${authority}${path}`;
  let probe: URL;
  try {
    probe = new URL(normalised.replace(PLACEHOLDER, PROBE));
  } catch {
    throw badTemplate("is not a valid URL");
  }
  if (probe.username !== "" || probe.password !== "" || probe.search !== "" || probe.hash !== "") {
    throw badTemplate("must not contain credentials, a query or a fragment");
  }
  // The parser must see the host exactly as written: no IPv4 shorthand ("0x7f.1") or other
  // rewriting that would make the asserted host differ from what the operator reads.
  if (probe.hostname !== writtenHost) throw badTemplate("has a host name that is not in canonical form");
  if (probe.protocol === "http:" && !LOOPBACK_HOSTS.has(probe.hostname)) {
    throw badTemplate("may use http:// only for localhost, 127.0.0.1 or [::1]; use https://");
  }
  const protocol = probe.protocol === "http:" ? "http:" : "https:";

  if (mode === "host") {
    if (!probe.hostname.startsWith(`${PROBE}.`) || probe.pathname !== "/")
      throw badTemplate("must have {subdomain} as the first label of the host name");
    return { template: normalised, protocol, mode, host: probe.hostname.slice(PROBE.length), port: probe.port };
  }
  if (probe.pathname !== `/${PROBE}`) throw badTemplate("must have {subdomain} as the whole and only path segment");
  return { template: normalised, protocol, mode, host: probe.hostname, port: probe.port };
}

/**
 * The CSP source expression matching every instance the template can name (the Content-Security-Policy's
 * form-action): "https://*.zendesk.com" for host tenancy, "http://127.0.0.1:4010" for path tenancy.
 */
export function zendeskOriginSource(template: string): string {
  const t = parseTemplate(template);
  const port = t.port ? `:${t.port}` : "";
  return t.mode === "host" ? `${t.protocol}//*${t.host}${port}` : `${t.protocol}//${t.host}${port}`;
}

function badTemplate(problem: string): ZendeskError {
  return invalidUrl(
    `ZENDESK_BASE_URL_TEMPLATE ${problem} (expected e.g. https://{subdomain}.zendesk.com, or http://127.0.0.1:4010/{subdomain} for the simulator)`,
  );
}
