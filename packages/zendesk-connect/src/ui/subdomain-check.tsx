"use client";

import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { preconnect } from "react-dom";
import { useRoutesBasePath } from "./settings-action.js";

/*
 * The connect form asks whether a Zendesk account answers at the subdomain as it is entered,
 * so the Connect click does not wait for that round trip (the connect reuses the answer the
 * server recorded) and a mistyped address shows before anyone presses anything. A value that
 * arrives whole (pasted, autofilled) is checked at once; typing is checked after a pause, and
 * leaving the field checks what is there. Answers for a value no longer in the field are dropped.
 * A found account's origin is preconnected: the consent page will come from there, and its DNS,
 * TCP and TLS set-up is then done before the click.
 *
 * The answer lives in a small store only the status line reads: typing never re-renders the
 * form, whose uncontrolled fields and post-action reset stay React's alone.
 */

const TYPING_PAUSE_MS = 500;

/** `value` is what was in the field when it was asked about. */
export type SubdomainCheck =
  | { state: "idle" }
  | { state: "checking"; value: string }
  | { state: "found"; value: string; subdomain: string }
  | { state: "refused"; value: string; message: string };

interface CheckAnswer {
  subdomain?: string;
  found?: boolean;
  origin?: string;
  message?: string;
}

const IDLE: SubdomainCheck = { state: "idle" };

/** The latest answer, and who to tell when it changes. */
class CheckStore {
  private current: SubdomainCheck = IDLE;
  private readonly listeners = new Set<() => void>();
  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };
  readonly get = () => this.current;
  set(next: SubdomainCheck) {
    if (next === this.current || (next.state === "idle" && this.current.state === "idle")) return;
    this.current = next;
    for (const listener of this.listeners) listener();
  }
}

export function useSubdomainCheck(enabled: boolean) {
  const endpoint = `${useRoutesBasePath()}/subdomain-check`;
  const [store] = useState(() => new CheckStore());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const inFlight = useRef<AbortController | undefined>(undefined);
  const asked = useRef<string>("");

  const run = useCallback(
    async (raw: string) => {
      const value = raw.trim();
      if (!value || value === asked.current) return;
      asked.current = value;
      inFlight.current?.abort();
      const controller = new AbortController();
      inFlight.current = controller;
      store.set({ state: "checking", value });
      try {
        const response = await fetch(endpoint, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ subdomain: value }),
          signal: controller.signal,
        });
        const body = (await response.json().catch(() => ({}))) as CheckAnswer;
        if (controller.signal.aborted) return;
        if (response.ok && body.found && body.subdomain) {
          if (body.origin) preconnect(body.origin);
          store.set({ state: "found", value, subdomain: body.subdomain });
        } else if ((response.ok || response.status === 400) && body.message)
          store.set({ state: "refused", value, message: body.message });
        // Not allowed, throttled, or this app failing: say nothing; Connect checks again anyway.
        else store.set(IDLE);
      } catch {
        if (!controller.signal.aborted) store.set(IDLE);
      }
    },
    [store, endpoint],
  );

  useEffect(
    () => () => {
      clearTimeout(timer.current);
      inFlight.current?.abort();
    },
    [],
  );

  const onInput = useCallback(
    (event: React.FormEvent<HTMLInputElement>) => {
      if (!enabled) return;
      clearTimeout(timer.current);
      const value = event.currentTarget.value;
      if (value.trim() !== asked.current) {
        inFlight.current?.abort();
        asked.current = "";
        store.set(IDLE);
      }
      const native = event.nativeEvent as InputEvent;
      // Pasted, dropped, autofilled or otherwise entered at once: the value is complete.
      const whole =
        (native.data?.length ?? 0) > 1 ||
        native.inputType === "insertFromPaste" ||
        native.inputType === "insertFromDrop" ||
        native.inputType === "insertReplacementText" ||
        native.inputType === undefined;
      if (whole) void run(value);
      else timer.current = setTimeout(() => void run(value), TYPING_PAUSE_MS);
    },
    [enabled, run, store],
  );

  const onBlur = useCallback(
    (event: React.FocusEvent<HTMLInputElement>) => {
      if (!enabled) return;
      clearTimeout(timer.current);
      void run(event.currentTarget.value);
    },
    [enabled, run],
  );

  return { store, onInput, onBlur };
}

/**
 * The answer under the subdomain field, announced politely (it never interrupts typing). A live
 * region that is always there, so its first answer is announced too; not a "status" role, which
 * the page keeps for its own outcome messages. Silent about the value a refused Connect just
 * named in the field's own error (`refusedValue`): never the same message twice.
 */
export function SubdomainCheckStatus({ store, refusedValue }: { store: CheckStore; refusedValue?: string }) {
  const answer = useSyncExternalStore(store.subscribe, store.get, () => IDLE);
  const check = answer.state !== "idle" && answer.value === refusedValue?.trim() ? IDLE : answer;
  return (
    <p
      id="field-subdomain-check"
      aria-live="polite"
      data-testid="subdomain-check"
      data-state={check.state}
      className={`zc:mt-1 zc:min-h-5 zc:text-sm ${
        check.state === "refused" ? "zc:text-red-700 zc:dark:text-red-300" : "zc:text-zinc-600 zc:dark:text-zinc-400"
      }`}
    >
      {check.state === "checking"
        ? "Looking for this Zendesk account…"
        : check.state === "found"
          ? `Found ${check.subdomain}.zendesk.com.`
          : check.state === "refused"
            ? check.message
            : null}
    </p>
  );
}
