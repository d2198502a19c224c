"use server";
import { redirect } from "next/navigation";
import { startSession } from "@/lib/session";
import { DEMO_PASSWORD, findUserByEmail } from "@/lib/users";

export interface LoginState {
  error?: string;
}

/** Signs in one of the two demo users and goes back to where they were headed (same-site paths only). */
export async function login(_previous: LoginState, formData: FormData): Promise<LoginState> {
  const user = findUserByEmail(String(formData.get("email") ?? ""));
  if (!user || formData.get("password") !== DEMO_PASSWORD) return { error: "Wrong email or password." };
  await startSession(user.id);
  const next = String(formData.get("next") ?? "");
  redirect(/^\/(?![/\\])/.test(next) ? next : "/settings/integrations");
}
