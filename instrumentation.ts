// Runs once when a server process starts: a bad configuration or database stops it here.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // Before any request: throttling needs each request's socket address.
  (await import("@/lib/throttle/peer-address")).stampPeerAddresses();
  const { prepareServerOrExit } = await import("@/lib/startup");
  await prepareServerOrExit();
}
