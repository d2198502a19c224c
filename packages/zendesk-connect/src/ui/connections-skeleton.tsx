/** What the Zendesk section looks like while its data streams in. */
export function ConnectionsSkeleton() {
  return (
    <div
      className="zc:card zc:animate-pulse zc:space-y-3 zc:motion-reduce:animate-none"
      aria-busy="true"
      aria-live="polite"
      data-testid="connections-loading"
    >
      <span className="zc:sr-only">Loading Zendesk connections…</span>
      <div className="zc:h-5 zc:w-48 zc:rounded zc:bg-zinc-200 zc:dark:bg-zinc-800" />
      <div className="zc:h-4 zc:w-full zc:max-w-md zc:rounded zc:bg-zinc-200 zc:dark:bg-zinc-800" />
      <div className="zc:h-4 zc:w-2/3 zc:max-w-sm zc:rounded zc:bg-zinc-200 zc:dark:bg-zinc-800" />
    </div>
  );
}
