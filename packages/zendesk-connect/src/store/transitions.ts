import type { ZendeskConnection } from "../db/schema.js";

/*
 * The connection's state columns, written only as one of these complete sets (tokens/README.md has
 * the state table). Each transition names every column of the state it enters, so no writer can
 * leave part of an earlier state behind (a reconnect that kept an old failure run did exactly that).
 *
 *   healthy()          active: a renewal stored a rotated pair, or a reconnect stored a new grant
 *   failing(...)       error: a transient failure, with the back-off before the next automatic attempt
 *   ended(...)         needs_reconnect / revoked: Zendesk's verdict, or the give-up period ran out
 *
 * The lease columns are not part of a state: a writer releases only a lease it holds (see lifecycle).
 */

type StateColumns = Pick<
  ZendeskConnection,
  | "status"
  | "statusReason"
  | "lastError"
  | "lastErrorAt"
  | "refreshFailures"
  | "failingSince"
  | "nextAttemptAt"
  | "refreshInFlightSince"
>;

/** Active with a fresh grant or pair: every trace of an earlier failure run is gone. */
export function healthy(): StateColumns {
  return {
    status: "active",
    statusReason: null,
    lastError: null,
    lastErrorAt: null,
    refreshFailures: 0,
    failingSince: null,
    nextAttemptAt: null,
    refreshInFlightSince: null,
  };
}

/**
 * Error with a back-off: the tokens stay; `inFlightSince` is kept only when an answer may have been
 * lost at Zendesk (the next attempt must know it may have rotated).
 */
export function failing(o: {
  lastError: string;
  at: Date;
  failures: number;
  failingSince: Date;
  nextAttemptAt: Date;
  inFlightSince: Date | null;
}): StateColumns {
  return {
    status: "error",
    statusReason: null,
    lastError: o.lastError,
    lastErrorAt: o.at,
    refreshFailures: o.failures,
    failingSince: o.failingSince,
    nextAttemptAt: o.nextAttemptAt,
    refreshInFlightSince: o.inFlightSince,
  };
}

/**
 * Needs reconnect or revoked, with the reason shown to people. The failure count and the start of
 * the run are kept (they explain the ending); no automatic attempt follows.
 */
export function ended(o: {
  status: "needs_reconnect" | "revoked";
  reason: string;
  lastError: string;
  at: Date;
  failures: number;
  failingSince: Date | null;
  inFlightSince: Date | null;
}): StateColumns {
  return {
    status: o.status,
    statusReason: o.reason,
    lastError: o.lastError,
    lastErrorAt: o.at,
    refreshFailures: o.failures,
    failingSince: o.failingSince,
    nextAttemptAt: null,
    refreshInFlightSince: o.inFlightSince,
  };
}
