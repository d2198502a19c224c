import type { Metadata } from "next";
import Link from "next/link";
import { ZendeskHelp } from "@zendesk-connect/next/ui";
import { SkipLink } from "@/app/components/skip-link";

export const metadata: Metadata = { title: "Troubleshooting" };

// Public (proxy.ts guards only / and /settings). The redirect URL comes from configuration,
// read lazily: render per request so `next build` never needs production env.
export const dynamic = "force-dynamic";

/** /help/zendesk: the package's troubleshooting page in this app's chrome. */
export default function ZendeskHelpPage() {
  return (
    <div className="min-h-screen">
      <SkipLink />
      <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <div className="mx-auto flex max-w-3xl flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-3">
          <Link href="/" className="flex items-center gap-2 font-semibold">
            <span aria-hidden className="inline-block size-6 rounded-md bg-brand-600" />
            Zendesk Connect
          </Link>
          <Link href="/settings/integrations" className="link text-sm">
            Back to Integrations
          </Link>
        </div>
      </header>

      <ZendeskHelp />
    </div>
  );
}
