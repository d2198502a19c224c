// Runs once when a server process starts: a bad configuration or database stops it here.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // OpenTelemetry first, so the start-up below and every request are traced: only when OTEL_*
  // names an endpoint (the package's starter returns at once otherwise and loads no SDK).
  // Next's own server spans then go to the same SDK.
  await (await import("@zendesk-connect/next/telemetry")).startTelemetry({ serviceName: "zendesk-connect-app" });
  // Before any request: throttling needs each request's socket address.
  (await import("@/lib/throttle/peer-address")).stampPeerAddresses();
  const { prepareServerOrExit } = await import("@/lib/startup");
  await prepareServerOrExit();
}
