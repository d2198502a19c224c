/** Applies Zendesk Connect's migrations once, when the server starts (never in the edge runtime). */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { migrate } = await import("@zendesk-connect/next");
  await migrate();
}
