// The raw-socket CEILING of bench/http.mjs: a `node:net` server that answers every request with
// the same pre-encoded bytes k-demo sends for GET /hello, and does nothing else. It is not an
// HTTP server and must never be used as one: it does not parse the request (no method, target,
// header or body handling, no Connection: close, no limits). It counts request terminators
// ("\r\n\r\n", also when one is split across reads) in each read and answers that many requests
// with ONE socket write. So its req/s is what Node's socket layer allows for this exchange on
// this machine: an upper bound for any Node-hosted server, k-demo included (issue 14's
// "0.9 of the ceiling" target). bench/http.mjs runs it for the /hello configurations only.
//
// The response is byte for byte k-demo's /hello (same header names, order and case, same
// Content-Length 13 and body), with the Date value re-encoded once a second as real servers do
// (IMF-fixdate has a fixed length, so the size never changes). Any request gets it, whatever
// its target.
//
// Usage: node bench/raw-net-server.mjs [--port 0] [--host 127.0.0.1]
// Prints "raw net listening on http://HOST:PORT"; SIGTERM/SIGINT close it and exit 0.
import { createServer } from "node:net";
import { parseArgs } from "node:util";

import { createTerminatorCounter } from "./terminators.mjs";

const { values } = parseArgs({
  options: { port: { type: "string", default: "0" }, host: { type: "string", default: "127.0.0.1" } },
});

const BODY = "Hello, World!";
// Responses for up to this many requests of one read are one slice of a pre-built buffer;
// beyond that (never at wrk's depth 16) they are concatenated.
const BATCH = 64;

/** k-demo's /hello response with the given Date value (checked against k-demo's own bytes). */
function encodeResponse(date) {
  return Buffer.from(
    "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\n" +
      `Date: ${date}\r\nServer: k-demo\r\nKeep-Alive: timeout=65\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`,
    "latin1",
  );
}

let one;
let batch;
function refresh() {
  // New buffers each second, never rewritten in place: a write still queued on a slow socket
  // keeps the bytes it was given.
  one = encodeResponse(new Date().toUTCString());
  batch = Buffer.concat(Array.from({ length: BATCH }, () => one));
}
refresh();
setInterval(refresh, 1_000).unref();

const server = createServer({ noDelay: true }, (socket) => {
  const count = createTerminatorCounter();
  socket.on("data", (chunk) => {
    const n = count(chunk);
    if (n === 0) return;
    if (n === 1) socket.write(one);
    else if (n <= BATCH) socket.write(batch.subarray(0, n * one.length));
    else socket.write(Buffer.concat(Array.from({ length: n }, () => one)));
  });
  // A client that resets the connection: nothing to clean up, just do not crash.
  socket.on("error", () => socket.destroy());
});

server.listen(Number(values.port), values.host, () => {
  const { address, port } = server.address();
  console.log(`raw net listening on http://${address}:${port}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => process.exit(0));
}
