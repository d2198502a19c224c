import { CopyButton } from "./copy-button.js";

/** The app's OAuth redirect URL, exactly as Zendesk must list it, with a copy button. */
export function RedirectUrl({ url, testId = "redirect-url" }: { url: string; testId?: string }) {
  return (
    <span className="zc:mt-1 zc:flex zc:flex-wrap zc:items-center zc:gap-2">
      <code
        className="zc:break-all zc:rounded zc:bg-zinc-100 zc:px-2 zc:py-1 zc:text-sm zc:dark:bg-zinc-800"
        data-testid={testId}
      >
        {url}
      </code>
      <CopyButton value={url} label="Copy redirect URL" />
    </span>
  );
}
