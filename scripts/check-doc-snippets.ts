// `npm run docs:check`: every TypeScript block (```ts / ```tsx) in README.md, docs/ and the
// packages' READMEs is type-checked against the packages' public types (their built entries, as
// an adopter imports them), so a documented import or call cannot drift from the code.
// The blocks are written under .data/, so packages resolve from the repository's node_modules.
// Names a snippet leaves to the reader's own code (a session reader, a connection id) are
// declared in scripts/doc-snippets/context.d.ts; `@/lib/zendesk-connect` stands for the host's
// config module, as in docs/adopting.md.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import path from "node:path";

const root = process.cwd();
const out = path.join(root, ".data", "doc-snippets");

function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.name === "node_modules" || entry.name === "dist"
        ? []
        : entry.isDirectory()
          ? walk(path.join(dir, entry.name))
          : entry.name.endsWith(".md")
            ? [path.join(dir, entry.name)]
            : [],
    );
  return ["README.md", ...walk("docs"), ...walk("packages")];
}

interface Snippet {
  file: string;
  line: number;
  lang: "ts" | "tsx";
  code: string;
}

function snippets(file: string): Snippet[] {
  const found: Snippet[] = [];
  const lines = readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|tsx|typescript)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end]!.startsWith("```")) end++;
    found.push({
      file,
      line: start + 1,
      lang: open[1] === "tsx" ? "tsx" : "ts",
      code: lines.slice(start, end).join("\n"),
    });
    i = end;
  }
  return found;
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const all = markdownFiles().flatMap(snippets);
const origin = new Map<string, Snippet>();
// Sibling files a block imports as the reader's own (`./actions` beside a page), declared only.
const SIBLINGS: Record<string, string> = {
  "./actions": `export declare const zendeskAction: import("@zendesk-connect/next/ui").SettingsAction;\n`,
};
all.forEach((snippet, index) => {
  const dir = `snippet-${String(index).padStart(3, "0")}`;
  const name = `${dir}/index.${snippet.lang}`;
  origin.set(name, snippet);
  mkdirSync(path.join(out, dir));
  // Each block is its own module: its names never clash with another block's.
  writeFileSync(path.join(out, name), `${snippet.code}\nexport {};\n`);
  for (const [specifier, stub] of Object.entries(SIBLINGS))
    if (snippet.code.includes(`"${specifier}"`)) writeFileSync(path.join(out, dir, `${specifier.slice(2)}.ts`), stub);
});
copyFileSync(path.join(root, "scripts", "doc-snippets", "context.d.ts"), path.join(out, "context.d.ts"));
writeFileSync(
  path.join(out, "tsconfig.json"),
  JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      lib: ["dom", "esnext"],
      module: "esnext",
      moduleResolution: "bundler",
      jsx: "react-jsx",
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ["node"],
    },
    include: ["./*.ts", "./*/*.ts", "./*/*.tsx"],
  }),
);

let output = "";
try {
  execFileSync(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", out], {
    encoding: "utf8",
  });
} catch (error) {
  output = String((error as { stdout?: string }).stdout ?? error);
}
// Map "snippet-007/index.ts(3,5): error …" back to the Markdown file and line.
const problems = output
  .split("\n")
  .filter((line) => /error TS\d+/.test(line))
  .map((line) => {
    const m = /(snippet-\d+\/index\.tsx?)\((\d+),(\d+)\): (.*)$/.exec(line);
    const snippet = m ? origin.get(m[1]!) : undefined;
    return snippet && m ? `${snippet.file}:${snippet.line + Number(m[2]) - 1}: ${m[4]}` : line;
  });
if (problems.length > 0) {
  console.error(`docs:check: ${problems.length} problem(s) in the documentation's TypeScript blocks:`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
console.log(`docs:check: ${all.length} TypeScript blocks in ${new Set(all.map((s) => s.file)).size} files type-check`);
