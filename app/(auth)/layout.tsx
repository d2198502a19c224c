import Link from "next/link";

export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center px-4 py-12">
      <Link href="/" className="mb-8 flex items-center gap-2 text-lg font-semibold">
        <span aria-hidden className="inline-block size-7 rounded-md bg-brand-600" />
        Zendesk Connect
      </Link>
      <div className="card">{children}</div>
    </main>
  );
}
