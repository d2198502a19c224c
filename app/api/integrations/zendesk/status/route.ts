import { currentWorkspace } from "@/lib/auth/session";
import { statusReport } from "@/lib/zendesk";

// GET /api/integrations/zendesk/status: the signed-in user's workspace connections, for the
// host app to poll (a banner when one needs reconnecting, say). Members may read it too.
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const context = await currentWorkspace();
  if (!context)
    return Response.json({ error: "unauthorized", message: "Sign in to read integration status" }, { status: 401 });
  const report = await statusReport(context.workspace.id);
  return Response.json(
    { workspace: { id: context.workspace.id, name: context.workspace.name }, ...report },
    { headers: { "Cache-Control": "no-store" } },
  );
}
