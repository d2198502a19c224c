import { gzipSync } from "node:zlib";
import type { BenchBrowser } from "../support/http-client";
import { ratio } from "../support/stats";

/*
 * Scenario 5, client JavaScript: every script chunk the HTML document of a page references (its
 * <script> tags and the client-component chunks named in the inline RSC payload), fetched from
 * the production build and gzipped at zlib's default level (what `next start` compresses with).
 * The baseline is the emptiest page of the same build: the built-in 404 page, which renders
 * only the root layout (the app has no empty page, and the bench adds none).
 */

export interface PageJs {
  path: string;
  status: number;
  chunks: number;
  rawBytes: number;
  gzipBytes: number;
}

export interface ClientJsResult {
  page: PageJs;
  empty: PageJs;
  /** Chunks only the page loads (not the empty page). */
  pageOnly: { chunks: number; rawBytes: number; gzipBytes: number };
  ratio: number | null;
  largestPageOnly: { chunk: string; gzipBytes: number; contains: string[] }[];
}

// Libraries worth naming when a page ships them (chunk names are content hashes).
const LIBRARY_SIGNATURES: [string, RegExp][] = [
  ["zod", /ZodError|\$ZodType/],
  ["next-auth", /next-auth|@auth\/core/],
  ["drizzle-orm", /drizzle-orm/],
];

const CHUNK = /(?:\/_next\/)?static\/(?:chunks|[A-Za-z0-9_-]+)\/[A-Za-z0-9_\-./~%]+?\.js(?![A-Za-z0-9])/g;

function chunkPaths(html: string): string[] {
  return [
    ...new Set([...html.matchAll(CHUNK)].map((m) => (m[0].startsWith("/_next/") ? m[0] : `/_next/${m[0]}`))),
  ].sort();
}

export async function clientJs(
  appUrl: string,
  browser: BenchBrowser,
  pagePath: string,
  emptyPath: string,
): Promise<ClientJsResult> {
  const sizes = new Map<string, { raw: number; gzip: number; contains: string[] }>();
  const measure = async (path: string): Promise<{ page: PageJs; chunks: string[] }> => {
    const document = await browser.request(`${appUrl}${path}`);
    const chunks = chunkPaths(document.body);
    for (const chunk of chunks) {
      if (sizes.has(chunk)) continue;
      const response = await fetch(`${appUrl}${chunk}`);
      if (response.status !== 200) throw new Error(`${chunk} answered ${response.status}`);
      const body = Buffer.from(await response.arrayBuffer());
      const text = body.toString("utf8");
      const contains = LIBRARY_SIGNATURES.filter(([, signature]) => signature.test(text)).map(([name]) => name);
      sizes.set(chunk, { raw: body.length, gzip: gzipSync(body).length, contains });
    }
    const sum = (key: "raw" | "gzip") => chunks.reduce((n, c) => n + sizes.get(c)![key], 0);
    return {
      page: { path, status: document.status, chunks: chunks.length, rawBytes: sum("raw"), gzipBytes: sum("gzip") },
      chunks,
    };
  };
  const page = await measure(pagePath);
  const empty = await measure(emptyPath);
  if (page.page.status !== 200) throw new Error(`${pagePath} answered ${page.page.status}`);
  const emptySet = new Set(empty.chunks);
  const only = page.chunks.filter((c) => !emptySet.has(c));
  return {
    page: page.page,
    empty: empty.page,
    pageOnly: {
      chunks: only.length,
      rawBytes: only.reduce((n, c) => n + sizes.get(c)!.raw, 0),
      gzipBytes: only.reduce((n, c) => n + sizes.get(c)!.gzip, 0),
    },
    ratio: ratio(page.page.gzipBytes, empty.page.gzipBytes),
    largestPageOnly: only
      .map((chunk) => ({ chunk, gzipBytes: sizes.get(chunk)!.gzip, contains: sizes.get(chunk)!.contains }))
      .sort((a, b) => b.gzipBytes - a.gzipBytes)
      .slice(0, 5),
  };
}
