"use client";

import { createContext, type ReactNode, useContext, useMemo } from "react";
import type { FormState } from "../routes/forms.js";
import type { SettingsActionName } from "../routes/actions.js";

/*
 * The host's one server action (it calls zendeskConnect.runAction), handed to every form of the
 * settings page. Each form binds its own name, so the host writes one "use server" function,
 * not one per button.
 */

export type SettingsAction = (name: string, previous: FormState, formData: FormData) => Promise<FormState>;

const SettingsActionContext = createContext<{ action: SettingsAction; basePath: string } | null>(null);

export function SettingsActionProvider({
  action,
  basePath,
  children,
}: {
  action: SettingsAction;
  /** Where the package's routes are mounted (the subdomain check asks there). */
  basePath: string;
  children: ReactNode;
}) {
  const value = useMemo(() => ({ action, basePath }), [action, basePath]);
  return <SettingsActionContext.Provider value={value}>{children}</SettingsActionContext.Provider>;
}

function useSettingsContext() {
  const context = useContext(SettingsActionContext);
  if (!context) throw new Error("<ZendeskSettings> needs its action prop (the host's server action)");
  return context;
}

/** The package's route base path, e.g. "/api/zendesk-connect". */
export function useRoutesBasePath(): string {
  return useSettingsContext().basePath;
}

/** The named action, ready for useActionState. */
export function useSettingsAction(
  name: SettingsActionName,
): (previous: FormState, formData: FormData) => Promise<FormState> {
  const { action } = useSettingsContext();
  return useMemo(() => action.bind(null, name), [action, name]);
}
