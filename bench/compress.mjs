// Compressed static file: k-demo (@k/handler's compress()) against Hono's compress() on
// @hono/node-server (bench/hono-compress-server.mjs), both serving apps/demo/public/index.html.
//
// What it does, in order:
//   1. builds k-demo (`tsc -b apps/demo`, incremental) and starts both servers on 127.0.0.1,
//      pinned to core 0 (`taskset -c 0`) when taskset exists and there are >= 2 cores; the
//      load generator (autocannon, in this process) then shares the other core;
//   2. verifies each server first: /index.html with each Accept-Encoding below decodes
//      (node:zlib) to the file's bytes; it notes the coding each one chose and its body size;
//   3. per Accept-Encoding ("gzip, br": each server's preferred pick, so k-demo sends br and
//      Hono gzip; "gzip": the same coding on both), a 2 s warm-up per server, then ABBA rounds
//      of `--duration` seconds, `--connections` connections;
//   4. prints a markdown table: median req/s, the k-demo/Hono ratio, the coding and the body
//      bytes per response (compressed size), and wire bytes per response (autocannon's count,
//      head included).
//
// It does not write BENCHMARKS.md. Usage:
//   node bench/compress.mjs [--duration 5] [--rounds 2] [--connections 50]
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import autocannon from "autocannon";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const K_DEMO_BIN = fileURLToPath(new URL("../apps/demo/bin/k-demo.js", import.meta.url));
const HONO_SERVER = fileURLToPath(new URL("hono-compress-server.mjs", import.meta.url));
const TSC = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
const FILE = fileURLToPath(new URL("../apps/demo/public/index.html", import.meta.url));
const PATH = "/index.html";
const ENCODINGS = ["gzip, br", "gzip"];

const { values: options } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    rounds: { type: "string", default: "2" },
    connections: { type: "string", default: "50" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (options.help) {
  process.stdout.write("Usage: node bench/compress.mjs [--duration 5] [--rounds 2] [--connections 50]\n");
  process.exit(0);
}
const DURATION = Number(options.duration);
const ROUNDS = Number(options.rounds);
const CONNECTIONS = Number(options.connections);

const onPath = (command) => spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
const PINNED = onPath("taskset") && availableParallelism() >= 2;
const SERVER_PREFIX = PINNED ? ["taskset", "-c", "0"] : [];

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** GET `path` with Accept-Encoding; resolves with the head and the raw (still encoded) body. */
function get(port, path, acceptEncoding) {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { "accept-encoding": acceptEncoding }, timeout: 5_000 }, (res) => {
      const parts = [];
      res.on("data", (part) => parts.push(part));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

async function startServer(name, args, port) {
  const [command, ...rest] = [...SERVER_PREFIX, process.execPath, ...args];
  const child = spawn(command, rest, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (text) => (output += text));
  child.stderr.setEncoding("utf8").on("data", (text) => (output += text));
  const server = { name, child, pid: child.pid, port };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited:\n${output}`);
    try {
      await get(port, PATH, "identity");
      return server;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await stopServer(server);
  throw new Error(`${name} did not answer within 15 s:\n${output}`);
}

async function stopServer(server) {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(server.pid, "SIGTERM");
  const timer = setTimeout(() => child.exitCode === null && process.kill(server.pid, "SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

const DECODERS = { gzip: gunzipSync, br: brotliDecompressSync, deflate: inflateSync, identity: (b) => b };

/** One verified response: the coding and body size a server sends for `acceptEncoding`. */
async function verify(server, acceptEncoding, expected) {
  const res = await get(server.port, PATH, acceptEncoding);
  const coding = res.headers["content-encoding"] ?? "identity";
  const decode = DECODERS[coding];
  if (res.status !== 200 || decode === undefined || !Buffer.from(decode(res.body)).equals(expected)) {
    throw new Error(`${server.name}: ${PATH} with Accept-Encoding "${acceptEncoding}" is not the file (status ${res.status}, coding ${coding})`);
  }
  return { coding, bodyBytes: res.body.length };
}

function load(server, acceptEncoding, seconds) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${server.port}${PATH}`,
        connections: CONNECTIONS,
        duration: seconds,
        headers: { "accept-encoding": acceptEncoding },
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function main() {
  execFileSync(process.execPath, [TSC, "-b", "apps/demo"], { cwd: ROOT, stdio: "inherit" });
  const expected = readFileSync(FILE);
  const [kPort, honoPort] = [await freePort(), await freePort()];
  const servers = [
    await startServer("k-demo", [K_DEMO_BIN, "--port", String(kPort), "--quiet"], kPort),
    await startServer("hono", [HONO_SERVER, "--port", String(honoPort)], honoPort),
  ];
  const rows = [];
  try {
    for (const acceptEncoding of ENCODINGS) {
      const checks = await Promise.all(servers.map((s) => verify(s, acceptEncoding, expected)));
      const rps = servers.map(() => []);
      const wire = servers.map(() => []);
      for (const s of servers) await load(s, acceptEncoding, 2);
      // ABBA: k, hono, hono, k, ...
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? [0, 1] : [1, 0];
        for (const i of order) {
          const result = await load(servers[i], acceptEncoding, DURATION);
          if (result.non2xx > 0 || result.errors > 0) throw new Error(`${servers[i].name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
          rps[i].push(result.requests.average);
          wire[i].push(result.throughput.total / Math.max(1, result.requests.total));
        }
      }
      rows.push({ acceptEncoding, checks, rps: rps.map(median), wire: wire.map(median) });
    }
  } finally {
    for (const s of servers) await stopServer(s);
  }
  const [l1, l5] = loadavg();
  process.stdout.write(
    `\n${PATH} (${expected.length} bytes), ${CONNECTIONS} connections, ${ROUNDS} x ${DURATION} s per server, ` +
      `autocannon, ${PINNED ? "servers on core 0" : "not pinned"}, node ${process.version}, load ${l1.toFixed(1)}/${l5.toFixed(1)}\n\n`,
  );
  process.stdout.write("| Accept-Encoding | k-demo req/s | Hono compress() req/s | k/Hono | k-demo coding, body / wire bytes | Hono coding, body / wire bytes |\n");
  process.stdout.write("| --- | --- | --- | --- | --- | --- |\n");
  for (const row of rows) {
    const [k, h] = row.checks;
    process.stdout.write(
      `| \`${row.acceptEncoding}\` | ${Math.round(row.rps[0])} | ${Math.round(row.rps[1])} | ${(row.rps[0] / row.rps[1]).toFixed(2)}x | ` +
        `${k.coding}, ${k.bodyBytes} / ${Math.round(row.wire[0])} | ${h.coding}, ${h.bodyBytes} / ${Math.round(row.wire[1])} |\n`,
    );
  }
}

await main();
