import { SimulatorControl } from "@zendesk-connect/simulator";
import { allowRedirectUrl } from "../scripts/simulator-redirect";
import { E2E_ENV, E2E_SIM_PORT } from "./env";

// Runs after the web servers are up. Refuses to run against anything but a local, throw-away
// database (the suite creates users), and makes the simulator's clients accept the app's
// redirect URL on whatever port E2E_APP_PORT chose.
export default async function globalSetup() {
  const url = process.env.DATABASE_URL;
  if (url) {
    const host = new URL(url).hostname;
    if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) {
      throw new Error(`e2e: refusing to run against a non-local database (${host})`);
    }
  }
  await allowRedirectUrl(new SimulatorControl(`http://127.0.0.1:${E2E_SIM_PORT}`), E2E_ENV.APP_URL!);
}
