// A local OTLP/HTTP receiver in its own process (as a collector would be) for scenario 9: prints
// "listening <url>" and then counts what arrives; GET /count answers {"spans": n}.
import { startOtlpReceiver } from "@/testing/otlp-receiver";
import { createServer } from "node:http";

const receiver = await startOtlpReceiver();
const control = createServer((_request, response) => {
  response
    .writeHead(200, { "content-type": "application/json" })
    .end(JSON.stringify({ spans: receiver.spans().length }));
});
await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
const port = (control.address() as { port: number }).port;
process.stdout.write(`listening ${receiver.url} http://127.0.0.1:${port}\n`);
process.once("SIGTERM", () => {
  void receiver.close().then(() => process.exit(0));
});
