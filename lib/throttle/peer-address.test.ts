import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { PEER_ADDRESS_HEADER } from "./client-address";
import { stampPeerAddresses } from "./peer-address";

/*
 * Every kind of Node server Next may run on stamps the socket's address over a client-sent header
 * (issue #22: only http.Server was hooked, so https and HTTP/2 let the client choose its key).
 */

stampPeerAddresses();

type FakeRequest = { socket: { remoteAddress?: string }; headers: Record<string, string | undefined> };

function emitFake(server: { emit: (event: string, ...args: unknown[]) => boolean }): FakeRequest {
  const request: FakeRequest = {
    socket: { remoteAddress: "198.51.100.7" },
    headers: { [PEER_ADDRESS_HEADER]: "6.6.6.6" },
  };
  server.emit("request", request, {});
  return request;
}

describe("stampPeerAddresses", () => {
  it.each([
    ["http.Server", () => http.createServer()],
    ["https.Server", () => https.createServer()],
    ["HTTP/2 cleartext", () => http2.createServer()],
    ["HTTP/2 over TLS", () => http2.createSecureServer()],
  ])("%s: the socket's address replaces a client-sent stamp", (_name, create) => {
    const server = create() as unknown as { emit: (event: string, ...args: unknown[]) => boolean };
    expect(emitFake(server).headers[PEER_ADDRESS_HEADER]).toBe("198.51.100.7");
  });

  it("over a real HTTP/2 connection the handler sees the socket's address, not the client's header", async () => {
    const server = http2.createServer((req, res) => res.end(String(req.headers[PEER_ADDRESS_HEADER])));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const client = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = client.request({ ":path": "/", [PEER_ADDRESS_HEADER]: "6.6.6.6" });
        let text = "";
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => (text += chunk));
        req.on("end", () => resolve(text));
        req.on("error", reject);
        req.end();
      });
      expect(body).toBe("127.0.0.1");
    } finally {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
