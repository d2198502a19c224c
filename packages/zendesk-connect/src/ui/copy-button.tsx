"use client";

import { useState } from "react";

/** Copies a non-secret value (a redirect URL) and announces it to screen readers. */
export function CopyButton({ value, label = "Copy" }: { value: string; label?: string }) {
  const [copied, setCopied] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <>
      <button
        type="button"
        className="zc:btn-secondary zc:shrink-0"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(value);
            setCopied("copied");
          } catch {
            setCopied("failed");
          }
          setTimeout(() => setCopied("idle"), 2500);
        }}
      >
        {label}
      </button>
      <span role="status" className="zc:sr-only">
        {copied === "copied"
          ? "Copied to the clipboard"
          : copied === "failed"
            ? "Copying failed: select the text and copy it"
            : ""}
      </span>
      {copied === "copied" ? (
        <span aria-hidden className="zc:text-sm zc:text-emerald-700 zc:dark:text-emerald-400">
          Copied
        </span>
      ) : null}
    </>
  );
}
