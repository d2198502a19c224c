import type { Metadata } from "next";
import { ZendeskSettings } from "@zendesk-connect/next/ui";
import { zendeskConnect } from "@/lib/zendesk-connect";
import { zendeskAction } from "./actions";

export const metadata: Metadata = { title: "Integrations" };

export default function IntegrationsPage({ searchParams }: PageProps<"/settings/integrations">) {
  return <ZendeskSettings connect={zendeskConnect} action={zendeskAction} searchParams={searchParams} />;
}
