import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postcss, { type AtRule, type Rule } from "postcss";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { buildStylesheet } from "../../scripts/build-css.mjs";

const uiDir = path.dirname(fileURLToPath(import.meta.url));

/**
 * Every class token a component can put in a className: the attribute's string and template
 * parts, followed through conditionals, `${…}` substitutions, element access (`BADGE[s]`) and
 * the same file's constants (`const muted = "…"`), plus a `className = "…"` parameter default.
 */
function classTokens(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const constants = new Map<string, ts.Expression>();
  const declarations = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      constants.set(node.name.text, node.initializer);
    }
    ts.forEachChild(node, declarations);
  };
  declarations(sf);

  const strings: string[] = [];
  const seen = new Set<ts.Node>();
  const collect = (node: ts.Node | undefined): void => {
    if (!node || seen.has(node)) return;
    seen.add(node);
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) strings.push(node.text);
    else if (ts.isTemplateExpression(node)) {
      strings.push(node.head.text, ...node.templateSpans.map((span) => span.literal.text));
      node.templateSpans.forEach((span) => collect(span.expression));
    } else if (ts.isIdentifier(node)) collect(constants.get(node.text));
    else if (ts.isConditionalExpression(node)) [node.whenTrue, node.whenFalse].forEach(collect);
    else if (ts.isBinaryExpression(node)) [node.left, node.right].forEach(collect);
    else if (ts.isObjectLiteralExpression(node)) {
      node.properties.forEach((p) => ts.isPropertyAssignment(p) && collect(p.initializer));
    } else if (
      ts.isElementAccessExpression(node) ||
      ts.isParenthesizedExpression(node) ||
      ts.isJsxExpression(node) ||
      ts.isAsExpression(node)
    ) {
      collect(node.expression);
    } else throw new Error(`${fileName}: className expression not understood: ${node.getText(sf)}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isJsxAttribute(node) && node.name.getText(sf) === "className") collect(node.initializer);
    if (ts.isBindingElement(node) && node.name.getText(sf) === "className") collect(node.initializer);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return strings.flatMap((s) => s.split(/\s+/)).filter(Boolean);
}

/** The class names a selector mentions, unescaped (`.zc\:dark\:bg-x` → `zc:dark:bg-x`). */
function selectorClasses(selector: string): string[] {
  return [...selector.matchAll(/\.((?:\\[0-9a-fA-F]{1,6} ?|\\.|[\w-])+)/g)].map((m) =>
    m[1]!.replace(/\\([0-9a-fA-F]{1,6}) ?|\\(.)/g, (_, hex: string | undefined, ch: string | undefined) =>
      hex ? String.fromCodePoint(parseInt(hex, 16)) : ch!,
    ),
  );
}

/** Removes the argument of every functional pseudo-class: `a:has(b) c:where(.d *)` → `a:has() c:where()`. */
function stripPseudoArguments(selector: string): string {
  let out = "";
  let depth = 0;
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i]!;
    if (ch === "\\") {
      if (depth === 0) out += selector.slice(i, i + 2);
      i++;
    } else if (ch === "(") {
      if (depth++ === 0) out += "(";
    } else if (ch === ")") {
      if (--depth === 0) out += ")";
    } else if (depth === 0) out += ch;
  }
  return out;
}

/**
 * Whether a selector can only match inside the package UI: after dropping pseudo-class
 * arguments (they filter an element, never change which one is matched), some compound names a
 * `zc-`/`zc:` class and only descendant or child combinators follow it to the subject.
 */
function isScoped(selector: string): boolean {
  let s = selector.trim();
  const wrapper = /^:(where|is)\((.*)\)$/.exec(s);
  if (wrapper && stripPseudoArguments(s) === `:${wrapper[1]}()`) {
    return wrapper[2]!.split(",").every(isScoped);
  }
  s = stripPseudoArguments(s).replace(/\s*([>+~])\s*/g, "$1");
  const parts = s.split(/([ >+~])/);
  let scopedFrom = -1;
  parts.forEach((part, i) => {
    if (i % 2 === 0 && /\.zc(-|\\:)/.test(part)) scopedFrom = i;
  });
  if (scopedFrom < 0) return false;
  return parts.slice(scopedFrom + 1).every((part, i) => i % 2 === 1 || part === " " || part === ">");
}

const insideKeyframes = (rule: Rule) =>
  rule.parent?.type === "atrule" && /keyframes$/.test((rule.parent as AtRule).name);

let css: string;
let rules: Rule[];
let defined: Set<string>;

beforeAll(async () => {
  css = await buildStylesheet({ write: false });
  rules = [];
  postcss.parse(css).walkRules((rule) => {
    if (!insideKeyframes(rule)) rules.push(rule);
  });
  defined = new Set(rules.flatMap((rule) => rule.selectors.flatMap(selectorClasses)));
}, 60_000);

describe("@zendesk-connect/next/styles.css", () => {
  const files = readdirSync(uiDir).filter((f) => f.endsWith(".tsx"));
  const used = files.flatMap((f) => classTokens(f, readFileSync(path.join(uiDir, f), "utf8")).map((t) => [f, t]));

  it("reads the class tokens of the components, including constants and conditionals", () => {
    expect(used.length).toBeGreaterThan(300);
    expect(
      classTokens(
        "x.tsx",
        'const m = "a dark:b"; <p className={`c ${ok ? m : "d"} ${MAP[k]}`} />; const MAP = { k: "e" };',
      ).sort(),
    ).toEqual(["a", "c", "d", "dark:b", "e"]);
  });

  it("gives every class a component uses a zc prefix and a rule in the stylesheet", () => {
    const unprefixed = used.filter(([, t]) => !/^zc(:|-root$|-reveal-when-|-hide-when-)/.test(t!));
    expect(unprefixed, "classes without the zc: prefix").toEqual([]);
    const missing = used.filter(([, t]) => !defined.has(t!));
    expect(missing, "classes without a rule in dist/styles.css").toEqual([]);
  });

  it("puts zc-root on the outermost element of both pages", () => {
    for (const page of ["settings-page.tsx", "help-page.tsx"]) {
      expect(classTokens(page, readFileSync(path.join(uiDir, page), "utf8"))).toContain("zc-root");
    }
  });

  it("styles nothing outside the package UI", () => {
    const leaking = rules.flatMap((rule) => rule.selectors).filter((selector) => !isScoped(selector));
    expect(leaking).toEqual([]);
    // The checker itself: document-wide and sibling-escaping selectors are caught.
    for (const bad of [
      "html",
      "body",
      "*",
      "button",
      ":root",
      "form:has(.zc-x) button",
      ".zc-x ~ p",
      ":where(a,.zc-b)",
    ]) {
      expect(isScoped(bad), bad).toBe(false);
    }
  });

  it("defines and reads only --zc-* custom properties, and only zc-* keyframes", () => {
    const root = postcss.parse(css);
    const properties = new Set<string>();
    root.walkDecls((decl) => {
      if (decl.prop.startsWith("--")) properties.add(decl.prop);
      for (const m of decl.value.matchAll(/var\(\s*(--[\w-]+)/g)) properties.add(m[1]!);
    });
    root.walkAtRules("property", (rule) => void properties.add(rule.params.trim()));
    expect(properties.size).toBeGreaterThan(10);
    expect([...properties].filter((p) => !p.startsWith("--zc-"))).toEqual([]);
    const keyframes: string[] = [];
    root.walkAtRules(/keyframes$/, (rule) => void keyframes.push(rule.params));
    expect(keyframes.filter((k) => !k.startsWith("zc-"))).toEqual([]);
  });

  it("follows the host's dark mode: a .dark ancestor, or the system setting unless a .light ancestor", () => {
    const dark = rules.filter((rule) => rule.selectors.some((s) => selectorClasses(s).includes("zc:dark:bg-zinc-900")));
    const byClass = dark.find((rule) => rule.parent?.type === "root" || (rule.parent as AtRule).name === "layer");
    expect(byClass?.selector.replace(/\s+/g, "")).toMatch(/:where\(\.dark,\.dark\*\)$/);
    const bySystem = dark.find(
      (rule) => rule.parent?.type === "atrule" && /prefers-color-scheme:\s*dark/.test((rule.parent as AtRule).params),
    );
    expect(bySystem?.selector.replace(/\s+/g, "")).toMatch(/:where\(:not\(\.light,\.light\*\)\)$/);
  });
});
