// Bench of what @k/server owns: accepting a connection, binding it to a @k/handler lifecycle,
// and tearing it down. Each connection carries one small request with `Connection: close`,
// so per-connection costs dominate; node:http serves the same answer as the baseline.
// Request throughput on keep-alive connections is the whole stack's: see bench/http.mjs and
// BENCHMARKS.md at the root.
//
// Needs the built package: `npm run build` at the root (or `npx tsc -b` here) first.
// Usage: node bench/run.mjs [--connections 4000] [--concurrency 32] [--rounds 3]
import { createServer } from "node:http";
import { connect } from "node:net";
import { parseArgs } from "node:util";
import { serve } from "@k/server";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "4000" },
    concurrency: { type: "string", default: "32" },
    rounds: { type: "string", default: "3" },
  },
});
const total = Number(values.connections);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const BODY = "Hello, World!";
const REQUEST = "GET /hello HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";

/** Opens `total` connections, `concurrency` at a time, one request each; returns conn/s. */
async function load(port) {
  let started = 0;
  let failed = 0;
  const one = () => new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    let received = "";
    socket.setEncoding("latin1");
    socket.on("connect", () => socket.write(REQUEST));
    socket.on("data", (c) => { received += c; });
    socket.on("error", () => {});
    socket.on("close", () => {
      if (!received.startsWith("HTTP/1.1 200") || !received.endsWith(BODY)) failed++;
      resolve();
    });
  });
  const lane = async () => {
    while (started < total) {
      started++;
      await one();
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (failed > 0) throw new Error(`${failed} of ${total} connections got a wrong answer`);
  return total / seconds;
}

async function startK() {
  const server = await serve({
    handler: () => ({ status: 200, headers: { "content-type": "text/plain" }, body: BODY }),
  });
  return { port: server.address.port, close: () => server.close() };
}

async function startNode() {
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "content-length": BODY.length });
    res.end(BODY);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: server.address().port, close: () => new Promise((resolve) => server.close(resolve)) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { "@k/server": [], "node:http": [] };
const k = await startK();
const node = await startNode();
await load(k.port); // warm-up
await load(node.port);
for (let i = 0; i < rounds; i++) {
  // ABBA order: slow drift on a shared machine hits both sides alike.
  const order = i % 2 === 0 ? [["@k/server", k], ["node:http", node]] : [["node:http", node], ["@k/server", k]];
  for (const [name, server] of order) results[name].push(await load(server.port));
}
await k.close();
await node.close();

const kRate = median(results["@k/server"]);
const nodeRate = median(results["node:http"]);
console.log(`connection setup + one request + teardown, ${total} connections, ${concurrency} at a time, median of ${rounds}`);
console.log("| server | connections/s | vs node:http |");
console.log("| --- | ---: | ---: |");
console.log(`| @k/server | ${kRate.toFixed(0)} | ${(kRate / nodeRate).toFixed(2)}x |`);
console.log(`| node:http | ${nodeRate.toFixed(0)} | 1.00x |`);
