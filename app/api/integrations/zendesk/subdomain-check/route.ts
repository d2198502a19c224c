import { z } from "zod";
import { env } from "@/config/env";
import { sessionUserId } from "@/lib/auth/session";
import { appZendeskHost } from "@/lib/auth/zendesk-host";
import { connectThrottled, throttleSubdomainCheck, tooManyAttemptsMessage } from "@/lib/throttle/attempts";
import {
  checkSubdomain,
  describeError,
  errorSummary,
  instanceUrl,
  subdomainSchema,
  unknownSubdomainMessage,
  zendeskSettings,
} from "@/lib/zendesk";

/*
 * POST /api/integrations/zendesk/subdomain-check {"subdomain": "..."}: the connect form asks,
 * as the subdomain is entered, whether a Zendesk account answers there, so the Connect click
 * need not wait for that round trip (the connect reuses the recorded verdict). The same rules
 * as the connect itself: a signed-in owner or admin, throttled (per user, and refused while the
 * workspace's connects are). A route handler, not a server action, because the browser runs
 * server actions one at a time: the Connect click would queue behind the check instead of
 * joining it.
 */
export const dynamic = "force-dynamic";

const bodySchema = z.object({ subdomain: subdomainSchema });

export async function POST(request: Request): Promise<Response> {
  // A page of this app asks; another site's page never gets an answer (or a probe) from here.
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== new URL(env().appUrl).origin)
    return answer(403, { error: "forbidden", message: "Requests from other sites are refused." });
  const signInFirst = () => answer(401, { error: "unauthorized", message: "Sign in to check a Zendesk address." });
  const userId = await sessionUserId();
  if (!userId) return signInFirst();
  // The attempt is counted while the user's workspace and role are read: one wait, not two.
  const [member, limited] = await Promise.all([appZendeskHost.currentMember(), throttleSubdomainCheck(userId)]);
  if (!member) return signInFirst();
  if (!member.canManageIntegrations)
    return answer(403, { error: "not_allowed", message: describeError("not_allowed").message });

  const parsed = bodySchema.safeParse(await request.json().catch(() => null));
  if (!parsed.success) {
    const issue = parsed.error.issues.find((i) => i.path[0] === "subdomain");
    return answer(400, { error: "invalid_subdomain", message: issue?.message ?? "Enter your Zendesk subdomain." });
  }
  const { subdomain } = parsed.data;
  // Its own count per user, and the workspace's connect throttle: no check while Connect is held back.
  const gate = limited.ok ? await connectThrottled(member.workspaceId) : limited;
  if (!gate.ok)
    return answer(
      429,
      { error: "too_many_attempts", message: tooManyAttemptsMessage(gate.retryAfterSeconds) },
      { "Retry-After": String(Math.ceil(gate.retryAfterSeconds)) },
    );

  const verdict = await checkSubdomain(member.workspaceId, subdomain);
  // The origin the consent page will come from: the form warms a connection to it.
  if (verdict.ok)
    return answer(200, {
      subdomain,
      found: true,
      origin: instanceUrl(subdomain, zendeskSettings().baseUrlTemplate).origin,
    });
  const message =
    verdict.code === "unknown_subdomain" ? unknownSubdomainMessage(subdomain) : errorSummary(verdict.code);
  return answer(200, { subdomain, found: false, code: verdict.code, message });
}

function answer(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { "Cache-Control": "no-store", ...headers } });
}
