import Link from "next/link";
import { currentWorkspace } from "@/lib/auth/session";
import { redirect } from "next/navigation";
import { UserMenu } from "./user-menu";
import { SkipLink } from "@/app/components/skip-link";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const context = await currentWorkspace();
  if (!context) redirect("/login");
  return (
    <div className="min-h-screen">
      <SkipLink />
      <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <div className="mx-auto flex max-w-5xl items-center justify-between gap-4 px-4 py-3">
          <div className="flex min-w-0 items-center gap-3">
            <Link href="/" className="flex shrink-0 items-center gap-2 font-semibold">
              <span aria-hidden className="inline-block size-6 rounded-md bg-brand-600" />
              <span className="hidden sm:inline">Zendesk Connect</span>
            </Link>
            <span aria-hidden className="text-zinc-300 dark:text-zinc-700">
              /
            </span>
            <span className="truncate text-sm font-medium" data-testid="workspace-name">
              {context.workspace.name}
            </span>
          </div>
          <nav aria-label="Main" className="flex items-center gap-1 sm:gap-3">
            <Link
              href="/settings/integrations"
              className="rounded px-2 py-1 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800"
            >
              Settings
            </Link>
            <UserMenu
              name={context.user.name}
              email={context.user.email}
              role={context.role}
              currentWorkspaceId={context.workspace.id}
              workspaces={context.memberships.map((m) => ({ id: m.workspaceId, name: m.workspaceName, role: m.role }))}
            />
          </nav>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-5xl px-4 py-8">
        {children}
      </main>
    </div>
  );
}
