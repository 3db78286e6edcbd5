// @k/framing benchmarks. Build first: `npx tsc -b && node bench/run.mjs` in packages/framing.
// Reports ns per operation (median of 5 rounds) for the framed responses the README quotes,
// and compares the chunked framer's one-copy writes with three uncopied writes on a socket.
import http from "node:http";
import net from "node:net";
import { Writable } from "node:stream";
import { once } from "node:events";
import { Utf8StreamEncoder, createFramer, CHUNK_COPY_LIMIT } from "../dist/index.js";

const ROUNDS = 5;

function measure(name, iterations, fn) {
  for (let i = 0; i < Math.min(iterations, 20_000); i++) fn(); // warm-up
  const results = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    results.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  results.sort((a, b) => a - b);
  const median = results[Math.floor(ROUNDS / 2)];
  console.log(`${name.padEnd(58)} ${median.toFixed(0).padStart(9)} ns/op`);
  return median;
}

// A sink that keeps the bytes countable but does no I/O: measures the framing alone.
let written = 0;
const sink = { write(bytes) { written += bytes.length; return true; } };

const GET11 = { method: "GET", version: "1.1" };
const hello = Buffer.from("Hello, World!");
const headers = { "Content-Type": "text/plain; charset=utf-8" };

measure("13 B Content-Length response (createFramer+start+end)", 500_000, () => {
  const first = { status: 200, headers, body: hello, done: true };
  const framer = createFramer(sink, first, GET11);
  framer.start(hello);
  framer.end();
});

// Headers as a pair list, the shape @k/handler passes: validated lines come from a cache.
const headerPairs = [["Content-Type", "text/plain; charset=utf-8"], ["Date", new Date(0).toUTCString()], ["Keep-Alive", "timeout=65"]];
measure("13 B response, 3 fields as a pair list", 500_000, () => {
  const first = { status: 200, headers: headerPairs, body: hello, done: true };
  const framer = createFramer(sink, first, GET11);
  framer.start(hello);
  framer.end();
});

const part4k = Buffer.alloc(4096, 0x61);
measure("64 KiB chunked in 16 parts of 4 KiB", 20_000, () => {
  const framer = createFramer(sink, { status: 200, headers }, GET11);
  framer.start();
  for (let i = 0; i < 16; i++) framer.write(part4k);
  framer.end();
});

// The same parts into a sink that gathers its writes (as @k/handler's connection does):
// size line, part and CRLF as three writes, the part not copied.
const gatheringSink = { write(bytes) { written += bytes.length; return true; }, gathers: true };
measure("64 KiB chunked in 16 parts of 4 KiB, gathering sink", 20_000, () => {
  const framer = createFramer(gatheringSink, { status: 200, headers }, GET11);
  framer.start();
  for (let i = 0; i < 16; i++) framer.write(part4k);
  framer.end();
});

const part64k = Buffer.alloc(65536, 0x62);
measure("64 KiB chunked as 1 part (3 writes, no copy)", 100_000, () => {
  const framer = createFramer(sink, { status: 200, headers }, GET11);
  framer.start();
  framer.write(part64k);
  framer.end();
});

// For comparison: node:http's ServerResponse and the framer writing the same 13 B response
// into the same discarding Writable stream (so both pay the stream machinery).
const stream = new Writable({
  write(chunk, encoding, callback) { written += chunk.length; callback(); },
  writev(chunks, callback) { for (const c of chunks) written += c.chunk.length; callback(); },
});
const incoming = new http.IncomingMessage(stream);
incoming.method = "GET";
incoming.httpVersionMajor = 1;
incoming.httpVersionMinor = 1;
incoming.httpVersion = "1.1";
measure("13 B via node:http ServerResponse into a Writable", 100_000, () => {
  const res = new http.ServerResponse(incoming);
  res.sendDate = false;
  res.assignSocket(stream);
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.setHeader("Content-Length", 13);
  res.end(hello);
  res.detachSocket(stream);
});
measure("13 B via createFramer into the same Writable", 100_000, () => {
  const framer = createFramer(stream, { status: 200, headers, body: hello, done: true }, GET11);
  framer.start(hello);
  framer.end();
});

const encoder = new Utf8StreamEncoder();
const short = "Hello, World! \u00e9\u20ac";
const long = "x".repeat(4000) + "\u{1F600}";
measure("Utf8StreamEncoder.encode, 16 chars", 1_000_000, () => encoder.encode(short));
measure("Utf8StreamEncoder.encode, 4 KiB", 200_000, () => encoder.encode(long));
measure("Buffer.from(16 chars, utf8) (baseline)", 1_000_000, () => Buffer.from(short, "utf8"));
// The alternative the encoder's comment rejects: encodeInto needs a worst-case array (3 bytes
// per UTF-16 unit) allocated per call, then a view of it.
const textEncoder = new TextEncoder();
measure("TextEncoder.encodeInto, 16 chars (alternative)", 1_000_000, () => {
  const out = new Uint8Array(short.length * 3);
  return out.subarray(0, textEncoder.encodeInto(short, out).written);
});

// Chunk write strategy on a real socket: the framer (copy size line + data + CRLF into one
// write for parts <= CHUNK_COPY_LIMIT) against three writes per chunk without copying.
const server = net.createServer((socket) => socket.resume());
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address();

// The two variants run in alternating rounds on their own connections, so that load from
// other processes on a shared machine hits both alike.
async function socketRound(socket, part, count, writeChunk) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    if (!writeChunk(socket, part)) await once(socket, "drain");
  }
  return Number(process.hrtime.bigint() - start) / count;
}

const CRLF = Buffer.from("\r\n");
function threeWrites(socket, part) {
  const a = socket.write(`${part.length.toString(16)}\r\n`, "latin1");
  const b = socket.write(part);
  const c = socket.write(CRLF);
  return a && b && c;
}

for (const size of [64, 4096, 16384, 65536]) {
  const a = net.connect(port, "127.0.0.1");
  const b = net.connect(port, "127.0.0.1");
  await Promise.all([once(a, "connect"), once(b, "connect")]);
  const framer = createFramer(a, { status: 200 }, GET11);
  framer.start();
  const viaFramer = (socket, part) => framer.write(part);
  const part = Buffer.alloc(size, 0x63);
  const count = Math.floor((16 * 1024 * 1024) / size);
  const copied = [];
  const three = [];
  for (let r = 0; r < ROUNDS; r++) {
    copied.push(await socketRound(a, part, count, viaFramer));
    three.push(await socketRound(b, part, count, threeWrites));
  }
  a.destroy();
  b.destroy();
  copied.sort((x, y) => x - y);
  three.sort((x, y) => x - y);
  const label = `socket, ${size} B chunks: framer (copy if <= ${CHUNK_COPY_LIMIT}) / 3 writes`;
  console.log(`${label.padEnd(58)} ${copied[2].toFixed(0).padStart(6)} / ${three[2].toFixed(0)} ns/chunk`);
}
server.close();
if (written === 0) console.log("(nothing written?)");
console.log(`node ${process.version}, ${new Date().toISOString()}`);
