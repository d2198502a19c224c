import type { NextRequest } from "next/server";
import { handlers } from "@/lib/auth/auth";
import { appZendeskHost } from "@/lib/auth/zendesk-host";
import { handleZendeskCallback } from "@/lib/zendesk";

export const { POST } = handlers;

export function GET(request: NextRequest) {
  // Zendesk's callback runs inside its connect flow; everything else is plain Auth.js.
  if (request.nextUrl.pathname === "/api/auth/callback/zendesk")
    return handleZendeskCallback(request, handlers.GET, appZendeskHost);
  return handlers.GET(request);
}
