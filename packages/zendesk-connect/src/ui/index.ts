/*
 * @zendesk-connect/next/ui: the settings page as server components with client islands, and
 * the troubleshooting page. Styled by @zendesk-connect/next/styles.css (prefixed: nothing is
 * needed from the host's CSS, nothing leaks into it); dark mode follows the host's `dark`
 * class or, without one, the system setting.
 */
import { after } from "next/server";
import { registerRequestAfter } from "../runtime/request-after.js";

registerRequestAfter(after);

export { ZendeskSettings, type ZendeskSettingsProps } from "./settings-page.js";
export { ZendeskHelp } from "./help-page.js";
export type { SettingsAction } from "./settings-action.js";
