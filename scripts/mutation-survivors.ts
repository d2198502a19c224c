// `npm run mutation:survivors [-- <file filter>] [--events <dir>]`: what a mutation run
// (scripts/mutation.ts) left, read from the event recorder's per-mutant results
// (.data/mutation/events, or a copy of it), so a run stopped early can be read too. Per file: the
// counts and the score as Stryker counts it, then each survivor and untested mutant at its exact
// span, as the source reads now. After a `file:lines` run, mutants outside those lines carry the
// verdicts incremental mode reused.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

interface Position {
  line: number;
  column: number;
}
interface MutantTested {
  fileName: string;
  location: { start: Position; end: Position };
  mutatorName: string;
  replacement?: string;
  status: string;
  coveredBy?: string[];
}

const args = process.argv.slice(2);
const at = args.indexOf("--events");
const dir = at === -1 ? ".data/mutation/events" : args.splice(at, 2)[1]!;
const filter = args[0];
const mutants: MutantTested[] = [];
let names: string[];
try {
  names = readdirSync(dir).filter((name) => name.endsWith("-onMutantTested.json"));
} catch {
  console.error(`No mutation results in ${dir}: run \`npm run mutation\` first.`);
  process.exit(1);
}
for (const name of names.sort()) {
  const mutant = JSON.parse(readFileSync(join(dir, name), "utf8")) as MutantTested;
  if (!filter || mutant.fileName.includes(filter)) mutants.push(mutant);
}

const detected = new Set(["Killed", "Timeout"]);
const open = new Set(["Survived", "NoCoverage"]);
// Map.groupBy needs Node 21.
const byFile = new Map<string, MutantTested[]>();
for (const m of mutants) {
  const file = relative(process.cwd(), m.fileName);
  byFile.set(file, [...(byFile.get(file) ?? []), m]);
}
for (const [file, list] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
  const count = (status: string) => list.filter((m) => m.status === status).length;
  const valid = list.filter((m) => detected.has(m.status) || open.has(m.status)).length;
  const score = valid ? ((100 * list.filter((m) => detected.has(m.status)).length) / valid).toFixed(1) : "–";
  console.log(
    `\n${file}: ${valid} tested, ${count("Killed")} killed, ${count("Timeout")} timed out, ` +
      `${count("Survived")} survived, ${count("NoCoverage")} no coverage — ${score} % ` +
      `(also ${count("Ignored")} static, not run; ${count("RuntimeError") + count("CompileError")} errors)`,
  );
  const lines = readFileSync(file, "utf8").split("\n");
  for (const m of list
    .filter((m) => open.has(m.status))
    .sort((a, b) => a.location.start.line - b.location.start.line)) {
    const { start, end } = m.location;
    // Lines are 1-based; columns are 1-based with the end exclusive.
    const span =
      start.line === end.line
        ? lines[start.line - 1]!.slice(start.column - 1, end.column - 1)
        : `${lines[start.line - 1]!.slice(start.column - 1)} …`;
    const shown = span.replace(/\s+/g, " ").trim().slice(0, 110);
    const replacement = (m.replacement ?? "").replace(/\s+/g, " ").trim().slice(0, 60);
    const tests = m.status === "NoCoverage" ? "no test" : `${m.coveredBy?.length ?? 0} tests`;
    console.log(
      `  ${m.status === "NoCoverage" ? "untested" : "survived"} ${start.line}:${start.column} ${m.mutatorName} (${tests})`,
    );
    console.log(`    ${shown}  →  ${replacement}`);
  }
}
