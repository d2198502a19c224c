// Runs once when a server process starts: a bad configuration or database stops it here.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { prepareServerOrExit } = await import("@/lib/startup");
  await prepareServerOrExit();
}
