/** What the Zendesk section looks like while its data streams in. */
export function ConnectionsSkeleton() {
  return (
    <div
      className="card animate-pulse space-y-3 motion-reduce:animate-none"
      aria-busy="true"
      aria-live="polite"
      data-testid="connections-loading"
    >
      <span className="sr-only">Loading Zendesk connections…</span>
      <div className="h-5 w-48 rounded bg-zinc-200 dark:bg-zinc-800" />
      <div className="h-4 w-full max-w-md rounded bg-zinc-200 dark:bg-zinc-800" />
      <div className="h-4 w-2/3 max-w-sm rounded bg-zinc-200 dark:bg-zinc-800" />
    </div>
  );
}
