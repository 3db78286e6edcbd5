// @k/parser benchmark: the same corpus through @k/parser (../dist, build first), Node's
// native llhttp binding (the parser node:http uses) and http-parser-js, in one process.
//
// Work per message is the same for all three: method, target, every header name and
// value as strings (llhttp and http-parser-js hand them out as strings already; @k as
// rawHeaders), body bytes as views (no copy). Each case runs as one long-lived parser,
// like one keep-alive connection. Rounds alternate the parsers (A/B/C, then rotated) and
// the median round is reported, because the machine is shared and noisy: read the ratios.
//
// The 64 KiB upload is also fed in 1,460-byte pieces (one TCP segment each); the 1 KiB
// POST fits in one such segment, so its piecewise run would be the same as the whole one.
//
// Usage: npm run build && node bench/run.mjs  [--quick]
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
const ROUNDS = quick ? 3 : 7;
const ROUND_MS = quick ? 60 : 180;

// ---------------------------------------------------------------------------------------
// Corpus

const browserGet = Buffer.from(
  "GET /articles/2024/http-parsing?utm_source=feed&page=2 HTTP/1.1\r\n" +
    "Host: www.example.com\r\n" +
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
    "Accept-Language: en-US,en;q=0.5\r\n" +
    "Accept-Encoding: gzip, deflate, br\r\n" +
    "Connection: keep-alive\r\n" +
    "Cookie: session=8f2a0c9d4b7e1f3a; theme=dark\r\n" +
    "Upgrade-Insecure-Requests: 1\r\n\r\n",
  "latin1",
);
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
const pipelined32 = Buffer.concat(
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
  { name: "browser GET, 8 headers", chunks: [browserGet], messages: 1 },
  { name: "POST 1 KiB Content-Length", chunks: [post1k], messages: 1 },
  { name: "64 KiB chunked (4 KiB chunks)", chunks: [chunked64k], messages: 1 },
  { name: "64 KiB chunked in 1,460 B pieces", chunks: pieces(chunked64k, 1460), messages: 1 },
  { name: "32 pipelined GETs, one buffer", chunks: [pipelined32], messages: 32 },
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

/** Runs `feed(chunks)` for about `ms` milliseconds; returns messages (requests) per second. */
function measure(feed, chunks, expected, ms) {
  let messages = 0;
  let iterations = 0;
  const start = performance.now();
  let now = start;
  // Batches of iterations between clock reads keep timer overhead out of tiny cases.
  let batch = 1;
  while (now - start < ms) {
    for (let i = 0; i < batch; i++) messages += feed(chunks);
    iterations += batch;
    now = performance.now();
    if (now - start < ms / 20) batch *= 2;
  }
  if (messages !== iterations * expected) throw new Error(`expected ${expected} messages per feed, got ${messages / iterations}`);
  return (messages * 1000) / (now - start);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bytesOf = (chunks) => chunks.reduce((n, c) => n + c.length, 0);
const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0));

const rows = [];
for (const c of cases) {
  const feeds = parsers.map((p) => p.make());
  // Warm-up: every parser through the case until the JIT has settled.
  for (const feed of feeds) measure(feed, c.chunks, c.messages, ROUND_MS / 2);
  const rates = parsers.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round (A/B/C, B/C/A, C/A/B) so drift hits all alike.
    for (let k = 0; k < parsers.length; k++) {
      const j = (k + round) % parsers.length;
      rates[j].push(measure(feeds[j], c.chunks, c.messages, ROUND_MS));
    }
  }
  const med = rates.map(median);
  const mb = (perSec) => (perSec / c.messages) * bytesOf(c.chunks) / 1e6;
  rows.push({ name: c.name, med, mb: med.map(mb) });
}

// Heads of 4 and 16 KiB, whole vs one byte at a time: the cost of a push must be a small
// constant, never a rescan of what was already buffered, so the ratio must not grow with the
// head size. llhttp is measured the same way beside it, for scale: one push per byte is
// dominated by the fixed cost of a call, which the whole-head fast path does not pay.
const headRatio = (make, head) => {
  const wholeFeed = make();
  const byteFeed = make();
  const byteChunks = pieces(head, 1);
  measure(wholeFeed, [head], 1, ROUND_MS / 2);
  measure(byteFeed, byteChunks, 1, ROUND_MS / 2);
  const whole = [];
  const bytewise = [];
  for (let round = 0; round < ROUNDS; round++) {
    whole.push(measure(wholeFeed, [head], 1, ROUND_MS));
    bytewise.push(measure(byteFeed, byteChunks, 1, ROUND_MS));
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
console.log(`@k/parser bench — node ${process.version}, ${new Date().toISOString().slice(0, 10)}, median of ${ROUNDS} rounds of ${ROUND_MS} ms`);
console.log();
console.log(line(["case", "@k req/s", "@k MB/s", "llhttp req/s", "http-parser-js req/s", "@k / llhttp", "@k / http-parser-js"]));
console.log(line(["---", "---:", "---:", "---:", "---:", "---:", "---:"]));
for (const r of rows) {
  console.log(line([r.name, fmt(r.med[0]), r.mb[0].toFixed(0), fmt(r.med[1]), fmt(r.med[2]), `${(r.med[0] / r.med[1]).toFixed(2)}x`, `${(r.med[0] / r.med[2]).toFixed(2)}x`]));
}
console.log();
console.log(line(["head pushed whole vs one byte per push", "@k whole heads/s", "@k bytewise heads/s", "@k ratio", "llhttp whole heads/s", "llhttp bytewise heads/s", "llhttp ratio"]));
console.log(line(["---", "---:", "---:", "---:", "---:", "---:", "---:"]));
for (const h of headRatios) {
  const n = h.native;
  console.log(line([`${h.size} B head`, fmt(h.k.whole), fmt(h.k.bytes), `${(h.k.whole / h.k.bytes).toFixed(1)}x`, n ? fmt(n.whole) : "refused", n ? fmt(n.bytes) : "refused", n ? `${(n.whole / n.bytes).toFixed(1)}x` : "–"]));
}
if (sink === 0) console.log("(no work observed)");
