"use client";

import { useEffect, useRef, useState } from "react";
import { diffScopes, SCOPE_PRESETS, type ScopePresetId } from "../public.js";

/**
 * Change permissions: what consenting again will add to and remove from the connection's granted
 * scopes, following the picker as it changes (the form's inputs stay uncontrolled).
 */
export function PermissionsDiff({ granted }: { granted: string[] }) {
  const anchor = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState<string[] | null>(null);
  useEffect(() => {
    const form = anchor.current?.closest("form");
    if (!form) return;
    const read = () => {
      const data = new FormData(form);
      const preset = data.get("preset");
      setSelected(
        preset === "custom"
          ? data.getAll("scopes").map(String)
          : typeof preset === "string" && preset in SCOPE_PRESETS
            ? [...SCOPE_PRESETS[preset as ScopePresetId].scopes]
            : [],
      );
    };
    // React resets the form after its action: read again once the defaults are back.
    const onReset = () => setTimeout(read);
    read();
    form.addEventListener("change", read);
    form.addEventListener("reset", onReset);
    return () => {
      form.removeEventListener("change", read);
      form.removeEventListener("reset", onReset);
    };
  }, []);
  const diff = selected ? diffScopes(granted, selected) : { missing: [], extra: [] };
  const added = diff.extra;
  const removed = diff.missing;
  return (
    <div
      ref={anchor}
      aria-live="polite"
      data-testid="permissions-diff"
      className="zc:rounded-md zc:border zc:border-zinc-200 zc:p-3 zc:text-sm zc:dark:border-zinc-700"
    >
      <p className="zc:font-medium">
        Granted now: <span className="zc:font-mono zc:text-xs">{granted.join(" ") || "none"}</span>
      </p>
      {selected === null ? null : selected.length === 0 ? (
        <p className="zc:mt-1">Choose at least one scope.</p>
      ) : added.length === 0 && removed.length === 0 ? (
        <p className="zc:mt-1" data-testid="diff-none">
          No change: these are the permissions the connection already has.
        </p>
      ) : (
        <ul className="zc:mt-1 zc:space-y-1">
          {added.length ? (
            <li data-testid="diff-added">
              <span className="zc:font-semibold zc:text-emerald-800 zc:dark:text-emerald-300">Will add:</span>{" "}
              <span className="zc:font-mono zc:text-xs">{added.join(" ")}</span>
            </li>
          ) : null}
          {removed.length ? (
            <li data-testid="diff-removed">
              <span className="zc:font-semibold zc:text-red-800 zc:dark:text-red-300">Will remove:</span>{" "}
              <span className="zc:font-mono zc:text-xs">{removed.join(" ")}</span>
            </li>
          ) : null}
        </ul>
      )}
      <p className="zc:mt-2 zc:text-zinc-600 zc:dark:text-zinc-400">
        Zendesk asks for consent again. The connection keeps its id and history, the change is recorded, and the grant
        it replaces is revoked in Zendesk.
      </p>
    </div>
  );
}
