import net from "node:net";

/*
 * A TCP proxy between the Next server and Postgres that counts the statements the server sends.
 * The app has no endpoint that reports its query count (and must not get one for a benchmark),
 * so the count is taken on the wire: every frontend Execute ('E', extended protocol: what
 * postgres.js uses) or Query ('Q', simple protocol) message is one statement. The bench sends
 * one HTTP request at a time, so the counter's delta over a request is that request's queries.
 * It only reads the client-to-server direction and forwards every byte unchanged.
 */

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

export interface WireCounter {
  port: number;
  /** Statements (Execute + simple Query messages) seen since the proxy started. */
  statements(): number;
  close(): Promise<void>;
}

export async function startPgWireCounter(target: { host: string; port: number }): Promise<WireCounter> {
  let statements = 0;
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    let startup = true;
    let buffer: Buffer = Buffer.alloc(0);

    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      for (;;) {
        if (startup) {
          // Startup, SSL and GSS requests have no type byte: int32 length, int32 code.
          if (buffer.length < 8) break;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) break;
          const code = buffer.readInt32BE(4);
          buffer = buffer.subarray(length);
          if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) startup = false;
          continue;
        }
        if (buffer.length < 5) break;
        const type = String.fromCharCode(buffer[0]!);
        const length = buffer.readInt32BE(1);
        if (buffer.length < 1 + length) break;
        if (type === "E" || type === "Q") statements += 1;
        buffer = buffer.subarray(1 + length);
      }
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the wire counter has no port");
  return {
    port: address.port,
    statements: () => statements,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
