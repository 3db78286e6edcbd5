// Same-process A/B of two builds of @k/parser (and llhttp for scale), for deciding whether a
// change is kept: on a shared, noisy machine absolute rates drift by 2-3x within minutes, so
// only ratios measured in the same process, round by round, mean anything.
//
// Build the old code into one directory and the new into another (each a `dist` as `tsc -b`
// writes it), then:
//
//   node --expose-gc --single-threaded-gc bench/ab.mjs OLD_DIST NEW_DIST [--rounds N] [--ms MS] [--case SUBSTRING]
//
// e.g. `git stash && npx tsc -b && cp -r dist /tmp/old && git stash pop && npx tsc -b && node
// --expose-gc --single-threaded-gc bench/ab.mjs /tmp/old dist`. --single-threaded-gc keeps
// V8's GC work on the main thread, so concurrent GC threads add no noise of their own to the
// process's CPU time. 101 rounds of 20 ms (`--rounds 101 --ms 20`) told changes of 3-5% apart
// on the loaded 2-core machine.
//
// Each round forces a full GC, re-warms, then times OLD, NEW and llhttp in rotating order in
// CPU time. Reported per case: the median of the per-round NEW/OLD ratios with their spread,
// the ratio of the best rounds, and each build against llhttp.
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const k = args.indexOf(name);
  if (k < 0) return fallback;
  const v = args[k + 1];
  args.splice(k, 2);
  return v;
};
const ROUNDS = Number(opt("--rounds", "21"));
const only = opt("--case", "");
const ROUND_MS = Number(opt("--ms", "100"));
if (args.length !== 2) {
  console.error("usage: node --expose-gc bench/ab.mjs OLD_DIST NEW_DIST [--rounds N] [--ms MS] [--case SUBSTRING]");
  process.exit(2);
}
const load = async (dir) => (await import(pathToFileURL(resolve(dir, "index.js")).href)).createParser;
const [oldCreate, newCreate] = await Promise.all(args.map(load));
const gc = typeof globalThis.gc === "function" ? globalThis.gc : null;
if (gc === null) console.error("(no --expose-gc: rounds run without a forced GC)");

const require = createRequire(import.meta.url);
const { HTTPParser: NativeParser, methods: nativeMethods } = require("_http_common");

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
const chunked64k = (() => {
  const parts = [Buffer.from("PUT /upload/blob HTTP/1.1\r\nHost: up.example.com\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n", "latin1")];
  const data = Buffer.alloc(4096, 0x62);
  for (let i = 0; i < 16; i++) parts.push(Buffer.from("1000\r\n"), data, Buffer.from("\r\n"));
  parts.push(Buffer.from("0\r\n\r\n"));
  return Buffer.concat(parts);
})();
const pieces = (buf, size) => {
  const out = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
};
const responseHead =
  "HTTP/1.1 200 OK\r\nDate: Mon, 07 Dec 2026 12:00:00 GMT\r\nServer: nginx/1.26.3\r\nContent-Type: text/html; charset=utf-8\r\n" +
  "Content-Length: 5\r\nConnection: keep-alive\r\nCache-Control: max-age=60\r\nETag: \"5f3a-1b2c\"\r\n\r\nhello";

const cases = [
  { name: "browser GET", kind: "request", chunks: [Buffer.from(browserHead("/articles/2024/http-parsing?utm_source=feed&page=2"), "latin1")], messages: 1 },
  { name: "32 pipelined browser GETs", kind: "request", chunks: [Buffer.concat(Array.from({ length: 32 }, (_, i) => Buffer.from(browserHead(`/static/asset-${i}.js`), "latin1")))], messages: 32 },
  {
    name: "32 pipelined tiny GETs",
    kind: "request",
    chunks: [Buffer.concat(Array.from({ length: 32 }, (_, i) => Buffer.from(`GET /static/asset-${i}.js HTTP/1.1\r\nHost: www.example.com\r\nAccept: */*\r\nAccept-Encoding: gzip\r\n\r\n`, "latin1")))],
    messages: 32,
  },
  {
    name: "POST 1 KiB",
    kind: "request",
    chunks: [Buffer.concat([Buffer.from("POST /api/items HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: application/json\r\nContent-Length: 1024\r\n\r\n", "latin1"), Buffer.alloc(1024, 0x61)])],
    messages: 1,
  },
  { name: "64 KiB chunked (4 KiB chunks)", kind: "request", chunks: [chunked64k], messages: 1 },
  { name: "64 KiB chunked in 1,460 B pieces", kind: "request", chunks: pieces(chunked64k, 1460), messages: 1 },
  { name: "response (8 fields)", kind: "response", chunks: [Buffer.from(responseHead, "latin1")], messages: 1 },
].filter((c) => c.name.includes(only));

let sink = 0;
const kFeed = (create, kind) => {
  let done = 0;
  const parser = create(kind, {
    onHead(head) {
      sink += head.method.length + head.target.length + head.reason.length;
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
};
const llhttpFeed = (kind) => {
  let done = 0;
  const parser = new NativeParser();
  parser.initialize(kind === "request" ? NativeParser.REQUEST : NativeParser.RESPONSE, {}, 0, 0);
  parser[NativeParser.kOnHeaders] = (fields, url) => {
    for (let i = 0; i < fields.length; i++) sink += fields[i].length;
    if (url) sink += url.length;
  };
  parser[NativeParser.kOnHeadersComplete] = (major, minor, fields, method, url, status, reason) => {
    if (method !== undefined) sink += nativeMethods[method].length;
    if (url) sink += url.length;
    if (reason) sink += reason.length;
    if (fields) for (let i = 0; i < fields.length; i++) sink += fields[i].length;
    return 0;
  };
  parser[NativeParser.kOnBody] = (bytes) => {
    sink += bytes.length;
  };
  parser[NativeParser.kOnMessageComplete] = () => {
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
};

// Process CPU time in ns (getrusage: exact for the running thread, unlike /proc's schedstat,
// which only moves at scheduler ticks).
const now = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1e3;
};
const cpu = (since) => (now() - since) / 1e9;
const calibrate = (feed, chunks) => {
  let n = 1;
  for (;;) {
    const t = now();
    for (let i = 0; i < n; i++) feed(chunks);
    const s = cpu(t);
    if (s * 1000 >= ROUND_MS / 4) return Math.max(1, Math.round((n * ROUND_MS) / (s * 1000)));
    n *= 2;
  }
};
const round = (feed, chunks, expected, n) => {
  if (gc !== null) {
    gc();
    for (let i = 0, w = Math.max(1, n >> 3); i < w; i++) feed(chunks);
  }
  let messages = 0;
  const t = now();
  for (let i = 0; i < n; i++) messages += feed(chunks);
  const s = cpu(t);
  if (messages !== n * expected) throw new Error(`expected ${expected} messages per feed, got ${messages / n}`);
  return messages / s;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0].toFixed(2)}..${s.at(-1).toFixed(2)}`;
};

console.log(`A/B ${args[0]} -> ${args[1]}, node ${process.version}, ${ROUNDS} rounds of ~${ROUND_MS} ms CPU time`);
console.log("| case | new / old (median, spread) | new / old (best rounds) | old / llhttp | new / llhttp | old / llhttp (best) | new / llhttp (best) |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const c of cases) {
  const feeds = [kFeed(oldCreate, c.kind), kFeed(newCreate, c.kind), llhttpFeed(c.kind)];
  for (const f of feeds) for (let i = 0, n = calibrate(f, c.chunks) * 3; i < n; i++) f(c.chunks);
  const iters = feeds.map((f) => calibrate(f, c.chunks));
  const rates = [[], [], []];
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < 3; k++) {
      const j = (k + r) % 3;
      rates[j].push(round(feeds[j], c.chunks, c.messages, iters[j]));
    }
  }
  const ratio = (a, b) => rates[a].map((x, r) => x / rates[b][r]);
  const nv = ratio(1, 0);
  // Noise only ever slows a round down, so the best round of each is the steadiest estimate
  // of its intrinsic speed on a loaded machine; the per-round median is shown beside it.
  const best = (j) => Math.max(...rates[j]);
  console.log(`| ${c.name} | ${median(nv).toFixed(3)} (${spread(nv)}) | ${(best(1) / best(0)).toFixed(3)} | ${median(ratio(0, 2)).toFixed(2)}x | ${median(ratio(1, 2)).toFixed(2)}x | ${(best(0) / best(2)).toFixed(2)}x | ${(best(1) / best(2)).toFixed(2)}x |`);
}
if (sink === 0) console.log("(no work observed)");
