import { isIPv4, isIPv6 } from "node:net";

/*
 * The client address that throttling counts against. It is the TCP peer's address unless
 * TRUSTED_PROXY_HOPS says how many proxies in front of the app append to X-Forwarded-For; then
 * it is the entry that many hops left of the peer (entries further left are the client's own
 * claims and are ignored). IPv6 addresses count per /64, the block one subscriber usually gets.
 */

/**
 * Set on every request by the Node server hook (./peer-address.ts) to the socket's address,
 * overwriting anything the client sent. Next's own server copies the socket address into
 * X-Forwarded-For only when the client sent none, so that header alone cannot be trusted.
 */
export const PEER_ADDRESS_HEADER = "x-zendesk-connect-peer";

/** The key when the socket's address is unknown: one shared bucket, never a client-chosen one. */
export const UNKNOWN_CLIENT = "unknown";

export function clientAddress(headers: Headers, trustedProxyHops: number): string {
  const peer = headers.get(PEER_ADDRESS_HEADER)?.trim();
  // Without the socket stamp every X-Forwarded-For entry may be the client's own (Next copies the
  // socket address there only when the client sent none): nothing here can be trusted.
  if (!peer) return UNKNOWN_CLIENT;
  const forwarded = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const chain = [...forwarded, peer];
  const hops = Math.max(0, Math.floor(trustedProxyHops));
  const index = chain.length - 1 - hops;
  // Fewer entries than trusted hops: the request did not come through every proxy (or the chain
  // is the client's own), so only the socket's address is known to be true.
  return normaliseAddress(index >= 0 ? chain[index]! : peer);
}

export function normaliseAddress(raw: string): string {
  let value = raw.trim().toLowerCase();
  // "[2001:db8::1]:443" and "203.0.113.7:5000", as some proxies write them.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) value = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(":"));
  value = value.replace(/%.*$/, ""); // zone id
  if (value.startsWith("::ffff:") && isIPv4(value.slice(7))) return value.slice(7);
  if (isIPv4(value)) return value;
  if (isIPv6(value)) return `${ipv6Prefix64(value)}::/64`;
  // Not an address (a misconfigured proxy): still a stable, bounded key.
  return `other:${value.slice(0, 64)}`;
}

function ipv6Prefix64(address: string): string {
  const [head = "", tail] = address.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  // An embedded IPv4 tail ("::1.2.3.4") takes two groups; only the first four matter here.
  const tailCount = tailGroups.reduce((n, g) => n + (g.includes(".") ? 2 : 1), 0);
  const groups =
    tail === undefined
      ? headGroups
      : [...headGroups, ...Array<string>(Math.max(0, 8 - headGroups.length - tailCount)).fill("0"), ...tailGroups];
  return groups
    .slice(0, 4)
    .map((g) => (g.includes(".") ? "0" : g.replace(/^0+(?=.)/, "")))
    .join(":");
}
