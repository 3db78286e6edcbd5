// The request handler shared by bench/bun-server.mjs and bench/deno-server.mjs: standard
// fetch-API Request in, Response out, the same /hello and /stream as k-demo and
// bench/node-http-server.mjs. Web-standard only (Response, ReadableStream), so both runtimes
// run the same code and differ only in their servers.

const HELLO = new TextEncoder().encode("Hello, World!");
const HELLO_HEADERS = { "content-type": "text/plain; charset=utf-8" };
const MAX_BYTES = 2 ** 40;
const MAX_CHUNK = 1024 * 1024;
// One pattern buffer for every part (a byte counter mod 256), as the node:http server does:
// /stream's cost is framing and socket writes, not producing bytes.
const PATTERN = new Uint8Array(MAX_CHUNK);
for (let i = 0; i < PATTERN.length; i++) PATTERN[i] = i & 0xff;

/** A non-negative integer from decimal digits only, or undefined (no sign, no blanks, no "1e3"). */
function digits(text, fallback) {
  if (text === null) return fallback;
  if (!/^[0-9]{1,15}$/.test(text)) return undefined;
  return Number(text);
}

function stream(search) {
  const bytes = digits(search.get("bytes"), 1024 * 1024);
  const chunk = digits(search.get("chunk"), 16 * 1024);
  if (bytes === undefined || chunk === undefined || bytes > MAX_BYTES || chunk < 1 || chunk > MAX_CHUNK) {
    return new Response("bad bytes/chunk\n", { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
  let sent = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (sent >= bytes) {
        controller.close();
        return;
      }
      const n = Math.min(chunk, bytes - sent);
      sent += n;
      // A view, not a copy: a default (non-byte) stream does not transfer what is enqueued and
      // PATTERN is never written, so every part may share it (the verification step of
      // bench/http.mjs compares 17 bodies, so a runtime that detached it would show there).
      controller.enqueue(PATTERN.subarray(0, n));
    },
  });
  return new Response(body, { headers: { "content-type": "application/octet-stream" } });
}

/** A fetch handler: `(request) => Response`. */
export function createHandler() {
  return (request) => {
    // request.url is absolute ("http://127.0.0.1:PORT/hello?x"): the path starts at the first
    // "/" after the scheme's "//", without building a URL object per request.
    const url = request.url;
    const start = url.indexOf("/", url.indexOf("//") + 2);
    const q = url.indexOf("?", start);
    const path = q === -1 ? url.slice(start) : url.slice(start, q);
    if (path === "/hello") {
      return new Response(request.method === "HEAD" ? null : HELLO, { headers: HELLO_HEADERS });
    }
    if (path === "/stream") return stream(new URLSearchParams(q === -1 ? "" : url.slice(q + 1)));
    return new Response("not found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  };
}
