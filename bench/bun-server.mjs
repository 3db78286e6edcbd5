// The Bun side of bench/http.mjs: Bun.serve with the same two endpoints as k-demo, written the
// way a careful Bun user would (a fetch handler, a pre-encoded body), run by the `bun` binary
// from npm that bench/http.mjs installs into .tmp/bench-runtimes (never a dependency of the repo).
//   /hello                   -> "Hello, World!", text/plain; charset=utf-8 (Bun adds
//                               Content-Length: 13 and Date itself)
//   /stream?bytes=N&chunk=M  -> N pattern bytes in parts of M from a pull-based ReadableStream
//                               (one part per pull: backpressure as k-demo's generator), no
//                               length announced, so Bun sends it chunked; parameters validated
//                               like k-demo's (digits only, N <= 2^40, 1 <= M <= 1 MiB)
// Not Bun's static `routes` responses: those never run JavaScript per request, which is the raw
// ceiling's job (bench/raw-net-server.mjs), not what an application's handler does.
//
// Usage: bun bench/bun-server.mjs [--port 0] [--host 127.0.0.1]
// Prints "bun listening on http://HOST:PORT"; SIGTERM/SIGINT stop it and exit 0.
import { parseArgs } from "node:util";

import { createHandler } from "./fetch-handler.mjs";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { port: { type: "string", default: "0" }, host: { type: "string", default: "127.0.0.1" } },
});

const server = Bun.serve({ port: Number(values.port), hostname: values.host, fetch: createHandler() });
console.log(`bun listening on http://${values.host}:${server.port}`);
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => {
    server.stop(true);
    process.exit(0);
  });
}
