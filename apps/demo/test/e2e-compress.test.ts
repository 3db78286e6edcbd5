/*
 * Compression end to end, against the BUILT k-demo: on-the-fly gzip/br for text files decoded
 * by real clients (curl --compressed, Python's http.client + gzip) byte-exact against the
 * file, precompressed .br/.gz siblings with their own ETag, Range served from the identity
 * file, 304 and HEAD, /stream flushed per part, and --no-compress.
 *
 * curl and python3: outside CI (env CI is not "true") a missing one skips its test with a
 * printed reason naming what to install; under CI=true a missing one fails.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync, inflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exchange, parseResponses, startDemo } from "./helpers.ts";
import type { RunningDemo } from "./helpers.ts";

// Varied text (a few KiB of words in a seeded order): compresses several times, not trivially.
function words(bytes: number, seed: number): string {
  const list = ["server", "client", "stream", "header", "chunk", "gzip", "brotli", "vary", "etag", "range", "socket", "<p>", "</p>\n"];
  let s = seed;
  let out = "";
  while (out.length < bytes) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out += list[s % list.length] + " ";
  }
  return out.slice(0, bytes);
}

const PAGE = "<!doctype html><title>big</title>\n" + words(30_000, 7);
const SCRIPT = "export const x = 1;\n" + words(20_000, 9);
const SCRIPT_BR = brotliCompressSync(Buffer.from(SCRIPT));
const SCRIPT_GZ = gzipSync(Buffer.from(SCRIPT));
let scratch: string;
let demo: RunningDemo;
let plain: RunningDemo;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "k-demo-compress-"));
  await writeFile(join(scratch, "index.html"), PAGE);
  await writeFile(join(scratch, "app.js"), SCRIPT);
  await writeFile(join(scratch, "app.js.br"), SCRIPT_BR);
  await writeFile(join(scratch, "app.js.gz"), SCRIPT_GZ);
  await writeFile(join(scratch, "small.txt"), "tiny");
  await writeFile(join(scratch, "photo.png"), Buffer.alloc(20_000, 7));
  [demo, plain] = await Promise.all([
    startDemo(["--port", "0", "--root", scratch]),
    startDemo(["--port", "0", "--root", scratch, "--no-compress"]),
  ]);
});

afterAll(async () => {
  await Promise.all([demo?.stop(), plain?.stop()]);
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

/** One GET/HEAD over a raw socket; the parsed response. */
async function request(server: RunningDemo, target: string, headers: Record<string, string> = {}, method = "GET") {
  const lines = Object.entries(headers).map(([n, v]) => `${n}: ${v}\r\n`).join("");
  const raw = await exchange(server.port, `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines}Connection: close\r\n\r\n`);
  const [response] = parseResponses(raw, [method]);
  return response!;
}

function toolMissing(command: string, install: string): boolean {
  try {
    execFileSync(command, ["--version"], { stdio: "ignore", timeout: 10_000 });
    return false;
  } catch {
    if (process.env["CI"] === "true") throw new Error(`${command} is required under CI=true; install it with: ${install}`);
    console.log(`skipped: ${command} is not installed (install it with: ${install})`);
    return true;
  }
}

function run(command: string, args: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: "buffer", timeout: 15_000, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${command} failed: ${error.message}\n${stderr.toString()}`));
      else resolve(stdout);
    });
  });
}

describe("k-demo compression: real clients", () => {
  it("curl --compressed gets index.html compressed and decodes it byte-exact", async (context) => {
    if (toolMissing("curl", "apt-get install -y --no-install-recommends curl")) return context.skip();
    const dir = await mkdtemp(join(tmpdir(), "k-demo-curl-"));
    try {
      const headersFile = join(dir, "headers");
      const body = await run("curl", ["-sS", "--max-time", "10", "--compressed", "-D", headersFile, `${demo.url}/index.html`]);
      expect(body.toString()).toBe(PAGE);
      const head = (await readFile(headersFile, "latin1")).toLowerCase();
      expect(head).toMatch(/\r\ncontent-encoding: (gzip|br|deflate|zstd)\r\n/);
      expect(head).toMatch(/\r\nvary: accept-encoding\r\n/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("Python's http.client with gzip.decompress gets index.html byte-exact", async (context) => {
    if (toolMissing("python3", "apt-get install -y --no-install-recommends python3")) return context.skip();
    const script = `
import gzip, hashlib, http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("GET", "/index.html", headers={"Accept-Encoding": "gzip"})
r = c.getresponse()
raw = r.read()
print(json.dumps({"status": r.status, "encoding": r.getheader("Content-Encoding"), "raw": len(raw), "text": gzip.decompress(raw).decode()}))
`;
    const result = JSON.parse((await run("python3", ["-c", script, String(demo.port)])).toString()) as { status: number; encoding: string; raw: number; text: string };
    expect(result.status).toBe(200);
    expect(result.encoding).toBe("gzip");
    expect(result.raw).toBeLessThan(PAGE.length / 2);
    expect(result.text).toBe(PAGE);
  });
});

describe("k-demo compression: static files", () => {
  it("compresses a text file on the fly for each coding, with Vary and a Content-Length", async () => {
    for (const [coding, decode] of [["gzip", gunzipSync], ["br", brotliDecompressSync], ["deflate", inflateSync]] as const) {
      const res = await request(demo, "/index.html", { "Accept-Encoding": coding });
      expect(res.status).toBe(200);
      expect(res.headers["content-encoding"]).toBe(coding);
      expect(res.headers["vary"]).toBe("Accept-Encoding");
      expect(res.headers["accept-ranges"]).toBeUndefined();
      expect(Number(res.headers["content-length"])).toBe(res.body.length);
      expect(decode(res.body).toString()).toBe(PAGE);
    }
  });

  it("sends small files and images as they are", async () => {
    const small = await request(demo, "/small.txt", { "Accept-Encoding": "gzip" });
    expect(small.headers["content-encoding"]).toBeUndefined();
    expect(small.body.toString()).toBe("tiny");
    const png = await request(demo, "/photo.png", { "Accept-Encoding": "gzip, br" });
    expect(png.headers["content-encoding"]).toBeUndefined();
    expect(png.body.length).toBe(20_000);
  });

  it("serves the precompressed siblings as they are on disk, each with its own ETag", async () => {
    const br = await request(demo, "/app.js", { "Accept-Encoding": "gzip, br" });
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers["content-type"]).toMatch(/^(text|application)\/javascript/);
    expect(br.headers["vary"]).toBe("Accept-Encoding");
    expect(br.body.equals(SCRIPT_BR)).toBe(true);
    const gz = await request(demo, "/app.js", { "Accept-Encoding": "gzip" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gz.body.equals(SCRIPT_GZ)).toBe(true);
    const identity = await request(demo, "/app.js");
    expect(identity.headers["content-encoding"]).toBeUndefined();
    expect(identity.headers["vary"]).toBe("Accept-Encoding");
    expect(identity.body.toString()).toBe(SCRIPT);
    const tags = new Set([br.headers["etag"], gz.headers["etag"], identity.headers["etag"]]);
    expect(tags.size).toBe(3);
    // Revalidating the br copy with its ETag gives 304 with that ETag and Vary.
    const again = await request(demo, "/app.js", { "Accept-Encoding": "gzip, br", "If-None-Match": br.headers["etag"]! });
    expect(again.status).toBe(304);
    expect(again.headers["etag"]).toBe(br.headers["etag"]);
    expect(again.headers["vary"]).toBe("Accept-Encoding");
    // ... and the identity ETag does not match the br copy.
    const other = await request(demo, "/app.js", { "Accept-Encoding": "br", "If-None-Match": identity.headers["etag"]! });
    expect(other.status).toBe(200);
  });

  it("serves Range requests from the identity file, compressed or precompressed", async () => {
    for (const path of ["/index.html", "/app.js"]) {
      const res = await request(demo, path, { "Accept-Encoding": "gzip, br", Range: "bytes=10-29" });
      expect(res.status).toBe(206);
      expect(res.headers["content-encoding"]).toBeUndefined();
      expect(res.body.toString()).toBe((path === "/app.js" ? SCRIPT : PAGE).slice(10, 30));
    }
  });

  it("answers a revalidation of the compressed page with 304 and the same ETag", async () => {
    const first = await request(demo, "/index.html", { "Accept-Encoding": "gzip" });
    const second = await request(demo, "/index.html", { "Accept-Encoding": "gzip", "If-None-Match": first.headers["etag"]! });
    expect(second.status).toBe(304);
    expect(second.headers["etag"]).toBe(first.headers["etag"]);
    // Not the file's length: the 200 it stands for was compressed (RFC 9110 §8.6).
    expect(second.headers["content-length"]).toBeUndefined();
    expect(second.headers["vary"]).toBe("Accept-Encoding");
  });

  it("answers HEAD with the GET's headers and no body", async () => {
    const get = await request(demo, "/index.html", { "Accept-Encoding": "br" });
    const head = await request(demo, "/index.html", { "Accept-Encoding": "br" }, "HEAD");
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    for (const name of ["content-encoding", "content-type", "vary", "etag", "last-modified", "cache-control"]) {
      expect(head.headers[name], name).toBe(get.headers[name]);
    }
  });
});

describe("k-demo compression: /stream and --no-compress", () => {
  it("compresses /stream when asked and flushes every part", async () => {
    const chunk = 4096;
    const bytes = 10 * chunk;
    const raw = await exchange(demo.port, `GET /stream?bytes=${bytes}&chunk=${chunk} HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n`);
    // At every HTTP chunk boundary, what arrived so far decodes (sync-flushed prefix) to some
    // number of bytes; with a flush per part every multiple of the part size is among them.
    const prefixes: number[] = [];
    const headEnd = raw.indexOf("\r\n\r\n");
    expect(raw.subarray(0, headEnd).toString("latin1").toLowerCase()).toContain("\r\ncontent-encoding: gzip");
    const seen: Buffer[] = [];
    for (let offset = headEnd + 4; ; ) {
      const lineEnd = raw.indexOf("\r\n", offset);
      const size = Number.parseInt(raw.subarray(offset, lineEnd).toString("latin1"), 16);
      if (size === 0) break;
      seen.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
      prefixes.push(gunzipSync(Buffer.concat(seen), { finishFlush: 2 /* Z_SYNC_FLUSH */ }).length);
      offset = lineEnd + 2 + size + 2;
    }
    const body = gunzipSync(Buffer.concat(seen));
    expect(body.length).toBe(bytes);
    for (let i = 0; i < bytes; i++) if (body[i] !== (i & 0xff)) throw new Error(`byte ${i} is ${body[i]}`);
    for (let k = 1; k <= 10; k++) expect(prefixes, `a boundary after part ${k}`).toContain(k * chunk);
  });

  it("sends /stream as it is without Accept-Encoding", async () => {
    const res = await request(demo, "/stream?bytes=5000&chunk=1000");
    expect(res.headers["content-encoding"]).toBeUndefined();
    expect(res.body.length).toBe(5000);
  });

  it("with --no-compress sends everything uncompressed and ignores the siblings", async () => {
    const page = await request(plain, "/index.html", { "Accept-Encoding": "gzip, br" });
    expect(page.headers["content-encoding"]).toBeUndefined();
    expect(page.headers["vary"]).toBeUndefined();
    expect(page.body.toString()).toBe(PAGE);
    const script = await request(plain, "/app.js", { "Accept-Encoding": "gzip, br" });
    expect(script.headers["content-encoding"]).toBeUndefined();
    expect(script.body.toString()).toBe(SCRIPT);
    const stream = await request(plain, "/stream?bytes=5000&chunk=1000", { "Accept-Encoding": "gzip" });
    expect(stream.headers["content-encoding"]).toBeUndefined();
  });
});
