// Kept at this path for callers that run `tsx db/seed.ts`; the seed itself is an app-level
// script (it creates accounts through lib/accounts), so it lives in scripts/seed.ts.
import { runSeed } from "../scripts/seed";

await runSeed();
