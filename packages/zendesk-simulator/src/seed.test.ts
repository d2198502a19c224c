import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSeed, parseSeed } from "./seed.js";
import type { Seed } from "./seed.js";

const REDIRECTS = [
  "http://localhost:3000/api/zendesk-connect/callback/zendesk",
  "http://127.0.0.1:3000/api/zendesk-connect/callback/zendesk",
  "http://localhost:3100/api/zendesk-connect/callback/zendesk",
  "http://127.0.0.1:3100/api/zendesk-connect/callback/zendesk",
];

describe("the bundled seed", () => {
  const seed = loadSeed();

  it("has the documented global client", () => {
    expect(seed.global_clients).toEqual([
      {
        id: 360000001,
        identifier: "zdg-zendesk-connect-dev",
        secret: "dev-global-client-secret",
        name: "Zendesk Connect (dev)",
        kind: "confidential",
        redirect_uris: REDIRECTS,
      },
    ]);
  });

  it("has acme and globex with their local clients, every role, and enough tickets to paginate", () => {
    const clients = Object.fromEntries(
      seed.instances.map((instance) => [
        instance.subdomain,
        instance.clients.map(({ identifier, kind, secret }) => ({ identifier, kind, secret })),
      ]),
    );
    expect(clients.acme).toEqual([
      { identifier: "acme-local-app", kind: "confidential", secret: "acme-local-secret" },
      { identifier: "acme-public-app", kind: "public", secret: undefined },
    ]);
    expect(clients.globex).toEqual([
      { identifier: "globex-connect", kind: "confidential", secret: "globex-local-secret" },
    ]);
    for (const instance of seed.instances) {
      expect(instance.users.map((user) => user.role).sort()).toEqual(["admin", "agent", "end-user"]);
      for (const client of instance.clients) expect(client.redirect_uris).toEqual(REDIRECTS);
    }
    expect(seed.instances.find((instance) => instance.subdomain === "acme")?.tickets).toHaveLength(7);
  });
});

describe("seed validation", () => {
  const minimal: Seed = {
    instances: [
      {
        subdomain: "solo",
        name: "Solo",
        users: [{ id: 1, name: "Sam", email: "sam@solo.example.com", role: "admin" }],
      },
    ],
  };

  it("fills defaults", () => {
    const seed = parseSeed(minimal);
    expect(seed.global_clients).toEqual([]);
    expect(seed.instances[0]).toMatchObject({ plan: "professional", clients: [], tickets: [] });
    expect(seed.instances[0]?.users[0]).toMatchObject({ locale: "en-US", organization_id: null });
  });

  it("explains what is wrong", () => {
    const bad = {
      global_clients: [
        { id: 1, identifier: "not-zdg", name: "x", kind: "confidential", redirect_uris: ["http://localhost/cb"] },
      ],
      instances: [
        { subdomain: "Bad.Sub", name: "x", users: [{ id: 1, name: "n", email: "n@x.example.com", role: "agent" }] },
      ],
    };
    const message = (() => {
      try {
        parseSeed(bad);
        return "";
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain("a confidential client needs a secret");
    expect(message).toContain("→ at instances[0].subdomain");
    expect(message).toContain("an instance needs at least one admin");
    expect(message).toContain("a global client's identifier starts with zdg-");
  });

  it("reads a seed file and reports a broken one with its path", () => {
    const dir = mkdtempSync(join(tmpdir(), "zendesk-sim-seed-"));
    const good = join(dir, "good.json");
    writeFileSync(good, JSON.stringify(minimal));
    expect(loadSeed(good).instances[0]?.subdomain).toBe("solo");
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{");
    expect(() => loadSeed(broken)).toThrow(/broken\.json is not valid JSON/);
  });
});
