import { after } from "next/server";
import { configure } from "../config/configure.js";
import type { ZendeskHost } from "../host.js";
import { registerRequestAfter } from "../runtime/request-after.js";
import { zendeskSettings } from "../transport/settings.js";
import { SETTINGS_ACTIONS, type SettingsActionName } from "./actions.js";
import type { FormState } from "./forms.js";
import { dispatch } from "./handlers.js";

/*
 * @zendesk-connect/next/routes: what a host mounts in its App Router. One factory, like
 * NextAuth(config): it returns the route handlers for one catch-all route file and the
 * settings page's actions, both bound to the host seam.
 */

registerRequestAfter(after);

export interface ZendeskConnectConfig {
  /** Who is signed in, in which workspace, may they manage, where to sign in, display names. */
  host: ZendeskHost;
  /**
   * Where the catch-all route file lives; default "/api/zendesk-connect" (or
   * ZENDESK_CONNECT_BASE_PATH). The OAuth callback is `{basePath}/callback/zendesk`: register
   * `{APP_URL}{basePath}/callback/zendesk` as the redirect URL of your Zendesk OAuth client.
   */
  basePath?: string;
  /** The page that renders <ZendeskSettings>; default "/settings/integrations" (or ZENDESK_CONNECT_SETTINGS_PATH). */
  settingsPath?: string;
}

export interface ZendeskConnect {
  host: ZendeskHost;
  /** For `export const { GET, POST } = zendeskConnect.handlers` in `app/{basePath}/[...zendesk]/route.ts`. */
  handlers: { GET(request: Request): Promise<Response>; POST(request: Request): Promise<Response> };
  /**
   * Runs a settings-page action for the signed-in member. Call it from the host's one server
   * action (a "use server" file), which <ZendeskSettings action={…}> hands to its forms.
   */
  runAction(name: string, previous: FormState, formData: FormData): Promise<FormState>;
  /** The settings resolved from configuration (paths, callback URL), for display. */
  paths(): { basePath: string; settingsPath: string; callbackUrl: string };
}

export function createZendeskConnect(config: ZendeskConnectConfig): ZendeskConnect {
  const overrides: Record<string, string> = {};
  if (config.basePath) overrides.ZENDESK_CONNECT_BASE_PATH = config.basePath.replace(/\/+$/, "");
  if (config.settingsPath) overrides.ZENDESK_CONNECT_SETTINGS_PATH = config.settingsPath.replace(/\/+$/, "");
  if (Object.keys(overrides).length > 0) configure({ env: overrides });
  const { host } = config;
  return {
    host,
    handlers: {
      GET: (request) => dispatch("GET", request, host),
      POST: (request) => dispatch("POST", request, host),
    },
    async runAction(name, previous, formData) {
      const action = Object.hasOwn(SETTINGS_ACTIONS, name) ? SETTINGS_ACTIONS[name as SettingsActionName] : undefined;
      if (!action) return { ok: false, code: "invalid_request", error: "That action does not exist." };
      return action(host, previous, formData);
    },
    paths() {
      const s = zendeskSettings();
      return { basePath: s.basePath, settingsPath: s.settingsPath, callbackUrl: s.callbackUrl };
    },
  };
}

export type { ZendeskHost, HostMember } from "../host.js";
/** The form pipeline the settings actions use, for a host's own forms too (useActionState state, zod parsing). */
export { type FormState, parseForm } from "./forms.js";
export type { SettingsActionName } from "./actions.js";
