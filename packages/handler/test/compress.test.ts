// compress(): what a client sees, through the real lifecycle (inject), decoded with node:zlib
// and compared byte for byte with the identity body.
import * as zlib from "node:zlib";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { compress, defaultCompressible, inject, isCodingAvailable } from "@k/handler";
import type { HandlerResult, HttpRequest, RequestHandler } from "@k/handler";

// Text that compresses well but not trivially: words from a small vocabulary in a seeded order.
function text(bytes: number, seed = 1): string {
  const words = ["stream", "frame", "chunk", "header", "body", "parser", "socket", "drain", "gzip", "brotli", "vary", "etag"];
  let s = seed;
  let out = "";
  while (out.length < bytes) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out += words[s % words.length] + (s % 7 === 0 ? "\n" : " ");
  }
  return out.slice(0, bytes);
}

const BODY = text(20_000);
const html = (body: string = BODY, headers: Record<string, string> = {}): RequestHandler => () => ({
  status: 200,
  headers: { "content-type": "text/html; charset=utf-8", ...headers },
  body,
});

function decode(coding: string | null, body: Uint8Array): Buffer {
  if (coding === "gzip") return gunzipSync(body);
  if (coding === "br") return brotliDecompressSync(body);
  if (coding === "deflate") return inflateSync(body);
  return Buffer.from(body);
}

const ae = (value: string): Record<string, string> => ({ "accept-encoding": value });

describe("compress: codings", () => {
  for (const coding of ["gzip", "br", "deflate"] as const) {
    it(`sends a whole body as ${coding} with Content-Length, decoding to the identity bytes`, async () => {
      const res = await inject(compress(html()), { headers: ae(coding) });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-encoding")).toBe(coding);
      expect(res.headers.get("vary")).toBe("Accept-Encoding");
      expect(Number(res.headers.get("content-length"))).toBe(res.body.length);
      expect(res.body.length).toBeLessThan(BODY.length / 2);
      expect(decode(coding, res.body).toString()).toBe(BODY);
    });

    it(`streams a generator's parts as ${coding} (chunked, no length), byte-exact`, async () => {
      const handler = compress(async function* () {
        yield { status: 200, headers: { "content-type": "text/plain" } };
        for (let i = 0; i < 10; i++) yield BODY.slice(i * 2000, (i + 1) * 2000);
      } as RequestHandler);
      const res = await inject(handler, { headers: ae(coding) });
      expect(res.headers.get("content-encoding")).toBe(coding);
      expect(res.headers.get("transfer-encoding")).toBe("chunked");
      expect(res.headers.get("content-length")).toBeNull();
      expect(decode(coding, res.body).toString()).toBe(BODY);
    });
  }

  it("sends zstd where the running Node has it, identity where it does not", async () => {
    const streamed = compress(async function* () {
      yield { status: 200, headers: { "content-type": "text/plain" } };
      for (let i = 0; i < 4; i++) yield BODY.slice(i * 5000, (i + 1) * 5000);
    } as RequestHandler, { encodings: ["zstd"] });
    const whole = await inject(compress(html(), { encodings: ["zstd"] }), { headers: ae("zstd") });
    const parts = await inject(streamed, { headers: ae("zstd") });
    const decompress = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;
    if (!isCodingAvailable("zstd") || decompress === undefined) {
      console.log(`zstd not tested: node ${process.version} has no zlib.createZstdCompress (Node 22.15+ / 23.8+); checked that identity is sent instead`);
      for (const res of [whole, parts]) {
        expect(res.headers.get("content-encoding")).toBeNull();
        expect(res.text()).toBe(BODY);
      }
      return;
    }
    for (const res of [whole, parts]) {
      expect(res.headers.get("content-encoding")).toBe("zstd");
      expect(decompress(res.body).toString()).toBe(BODY);
    }
  });

  it("sends identity, with Vary, when the client accepts no offered coding", async () => {
    const res = await inject(compress(html()), { headers: ae("compress, identity") });
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(res.headers.get("vary")).toBe("Accept-Encoding");
    expect(res.text()).toBe(BODY);
  });

  it("sends identity, with Vary, without an Accept-Encoding", async () => {
    const res = await inject(compress(html()));
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(res.headers.get("vary")).toBe("Accept-Encoding");
    expect(res.text()).toBe(BODY);
  });

  it("uses the server's order among equally weighted codings", async () => {
    const res = await inject(compress(html(), { encodings: ["gzip", "br"] }), { headers: ae("br, gzip") });
    expect(res.headers.get("content-encoding")).toBe("gzip");
  });

  it("refuses an unknown coding in its options", () => {
    expect(() => compress(html(), { encodings: ["lzma" as "gzip"] })).toThrow(/unknown coding "lzma"/);
  });

  it("compresses a multi-byte string split inside a surrogate pair, byte-exact", async () => {
    const long = "ünïcödé 😀 ".repeat(400);
    const handler = compress(async function* () {
      yield { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } };
      const cut = long.indexOf("😀") + 1; // between the two halves of the pair
      yield long.slice(0, cut);
      yield long.slice(cut);
    } as RequestHandler);
    const res = await inject(handler, { headers: ae("gzip") });
    expect(gunzipSync(res.body).toString("utf8")).toBe(long);
  });

  it("compresses a stream body of a whole response (async iterable) and keeps its trailers", async () => {
    const handler = compress(async function* () {
      yield { status: 200, headers: { "content-type": "text/plain" }, trailers: { "x-sum": "abc" } };
      yield BODY;
    } as RequestHandler);
    const res = await inject(handler, { headers: ae("br") });
    expect(brotliDecompressSync(res.body).toString()).toBe(BODY);
    expect(res.trailers).toEqual(["x-sum", "abc"]);
  });

  it("compresses a web ReadableStream body", async () => {
    const handler = compress(() => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: new Blob([BODY]).stream(),
    }));
    const res = await inject(handler, { headers: ae("gzip") });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(res.body).toString()).toBe(BODY);
  });

  it("compresses a known-length generator body up to 64 KiB in one piece, with Content-Length", async () => {
    const handler = compress(async function* () {
      yield { status: 200, length: BODY.length, headers: { "content-type": "text/css" } };
      yield BODY.slice(0, 5000);
      yield BODY.slice(5000);
    } as RequestHandler);
    const res = await inject(handler, { headers: ae("gzip") });
    expect(res.headers.get("transfer-encoding")).toBeNull();
    expect(Number(res.headers.get("content-length"))).toBe(res.body.length);
    expect(gunzipSync(res.body).toString()).toBe(BODY);
  });

  it("does not hide a body shorter than its announced length", async () => {
    const errors: unknown[] = [];
    const handler = compress(async function* () {
      yield { status: 200, length: BODY.length + 10, headers: { "content-type": "text/css" } };
      yield BODY;
    } as RequestHandler);
    const res = await inject(handler, { headers: ae("gzip") }, { onError: (e) => errors.push(e) });
    expect(res.status).toBe(500);
    expect(String(errors[0])).toMatch(/not its announced length/);
  });
});

describe("compress: what is left alone", () => {
  const cases: [string, RequestHandler, Record<string, string>?][] = [
    ["a body below the threshold", html("small body")],
    ["a known Content-Length header below the threshold", () => ({ status: 200, headers: { "content-type": "text/plain", "content-length": "5" }, body: new Blob(["hello"]).stream() })],
    ["a response that already has Content-Encoding", html(BODY, { "content-encoding": "gzip" })],
    ["Content-Encoding: identity too", html(BODY, { "content-encoding": "identity" })],
    ["Cache-Control: no-transform", html(BODY, { "cache-control": "public, no-transform" })],
    ["an image type", () => ({ status: 200, headers: { "content-type": "image/png" }, body: BODY })],
    ["a zip archive", () => ({ status: 200, headers: { "content-type": "application/zip" }, body: BODY })],
    ["a woff2 font", () => ({ status: 200, headers: { "content-type": "font/woff2" }, body: BODY })],
    ["application/octet-stream", () => ({ status: 200, headers: { "content-type": "application/octet-stream" }, body: BODY })],
    ["no Content-Type", () => ({ status: 200, body: BODY })],
    ["a 206", () => ({ status: 206, headers: { "content-type": "text/plain", "content-range": `bytes 0-${BODY.length - 1}/${BODY.length + 5}` }, body: BODY })],
    ["a Content-Range on another status", () => ({ status: 416, headers: { "content-type": "text/plain", "content-range": "bytes */5" }, body: BODY })],
  ];
  for (const [what, handler] of cases) {
    it(`sends ${what} unchanged and without Vary`, async () => {
      const plain = await inject(handler, { headers: ae("gzip, br") });
      const res = await inject(compress(handler), { headers: ae("gzip, br") });
      expect(res.status).toBe(plain.status);
      expect(res.headers.get("content-encoding")).toBe(plain.headers.get("content-encoding"));
      expect(res.headers.get("vary")).toBeNull();
      expect(Buffer.from(res.body).equals(Buffer.from(plain.body))).toBe(true);
    });
  }

  it("returns a small whole response as the same object (no copy on the fast path)", () => {
    const response = { status: 200, headers: { "content-type": "text/plain" }, body: "hi" };
    const request = {} as HttpRequest;
    expect(compress(() => response)(request)).toBe(response);
  });

  it("sends 204 with neither body nor Content-Encoding", async () => {
    const res = await inject(compress(() => ({ status: 204, headers: { "content-type": "text/plain" } })), { headers: ae("gzip") });
    expect(res.status).toBe(204);
    expect(res.headers.get("content-encoding")).toBeNull();
  });

  it("follows a custom compressible predicate", async () => {
    const handler = () => ({ status: 200, headers: { "content-type": "application/octet-stream" }, body: BODY });
    const res = await inject(compress(handler, { compressible: () => true }), { headers: ae("gzip") });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const none = await inject(compress(html(), { compressible: () => false }), { headers: ae("gzip") });
    expect(none.headers.get("content-encoding")).toBeNull();
  });

  it("follows a custom threshold", async () => {
    const res = await inject(compress(html("a".repeat(100)), { threshold: 50 }), { headers: ae("gzip") });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(res.body).toString()).toBe("a".repeat(100));
  });

  it("classifies types with the default predicate", () => {
    for (const t of ["text/html", "text/event-stream", "TEXT/CSS; charset=utf-8", "application/json", "application/ld+json", "application/atom+xml", "application/javascript", "image/svg+xml", "font/ttf", "font/otf"]) {
      expect(defaultCompressible(t), t).toBe(true);
    }
    for (const t of ["image/png", "image/jpeg", "video/mp4", "audio/mpeg", "application/zip", "application/gzip", "font/woff", "font/woff2", "application/octet-stream", "application/pdf"]) {
      expect(defaultCompressible(t), t).toBe(false);
    }
  });
});

describe("compress: Vary, ETag, 304, HEAD", () => {
  it("merges Vary with an existing one", async () => {
    const res = await inject(compress(html(BODY, { vary: "Origin" })), { headers: ae("gzip") });
    expect(res.headers.getAll("vary").join(", ")).toBe("Origin, Accept-Encoding");
  });

  it("does not repeat an Accept-Encoding already in Vary, nor add it to Vary: *", async () => {
    const a = await inject(compress(html(BODY, { vary: "origin, accept-encoding" })), { headers: ae("gzip") });
    expect(a.headers.getAll("vary")).toEqual(["origin, accept-encoding"]);
    const b = await inject(compress(html(BODY, { vary: "*" })), { headers: ae("gzip") });
    expect(b.headers.getAll("vary")).toEqual(["*"]);
  });

  it("weakens a strong ETag on a compressed body and keeps a weak one", async () => {
    const strong = await inject(compress(html(BODY, { etag: '"v1"' })), { headers: ae("gzip") });
    expect(strong.headers.get("etag")).toBe('W/"v1"');
    const weak = await inject(compress(html(BODY, { etag: 'W/"v1"' })), { headers: ae("gzip") });
    expect(weak.headers.get("etag")).toBe('W/"v1"');
    const identity = await inject(compress(html(BODY, { etag: '"v1"' })));
    expect(identity.headers.get("etag")).toBe('"v1"');
  });

  it("drops Accept-Ranges from a compressed body (ranges are served from the identity bytes)", async () => {
    const res = await inject(compress(html(BODY, { "accept-ranges": "bytes" })), { headers: ae("gzip") });
    expect(res.headers.get("accept-ranges")).toBeNull();
    const identity = await inject(compress(html(BODY, { "accept-ranges": "bytes" })));
    expect(identity.headers.get("accept-ranges")).toBe("bytes");
  });

  it("answers a revalidation with the weakened ETag by 304 carrying the same ETag and Vary", async () => {
    // A component that compares If-None-Match weakly (RFC 9110 §13.1.2), as it must.
    const component: RequestHandler = (req) => {
      const inm = req.headers.get("if-none-match");
      if (inm !== null && inm.replace(/^W\//, "") === '"v1"') return { status: 304, length: BODY.length, headers: { etag: '"v1"' } };
      return { status: 200, headers: { "content-type": "text/html", etag: '"v1"' }, body: BODY };
    };
    const first = await inject(compress(component), { headers: ae("gzip") });
    const tag = first.headers.get("etag")!;
    expect(tag).toBe('W/"v1"');
    const second = await inject(compress(component), { headers: { ...ae("gzip"), "if-none-match": tag } });
    expect(second.status).toBe(304);
    // The identity length would contradict the compressed 200's (RFC 9110 §8.6).
    expect(second.headers.get("content-length")).toBeNull();
    expect(second.headers.get("etag")).toBe(tag);
    expect(second.headers.get("vary")).toBe("Accept-Encoding");
    expect(second.headers.get("content-encoding")).toBeNull();
    expect(second.body.length).toBe(0);
  });

  it("gives HEAD the headers a GET gets for a whole body, and no body", async () => {
    const get = await inject(compress(html(BODY, { etag: '"e"' })), { headers: ae("br") });
    const head = await inject(compress(html(BODY, { etag: '"e"' })), { method: "HEAD", headers: ae("br") });
    const fields = (r: typeof get): string[][] => [...r.headers].filter(([n]) => n.toLowerCase() !== "date").map(([n, v]) => [n.toLowerCase(), v]);
    expect(fields(head)).toEqual(fields(get));
    expect(head.body.length).toBe(0);
  });

  it("gives HEAD of a streamed body Content-Encoding and Vary, no length and no body, without running zlib on the body", async () => {
    let produced = 0;
    const handler = compress(async function* () {
      yield { status: 200, length: 200_000, headers: { "content-type": "text/plain" } };
      for (let i = 0; i < 10; i++) {
        produced++;
        yield "x".repeat(20_000);
      }
    } as RequestHandler);
    const res = await inject(handler, { method: "HEAD", headers: ae("gzip") });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(res.headers.get("vary")).toBe("Accept-Encoding");
    expect(res.headers.get("content-length")).toBeNull();
    expect(res.body.length).toBe(0);
    expect(produced).toBe(0);
  });

  it("passes an async component's result through (a Promise of a response)", async () => {
    const handler = compress(async () => {
      await new Promise((r) => setImmediate(r));
      return { status: 200, headers: { "content-type": "text/plain" }, body: BODY } as HandlerResult;
    });
    const res = await inject(handler, { headers: ae("deflate") });
    expect(inflateSync(res.body).toString()).toBe(BODY);
  });
});
