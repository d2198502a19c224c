"use server";
import type { FormState } from "@zendesk-connect/next/routes";
import { zendeskConnect } from "@/lib/zendesk";

/** The settings page's one server action: every Zendesk form calls it with its own name. */
export async function zendeskAction(name: string, previous: FormState, formData: FormData) {
  return zendeskConnect.runAction(name, previous, formData);
}
