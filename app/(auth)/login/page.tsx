import type { Metadata } from "next";
import Link from "next/link";
import { safeReturnTo } from "@zendesk-connect/next";
import { LoginForm } from "./login-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: PageProps<"/login">) {
  const { returnTo } = await searchParams;
  const safe = safeReturnTo(returnTo);
  return (
    <>
      <h1 className="mb-6 text-xl font-semibold">Sign in</h1>
      <LoginForm returnTo={safe} />
      <p className="mt-6 text-sm text-zinc-600 dark:text-zinc-400">
        New here?{" "}
        <Link className="link" href={safe === "/" ? "/signup" : `/signup?returnTo=${encodeURIComponent(safe)}`}>
          Create an account
        </Link>
      </p>
    </>
  );
}
