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

describe("Support records in a seed", () => {
  const users = [
    { id: 1, name: "Owner", email: "owner@example.com", role: "admin" as const, organization_id: 7 },
    { id: 2, name: "Client", email: "client@example.com", role: "end-user" as const },
  ];

  it("names every record problem: duplicate ids, unknown people, a bad generate block", () => {
    const seed: Seed = {
      instances: [
        {
          subdomain: "records",
          name: "Records",
          users,
          organizations: [
            { id: 7, name: "Seven" },
            { id: 7, name: "Seven again" },
          ],
          tickets: [
            { id: 1, subject: "One", requester_id: 2, assignee_id: 99, comments: [{ body: "hi", author_id: 98 }] },
            { id: 1, subject: "Again", requester_id: 2 },
          ],
          generate: { tickets: -1 },
        },
      ],
    };
    let message = "";
    try {
      parseSeed(seed);
    } catch (error) {
      message = (error as Error).message;
    }
    for (const problem of [
      "duplicate organization id 7",
      "duplicate ticket id 1",
      "no user 99",
      "no user 98",
      "generate.tickets",
    ]) {
      expect(message).toContain(problem);
    }
  });

  it("fills defaults: ticket fields, no organizations, and generate's zeros", () => {
    const parsed = parseSeed({
      instances: [
        {
          subdomain: "records",
          name: "Records",
          users,
          tickets: [{ id: 1, subject: "One", requester_id: 2 }],
          generate: { tickets: 3 },
        },
      ],
    });
    const instance = parsed.instances[0];
    expect(instance?.organizations).toEqual([]);
    expect(instance?.tickets[0]).toMatchObject({
      collaborator_ids: [],
      custom_fields: [],
      comments: [],
      external_id: null,
    });
    expect(instance?.generate).toEqual({ tickets: 3, users: 0, organizations: 0, comments_per_ticket: 0, seed: 1 });
  });
});
