import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import { PEER_ADDRESS_HEADER } from "./client-address";

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
type Stampable = { emit: Emit; __peerStamp?: true };
type IncomingRequest = { socket?: { remoteAddress?: string }; headers: Record<string, unknown> };

/**
 * Stamps every incoming request with its socket's address (see client-address.ts). Next gives
 * route handlers and server actions no access to the socket, so this hooks Node's servers once per
 * process, from instrumentation.ts: http, https and both HTTP/2 servers (each inherits `emit` from
 * EventEmitter, so each prototype gets its own hook). A client-sent header of the same name is
 * replaced; a request with no socket address loses it (client-address.ts then uses a fixed key).
 */
export function stampPeerAddresses(): void {
  for (const proto of serverPrototypes()) {
    if (proto.__peerStamp) continue;
    const emit = proto.emit;
    proto.emit = function (event, ...args) {
      if (event === "request") {
        const request = args[0] as IncomingRequest;
        const address = request.socket?.remoteAddress;
        if (address) request.headers[PEER_ADDRESS_HEADER] = address;
        else delete request.headers[PEER_ADDRESS_HEADER];
      }
      return emit.call(this, event, ...args);
    };
    proto.__peerStamp = true;
  }
}

function serverPrototypes(): Stampable[] {
  // The HTTP/2 server classes are not exported: their prototypes come from unstarted instances.
  return [
    http.Server.prototype,
    https.Server.prototype,
    Object.getPrototypeOf(http2.createServer()),
    Object.getPrototypeOf(http2.createSecureServer()),
  ] as unknown as Stampable[];
}
