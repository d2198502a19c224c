import { type Env, env } from "../config/env.js";
import { validateBaseUrlTemplate, zendeskOriginSource } from "./urls.js";

/** The OAuth callback under the base path: Auth.js's `{basePath}/callback/{provider}`. */
export const CALLBACK_SUFFIX = "/callback/zendesk";

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
    callbackUrl: `${e.appUrl}${e.basePath}${CALLBACK_SUFFIX}`,
    /** Where the package's routes are mounted (route handlers, the OAuth callback). */
    basePath: e.basePath,
    /** The host's page that renders the settings (the callback returns there). */
    settingsPath: e.settingsPath,
  });
}

/** The CSP source of the Zendesk instances Connect sends the browser to: add it to a host's `form-action`. */
export function zendeskCspSource(): string {
  return zendeskOriginSource(zendeskSettings().baseUrlTemplate);
}
