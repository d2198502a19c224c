import Link from "next/link";

export default function SettingsLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="flex flex-col gap-6 md:flex-row">
      <nav aria-label="Settings" className="md:w-48 md:shrink-0">
        <h1 className="mb-3 text-lg font-semibold">Settings</h1>
        <ul className="flex gap-2 md:flex-col">
          <li>
            <Link
              href="/settings/integrations"
              aria-current="page"
              className="block rounded-md px-3 py-2 text-sm font-medium aria-[current=page]:bg-zinc-200 dark:aria-[current=page]:bg-zinc-800"
            >
              Integrations
            </Link>
          </li>
        </ul>
      </nav>
      <div className="min-w-0 flex-1">{children}</div>
    </div>
  );
}
