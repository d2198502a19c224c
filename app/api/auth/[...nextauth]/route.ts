import { handlers } from "@/lib/auth/auth";

// The app's own sign-in (Auth.js). Zendesk connects never come here: they have their own routes.
export const { GET, POST } = handlers;
