import "server-only";
import { type Env, env } from "@/config/env";
import { validateBaseUrlTemplate } from "./urls";

export type ZendeskSettings = ReturnType<typeof buildSettings>;

let cached: { source: Env; settings: ZendeskSettings } | undefined;

/**
 * Zendesk settings from configuration, built once per loaded configuration (the base-URL
 * template is validated then, not on each call). A bad template throws ZendeskError("invalid_url").
 */
export function zendeskSettings(): ZendeskSettings {
  const source = env();
  // env() is itself parsed once; a new object only after resetEnvForTests().
  if (cached?.source !== source) cached = { source, settings: buildSettings(source) };
  return cached.settings;
}

function buildSettings(e: Env) {
  return Object.freeze({
    ...e.zendesk,
    baseUrlTemplate: validateBaseUrlTemplate(e.zendesk.baseUrlTemplate),
    /** The one redirect URL to register in Zendesk for every client, global or local. */
    callbackUrl: `${e.appUrl}/api/auth/callback/zendesk`,
  });
}
