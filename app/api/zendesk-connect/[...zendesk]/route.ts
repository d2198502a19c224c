import { zendeskConnect } from "@/lib/zendesk-connect";

// Zendesk Connect's routes: the OAuth callback, status, the subdomain check and the cron keep-alive.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const { GET, POST } = zendeskConnect.handlers;
