"use client";

import { useRouter } from "next/navigation";
import { startTransition } from "react";

/**
 * Shown when loading the page fails (the database is down, say). No error details: they are
 * logged on the server; the digest lets an operator find the log line.
 */
export default function IntegrationsError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const router = useRouter();
  // reset() alone re-renders with the cached server payload; refresh fetches it again.
  const retry = () =>
    startTransition(() => {
      router.refresh();
      reset();
    });
  return (
    <div role="alert" className="card space-y-3" data-testid="integrations-error">
      <h2 className="text-lg font-semibold">The integrations page couldn&apos;t load</h2>
      <p className="text-sm text-zinc-700 dark:text-zinc-300">
        Something failed on our side while reading your connections. Nothing was changed. Try again; if it keeps
        failing, give your administrator this reference{error.digest ? `: ${error.digest}` : "."}
      </p>
      <button type="button" className="btn-primary" onClick={retry}>
        Try again
      </button>
    </div>
  );
}
