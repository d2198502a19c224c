import "server-only";
import { createZendeskConnect } from "@zendesk-connect/next/routes";
import { appZendeskHost } from "@/lib/auth/zendesk-host";

/** The app's one Zendesk Connect: its routes under /api/zendesk-connect, its page at /settings/integrations. */
export const zendeskConnect = createZendeskConnect({ host: appZendeskHost });
