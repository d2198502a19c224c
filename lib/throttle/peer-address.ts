import http from "node:http";
import { PEER_ADDRESS_HEADER } from "./client-address";

type Emit = (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;

/**
 * Stamps every incoming request with its socket's address (see client-address.ts). Next gives
 * route handlers and server actions no access to the socket, so this hooks Node's HTTP server
 * once per process, from instrumentation.ts. A client-sent header of the same name is replaced.
 */
export function stampPeerAddresses(): void {
  const proto = http.Server.prototype as unknown as { emit: Emit; __peerStamp?: true };
  if (proto.__peerStamp) return;
  const emit = proto.emit;
  proto.emit = function (event, ...args) {
    if (event === "request") {
      const request = args[0] as http.IncomingMessage;
      const address = request.socket?.remoteAddress;
      if (address) request.headers[PEER_ADDRESS_HEADER] = address;
      else delete request.headers[PEER_ADDRESS_HEADER];
    }
    return emit.call(this, event, ...args);
  };
  proto.__peerStamp = true;
}
