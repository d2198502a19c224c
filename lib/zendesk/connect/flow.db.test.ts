import { describe, expect, it } from "vitest";
import { settleAfterResponse } from "@/lib/after-response";
import { setupTestDatabase } from "@/testing/database";
import { connectThroughCallback } from "@/testing/connect-flow";
import { createTestAccount, setupZendeskSimulator, storedConnection } from "@/testing/zendesk";

setupTestDatabase();
const fixture = setupZendeskSimulator();

describe("probe", () => {
  it("connects through the callback", async () => {
    const account = await createTestAccount();
    const outcome = await connectThroughCallback(fixture.sim, account);
    console.log(outcome);
    await settleAfterResponse();
  });
});
