"use server";

import type { FormState } from "@zendesk-connect/next/routes";
import { zendeskConnect } from "@/lib/zendesk-connect";

/** The settings page's one server action: <ZendeskSettings> binds each form's name to it. */
export async function zendeskAction(name: string, previous: FormState, formData: FormData): Promise<FormState> {
  return zendeskConnect.runAction(name, previous, formData);
}
