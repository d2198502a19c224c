import { ZendeskSettings } from "@zendesk-connect/next/ui";
import "@zendesk-connect/next/styles.css";
import { zendeskConnect } from "@/lib/zendesk";
import { zendeskAction } from "./actions";

export default function IntegrationsPage(props: PageProps<"/settings/integrations">) {
  return <ZendeskSettings connect={zendeskConnect} action={zendeskAction} searchParams={props.searchParams} />;
}
