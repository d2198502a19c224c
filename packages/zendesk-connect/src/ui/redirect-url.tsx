import { CopyButton } from "./copy-button.js";

/** The app's OAuth redirect URL, exactly as Zendesk must list it, with a copy button. */
export function RedirectUrl({ url, testId = "redirect-url" }: { url: string; testId?: string }) {
  return (
    <span className="mt-1 flex flex-wrap items-center gap-2">
      <code className="break-all rounded bg-zinc-100 px-2 py-1 text-sm dark:bg-zinc-800" data-testid={testId}>
        {url}
      </code>
      <CopyButton value={url} label="Copy redirect URL" />
    </span>
  );
}
