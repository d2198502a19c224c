import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import prettier from "eslint-config-prettier/flat";

const config = [
  ...nextVitals,
  ...nextTs,
  // Formatting is Prettier's job (`npm run format`); ESLint keeps to correctness.
  prettier,
  {
    // The reference app is a host like any other: it reaches the package through its public
    // entries only (@zendesk-connect/next, /routes, /ui, /catalogue, /schema), never its sources.
    files: ["app/**/*.{ts,tsx}", "lib/**/*.{ts,tsx}", "db/**/*.ts", "config/**/*.ts", "proxy.ts", "instrumentation.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex:
                "^(@pkg/|(\\.\\./)+packages/|@zendesk-connect/next/(?!(routes|ui|catalogue|schema|styles\\.css)$))",
              message: "Import @zendesk-connect/next through its public entries (/routes, /ui, /catalogue, /schema).",
            },
          ],
        },
      ],
    },
  },
  {
    // A package's boundary is its public entries: nothing inside it imports the app that hosts it.
    files: ["packages/*/src/**/*.{ts,tsx}"],
    ignores: ["**/*.test.ts", "**/*.test.tsx", "packages/zendesk-simulator/src/test-support.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "^(@/|@pkg/)", message: "A package never imports its host (or the repository's test harness)." },
            { regex: "^next-auth", message: "The package runs its own @auth/core; next-auth is the host's choice." },
          ],
        },
      ],
    },
  },
  {
    // Dependencies flow app → lib → db → config: the database layer never reaches up.
    files: ["db/**/*.ts", "config/**/*.ts"],
    ignores: [],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "^@/(lib|app|testing)(/|$)", message: "db/ and config/ sit below lib/: pass what they need in." },
          ],
        },
      ],
    },
  },
  {
    ignores: [
      ".next/**",
      ".next-bench/**",
      ".data/**",
      "node_modules/**",
      "next-env.d.ts",
      "db/migrations/**",
      "packages/*/dist/**",
    ],
  },
];

export default config;
