import { signOutAction, switchWorkspaceAction } from "./actions";

const ROLE_LABEL = { owner: "Owner", admin: "Admin", member: "Member" } as const;

/** A disclosure menu: <details> works with keyboard and screen readers without client JS. */
export function UserMenu(props: {
  name: string;
  email: string;
  role: keyof typeof ROLE_LABEL;
  currentWorkspaceId: string;
  workspaces: { id: string; name: string; role: keyof typeof ROLE_LABEL }[];
}) {
  const initials = props.name
    .split(/\s+/)
    .map((p) => p[0])
    .join("")
    .slice(0, 2)
    .toUpperCase();
  return (
    <details className="relative">
      <summary className="flex cursor-pointer list-none items-center gap-2 rounded-full p-1 hover:bg-zinc-100 dark:hover:bg-zinc-800 [&::-webkit-details-marker]:hidden">
        {/* The visible initials start the accessible name (WCAG 2.5.3, label in name). */}
        <span className="flex size-8 items-center justify-center rounded-full bg-accent-600 text-xs font-semibold text-white">
          {initials}
        </span>
        <span className="sr-only">Account menu</span>
      </summary>
      <div className="absolute right-0 z-20 mt-2 w-72 rounded-lg border border-zinc-200 bg-white p-3 shadow-lg dark:border-zinc-700 dark:bg-zinc-900">
        <p className="text-sm font-medium">{props.name}</p>
        <p className="truncate text-sm text-zinc-600 dark:text-zinc-400">{props.email}</p>
        <p className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">Role: {ROLE_LABEL[props.role]}</p>
        {props.workspaces.length > 1 ? (
          <div className="mt-3 border-t border-zinc-200 pt-3 dark:border-zinc-700">
            <p className="mb-1 text-xs font-medium uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
              Workspaces
            </p>
            <ul>
              {props.workspaces.map((w) => (
                <li key={w.id}>
                  <form action={switchWorkspaceAction}>
                    <input type="hidden" name="workspaceId" value={w.id} />
                    <button
                      type="submit"
                      aria-current={w.id === props.currentWorkspaceId ? "true" : undefined}
                      className="w-full rounded px-2 py-1.5 text-left text-sm hover:bg-zinc-100 aria-[current=true]:font-semibold dark:hover:bg-zinc-800"
                    >
                      {w.name} <span className="text-xs text-zinc-500 dark:text-zinc-400">({ROLE_LABEL[w.role]})</span>
                    </button>
                  </form>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        <form action={signOutAction} className="mt-3 border-t border-zinc-200 pt-3 dark:border-zinc-700">
          <button type="submit" className="btn-secondary w-full">
            Sign out
          </button>
        </form>
      </div>
    </details>
  );
}
