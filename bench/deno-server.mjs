// The Deno side of bench/http.mjs: Deno.serve with the same two endpoints as k-demo, written the
// way a careful Deno user would (a fetch handler, a pre-encoded body), run by the `deno` binary
// from npm that bench/http.mjs installs into .tmp/bench-runtimes (never a dependency of the repo).
//   /hello                   -> "Hello, World!", text/plain; charset=utf-8 (Deno adds
//                               Content-Length: 13 and Date itself)
//   /stream?bytes=N&chunk=M  -> N pattern bytes in parts of M from a pull-based ReadableStream
//                               (one part per pull: backpressure as k-demo's generator), no
//                               length announced, so Deno sends it chunked; parameters validated
//                               like k-demo's (digits only, N <= 2^40, 1 <= M <= 1 MiB)
//
// Usage: deno run --allow-net=127.0.0.1 bench/deno-server.mjs [--port 0] [--host 127.0.0.1]
// Prints "deno listening on http://HOST:PORT"; SIGTERM/SIGINT stop it and exit 0.
import { parseArgs } from "node:util";

import { createHandler } from "./fetch-handler.mjs";

const { values } = parseArgs({
  args: Deno.args,
  options: { port: { type: "string", default: "0" }, host: { type: "string", default: "127.0.0.1" } },
});

const server = Deno.serve(
  {
    port: Number(values.port),
    hostname: values.host,
    onListen: ({ hostname, port }) => console.log(`deno listening on http://${hostname}:${port}`),
  },
  createHandler(),
);
for (const signal of ["SIGTERM", "SIGINT"]) {
  Deno.addSignalListener(signal, () => {
    server.shutdown().finally(() => Deno.exit(0));
  });
}
