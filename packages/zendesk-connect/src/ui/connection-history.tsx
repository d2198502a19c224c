import Link from "next/link";
import { LocalTime } from "./local-time.js";
import type { ZendeskConnectionEventType } from "../db/schema.js";
import { HISTORY_MAX, type HistoryEntry } from "../index.js";

const EVENT_LABEL: Record<ZendeskConnectionEventType, string> = {
  connected: "Connected",
  reconnected: "Reconnected",
  scopes_changed: "Permissions changed",
  refreshed: "Token refreshed",
  refresh_failed: "Refresh failed",
  needs_reconnect: "Needs reconnect",
  revoked: "Revoked",
  disconnected: "Disconnected",
  revocation_failed: "Revocation failed",
  grant_replaced: "Replaced grant ended",
  test_succeeded: "Test succeeded",
  test_failed: "Test failed",
};

const FAILURES = new Set<ZendeskConnectionEventType>([
  "refresh_failed",
  "needs_reconnect",
  "revocation_failed",
  "test_failed",
  "revoked",
]);

/**
 * A connection's history, on demand: a link until opened (so a page of cards stays light),
 * then its latest events, newest first, with "Show more history" up to the maximum.
 */
export function ConnectionHistory({
  subdomain,
  history,
  showHref,
  moreHref,
  hideHref,
}: {
  subdomain: string;
  history?: { entries: HistoryEntry[]; hasMore: boolean; limit: number };
  showHref: string;
  moreHref: string;
  hideHref: string;
}) {
  const id = `history-${subdomain}`;
  if (!history) {
    return (
      <div id={id} className="zc:scroll-mt-8 zc:border-t zc:border-zinc-200 zc:pt-4 zc:dark:border-zinc-800">
        <Link className="zc:link zc:text-sm" href={showHref} scroll={false}>
          Show history
        </Link>
      </div>
    );
  }
  const { entries, hasMore } = history;
  return (
    <section
      id={id}
      aria-label={`History of ${subdomain}.zendesk.com`}
      className="zc:scroll-mt-8 zc:border-t zc:border-zinc-200 zc:pt-4 zc:dark:border-zinc-800"
      data-testid="connection-history"
    >
      <div className="zc:flex zc:flex-wrap zc:items-baseline zc:justify-between zc:gap-2">
        <h4 className="zc:text-sm zc:font-medium zc:text-zinc-700 zc:dark:text-zinc-300">History</h4>
        <Link className="zc:link zc:text-sm" href={hideHref} scroll={false}>
          Hide history
        </Link>
      </div>
      {entries.length === 0 ? (
        <p className="zc:mt-3 zc:text-sm zc:text-zinc-600 zc:dark:text-zinc-400">Nothing recorded yet.</p>
      ) : (
        <ol className="zc:mt-3 zc:space-y-2 zc:text-sm">
          {entries.map((e) => {
            const type = e.type as ZendeskConnectionEventType;
            return (
              <li key={e.id} className="zc:flex zc:flex-wrap zc:gap-x-2" data-testid="history-entry" data-type={type}>
                <span
                  className={
                    FAILURES.has(type) ? "zc:font-medium zc:text-red-800 zc:dark:text-red-300" : "zc:font-medium"
                  }
                >
                  {EVENT_LABEL[type] ?? type}
                </span>
                <span className="zc:text-zinc-600 zc:dark:text-zinc-400">
                  <LocalTime iso={e.createdAt.toISOString()} relative={false} /> · {e.actorName ?? "System"}
                </span>
                {e.detail ? (
                  <span className="zc:w-full zc:break-words zc:text-zinc-700 zc:dark:text-zinc-300">{e.detail}</span>
                ) : null}
              </li>
            );
          })}
        </ol>
      )}
      {hasMore ? (
        history.limit >= HISTORY_MAX ? (
          <p className="zc:mt-3 zc:text-sm zc:text-zinc-600 zc:dark:text-zinc-400">
            Showing the latest {HISTORY_MAX} events.
          </p>
        ) : (
          <Link className="zc:link zc:mt-3 zc:inline-block zc:text-sm" href={moreHref} scroll={false}>
            Show more history
          </Link>
        )
      ) : null}
    </section>
  );
}
