// @k/parser benchmark: the same corpus through @k/parser (../dist, build first), Node's
// native llhttp binding (the parser node:http uses) and http-parser-js, in one process.
//
// Work per message is the same for all three: method, target, every header name and
// value as strings (llhttp and http-parser-js hand them out as strings already; @k as
// rawHeaders), body bytes as views (no copy). Each case runs as one long-lived parser,
// like one keep-alive connection.
//
// Inputs are shaped like real traffic: the GET rows use a browser's head (Firefox's 9
// fields, ~420 B); one row keeps tiny 3-field heads and says so. The 64 KiB upload is also
// fed in 1,460-byte pieces (one TCP segment each); the 1 KiB POST fits in one segment.
//
// Timing: every parser is warmed up, then the iterations per round are calibrated (so a
// round takes ~ROUND_MS), then rounds alternate the parsers (A/B/C, rotated each round).
// Before each round a full GC is forced (with --expose-gc; `npm run bench` passes it) and
// the parser is re-warmed briefly, so GC debt from one parser never lands on the next and
// a GC that deoptimised code would show (it must not: test/gc-deopt.test.ts). Time is the
// process's CPU time, not wall time: on a shared machine the scheduler's pauses are noise.
// Reported: the median rate, and the median and spread (min..max) of the per-round
// ratios. Read the ratios: absolute numbers drift with the machine.
//
// Usage: npm run build && node --expose-gc bench/run.mjs  [--quick]
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { createParser } from "../dist/index.js";

const require = createRequire(import.meta.url);
const { HTTPParser: NativeParser, methods: nativeMethods } = require("_http_common");
const { HTTPParser: JsParser } = require("http-parser-js");
// Reading kOnExecute switches http-parser-js to node's positional callback arguments (its
// documented compatibility hack, triggered the same way when node:http installs it).
void JsParser.kOnExecute;

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 5 : 11;
const ROUND_MS = quick ? 60 : 150;
const gc = typeof globalThis.gc === "function" ? globalThis.gc : null;

// ---------------------------------------------------------------------------------------
// Corpus

/** A browser's GET head (Firefox 128's fields, in its order) for `target`. */
const browserHead = (target) =>
  `GET ${target} HTTP/1.1\r\n` +
  "Host: www.example.com\r\n" +
  "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
  "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
  "Accept-Language: en-US,en;q=0.5\r\n" +
  "Accept-Encoding: gzip, deflate, br\r\n" +
  "Connection: keep-alive\r\n" +
  "Cookie: session=8f2a0c9d4b7e1f3a; theme=dark\r\n" +
  "Upgrade-Insecure-Requests: 1\r\n\r\n";
const browserGet = Buffer.from(browserHead("/articles/2024/http-parsing?utm_source=feed&page=2"), "latin1");
// A page's assets fetched over one keep-alive connection, pipelined: the same browser head.
const pipelinedBrowser32 = Buffer.concat(Array.from({ length: 32 }, (_, i) => Buffer.from(browserHead(`/static/asset-${i}.js`), "latin1")));
const post1k = Buffer.concat([
  Buffer.from("POST /api/items HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: application/json\r\nContent-Length: 1024\r\n\r\n", "latin1"),
  Buffer.alloc(1024, 0x61),
]);
const chunked64k = (() => {
  const parts = [Buffer.from("PUT /upload/blob HTTP/1.1\r\nHost: up.example.com\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n", "latin1")];
  const data = Buffer.alloc(4096, 0x62);
  for (let i = 0; i < 16; i++) parts.push(Buffer.from("1000\r\n"), data, Buffer.from("\r\n"));
  parts.push(Buffer.from("0\r\n\r\n"));
  return Buffer.concat(parts);
})();
const pipelinedTiny32 = Buffer.concat(
  Array.from({ length: 32 }, (_, i) => Buffer.from(`GET /static/asset-${i}.js HTTP/1.1\r\nHost: www.example.com\r\nAccept: */*\r\nAccept-Encoding: gzip\r\n\r\n`, "latin1")),
);
/** A GET whose head is just under `size` bytes, made of 200-byte field lines. */
const headOf = (size) => {
  let head = "GET /big HTTP/1.1\r\nHost: www.example.com\r\n";
  for (let i = 0; head.length < size - 230; i++) head += `X-Filler-${i}: ${"v".repeat(200)}\r\n`;
  return Buffer.from(`${head}\r\n`, "latin1");
};

/** Cuts a buffer into pieces of `size` bytes (views), like TCP segments of one MSS. */
const pieces = (buf, size) => {
  const out = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
};

const cases = [
  { name: "browser GET (9 fields, 422 B)", chunks: [browserGet], messages: 1 },
  { name: "32 pipelined browser GETs, one buffer", chunks: [pipelinedBrowser32], messages: 32 },
  { name: "32 pipelined tiny GETs (3 fields, 90 B: tiny heads)", chunks: [pipelinedTiny32], messages: 32 },
  { name: "POST 1 KiB Content-Length", chunks: [post1k], messages: 1 },
  { name: "64 KiB chunked (4 KiB chunks)", chunks: [chunked64k], messages: 1 },
  { name: "64 KiB chunked in 1,460 B pieces", chunks: pieces(chunked64k, 1460), messages: 1 },
];

// ---------------------------------------------------------------------------------------
// The three parsers, each behind `feed(chunks)` that returns the messages completed.

let sink = 0; // keeps the work observable so it is not optimised away

function kParser() {
  let done = 0;
  const parser = createParser("request", {
    onHead(head) {
      sink += head.method.length + head.target.length;
      const raw = head.rawHeaders;
      for (let i = 0; i < raw.length; i++) sink += raw[i].length;
    },
    onBody(bytes) {
      sink += bytes.length;
    },
    onComplete() {
      done++;
    },
  });
  return (chunks) => {
    done = 0;
    for (let i = 0; i < chunks.length; i++) parser.push(chunks[i]);
    return done;
  };
}

function nodeStyle(Parser, methods, init) {
  let done = 0;
  const parser = init();
  const onFields = (fields, url) => {
    for (let i = 0; i < fields.length; i++) sink += fields[i].length;
    if (url) sink += url.length;
  };
  parser[Parser.kOnHeaders] = onFields;
  parser[Parser.kOnHeadersComplete] = (major, minor, fields, method, url) => {
    sink += methods[method].length;
    if (url) sink += url.length;
    if (fields) for (let i = 0; i < fields.length; i++) sink += fields[i].length;
    return 0;
  };
  parser[Parser.kOnBody] = (bytes, start, len) => {
    sink += len ?? bytes.length;
  };
  parser[Parser.kOnMessageComplete] = () => {
    done++;
  };
  return (chunks) => {
    done = 0;
    for (let i = 0; i < chunks.length; i++) {
      const r = parser.execute(chunks[i]);
      if (r instanceof Error) throw r;
    }
    return done;
  };
}

const llhttp = () =>
  nodeStyle(NativeParser, nativeMethods, () => {
    const p = new NativeParser();
    p.initialize(NativeParser.REQUEST, {}, 0, 0);
    return p;
  });
const httpParserJs = () => nodeStyle(JsParser, JsParser.methods, () => new JsParser(JsParser.REQUEST));

const parsers = [
  { name: "@k", make: kParser },
  { name: "llhttp", make: llhttp },
  { name: "http-parser-js", make: httpParserJs },
];

// ---------------------------------------------------------------------------------------
// Measurement

const cpuSeconds = (since) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

/** Runs `feed(chunks)` for about `ms` ms of CPU time; returns the iterations that took. */
function calibrate(feed, chunks, ms) {
  let iterations = 1;
  for (;;) {
    const t = process.cpuUsage();
    for (let i = 0; i < iterations; i++) feed(chunks);
    const s = cpuSeconds(t);
    if (s * 1000 >= ms / 4) return Math.max(1, Math.round((iterations * ms) / (s * 1000)));
    iterations *= 2;
  }
}

/** One timed round of `iterations` feeds after a forced GC and a short re-warm; messages per CPU second. */
function round(feed, chunks, expected, iterations) {
  if (gc !== null) {
    gc();
    for (let i = 0, n = Math.max(1, iterations >> 3); i < n; i++) feed(chunks);
  }
  let messages = 0;
  const t = process.cpuUsage();
  for (let i = 0; i < iterations; i++) messages += feed(chunks);
  const s = cpuSeconds(t);
  if (messages !== iterations * expected) throw new Error(`expected ${expected} messages per feed, got ${messages / iterations}`);
  return messages / s;
}

/** Warm every feed for ~ms of CPU time (the JIT settles), then calibrate each. */
function prepare(feeds, chunks, ms) {
  for (const feed of feeds) {
    const n = calibrate(feed, chunks, ms / 2);
    for (let i = 0; i < n * 2; i++) feed(chunks);
  }
  return feeds.map((feed) => calibrate(feed, chunks, ms));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return `${sorted[0].toFixed(2)}..${sorted.at(-1).toFixed(2)}`;
};
const bytesOf = (chunks) => chunks.reduce((n, c) => n + c.length, 0);
const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0));

const rows = [];
for (const c of cases) {
  const feeds = parsers.map((p) => p.make());
  const iterations = prepare(feeds, c.chunks, ROUND_MS);
  const rates = parsers.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round (A/B/C, B/C/A, C/A/B) so drift hits all alike.
    for (let k = 0; k < parsers.length; k++) {
      const j = (k + r) % parsers.length;
      rates[j].push(round(feeds[j], c.chunks, c.messages, iterations[j]));
    }
  }
  const med = rates.map(median);
  const ratio = (j) => rates[0].map((x, r) => x / rates[j][r]);
  const mb = (perSec) => ((perSec / c.messages) * bytesOf(c.chunks)) / 1e6;
  rows.push({ name: c.name, med, mb: med.map(mb), vsLlhttp: ratio(1), vsJs: ratio(2) });
}

// Heads of 4 and 16 KiB, whole vs one byte at a time: the cost of a push must be a small
// constant, never a rescan of what was already buffered, so the ratio must not grow with the
// head size. llhttp is measured the same way beside it, for scale: one push per byte is
// dominated by the fixed cost of a call, which the whole-head fast path does not pay.
const headRatio = (make, head) => {
  const wholeFeed = make();
  const byteFeed = make();
  const byteChunks = pieces(head, 1);
  const [nWhole] = prepare([wholeFeed], [head], ROUND_MS);
  const [nBytes] = prepare([byteFeed], byteChunks, ROUND_MS);
  const whole = [];
  const bytewise = [];
  for (let r = 0; r < ROUNDS; r++) {
    whole.push(round(wholeFeed, [head], 1, nWhole));
    bytewise.push(round(byteFeed, byteChunks, 1, nBytes));
  }
  return { whole: median(whole), bytes: median(bytewise) };
};
const headRatios = [4096, 16384].map((size) => {
  const head = headOf(size);
  // node:http's llhttp binding refuses heads over its 16 KiB default (--max-http-header-size).
  let native = null;
  try {
    native = headRatio(llhttp, head);
  } catch {
    native = null;
  }
  return { size: head.length, k: headRatio(kParser, head), native };
});

// ---------------------------------------------------------------------------------------
// Report (a Markdown table, pasted into README.md)

const line = (cells) => `| ${cells.join(" | ")} |`;
console.log(`@k/parser bench — node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${ROUNDS} rounds of ~${ROUND_MS} ms CPU time, ${gc ? "a forced GC and a re-warm before each round" : "no forced GC (run with --expose-gc)"}`);
console.log();
console.log(line(["case", "@k req/s", "@k MB/s", "llhttp req/s", "http-parser-js req/s", "@k / llhttp (median, spread)", "@k / http-parser-js"]));
console.log(line(["---", "---:", "---:", "---:", "---:", "---:", "---:"]));
for (const r of rows) {
  console.log(line([r.name, fmt(r.med[0]), r.mb[0].toFixed(0), fmt(r.med[1]), fmt(r.med[2]), `${median(r.vsLlhttp).toFixed(2)}x (${spread(r.vsLlhttp)})`, `${median(r.vsJs).toFixed(2)}x (${spread(r.vsJs)})`]));
}
console.log();
console.log(line(["head pushed whole vs one byte per push", "@k whole heads/s", "@k bytewise heads/s", "@k ratio", "llhttp whole heads/s", "llhttp bytewise heads/s", "llhttp ratio"]));
console.log(line(["---", "---:", "---:", "---:", "---:", "---:", "---:"]));
for (const h of headRatios) {
  const n = h.native;
  console.log(line([`${h.size} B head`, fmt(h.k.whole), fmt(h.k.bytes), `${(h.k.whole / h.k.bytes).toFixed(1)}x`, n ? fmt(n.whole) : "refused", n ? fmt(n.bytes) : "refused", n ? `${(n.whole / n.bytes).toFixed(1)}x` : "–"]));
}
if (sink === 0) console.log("(no work observed)");
