// The node:http side of bench/http.mjs: the same two endpoints as k-demo, written the way a
// careful node:http user would, so the comparison is between servers, not between amounts of work.
//   /hello                      -> "Hello, World!", text/plain; charset=utf-8, Content-Length: 13
//   /stream?bytes=N&chunk=M     -> N bytes in writes of M (last one shorter), no length announced,
//                                  so node:http sends it chunked to HTTP/1.1 clients; parameters
//                                  validated like k-demo's (digits only, N <= 2^40, 1 <= M <= 1 MiB)
// It does not serve files, /echo or /upload: the benchmark only loads /hello and /stream.
//
// Usage: node bench/node-http-server.mjs [--port 0] [--host 127.0.0.1]
// Prints "node:http listening on http://HOST:PORT"; SIGTERM/SIGINT close it and exit 0.
import { createServer } from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { port: { type: "string", default: "0" }, host: { type: "string", default: "127.0.0.1" } },
});

const HELLO = Buffer.from("Hello, World!");
const MAX_BYTES = 2 ** 40;
const MAX_CHUNK = 1024 * 1024;
// One pattern buffer reused for every write (a byte counter mod 256): /stream's cost is framing
// and socket writes, not producing bytes, on both sides.
const PATTERN = Buffer.alloc(MAX_CHUNK);
for (let i = 0; i < PATTERN.length; i++) PATTERN[i] = i & 0xff;

/** A non-negative integer from decimal digits only, or undefined (no sign, no blanks, no "1e3"). */
function digits(text, fallback) {
  if (text === null) return fallback;
  if (!/^[0-9]{1,15}$/.test(text)) return undefined;
  return Number(text);
}

async function stream(req, res, search) {
  const bytes = digits(search.get("bytes"), 1024 * 1024);
  const chunk = digits(search.get("chunk"), 16 * 1024);
  if (bytes === undefined || chunk === undefined || bytes > MAX_BYTES || chunk < 1 || chunk > MAX_CHUNK) {
    res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" });
    res.end("bad bytes/chunk\n");
    return;
  }
  res.writeHead(200, { "Content-Type": "application/octet-stream" });
  for (let sent = 0; sent < bytes; ) {
    const n = Math.min(chunk, bytes - sent);
    sent += n;
    // Backpressure, as k-demo's generator does: wait for drain instead of queueing the body.
    if (!res.write(PATTERN.subarray(0, n))) {
      await new Promise((resolve) => {
        res.once("drain", resolve);
        res.once("close", resolve);
      });
      if (res.destroyed) return;
    }
  }
  res.end();
}

const server = createServer((req, res) => {
  const q = req.url.indexOf("?");
  const path = q === -1 ? req.url : req.url.slice(0, q);
  if (path === "/hello") {
    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": HELLO.length });
    res.end(req.method === "HEAD" ? undefined : HELLO);
  } else if (path === "/stream") {
    stream(req, res, new URLSearchParams(q === -1 ? "" : req.url.slice(q + 1))).catch((error) => {
      console.error(error);
      res.destroy();
    });
  } else {
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
    res.end("not found\n");
  }
});

server.listen(Number(values.port), values.host, () => {
  const { address, port } = server.address();
  console.log(`node:http listening on http://${address}:${port}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
