import type { Metadata } from "next";
import Link from "next/link";
import { safeReturnTo } from "@zendesk-connect/next";
import { SignupForm } from "./signup-form";

export const metadata: Metadata = { title: "Create an account" };

export default async function SignupPage({ searchParams }: PageProps<"/signup">) {
  const { returnTo } = await searchParams;
  const safe = safeReturnTo(returnTo);
  return (
    <>
      <h1 className="mb-1 text-xl font-semibold">Create your account</h1>
      <p className="mb-6 text-sm text-zinc-600 dark:text-zinc-400">
        You&apos;ll get a workspace where you are the owner.
      </p>
      <SignupForm returnTo={safe} />
      <p className="mt-6 text-sm text-zinc-600 dark:text-zinc-400">
        Already have an account?{" "}
        <Link className="link" href={safe === "/" ? "/login" : `/login?returnTo=${encodeURIComponent(safe)}`}>
          Sign in
        </Link>
      </p>
    </>
  );
}
