import { zendeskConnect } from "@/lib/zendesk";

export const { GET, POST } = zendeskConnect.handlers;
