/*
 * Connections whose access token never expires (made before Zendesk issued refresh tokens, or
 * imported). They keep working until Zendesk retires such tokens, but cannot be renewed: moving
 * them to expiring tokens needs a new consent. Zendesk's dates (2026 changes): existing local
 * clients by 1 Apr 2027 (configurable: ZENDESK_NON_EXPIRING_DEADLINE); not announced for global
 * clients. Computed from stored state only, never by ending the connection.
 */

export interface NonExpiringNotice {
  /** The client the token was issued to: a global one (zdg-…) has no announced deadline. */
  clientKind: "local" | "global";
  /** The deadline as YYYY-MM-DD, or null when Zendesk has not announced one. */
  deadline: string | null;
  message: string;
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** "2027-04-01" → "1 April 2027" (no locale or time zone involved: it is a calendar date). */
export function formatDeadline(date: string): string {
  const [y, m, d] = date.split("-").map(Number);
  return `${d} ${MONTHS[(m ?? 1) - 1]} ${y}`;
}

/** The Action needed notice of a connection holding a never-expiring token, or null. */
export function nonExpiringNotice(
  c: {
    status: string;
    accessTokenExpiresAt: Date | null;
    oauthClientId: string | null;
    clientIdentifier?: string | null;
  },
  options: { localDeadline: string; globalClientIdentifier?: string },
): NonExpiringNotice | null {
  if (c.accessTokenExpiresAt !== null || c.status === "needs_reconnect" || c.status === "revoked") return null;
  const identifier = c.oauthClientId ? c.clientIdentifier : options.globalClientIdentifier;
  if (identifier?.startsWith("zdg-")) {
    return {
      clientKind: "global",
      deadline: null,
      message:
        "Its access token never expires. Zendesk is retiring such tokens and has not announced the date for global OAuth clients like this app's: move it to expiring tokens now, before Zendesk stops accepting it.",
    };
  }
  return {
    clientKind: "local",
    deadline: options.localDeadline,
    message: `Its access token never expires. Zendesk stops accepting such tokens from local OAuth clients on ${formatDeadline(options.localDeadline)}: move it to expiring tokens before then.`,
  };
}
