// The request list of the differential test: each case is sent, over a fresh raw socket,
// to both servers. A case ends with `Connection: close` (or is HTTP/1.0 without keep-alive)
// so that the exchange ends when the server closes.
import { createHash } from "node:crypto";
import { pattern } from "./fixtures/hono-app.ts";
import { request } from "./fetch-diff-harness.ts";
import type { Exchange } from "./fetch-diff-harness.ts";

const close = { Connection: "close" };
const boundary = "----kdiffBoundary7MA4YWxk";
const multipart =
  `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nhello world\r\n` +
  `--${boundary}\r\nContent-Disposition: form-data; name="tag"\r\n\r\na\r\n` +
  `--${boundary}\r\nContent-Disposition: form-data; name="tag"\r\n\r\nb\r\n` +
  `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="note.txt"\r\nContent-Type: text/plain\r\n\r\nfile body ✓\r\n` +
  `--${boundary}--\r\n`;

function chunked(pieces: string[]): string {
  return pieces.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join("") + "0\r\n\r\n";
}

const UPLOAD = pattern(4 * 1024 * 1024 + 3);

/** A named exchange; `why` says what it covers. */
export interface DiffCase extends Exchange {
  name: string;
  why: string;
}

function one(name: string, why: string, bytes: Buffer, method = "GET"): DiffCase {
  return { name, why, parts: [bytes], methods: [method] };
}

export const CASES: DiffCase[] = [
  one("GET text", "c.text", request("GET", "/hello", close)),
  one("GET json params query", "route params, query, repeated query", request("GET", "/users/42?q=x%20y&tag=a&tag=b", close)),
  one("GET html", "c.html, UTF-8", request("GET", "/html", close)),
  one("GET bytes", "c.body(Uint8Array)", request("GET", "/bin", close)),
  one("302 redirect", "c.redirect", request("GET", "/redirect", close)),
  one("301 redirect", "c.redirect(, 301)", request("GET", "/moved", close)),
  one("201 json in/out", "c.req.json + c.json(, 201, headers)", request("POST", "/items", { ...close, "Content-Type": "application/json" }, JSON.stringify({ name: "n", n: [1, 2] })), "POST"),
  one("204 no content", "c.body(null, 204)", request("DELETE", "/items/7", close), "DELETE"),
  one("404 notFound", "app.notFound", request("GET", "/nope?x=1", close)),
  one("500 onError", "app.onError", request("GET", "/boom", close)),
  one("418 HTTPException", "HTTPException.getResponse", request("GET", "/teapot", close)),
  one("custom status 299", "an unregistered status code", request("GET", "/status/299", close)),
  one("set-cookie x4", "hono/cookie setCookie / deleteCookie: each its own field", request("GET", "/cookies", close)),
  one("headers echo", "c.req.header(), raw Headers, case and repeats", request("GET", "/headers", [["Host", "diff.test"], ["User-Agent", "kdiff/1"], ["X-Mixed-Case", "Value"], ["Accept", "a/b"], ["Accept", "c/d"], ["Cookie", "a=1"], ["Cookie", "b=2"], ["Connection", "close"]])),
  one("url", "c.req.url absolute", request("GET", "/url?a=1&b=%2F", close)),
  one("POST text", "c.req.text twice (Hono caches)", request("POST", "/text", { ...close, "Content-Type": "text/plain; charset=utf-8" }, "posted ✓ text"), "POST"),
  one("POST json", "c.req.json", request("POST", "/json", { ...close, "Content-Type": "application/json" }, '{"a":[1,2,{"b":null}]}'), "POST"),
  one("POST arrayBuffer", "c.req.arrayBuffer + c.body(Uint8Array)", request("POST", "/bytes", { ...close, "Content-Type": "application/octet-stream" }, pattern(70_000)), "POST"),
  one("POST urlencoded form", "c.req.formData urlencoded", request("POST", "/form", { ...close, "Content-Type": "application/x-www-form-urlencoded" }, "a=1&b=two+words&a=3&c=%E2%9C%93"), "POST"),
  one("POST multipart form", "c.req.formData multipart with a file", request("POST", "/form", { ...close, "Content-Type": `multipart/form-data; boundary=${boundary}` }, multipart), "POST"),
  one("POST parseBody multipart", "c.req.parseBody({ all: true })", request("POST", "/parse", { ...close, "Content-Type": `multipart/form-data; boundary=${boundary}` }, multipart), "POST"),
  one("GET large", "3 MiB response body", request("GET", "/large", close)),
  { name: "POST large upload", why: "4 MiB request body, streamed, sent in pieces", methods: ["POST"], parts: [request("POST", "/upload", { ...close, "Content-Type": "application/octet-stream", "Content-Length": String(UPLOAD.length) }).subarray(0), ...Array.from({ length: 8 }, (_, i) => UPLOAD.subarray((i * UPLOAD.length) / 8, ((i + 1) * UPLOAD.length) / 8))] },
  { name: "chunked upload", why: "Transfer-Encoding: chunked request body in several writes", methods: ["POST"], parts: [request("POST", "/text", { ...close, "Transfer-Encoding": "chunked", "Content-Type": "text/plain" }), chunked(["abc", "défg"]).slice(0, 9), chunked(["abc", "défg"]).slice(9)] },
  one("async delay", "a handler that awaits a timer", request("GET", "/slow", close)),
  one("stream()", "hono/streaming stream: chunked", request("GET", "/stream", close)),
  one("streamText()", "hono/streaming streamText", request("GET", "/stream-text", close)),
  one("streamSSE()", "hono/streaming streamSSE", request("GET", "/sse", close)),
  one("HEAD text", "HEAD of a c.text route", request("HEAD", "/hello", close), "HEAD"),
  one("HEAD json", "HEAD of a c.json route", request("HEAD", "/users/1", close), "HEAD"),
  one("HEAD large", "HEAD of a 3 MiB Uint8Array body", request("HEAD", "/large", close), "HEAD"),
  one("HEAD stream", "HEAD of a streaming route", request("HEAD", "/stream", close), "HEAD"),
  one("HEAD 404", "HEAD of an unknown route", request("HEAD", "/nope", close), "HEAD"),
  one("CORS preflight", "hono/cors OPTIONS", request("OPTIONS", "/api/data", { ...close, Origin: "https://a.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-custom" }), "OPTIONS"),
  one("CORS simple", "hono/cors on GET", request("GET", "/api/data", { ...close, Origin: "https://a.example" })),
  one("CORS other origin", "hono/cors refuses", request("GET", "/api/data", { ...close, Origin: "https://evil.example" })),
  one("etag", "hono/etag adds ETag", request("GET", "/etag/doc", close)),
  // hono/etag's default tag is the quoted SHA-1 of the body: a matching If-None-Match is a 304.
  one("etag 304", "hono/etag: If-None-Match that matches", request("GET", "/etag/doc", { ...close, "If-None-Match": `"${createHash("sha1").update("etag body").digest("hex")}"` })),
  one("secure headers", "hono/secure-headers", request("GET", "/secure/page", close)),
  one("POST empty", "Content-Length: 0 body", request("POST", "/text", { ...close, "Content-Length": "0" }), "POST"),
  one("PUT unknown", "a method with no route: notFound", request("PUT", "/hello", close, "x"), "PUT"),
  one("lowercase method", "RFC 9110 §9.1: methods are case-sensitive; 'get' is not GET", request("get", "/hello", close)),
  one("absolute-form target", "RFC 9112 §3.2.2 absolute-form", request("GET", "http://diff.test/url?z=1", close)),
  one("query only", "a target with an empty query and a fragment-free path", request("GET", "/url?", close)),
  one("obs-text header", "a field value with bytes 0x80-0xFF (latin1 in both)", request("GET", "/headers", [["Host", "diff.test"], ["X-Latin", "caf\xe9 \xc3\xa9"], ["Connection", "close"]])),
  one("double slash", "target //hello: not a scheme-relative URL", request("GET", "//hello", close)),
  one("dot segments", "target /a/../url: URL removes dot segments before routing", request("GET", "/a/../url?d=1", close)),
  one("encoded path", "percent-encoded path and query stay encoded in c.req.url", request("GET", "/users/a%2Fb?q=%C3%A9&x=a+b", close)),
  one("upper-case Host", "Host is case-insensitive; URL lowercases it", request("GET", "/url", { Host: "DIFF.Test:8080", Connection: "close" })),
  one("OPTIONS *", "asterisk-form (RFC 9112 §3.2.4)", request("OPTIONS", "*", close), "OPTIONS"),
  one("HTTP/1.0 url", "HTTP/1.0 without Host: c.req.url", request("GET", "/url?v=10", {}, undefined, "1.0")),
  one("GET with a body", "a GET body is not the app's (fetch forbids it); the connection goes on", request("GET", "/hello", close, "ignored body")),
  one("null body 200", "c.body(null): an empty 200", request("GET", "/empty", close)),
  one("stream with length", "a ReadableStream body with the app's Content-Length", request("GET", "/stream-length", close)),
  one("static file", "serveStatic: a file stream with Content-Length, Last-Modified", request("GET", "/static/note.txt", close)),
  one("static 200 KiB", "serveStatic: a bigger file stream", request("GET", "/static/data.bin", close)),
  one("static range", "serveStatic: Range bytes=10-19 → 206", request("GET", "/static/data.bin", { ...close, Range: "bytes=10-19" })),
  one("static suffix range", "serveStatic: Range bytes=-7", request("GET", "/static/data.bin", { ...close, Range: "bytes=-7" })),
  one("static bad range", "serveStatic: unsatisfiable Range → 416", request("GET", "/static/data.bin", { ...close, Range: "bytes=999999-" })),
  one("static HEAD", "serveStatic: HEAD with the file's Content-Length", request("HEAD", "/static/data.bin", close), "HEAD"),
  one("static missing", "serveStatic: no file → next → notFound", request("GET", "/static/none.txt", close)),
  one("static traversal", "serveStatic: %2e%2e in the path is refused", request("GET", "/static/%2e%2e/%2e%2e/etc/passwd", close)),
  one("HTTP/1.0", "HTTP/1.0 without Host/keep-alive: close-delimited or length, then close", request("GET", "/hello", {}, undefined, "1.0")),
  one("HTTP/1.0 stream", "HTTP/1.0 streaming response: no chunked", request("GET", "/stream", {}, undefined, "1.0")),
  {
    name: "pipelined x4",
    why: "four requests in one write, answered in order",
    methods: ["GET", "POST", "HEAD", "GET"],
    parts: [Buffer.concat([request("GET", "/hello"), request("POST", "/json", { "Content-Type": "application/json" }, '{"p":1}'), request("HEAD", "/users/9"), request("GET", "/users/3?q=last", close)])],
  },
  {
    name: "app Connection: close",
    why: "the app's Connection: close ends the connection: the pipelined request after it is not answered",
    methods: ["GET"],
    parts: [Buffer.concat([request("GET", "/bye"), request("GET", "/hello", close)])],
  },
  {
    name: "keep-alive sequence",
    why: "two requests on one connection, in two writes",
    methods: ["GET", "GET"],
    parts: [request("GET", "/stream"), request("GET", "/hello", close)],
  },
  one("expect 100-continue", "Expect: 100-continue with the body sent at once", request("POST", "/text", { ...close, Expect: "100-continue", "Content-Type": "text/plain" }, "after continue"), "POST"),
];
