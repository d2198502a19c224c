"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { signOut } from "@/lib/auth/auth";
import { currentWorkspace, WORKSPACE_COOKIE } from "@/lib/auth/session";

/** Ends the app session. */
export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/login" });
}

/** Makes another of the user's workspaces current; a workspace they don't belong to is ignored. */
export async function switchWorkspaceAction(formData: FormData): Promise<void> {
  const parsed = z.object({ workspaceId: z.uuid() }).safeParse({ workspaceId: formData.get("workspaceId") });
  const context = await currentWorkspace();
  if (!context) redirect("/login");
  if (parsed.success && context.memberships.some((m) => m.workspaceId === parsed.data.workspaceId)) {
    (await cookies()).set(WORKSPACE_COOKIE, parsed.data.workspaceId, {
      httpOnly: true,
      sameSite: "lax",
      path: "/",
      secure: process.env.NODE_ENV === "production" && !process.env.APP_URL?.startsWith("http://"),
    });
  }
  redirect("/settings/integrations");
}
