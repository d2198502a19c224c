import type { Metadata } from "next";
import Link from "next/link";
import { requireWorkspace } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Overview" };

export default async function HomePage() {
  const { user, workspace } = await requireWorkspace("/");
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Welcome, {user.name}</h1>
        <p className="mt-1 text-zinc-600 dark:text-zinc-400">You are working in {workspace.name}.</p>
      </div>
      <div className="card">
        <h2 className="font-semibold">Integrations</h2>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Connect your Zendesk Support account so this workspace can read and update your tickets.
        </p>
        <Link href="/settings/integrations" className="btn-primary mt-4">
          Go to Integrations
        </Link>
      </div>
    </div>
  );
}
