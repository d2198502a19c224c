"use client";

import { useFormStatus } from "react-dom";

/** A submit button that shows a pending label while its form's action runs. */
export function SubmitButton({
  children,
  pendingLabel,
  className = "zc:btn-primary",
  ...rest
}: { children: React.ReactNode; pendingLabel: string } & React.ButtonHTMLAttributes<HTMLButtonElement>) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" className={className} disabled={pending || rest.disabled} aria-disabled={pending} {...rest}>
      {pending ? pendingLabel : children}
    </button>
  );
}
