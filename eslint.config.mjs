import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import prettier from "eslint-config-prettier/flat";

export default [
  ...nextVitals,
  ...nextTs,
  // Formatting is Prettier's job (`npm run format`); ESLint keeps to correctness.
  prettier,
  { ignores: [".next/**", ".next-bench/**", ".data/**", "node_modules/**", "next-env.d.ts", "db/migrations/**"] },
];
