// Side-by-side HTTP benchmark: node:http (bench/node-http-server.mjs) against the built k-demo
// (`node apps/demo/bin/k-demo.js --port N --quiet`), on the same two endpoints, same machine.
//
// What it does, in order:
//   1. picks the load generator: Debian's wrk (installed by bench/setup.sh when missing and we
//      are root), else autocannon from node_modules/.bin (slower; figures marked as such);
//   2. builds k-demo (`tsc -b apps/demo`, incremental), starts both servers pinned to core 0
//      (`taskset -c 0`) and runs the load generator on core 1 (`taskset -c 1`) when taskset
//      exists and there are >= 2 cores;
//   3. verifies each server before loading it: one /hello and one /stream request (status,
//      body, framing headers) and 16 pipelined requests of each answered in order with the
//      right bodies. A server that fails is not measured (k-demo failing -> node:http only, exit 1);
//   4. per configuration (hello, stream, hello pipelined x16, stream pipelined x16): a 3 s
//      warm-up per server, then alternating A/B rounds (ABBA order, so slow drift on a noisy
//      shared machine hits both sides alike), 50 connections on 127.0.0.1;
//   5. prints a markdown table: median req/s, median p50/p99 latency, k-demo/node:http ratio,
//      the issue's targets (hello >= 1.2x; pipelined >= 3x node:http pipelined), and requests
//      per CPU-second each server used (read from /proc: steadier than req/s when other
//      processes share the cores).
//
// It does not benchmark the parser or framing alone (packages/*/bench do) and does not write
// BENCHMARKS.md: figures there are pasted from a run, with the date and machine noted.
//
// Usage: node bench/http.mjs [--duration 5] [--rounds 3] [--connections 50] [--depth 16]
//                            [--configs hello,stream,hello-pipelined,stream-pipelined]
//                            [--tool wrk|autocannon] [--json results.json]
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect, createServer } from "node:net";
import { availableParallelism, cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NODE_SERVER = fileURLToPath(new URL("node-http-server.mjs", import.meta.url));
const K_DEMO_BIN = fileURLToPath(new URL("../apps/demo/bin/k-demo.js", import.meta.url));
const K_DEMO_CLI = fileURLToPath(new URL("../apps/demo/dist/cli.js", import.meta.url));
const SETUP = fileURLToPath(new URL("setup.sh", import.meta.url));
const PIPELINE_LUA = fileURLToPath(new URL("pipeline.lua", import.meta.url));
const REPORT_LUA = fileURLToPath(new URL("report.lua", import.meta.url));
const TSC = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
const AUTOCANNON = fileURLToPath(new URL("../node_modules/.bin/autocannon", import.meta.url));

const STREAM_BYTES = 65_536;
const STREAM_CHUNK = 4_096;
const STREAM_PATH = `/stream?bytes=${STREAM_BYTES}&chunk=${STREAM_CHUNK}`;
const HELLO_BODY = "Hello, World!";

const { values: options } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "50" },
    depth: { type: "string", default: "16" },
    configs: { type: "string", default: "hello,stream,hello-pipelined,stream-pipelined" },
    tool: { type: "string" },
    json: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (options.help) {
  const lines = readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n");
  const header = lines.slice(0, lines.findIndex((l) => !l.startsWith("//")));
  console.log(header.map((l) => l.slice(3)).join("\n"));
  process.exit(0);
}
const DURATION_S = positiveInt("duration");
const ROUNDS = positiveInt("rounds");
const CONNECTIONS = positiveInt("connections");
const DEPTH = positiveInt("depth");

const ALL_CONFIGS = {
  hello: { path: "/hello", pipelined: false, target: 1.2, targetText: ">= 1.2x" },
  stream: { path: STREAM_PATH, pipelined: false, target: undefined, targetText: "-" },
  "hello-pipelined": { path: "/hello", pipelined: true, target: 3, targetText: ">= 3x" },
  "stream-pipelined": { path: STREAM_PATH, pipelined: true, target: 3, targetText: ">= 3x" },
};
const CONFIGS = options.configs.split(",").map((name) => {
  const config = ALL_CONFIGS[name.trim()];
  if (config === undefined) usage(`unknown configuration "${name}" (known: ${Object.keys(ALL_CONFIGS).join(", ")})`);
  return { name: name.trim(), ...config };
});

function positiveInt(name) {
  const text = options[name];
  if (!/^[1-9][0-9]{0,5}$/.test(text)) usage(`--${name} must be a positive integer, got "${text}"`);
  return Number(text);
}

function usage(message) {
  console.error(`bench/http.mjs: ${message}\nRun \`node bench/http.mjs --help\` for usage.`);
  process.exit(2);
}

function log(message) {
  process.stderr.write(`${message}\n`);
}

function onPath(command) {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

// ---------------------------------------------------------------------------------------------
// Load generator and CPU pinning

function chooseTool() {
  if (options.tool === "autocannon") return "autocannon";
  if (!onPath("wrk") && process.getuid?.() === 0) {
    log("wrk is missing: running bench/setup.sh to install it");
    const setup = spawnSync("sh", [SETUP], { stdio: "inherit" });
    if (setup.status !== 0) log("bench/setup.sh failed; falling back to autocannon");
  }
  if (onPath("wrk")) return "wrk";
  if (options.tool === "wrk") usage("--tool wrk given but wrk is not installed (run bench/setup.sh as root)");
  if (existsSync(AUTOCANNON)) {
    log("wrk is unavailable: using autocannon (a Node.js load generator: lower ceilings than wrk)");
    return "autocannon";
  }
  console.error("bench/http.mjs: neither wrk nor node_modules/.bin/autocannon is available (apt-get install -y wrk, or npm ci)");
  process.exit(1);
}

const TOOL = chooseTool();
const PINNED = onPath("taskset") && availableParallelism() >= 2;
const SERVER_PREFIX = PINNED ? ["taskset", "-c", "0"] : [];
const LOAD_PREFIX = PINNED ? ["taskset", "-c", "1"] : [];

// ---------------------------------------------------------------------------------------------
// Servers

/** A free port on 127.0.0.1 (k-demo --quiet prints no URL, so the port is chosen here). */
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

/** Spawns a server and resolves once it answers /hello, or rejects with its output. */
async function startServer(name, args, port) {
  const [command, ...rest] = [...SERVER_PREFIX, process.execPath, ...args];
  const child = spawn(command, rest, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (text) => (output += text));
  child.stderr.setEncoding("utf8").on("data", (text) => (output += text));
  let exited = false;
  child.once("exit", () => (exited = true));
  const server = { name, child, pid: child.pid, base: `http://127.0.0.1:${port}`, port, output: () => output };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${name} exited before answering:\n${output.trim()}`);
    try {
      await get(server, "/hello", 1_000);
      return server;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await stopServer(server);
  throw new Error(`${name} did not answer on port ${port} within 15 s:\n${output.trim()}`);
}

async function stopServer(server) {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(server.pid, "SIGTERM");
  const timer = setTimeout(() => child.exitCode === null && child.signalCode === null && process.kill(server.pid, "SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;

/** utime + stime (ticks) of a /proc stat line; fields counted after the ")" that ends comm. */
function statTicks(stat) {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/**
 * CPU seconds used so far by `pid` and its live children (cluster workers, if any). On a shared
 * machine a server's req/s moves with whatever else runs; requests per CPU-second it used does
 * much less, so the table reports both.
 */
function cpuSeconds(pid) {
  let ticks = 0;
  try {
    ticks += statTicks(readFileSync(`/proc/${pid}/stat`, "utf8")).ticks;
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const child = statTicks(readFileSync(`/proc/${entry}/stat`, "utf8"));
        if (child.ppid === pid) ticks += child.ticks;
      } catch {
        // gone between readdir and read
      }
    }
  } catch {
    return Number.NaN; // no /proc: the efficiency column shows "?"
  }
  return ticks / CLK_TCK;
}

function rssMiB(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match === null ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Correctness checks (before any load)

function get(server, path, timeoutMs = 5_000) {
  return new Promise((resolve, reject) => {
    const req = request(`${server.base}${path}`, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/**
 * Sends `count` requests for `path` in ONE write on one connection and parses the answers in
 * order (Content-Length or chunked bodies; enough of HTTP/1.1 for these two endpoints).
 */
function pipelined(server, path, count) {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1");
    const responses = [];
    let buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${count} pipelined ${path}: only ${responses.length} answers within 5 s`));
    }, 5_000);
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("data", (data) => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        const parsed = parseResponse(buffer);
        if (parsed === undefined) break;
        responses.push(parsed.response);
        buffer = buffer.subarray(parsed.used);
        if (responses.length === count) {
          clearTimeout(timer);
          socket.destroy();
          resolve(responses);
          return;
        }
      }
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`.repeat(count));
  });
}

/** One response from the start of `bytes`, or undefined when it is not complete yet. */
function parseResponse(bytes) {
  const headEnd = bytes.indexOf("\r\n\r\n");
  if (headEnd === -1) return undefined;
  const lines = bytes.subarray(0, headEnd).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3}) /.exec(lines[0])?.[1]);
  const headers = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let at = headEnd + 4;
  if (headers["content-length"] !== undefined) {
    const end = at + Number(headers["content-length"]);
    if (bytes.length < end) return undefined;
    return { used: end, response: { status, headers, body: bytes.subarray(at, end) } };
  }
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
    const parts = [];
    for (;;) {
      const lineEnd = bytes.indexOf("\r\n", at);
      if (lineEnd === -1) return undefined;
      const size = Number.parseInt(bytes.subarray(at, lineEnd).toString("latin1"), 16);
      if (size === 0) {
        const trailerEnd = bytes.indexOf("\r\n", lineEnd + 2);
        if (trailerEnd !== lineEnd + 2) return undefined; // no trailers expected from either server
        return { used: trailerEnd + 2, response: { status, headers, body: Buffer.concat(parts) } };
      }
      if (bytes.length < lineEnd + 2 + size + 2) return undefined;
      parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  throw new Error(`response without Content-Length or chunked framing: ${lines[0]}`);
}

async function verify(server) {
  const problems = [];
  const check = (ok, what) => ok || problems.push(what);

  const hello = await get(server, "/hello");
  check(hello.status === 200, `/hello status ${hello.status}`);
  check(hello.body.toString() === HELLO_BODY, `/hello body ${JSON.stringify(hello.body.toString().slice(0, 40))}`);
  check(hello.headers["content-length"] === "13", `/hello Content-Length ${hello.headers["content-length"]}`);
  check(/^text\/plain/.test(hello.headers["content-type"] ?? ""), `/hello Content-Type ${hello.headers["content-type"]}`);

  const stream = await get(server, STREAM_PATH);
  check(stream.status === 200, `/stream status ${stream.status}`);
  check(stream.body.length === STREAM_BYTES, `/stream body ${stream.body.length} bytes, not ${STREAM_BYTES}`);
  check(stream.headers["transfer-encoding"] === "chunked", `/stream Transfer-Encoding ${stream.headers["transfer-encoding"]}`);
  check(stream.headers["content-length"] === undefined, `/stream announces Content-Length ${stream.headers["content-length"]}`);

  const hellos = await pipelined(server, "/hello", DEPTH);
  check(hellos.every((r) => r.status === 200 && r.body.toString() === HELLO_BODY), `${DEPTH} pipelined /hello: wrong status or body`);
  const streams = await pipelined(server, STREAM_PATH, DEPTH);
  check(
    streams.every((r) => r.status === 200 && r.body.equals(stream.body)),
    `${DEPTH} pipelined /stream: wrong status or body (not the bytes a single request gets)`,
  );
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Load runs

/** One load run against `server`, with the CPU the server spent during it. */
function runLoad(server, config, seconds) {
  const before = cpuSeconds(server.pid);
  const result = runTool(server, config, seconds);
  const cpu = cpuSeconds(server.pid) - before;
  return { ...result, cpu, perCpu: cpu > 0 ? result.requests / cpu : Number.NaN };
}

function runTool(server, config, seconds) {
  const url = `${server.base}${config.path}`;
  if (TOOL === "wrk") {
    const args = ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--timeout", "5s", "-s", config.pipelined ? PIPELINE_LUA : REPORT_LUA, url];
    if (config.pipelined) args.push("--", String(DEPTH));
    const [command, ...rest] = [...LOAD_PREFIX, "wrk", ...args];
    const out = execFileSync(command, rest, {
      encoding: "utf8",
      timeout: (seconds + 30) * 1_000,
    });
    const line = out.split("\n").find((l) => l.startsWith("K_BENCH_JSON "));
    if (line === undefined) throw new Error(`wrk printed no summary:\n${out}`);
    const r = JSON.parse(line.slice("K_BENCH_JSON ".length));
    // wrk 4.1's percentile walk can come back with 0 (seen for p99 below a non-zero p50 in a
    // pipelined run): such a figure is impossible, so it is dropped, not averaged in.
    if (r.p99_us < r.p50_us || r.p99_us === 0) r.p99_us = Number.NaN;
    if (r.p50_us === 0) r.p50_us = Number.NaN;
    return {
      requests: r.requests,
      rps: r.requests / (r.duration_us / 1e6),
      p50ms: r.p50_us / 1e3,
      p99ms: r.p99_us / 1e3,
      mibps: r.bytes / (r.duration_us / 1e6) / 1048576,
      errors: r.connect_errors + r.read_errors + r.write_errors + r.status_errors + r.timeouts,
    };
  }
  const args = ["-c", String(CONNECTIONS), "-d", String(seconds), "-j", ...(config.pipelined ? ["-p", String(DEPTH)] : []), url];
  const [command, ...rest] = [...LOAD_PREFIX, process.execPath, AUTOCANNON, ...args];
  const out = execFileSync(command, rest, {
    encoding: "utf8",
    timeout: (seconds + 30) * 1_000,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const r = JSON.parse(out);
  return {
    requests: r.requests.total,
    rps: r.requests.total / (r.duration || seconds),
    p50ms: r.latency.p50,
    p99ms: r.latency.p99,
    mibps: r.throughput.total / (r.duration || seconds) / 1048576,
    errors: r.errors + r.timeouts + r.non2xx,
  };
}

/** The median of the numbers that are not NaN (NaN when there are none). */
function median(numbers) {
  const sorted = numbers.filter((n) => !Number.isNaN(n)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmtInt = (n) => Math.round(n).toLocaleString("en-US");
const fmtMs = (n) => (Number.isNaN(n) ? "?" : n < 10 ? n.toFixed(2) : n.toFixed(1));

// ---------------------------------------------------------------------------------------------
// Main

const servers = [];
let kDemoProblem;
const cleanup = async () => {
  await Promise.all(servers.map((s) => stopServer(s).catch(() => {})));
};
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => cleanup().finally(() => process.exit(130)));
}

try {
  const started = new Date();
  log(`bench/http.mjs: ${TOOL}, ${CONNECTIONS} connections, ${ROUNDS} rounds x ${DURATION_S} s per server and configuration, pipelining depth ${DEPTH}`);
  const loadBefore = loadavg().map((n) => n.toFixed(2)).join(" ");
  log(`machine: ${cpus()[0]?.model ?? "?"} x ${availableParallelism()}, node ${process.version}, load average ${loadBefore}`);
  log(PINNED ? "servers pinned to core 0, load generator to core 1 (taskset)" : "NOT pinned (no taskset or < 2 cores): figures are noisier");

  const nodePort = await freePort();
  servers.push(await startServer("node:http", [NODE_SERVER, "--port", String(nodePort)], nodePort));
  const nodeProblems = await verify(servers[0]);
  if (nodeProblems.length > 0) throw new Error(`node:http failed verification: ${nodeProblems.join("; ")}`);

  // `npm run bench` builds only packages with a bench script, so k-demo could be stale or
  // missing: build it here (incremental `tsc -b`, a no-op when dist/ is current) so the figures
  // are for the source in the tree.
  const build = spawnSync(process.execPath, [TSC, "-b", "apps/demo"], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
  if (build.status !== 0) {
    kDemoProblem = `k-demo does not build (tsc -b apps/demo): ${`${build.stdout}${build.stderr}`.trim().split("\n").slice(0, 5).join(" / ")}`;
  } else if (!existsSync(K_DEMO_CLI)) {
    kDemoProblem = "k-demo is not built (apps/demo/dist/cli.js missing after tsc -b)";
  } else {
    try {
      const port = await freePort();
      const kDemo = await startServer("k-demo", [K_DEMO_BIN, "--port", String(port), "--quiet"], port);
      servers.push(kDemo);
      const problems = await verify(kDemo);
      if (problems.length > 0) kDemoProblem = `k-demo failed verification: ${problems.join("; ")}`;
    } catch (error) {
      kDemoProblem = `k-demo did not start or answer: ${error.message}`;
    }
  }
  if (kDemoProblem !== undefined) log(`\n*** ${kDemoProblem}\n*** measuring node:http only\n`);
  else log("both servers verified: /hello and /stream bodies, framing headers, pipelined answers in order");

  const measured = kDemoProblem === undefined ? servers : [servers[0]];
  const results = {};
  for (const config of CONFIGS) {
    results[config.name] = Object.fromEntries(measured.map((s) => [s.name, []]));
    // Warm-up (JIT, connection setup), not recorded: with 1 s k-demo's first /hello round still
    // ran ~25% below its later rounds while node:http did not, which would bias the ratio.
    for (const server of measured) runLoad(server, config, 3);
    for (let round = 0; round < ROUNDS; round++) {
      // ABBA: A,B then B,A, so neither side always runs first after a warm-up or a quiet period.
      const order = round % 2 === 0 ? measured : [...measured].reverse();
      for (const server of order) {
        const r = runLoad(server, config, DURATION_S);
        results[config.name][server.name].push(r);
        log(
          `${config.name.padEnd(16)} round ${round + 1} ${server.name.padEnd(9)} ${fmtInt(r.rps).padStart(9)} req/s  ` +
            `p50 ${fmtMs(r.p50ms)} ms  p99 ${fmtMs(r.p99ms)} ms  ${r.mibps.toFixed(1)} MiB/s  ` +
            `server CPU ${r.cpu.toFixed(2)} s = ${fmtInt(r.perCpu)} req/CPU-s${r.errors ? `  ERRORS ${r.errors}` : ""}`,
        );
      }
    }
  }

  const rss = Object.fromEntries(measured.map((s) => [s.name, rssMiB(s.pid)]));
  const summarize = (runs) =>
    runs === undefined
      ? undefined
      : {
          rps: median(runs.map((r) => r.rps)),
          min: Math.min(...runs.map((r) => r.rps)),
          max: Math.max(...runs.map((r) => r.rps)),
          p50ms: median(runs.map((r) => r.p50ms)),
          p99ms: median(runs.map((r) => r.p99ms)),
          perCpu: median(runs.map((r) => r.perCpu)),
          errors: runs.reduce((sum, r) => sum + r.errors, 0),
        };

  const lines = [];
  const commit = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout?.trim() || "?";
  const dirty = spawnSync("git", ["status", "--porcelain", "--", "packages", "apps/demo"], { cwd: ROOT, encoding: "utf8" }).stdout?.trim() ? " + uncommitted changes" : "";
  lines.push(`${started.toISOString().slice(0, 16).replace("T", " ")} UTC, tree ${commit}${dirty}, node ${process.version}, load average before/after ${loadBefore} / ${loadavg().map((n) => n.toFixed(2)).join(" ")}`);
  lines.push(`${TOOL}, ${CONNECTIONS} connections${PINNED ? ", servers on core 0, load on core 1" : ""}, ${ROUNDS} x ${DURATION_S} s ABBA rounds; medians (req/s range in brackets)`);
  lines.push("");
  lines.push(
    "| configuration | node:http req/s | k-demo req/s | k-demo / node:http | target | node:http p50 / p99 ms | k-demo p50 / p99 ms | req per server CPU-s: node:http / k-demo (ratio) |",
  );
  lines.push("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |");
  const table = {};
  for (const config of CONFIGS) {
    const n = summarize(results[config.name]["node:http"]);
    const k = summarize(results[config.name]["k-demo"]);
    const ratio = k === undefined ? undefined : k.rps / n.rps;
    const cpuRatio = k === undefined ? undefined : k.perCpu / n.perCpu;
    table[config.name] = { node: n, kDemo: k, ratio, cpuRatio };
    const label = config.pipelined ? `${config.name.replace("-pipelined", "")} pipelined x${DEPTH}` : config.name;
    const cell = (s) => (s === undefined ? "not measured" : `${fmtInt(s.rps)} [${fmtInt(s.min)}–${fmtInt(s.max)}]${s.errors ? ` (${s.errors} errors)` : ""}`);
    const perCpu = (s) => (s === undefined ? "–" : Number.isNaN(s.perCpu) ? "?" : fmtInt(s.perCpu));
    const lat = (s) => (s === undefined ? "–" : `${fmtMs(s.p50ms)} / ${fmtMs(s.p99ms)}`);
    const verdict = ratio === undefined || config.target === undefined ? "" : ratio >= config.target ? " met" : " NOT met";
    lines.push(
      `| ${label} \`${config.path}\` | ${cell(n)} | ${cell(k)} | ${ratio === undefined ? "–" : `${ratio.toFixed(2)}x`} | ${config.targetText}${verdict} | ${lat(n)} | ${lat(k)} | ${perCpu(n)} / ${perCpu(k)}${cpuRatio === undefined || Number.isNaN(cpuRatio) ? "" : ` (${cpuRatio.toFixed(2)}x)`} |`,
    );
  }
  lines.push("");
  lines.push(`RSS after the run: ${Object.entries(rss).map(([name, mib]) => `${name} ${mib === undefined ? "?" : `${mib.toFixed(0)} MiB`}`).join(", ")}`);
  if (kDemoProblem !== undefined) lines.push(`k-demo NOT measured: ${kDemoProblem}`);
  console.log(`\n${lines.join("\n")}`);

  if (options.json !== undefined) {
    writeFileSync(
      options.json,
      `${JSON.stringify({ date: started.toISOString(), tool: TOOL, pinned: PINNED, connections: CONNECTIONS, rounds: ROUNDS, durationS: DURATION_S, depth: DEPTH, results, table, rss, kDemoProblem }, null, 2)}\n`,
    );
  }
  process.exitCode = kDemoProblem === undefined ? 0 : 1;
} catch (error) {
  console.error(`bench/http.mjs: ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
