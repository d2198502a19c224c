import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import prettier from "eslint-config-prettier/flat";

const config = [
  ...nextVitals,
  ...nextTs,
  // Formatting is Prettier's job (`npm run format`); ESLint keeps to correctness.
  prettier,
  {
    // app/ reaches the Zendesk module through its two front doors only: the server one
    // (lib/zendesk/index.ts) and the client-safe one (lib/zendesk/public.ts).
    files: ["app/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^@/lib/zendesk/(?!public$).+",
              message:
                'Import the Zendesk module from "@/lib/zendesk" (server) or "@/lib/zendesk/public" (client-safe).',
            },
          ],
        },
      ],
    },
  },
  {
    // Dependencies flow app → lib → db → config: the database layer never reaches up.
    files: ["db/**/*.ts", "config/**/*.ts"],
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
