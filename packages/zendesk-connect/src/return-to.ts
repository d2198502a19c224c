/**
 * Returns a same-origin relative path to send a user back to, or the fallback. Only paths
 * like "/settings?x=1" pass: never another origin ("//evil.com", "/\\evil.com", "https://…").
 * Both the input and the normalised output are checked: dot segments can collapse a harmless
 * path into a protocol-relative one ("/.//evil.com" normalises to "//evil.com").
 */
export function safeReturnTo(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) return fallback;
  if (!isLocalPath(value)) return fallback;
  const normalised = normalise(value);
  // The result must be a fixed point: what a browser would make of it is exactly itself.
  if (normalised === undefined || !isLocalPath(normalised) || normalise(normalised) !== normalised) return fallback;
  return normalised;
}

const BASE = "http://return-to.invalid";

function isLocalPath(path: string): boolean {
  if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return false;
  // Control characters and backslashes are normalised by browsers into surprising URLs.
  return !/[\u0000-\u001f\u007f\\]/.test(path);
}

function normalise(path: string): string | undefined {
  try {
    const url = new URL(path, BASE);
    if (url.origin !== BASE) return undefined;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return undefined;
  }
}
