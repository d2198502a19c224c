#!/usr/bin/env node
/*
 * Build-time only (not shipped): compiles src/ui/styles.css with Tailwind 4 into dist/styles.css.
 * Tailwind's own prefix covers the utilities (`zc:`) and the theme variables (`--zc-`); this
 * script then renames Tailwind's internal `--tw-*` properties to `--zc-tw-*` and its keyframes
 * to `zc-*`, and scopes the selectors Tailwind emits for the whole document (`:root, :host` for
 * the theme, `*` for the `@property` fallbacks) to `.zc-root`, so the stylesheet defines nothing
 * outside the package UI.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postcss from "postcss";
import tailwindcss from "@tailwindcss/postcss";

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const sourcePath = path.join(packageDir, "src/ui/styles.css");
export const outputPath = path.join(packageDir, "dist/styles.css");

const ROOT = ".zc-root";
const GLOBAL_SELECTORS = new Map([
  [":root", ROOT],
  [":host", ROOT],
  ["*", `${ROOT}, ${ROOT} *`],
  ["::before", `${ROOT} ::before`],
  [":before", `${ROOT} ::before`],
  ["::after", `${ROOT} ::after`],
  [":after", `${ROOT} ::after`],
  ["::backdrop", `${ROOT} ::backdrop`],
]);

/**
 * Renames `--tw-*` to `--zc-tw-*` and keyframes `x` to `zc-x` (both are global names a host using
 * Tailwind also defines), and moves document-wide selectors under `.zc-root`.
 */
const scopeToRoot = {
  postcssPlugin: "zendesk-connect-scope",
  Once(root) {
    const keyframes = new Set();
    root.walkAtRules("keyframes", (rule) => {
      if (!rule.params.startsWith("zc-")) keyframes.add(rule.params);
    });
    const names = keyframes.size ? new RegExp(`(^|[\\s,])(${[...keyframes].join("|")})(?=[\\s,]|$)`, "g") : null;
    const rename = (text) => text.replace(/--tw-/g, "--zc-tw-");
    root.walkAtRules("keyframes", (rule) => {
      if (keyframes.has(rule.params)) rule.params = `zc-${rule.params}`;
    });
    root.walkAtRules("property", (rule) => {
      rule.params = rename(rule.params);
    });
    root.walkDecls((decl) => {
      decl.prop = rename(decl.prop);
      decl.value = rename(decl.value);
      if (names && (decl.prop.startsWith("--zc-animate-") || /^animation(-name)?$/.test(decl.prop))) {
        decl.value = decl.value.replace(names, "$1zc-$2");
      }
    });
    root.walkRules((rule) => {
      const parts = rule.selectors.map((s) => s.trim());
      if (parts.some((s) => GLOBAL_SELECTORS.has(s))) {
        const scoped = parts.map((s) => GLOBAL_SELECTORS.get(s) ?? s);
        rule.selector = [...new Set(scoped.join(", ").split(", "))].join(", ");
      }
    });
  },
};

/** Compiles the stylesheet; returns the CSS and, unless `write: false`, writes dist/styles.css. */
export async function buildStylesheet({ write = true, minify = true } = {}) {
  const source = await readFile(sourcePath, "utf8");
  const result = await postcss([
    tailwindcss({ base: packageDir, optimize: minify ? { minify: true } : false }),
    scopeToRoot,
  ]).process(source, { from: sourcePath, to: outputPath });
  let css = result.css;
  if (minify) {
    // Tailwind minified before the scoping pass; strip the whitespace that pass reintroduced.
    css = css.replace(/,\s+/g, ",").replace(/\s*\n\s*/g, "");
  }
  if (write) {
    await mkdir(path.dirname(outputPath), { recursive: true });
    await writeFile(outputPath, css);
  }
  return css;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const css = await buildStylesheet();
  console.log(`${path.relative(process.cwd(), outputPath)}: ${(Buffer.byteLength(css) / 1024).toFixed(1)} kB`);
}
