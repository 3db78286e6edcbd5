/**
 * The k-demo request handler: dispatches a request to /echo, /hello, /stream, /upload, /ws or
 * the static files, by the path of its target as received.
 *
 * Dispatch is written out instead of using @k/handler's createRouter because the contract
 * mixes two rules: /echo matches any path that starts with it ("/echoX" too), while /hello,
 * /stream and /upload match their exact path only, so "/upload.html" stays a static file.
 *
 * Compression (unless `compress: false`): @k/handler's compress() around everything, with its
 * defaults (text types, 1 KiB threshold); /stream, whose bytes are application/octet-stream,
 * is compressed when the client asks and flushed after every part. /ws (a WebSocket) is
 * dispatched before compression: an upgraded connection has no HTTP body to compress.
 */
import { compress } from "@k/handler";
import type { HttpRequest, RequestHandler, WholeResponse } from "@k/handler";
import { createEchoHandler, defaultMaxEchoBodySize } from "./echo.js";
import { methodNotAllowed, plainText } from "./responses.js";
import type { DemoResult } from "./responses.js";
import { createStaticHandler } from "./static.js";
import { handleStream } from "./stream.js";
import { handleUpload } from "./upload.js";
import { createWsHandler } from "./ws.js";

/** Options of {@link createDemoHandler}. */
export interface DemoHandlerOptions {
  /** The directory static files are served from. */
  root: string;
  /** Largest body /echo accepts (413 beyond). Default 16 MiB. */
  maxEchoBodySize?: number;
  /** Compress responses (gzip, br, deflate, zstd) and serve precompressed `.br`/`.gz` siblings. Default true. */
  compress?: boolean;
}

// One response object for every /hello: @k/handler copies what it needs and never writes to
// it (frozen, so a change there would show as an error, not as crosstalk between requests).
// The benchmark against node:http (bench/http.mjs) measures this path.
const HELLO_BODY = new TextEncoder().encode("Hello, World!");
const HELLO: WholeResponse = Object.freeze({
  status: 200,
  length: HELLO_BODY.byteLength,
  headers: Object.freeze([Object.freeze(["content-type", "text/plain; charset=utf-8"] as const)]),
  body: HELLO_BODY,
});
const SERVER_OPTIONS: WholeResponse = Object.freeze({ status: 204 });
const GET_HEAD = ["GET", "HEAD"] as const;
const POST_PUT = ["POST", "PUT"] as const;

/** The path of a request-target as received: origin-form up to `?`, absolute-form after the authority. */
export function targetPath(target: string): string {
  let path = target;
  if (!path.startsWith("/")) {
    const match = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(path);
    if (match === null) return "";
    path = path.slice(match[0].length);
  }
  const query = path.indexOf("?");
  return query === -1 ? path : path.slice(0, query);
}

function hello(request: HttpRequest): DemoResult {
  if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed(GET_HEAD);
  return HELLO;
}

/**
 * Creates the k-demo handler.
 *
 * @example
 * const handler = createDemoHandler({ root: "./public" });
 * await serve({ handler, port: 8080 });
 */
export function createDemoHandler(options: DemoHandlerOptions): RequestHandler {
  const echo = createEchoHandler(options.maxEchoBodySize ?? defaultMaxEchoBodySize);
  const compressing = options.compress ?? true;
  const files = createStaticHandler({ root: options.root, precompressed: compressing });
  // The pattern bytes of /stream are labelled octet-stream but compress well; each part is
  // flushed so that a client sees the stream progress (the endpoint exists to show streaming).
  const stream = compressing ? compress(handleStream, { compressible: () => true, flush: "part" }) : handleStream;
  const handler: RequestHandler = (request) => {
    // RFC 9110 §9.3.7: `OPTIONS *` asks about the server itself, which is up and answers.
    // Resources keep the contract's answers (405 for OPTIONS, except under /echo).
    if (request.target === "*") {
      return request.method === "OPTIONS" ? SERVER_OPTIONS : plainText(400, "* is only a target for OPTIONS\n");
    }
    const path = targetPath(request.target);
    if (path.startsWith("/echo")) return echo(request);
    switch (path) {
      case "/hello":
        return hello(request);
      case "/stream":
        if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed(GET_HEAD);
        return stream(request);
      case "/upload":
        if (request.method !== "POST" && request.method !== "PUT") return methodNotAllowed(POST_PUT);
        return handleUpload(request);
      default:
        return files(request);
    }
  };
  // The outer compress() leaves /stream as the inner one made it: its type is not text, and
  // a compressed /stream already has its Content-Encoding.
  const http = compressing ? compress(handler) : handler;
  const ws = createWsHandler();
  return (request) => (request.target === "/ws" || targetPath(request.target) === "/ws" ? ws(request) : http(request));
}
