/**
 * The one expiry rule, used by connect, client credentials and refresh alike: the token
 * response decides; current.json only fills in what the response left out. A lifetime nobody
 * stated stays unknown (null), never invented: tokens that never expire exist, and a made-up
 * expiry would end them.
 */

/** The lifetime fields of a token response, in seconds from `now`. */
export interface TokenLifetimes {
  expires_in?: number;
  refresh_token_expires_in?: number;
}

/** What current.json says about the same token, when it was read. */
export interface TokenInfoExpiries {
  expiresAt: Date | null;
  refreshTokenExpiresAt: Date | null;
}

export interface TokenExpiries {
  accessTokenExpiresAt: Date | null;
  refreshTokenExpiresAt: Date | null;
}

export function tokenExpiries(
  response: TokenLifetimes,
  tokenInfo: TokenInfoExpiries | null | undefined,
  now: number,
): TokenExpiries {
  return {
    accessTokenExpiresAt: after(now, response.expires_in) ?? tokenInfo?.expiresAt ?? null,
    refreshTokenExpiresAt: after(now, response.refresh_token_expires_in) ?? tokenInfo?.refreshTokenExpiresAt ?? null,
  };
}

function after(now: number, seconds: number | undefined): Date | null {
  return seconds !== undefined && Number.isFinite(seconds) && seconds > 0 ? new Date(now + seconds * 1000) : null;
}
