import { describe, expect, it } from "vitest";
import { clientAddress, normaliseAddress, PEER_ADDRESS_HEADER } from "./client-address";

const headers = (forwarded: string | null, peer: string | null) => {
  const h = new Headers();
  if (forwarded !== null) h.set("x-forwarded-for", forwarded);
  if (peer !== null) h.set(PEER_ADDRESS_HEADER, peer);
  return h;
};

describe("clientAddress", () => {
  it("is the socket's address with no trusted proxy, whatever X-Forwarded-For claims", () => {
    expect(clientAddress(headers("203.0.113.9", "198.51.100.7"), 0)).toBe("198.51.100.7");
    expect(clientAddress(headers("1.1.1.1, 2.2.2.2", "198.51.100.7"), 0)).toBe("198.51.100.7");
  });

  it("believes exactly the configured number of proxy hops, from the right", () => {
    // client → proxy A (appends the client) → proxy B (appends A) → app (peer is B).
    const h = headers("6.6.6.6, 203.0.113.9, 10.0.0.2", "10.0.0.3");
    expect(clientAddress(h, 1)).toBe("10.0.0.2");
    expect(clientAddress(h, 2)).toBe("203.0.113.9");
    // A forged leftmost entry is only reached by trusting more hops than exist.
    expect(clientAddress(headers("6.6.6.6, 203.0.113.9", "10.0.0.2"), 1)).toBe("203.0.113.9");
    // A chain shorter than the trusted hops did not come through every proxy: only the socket counts.
    expect(clientAddress(headers("203.0.113.9", "10.0.0.2"), 5)).toBe("10.0.0.2");
    expect(clientAddress(headers("6.6.6.6, 7.7.7.7", "10.0.0.2"), 3)).toBe("10.0.0.2");
  });

  it("never lets the client choose its key without the socket stamp: one fixed key", () => {
    expect(clientAddress(headers("203.0.113.9", null), 0)).toBe("unknown");
    expect(clientAddress(headers("6.6.6.6, 203.0.113.9", null), 1)).toBe("unknown");
    expect(clientAddress(headers(null, null), 0)).toBe("unknown");
  });
});

describe("normaliseAddress", () => {
  it.each([
    ["::ffff:127.0.0.1", "127.0.0.1"],
    ["203.0.113.7:5000", "203.0.113.7"],
    ["[2001:db8::1]:443", "2001:db8:0:0::/64"],
    ["2001:DB8:0:0:1234:5678:9abc:def0", "2001:db8:0:0::/64"],
    ["2001:db8:0:0:ffff::1", "2001:db8:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["not an address", "other:not an address"],
  ])("%s → %s", (input, expected) => {
    expect(normaliseAddress(input)).toBe(expected);
  });

  it("puts every address of one /64 in one bucket", () => {
    expect(normaliseAddress("2001:db8:1:2:aaaa::1")).toBe(normaliseAddress("2001:db8:1:2:bbbb:cccc:dddd:eeee"));
    expect(normaliseAddress("2001:db8:1:2::1")).not.toBe(normaliseAddress("2001:db8:1:3::1"));
  });
});
