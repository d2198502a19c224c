import "server-only";
import { env } from "@/config/env";
import { validateBaseUrlTemplate } from "@/lib/zendesk/transport/urls";

/** Zendesk settings from configuration, with the base-URL template validated once. */
export function zendeskSettings() {
  const e = env();
  return {
    ...e.zendesk,
    baseUrlTemplate: validateBaseUrlTemplate(e.zendesk.baseUrlTemplate),
    /** The one redirect URL to register in Zendesk for every client, global or local. */
    callbackUrl: `${e.appUrl}/api/auth/callback/zendesk`,
  };
}
