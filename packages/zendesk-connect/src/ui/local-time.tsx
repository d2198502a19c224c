"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/** Relative phrase like "in 27 minutes" or "3 days ago". */
export function relativeTime(target: Date, now: Date): string {
  const seconds = Math.round((target.getTime() - now.getTime()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  // Pick the unit after rounding, so 59.7 minutes reads "in 1 hour", never "in 60 minutes".
  if (Math.abs(seconds) < 60) return rtf.format(seconds, "second");
  const minutes = Math.round(seconds / 60);
  if (Math.abs(minutes) < 60) return rtf.format(minutes, "minute");
  const hours = Math.round(seconds / 3600);
  if (Math.abs(hours) < 24) return rtf.format(hours, "hour");
  return rtf.format(Math.round(seconds / 86_400), "day");
}

/**
 * A time in the viewer's own locale and time zone, with a relative phrase. The server renders
 * UTC; the browser replaces it after hydration (the server cannot know the viewer's zone).
 */
export function LocalTime({ iso, relative = true }: { iso: string; relative?: boolean }) {
  const client = useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
  const date = new Date(iso);
  const absolute = client
    ? new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(date)
    : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return (
    <time dateTime={iso} title={date.toISOString()}>
      {absolute}
      {relative && client ? (
        <span className="zc:text-zinc-500 zc:dark:text-zinc-400"> ({relativeTime(date, new Date())})</span>
      ) : null}
    </time>
  );
}
