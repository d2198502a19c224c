import { z } from "zod";

/*
 * The subdomain is the only user input that ends up in the host of the URL receiving the
 * client secret and the tokens. Security invariant: a value this module accepts is a single
 * lowercase DNS label (no dot, slash, colon, "@", "%", "#", "?", "\", whitespace or non-ASCII),
 * so "https://" + value + ".zendesk.com" can only ever name a host under zendesk.com.
 * lib/zendesk/transport/urls.ts re-checks that with isValidSubdomainLabel before every request.
 *
 * Decisions:
 * - ASCII only. Unicode and punycode ("xn--") labels are refused: Zendesk subdomains are plain
 *   letters, digits and hyphens, and an "xn--" label is exactly how a look-alike ("аcme" with a
 *   Cyrillic "а") would get through and then be shown to the user as if it were theirs.
 * - "www" is refused: www.zendesk.com is Zendesk's own website, never a customer account, so a
 *   pasted www.zendesk.com means the wrong address was copied. This is a usability rule (every
 *   label under zendesk.com is Zendesk's), so the reserved list stays deliberately tiny.
 * - Pasted URLs are parsed by hand with a strict grammar and then cross-checked with the
 *   WHATWG URL parser: both must agree on the host, or the input is refused.
 * - All-digit labels (e.g. "2130706433") are accepted: they are valid DNS labels and always end
 *   up as <label>.zendesk.com, never as an IP address.
 */

/** Inputs longer than this are refused before any parsing (a pasted URL is never this long). */
export const MAX_SUBDOMAIN_INPUT_LENGTH = 2048;

/** The longest DNS label. */
export const MAX_SUBDOMAIN_LENGTH = 63;

const LABEL_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const ZENDESK_SUFFIX = ".zendesk.com";
const RESERVED_LABELS: ReadonlySet<string> = new Set(["www"]);

const HINT = 'Enter your Zendesk subdomain: the "acme" in acme.zendesk.com.';

/**
 * A subdomain that passed this module's checks: the only kind the rest of lib/zendesk accepts,
 * so code past the parser cannot be handed an unchecked string. (db/schema.ts types the stored
 * columns with the same brand: values are written only from checked input.)
 */
export type Subdomain = string & { readonly __brand: "ZendeskSubdomain" };

export type SubdomainResult = { ok: true; subdomain: Subdomain } | { ok: false; error: string };

/** The strict check run before every Zendesk request: true only for an already-normalised, allowed label. */
export function isValidSubdomainLabel(s: string): s is Subdomain {
  // No trimming or lowercasing here: a stored value that needs normalising was never accepted.
  return (
    typeof s === "string" &&
    s.length <= MAX_SUBDOMAIN_LENGTH &&
    LABEL_PATTERN.test(s) &&
    !s.startsWith("xn--") &&
    !RESERVED_LABELS.has(s)
  );
}

/** Turns whatever the user pasted (label, host or Zendesk URL) into a subdomain, or says why it cannot. */
export function parseSubdomain(input: string): SubdomainResult {
  if (typeof input !== "string") return refuse("That is not text.");
  // Capped before trimming or parsing, so a hostile input costs nothing.
  if (input.length > MAX_SUBDOMAIN_INPUT_LENGTH)
    return refuse("What you entered is far too long to be a Zendesk address.");

  // Surrounding whitespace (even a no-break space copied from a web page) is a paste artefact;
  // whitespace inside the value is refused below.
  const trimmed = input.trim();
  if (trimmed === "") return refuse("The field is empty.");

  // Character checks run before lowercasing: toLowerCase maps some non-ASCII letters to ASCII
  // (the Kelvin sign "K" becomes "k"), which would let a look-alike through.
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) {
    return refuse("It contains a line break, tab or other invisible control character.");
  }
  if (/[^\u0000-\u007f]/.test(trimmed)) {
    return refuse(
      "It contains characters outside plain ASCII (accented, full-width, invisible or look-alike letters from other alphabets). Zendesk subdomains use only the letters a-z, digits and hyphens.",
    );
  }
  if (trimmed.includes(" ")) return refuse("It contains spaces.");
  if (trimmed.includes("\\")) return refuse("It contains a backslash (\\).");

  return parseAscii(trimmed.toLowerCase());
}

/** Zod schema for server actions: a pasted subdomain in, the normalised label out (or the human message as the issue). */
export const subdomainSchema = z.string().transform((value, ctx) => {
  const result = parseSubdomain(value);
  if (!result.ok) {
    ctx.addIssue({ code: "custom", message: result.error });
    return z.NEVER;
  }
  return result.subdomain;
});

function parseAscii(s: string): SubdomainResult {
  let rest = s;
  let hadScheme = false;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//.exec(s);
  if (scheme) {
    if (scheme[1] !== "https" && scheme[1] !== "http") {
      return refuse(`Only web addresses starting with https:// can be pasted, not ${scheme[1]}://.`);
    }
    rest = s.slice(scheme[0].length);
    hadScheme = true;
  } else if (s.startsWith("//")) {
    return refuse("It starts with //. Paste the address starting with https://, or just the subdomain.");
  }

  const end = firstIndexOf(rest, ["/", "?", "#"]);
  const authority = end === -1 ? rest : rest.slice(0, end);
  const tail = end === -1 ? "" : rest.slice(end);

  if (authority === "")
    return refuse(hadScheme ? "The address has no host name." : "It does not start with a subdomain.");
  if (authority.includes("@")) {
    return refuse(
      'It contains "@" (a user name in the address). Zendesk addresses look like https://acme.zendesk.com.',
    );
  }
  if (authority.includes("[") || authority.includes("]")) return refuse("It is an IP address, not a Zendesk address.");
  if (authority.includes(":")) {
    const before = authority.slice(0, authority.indexOf(":"));
    if (!hadScheme && !before.includes(".")) {
      return refuse("It is not a web address. Paste an address like https://acme.zendesk.com, or just the subdomain.");
    }
    return refuse("It includes a port number (the part after a colon). Zendesk addresses have none.");
  }
  if (authority.includes("%")) return refuse("It contains percent-encoded characters (%).");

  if (!authority.includes(".")) {
    // A bare label: only when it is the whole input, so "acme#" or "acme/x" is not silently cut down.
    if (hadScheme) return refuse(`The address must end in .zendesk.com (https://${truncate(authority)}.zendesk.com).`);
    if (tail !== "") return refuse(`It contains characters that are not letters, digits or hyphens: ${listChars(s)}.`);
    return checkLabel(authority);
  }

  if (authority.endsWith(".")) return refuse("It ends with a dot. Remove the trailing dot.");
  if (authority.startsWith(".") || authority.includes(".."))
    return refuse("It contains an empty part (two dots in a row, or a leading dot).");
  // WHATWG treats a host whose last part is a number (decimal or 0x hex) as an IPv4 address.
  if (/(^|\.)(0x[0-9a-f]*|[0-9]+)$/.test(authority)) return refuse("It is an IP address, not a Zendesk address.");
  if (authority === "zendesk.com")
    return refuse("zendesk.com is Zendesk's own address: put your subdomain in front of it, as in acme.zendesk.com.");

  if (!authority.endsWith(ZENDESK_SUFFIX)) {
    if (/^[^.]+\.zendesk\.[^.]+$/.test(authority))
      return refuse(`Zendesk addresses end in .zendesk.com, not ${truncate(authority.slice(authority.indexOf(".")))}.`);
    return refuse(
      `"${truncate(authority)}" is not a zendesk.com address. Host-mapped custom domains (such as support.acme.com) don't work for Zendesk OAuth: use your acme.zendesk.com address.`,
    );
  }
  const label = authority.slice(0, -ZENDESK_SUFFIX.length);
  if (label.includes("."))
    return refuse("Only one name can come before .zendesk.com (acme.zendesk.com, not a.acme.zendesk.com).");

  const checked = checkLabel(label);
  if (!checked.ok) return checked;

  // Defence in depth: the WHATWG parser (what fetch uses) must see exactly <label>.zendesk.com.
  if (!whatwgAgrees(hadScheme ? s : `https://${s}`, checked.subdomain)) {
    return refuse(
      "It is not a valid Zendesk address. Paste an address like https://acme.zendesk.com, or just the subdomain.",
    );
  }
  return checked;
}

function checkLabel(label: string): SubdomainResult {
  if (label.length > MAX_SUBDOMAIN_LENGTH)
    return refuse(`It is ${label.length} characters long; a subdomain has at most ${MAX_SUBDOMAIN_LENGTH}.`);
  if (/[^a-z0-9-]/.test(label))
    return refuse(`It contains characters that are not letters, digits or hyphens: ${listChars(label)}.`);
  if (label.startsWith("-") || label.endsWith("-")) return refuse("A subdomain cannot start or end with a hyphen.");
  if (label.startsWith("xn--")) {
    return refuse(
      'It is an internationalised ("xn--") name. Zendesk subdomains use only the letters a-z, digits and hyphens.',
    );
  }
  if (RESERVED_LABELS.has(label))
    return refuse(`${label}.zendesk.com is Zendesk's own website, not a Zendesk account.`);
  // The final gate is the same check every later request runs.
  if (!isValidSubdomainLabel(label)) return refuse("It is not a valid subdomain.");
  return { ok: true, subdomain: label };
}

function whatwgAgrees(href: string, label: string): boolean {
  try {
    const url = new URL(href);
    return (
      (url.protocol === "https:" || url.protocol === "http:") &&
      url.hostname === `${label}${ZENDESK_SUFFIX}` &&
      url.port === "" &&
      url.username === "" &&
      url.password === ""
    );
  } catch {
    return false;
  }
}

function refuse(reason: string): SubdomainResult {
  return { ok: false, error: `${HINT} ${reason}` };
}

function firstIndexOf(s: string, needles: readonly string[]): number {
  let best = -1;
  for (const needle of needles) {
    const i = s.indexOf(needle);
    if (i !== -1 && (best === -1 || i < best)) best = i;
  }
  return best;
}

// Only called on printable ASCII (checked above), so echoing the characters is safe.
function listChars(s: string): string {
  const bad = [...new Set(s.replace(/[a-z0-9-]/g, ""))].slice(0, 5);
  return bad.map((c) => `"${c}"`).join(", ");
}

function truncate(s: string, max = 64): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
