// @k/handler benchmarks (run after `npm run build` in this package: it imports dist/).
//
// 1. in-memory: requests/s through createConnection over a transport that drops bytes, for
//    (b) a whole response and (a) a generator, one request per read and 16 pipelined per read.
// 2. TCP, side by side on 127.0.0.1: node:http against createConnection on a bare net.Server
//    socket (a minimal transport written here; @k/server has the real one), "Hello, World!"
//    with Content-Length, 16 pipelined requests per round trip and 1 per round trip.
//
//    Each server runs in a child process, so the load generator does not share its thread.
//
// Usage: node bench/run.mjs [--seconds 3] [--connections 10] [--depth 16] [--rounds 2]
import { spawn } from "node:child_process";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { parseArgs } from "node:util";
import { client, responseSize } from "./tcp-client.mjs";
import { createConnection, fromFetch } from "@k/handler";
import { Hono } from "hono";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    connections: { type: "string", default: "10" },
    depth: { type: "string", default: "16" },
    rounds: { type: "string", default: "2" },
    serve: { type: "string" },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const DEPTH = Number(values.depth);
const ROUNDS = Number(values.rounds);
const BODY = "Hello, World!";

const whole = () => ({ status: 200, headers: { "content-type": "text/plain" }, body: BODY });
const hono = fromFetch(new Hono().get("/hello", (c) => c.text(BODY)).fetch);
async function* generator() {
  yield { status: 200, headers: { "content-type": "text/plain" }, length: BODY.length };
  yield BODY;
}

async function inMemory(name, handler, perRead) {
  let responses = 0;
  const transport = {
    write: () => (responses++, true),
    end() {},
    destroy() {},
    pause() {},
    resume() {},
  };
  const conn = createConnection(transport, { handler });
  const one = "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n";
  const input = Buffer.from(one.repeat(perRead));
  const until = performance.now() + SECONDS * 1000;
  let requests = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 50; i++) {
      conn.onData(Buffer.from(input));
      requests += perRead;
      // Let the components run and the coalesced write go out.
      await new Promise((r) => setImmediate(r));
    }
  }
  console.log(`| in-memory ${name}, ${perRead}/read | ${Math.round(requests / SECONDS).toLocaleString("en")} req/s | writes/request ${(responses / requests).toFixed(3)} |`);
}

/**
 * A POST whose 2 KiB body arrives in the read after its head: the path where the request
 * deadline and body-rate clock runs (one clock read at its start and end, one re-armed timer
 * per connection). Compare with `requestTimeout: 0`, which switches it off (issue 11).
 */
async function bodyInLaterRead(requestTimeout) {
  const transport = { write: () => true, end() {}, destroy() {}, pause() {}, resume() {} };
  const reader = async (req) => {
    let n = 0;
    for await (const chunk of req.body) n += chunk.length;
    return { status: 200, body: String(n) };
  };
  const conn = createConnection(transport, { handler: reader, requestTimeout });
  const head = Buffer.from("POST /up HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2048\r\n\r\n");
  const body = Buffer.alloc(2048, 0x61);
  const until = performance.now() + SECONDS * 1000;
  let requests = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 50; i++) {
      conn.onData(Buffer.from(head));
      await new Promise((r) => setImmediate(r));
      conn.onData(Buffer.from(body));
      await new Promise((r) => setImmediate(r));
      requests++;
    }
  }
  const label = requestTimeout === 0 ? "deadline off" : "deadline on (default)";
  console.log(`| in-memory POST, 2 KiB body in the next read, ${label} | ${Math.round(requests / SECONDS).toLocaleString("en")} req/s | |`);
}

/** Bytes/s of one large streamed response (64 KiB parts, chunked) through the connection. */
async function streaming() {
  const PART = Buffer.alloc(64 * 1024, 0x61);
  const TOTAL = 1024 * 1024 * 1024;
  let bytes = 0;
  let done = false;
  const transport = { write: (b) => ((bytes += b.length), true), end() {}, destroy() {}, pause() {}, resume() {} };
  const conn = createConnection(transport, {
    handler: async function* () {
      yield { status: 200 };
      for (let sent = 0; sent < TOTAL; sent += PART.length) yield PART;
      done = true;
    },
  });
  const t = performance.now();
  conn.onData(Buffer.from("GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  while (!done) await new Promise((r) => setImmediate(r));
  const seconds = (performance.now() - t) / 1000;
  console.log(`| in-memory streamed 1 GiB, 64 KiB parts, chunked | ${Math.round(bytes / seconds / 1e6).toLocaleString("en")} MB/s | |`);
}

function kServer(handler) {
  return createServer({ noDelay: true }, (socket) => {
    const conn = createConnection(
      {
        write: (b) => socket.write(b),
        end: () => socket.end(),
        destroy: (e) => socket.destroy(e),
        pause: () => socket.pause(),
        resume: () => socket.resume(),
        cork: () => socket.cork(),
        uncork: () => socket.uncork(),
        remoteAddress: socket.remoteAddress,
        remotePort: socket.remotePort,
      },
      { handler },
    );
    socket.on("data", (b) => conn.onData(b));
    socket.on("end", () => conn.onEnd());
    socket.on("drain", () => conn.onDrain());
    socket.on("close", () => conn.onClose());
    socket.on("error", () => {});
  });
}

function nodeServer() {
  return createHttpServer((req, res) => {
    res.setHeader("content-type", "text/plain");
    res.setHeader("content-length", BODY.length);
    res.end(BODY);
  });
}

async function listen(server) {
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return server.address().port;
}


if (values.serve !== undefined) {
  // Child mode: run one server and report its port.
  const port = await listen(values.serve === "k" ? kServer(whole) : nodeServer());
  process.send?.(port);
} else {
  await main();
}

async function tcp(kind, depth) {
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, "--serve", kind], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await new Promise((resolve) => child.once("message", resolve));
  try {
    const size = await responseSize(port, BODY);
    const deadline = performance.now() + SECONDS * 1000;
    const counts = await Promise.all(Array.from({ length: CONNECTIONS }, () => client(port, depth, deadline, size)));
    return counts.reduce((a, b) => a + b, 0) / SECONDS;
  } finally {
    child.kill();
  }
}

async function main() {
  console.log(`| benchmark | result | |\n| --- | --- | --- |`);
  await inMemory("(b) whole", whole, 1);
  await inMemory("(b) whole", whole, DEPTH);
  await inMemory("(a) generator", generator, DEPTH);
  await inMemory("(c) fromFetch(Hono)", hono, DEPTH);
  await bodyInLaterRead(0);
  await bodyInLaterRead(undefined);
  await streaming();
  for (const depth of [1, DEPTH]) {
    // ABBA rounds, medians: load from other processes on a shared machine drifts slowly, so
    // alternating the order spreads it over both sides.
    const runs = { node: [], k: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of round % 2 === 0 ? ["node", "k", "k", "node"] : ["k", "node", "node", "k"]) {
        runs[kind].push(await tcp(kind, depth));
      }
    }
    const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const node = median(runs.node);
    const k = median(runs.k);
    console.log(`| TCP depth ${depth}: node:http | ${Math.round(node).toLocaleString("en")} req/s | |`);
    console.log(`| TCP depth ${depth}: @k/handler | ${Math.round(k).toLocaleString("en")} req/s | ${(k / node).toFixed(2)}x node:http |`);
  }
}
