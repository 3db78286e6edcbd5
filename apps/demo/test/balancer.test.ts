/*
 * k-demo behind real load balancers (issue 13): Debian's nginx and HAProxy, started from the
 * shipped configurations in deploy/ (ports replaced) in a temporary prefix, in front of two
 * built k-demo instances on free loopback ports.
 *
 * - rolling restart: SIGTERM one instance, start it again, then the other, under a steady
 *   load of /echo, /hello, /upload (1 MiB) and /stream: no non-2xx, no socket error, every
 *   body byte for byte (nginx, then HAProxy with PROXY protocol);
 * - kill -9 of one instance under load (nginx, HAProxy): at most the requests in flight on it fail;
 * - k closing idle upstream keep-alive connections (idle timeout set low) is never a 502;
 * - the client address k sees through nginx with --trust-proxy, and a spoofed
 *   X-Forwarded-For ignored (from the client through nginx, and from an untrusted peer);
 * - PROXY v1 and v2 from HAProxy give the client address; garbage or no header closes.
 *
 * nginx and HAProxy come from the root scripts/ensure-test-tools.sh (run here); still missing, a suite
 * follows test-support/outside-tool.ts: skipped with the reason, or failed under CI=true.
 * Clients use 127.0.0.2 as their source address so that the client (127.0.0.2) and the
 * balancer (127.0.0.1) are different peers on loopback.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { WebSocket } from "ws";
import { describeHeavyWithTools } from "../../../test-support/heavy.ts";
import { findTool, isExecutable } from "../../../test-support/outside-tool.ts";
import type { OutsideTool } from "../../../test-support/outside-tool.ts";
import type { Balancer, LoadResult } from "./balancer-helpers.ts";
import { accessLog, freePort, getFrom, killAll, runLoad, startHaproxy, startNginx, track } from "./balancer-helpers.ts";
import { startDemo } from "./helpers.ts";
import type { RunningDemo } from "./helpers.ts";

// The steady load: 10 s, long enough for two restarts (each: up to the 1 s drain of
// idle connections, the exit, and a new process listening, about 1-2 s here) with load
// before, between and after them.
const LOAD_MS = 10_000;
// Client connections: enough that both instances always have requests in flight and idle
// pooled connections when a signal arrives; few enough for a shared 2-core machine.
const CONNECTIONS = 8;
// Before the first restart and between the two: longer than nginx's fail_timeout (2 s in the
// shipped config), so the restarted instance is back in rotation before the other one stops.
const BEFORE_FIRST_RESTART_MS = 1_500;
const BETWEEN_RESTARTS_MS = 2_500;
// kill -9: a shorter run is enough to see the killed instance's requests fail over.
const KILL_LOAD_MS = 6_000;
const KILL_AT_MS = 2_000;
// Idle keep-alive: k's idle timeout set to 1 s; bursts of load separated by pauses twice as
// long, so every upstream connection nginx keeps (60 s) is closed by k between bursts.
const IDLE_TIMEOUT_S = "1";
const BURSTS = 3;
const BURST_MS = 1_000;
const IDLE_PAUSE_MS = 2_000;

const CLIENT = "127.0.0.2";

// Installs what it can (root on Debian); what is still missing afterwards is reported by the
// shared outside-tool rule: skipped with the reason outside CI, failed under CI=true.
const installer = fileURLToPath(new URL("../../../scripts/ensure-test-tools.sh", import.meta.url));
let installFailure = "";
try {
  execFileSync("sh", [installer, "balancer tests", "nginx", "haproxy"], { stdio: ["ignore", "ignore", "pipe"], timeout: 600_000 });
} catch (error) {
  installFailure = String((error as { stderr?: Buffer }).stderr ?? error).trim();
}
const INSTALL = "apt-get install nginx haproxy (Debian/Ubuntu; scripts/ensure-test-tools.sh does it as root)";
/** nginx lives in /usr/sbin, which is not on every user's PATH. */
const nginxTool: OutsideTool = isExecutable("/usr/sbin/nginx")
  ? { name: "nginx", path: "/usr/sbin/nginx", missing: undefined, install: INSTALL }
  : { ...findTool({ name: "nginx", install: INSTALL }), ...(installFailure === "" ? {} : { missing: installFailure }) };
const haproxyTool: OutsideTool = (() => {
  const found = findTool({ name: "haproxy", install: INSTALL });
  if (found.path === undefined && isExecutable("/usr/sbin/haproxy")) return { ...found, path: "/usr/sbin/haproxy", missing: undefined };
  return found.path === undefined && installFailure !== "" ? { ...found, missing: installFailure } : found;
})();

/**
 * A WebSocket through the balancer to k-demo's /ws: the upgrade passes the proxy, text and a
 * 64 KiB binary message come back as sent, and the close code is echoed.
 */
async function webSocketThrough(port: number): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const next = (): Promise<{ data: Buffer; isBinary: boolean }> =>
    new Promise((resolve) => ws.once("message", (data, isBinary) => resolve({ data: data as Buffer, isBinary })));
  let reply = next();
  ws.send("through the balancer");
  expect(await reply).toEqual({ data: Buffer.from("through the balancer"), isBinary: false });
  const bytes = randomBytes(64 * 1024);
  reply = next();
  ws.send(bytes);
  const binary = await reply;
  expect(binary.isBinary).toBe(true);
  expect(Buffer.compare(binary.data, bytes)).toBe(0);
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  ws.close(4001, "bye");
  expect(await closed).toBe(4001);
}

let prefix: string;
afterAll(async () => {
  await killAll();
  if (prefix !== undefined) rmSync(prefix, { recursive: true, force: true });
});
function makePrefix(): string {
  prefix ??= mkdtempSync(join(tmpdir(), "k-balancer-"));
  return prefix;
}

/** Two k-demo instances on fixed ports (a restarted one comes back on the same port). */
class Pair {
  readonly ports: [number, number];
  readonly args: string[];
  demos: RunningDemo[] = [];
  /** stdout of instances that have exited (their access logs). */
  retired: string[] = [];

  constructor(ports: [number, number], args: string[]) {
    this.ports = ports;
    this.args = args;
  }

  static async start(args: string[]): Promise<Pair> {
    const pair = new Pair([await freePort(), await freePort()], args);
    pair.demos = await Promise.all(pair.ports.map((port) => pair.#spawn(port)));
    return pair;
  }

  async #spawn(port: number): Promise<RunningDemo> {
    const demo = await startDemo(["--port", String(port), "--log", "json", ...this.args]);
    track(demo.child);
    return demo;
  }

  /** SIGTERM (graceful) or SIGKILL instance i, then start it again on its port. */
  async restart(i: 0 | 1, signal: NodeJS.Signals = "SIGTERM"): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const old = this.demos[i]!;
    const exit = await old.stop(signal);
    this.retired.push(old.stdout());
    this.demos[i] = await this.#spawn(this.ports[i]);
    return exit;
  }

  async stop(): Promise<void> {
    await Promise.all(this.demos.map((demo) => demo.stop()));
  }

  /** Every access-log line of every instance, past and present. */
  logs(): string {
    return [...this.retired, ...this.demos.map((demo) => demo.stdout())].join("\n");
  }
}

function served(stdout: string): number {
  return stdout.split("\n").filter((line) => line.startsWith("{")).length;
}

function expectClean(result: LoadResult): void {
  expect({ non2xx: result.non2xx, errors: result.errors, mismatches: result.mismatches }).toEqual({ non2xx: [], errors: [], mismatches: [] });
  for (const kind of ["echo", "hello", "upload", "stream"] as const) expect(result.ok[kind], kind).toBeGreaterThan(0);
}

/** Restarts both instances one after the other under LOAD_MS of load through `balancer`. */
async function rollingRestart(balancer: Balancer, pair: Pair): Promise<void> {
  let backInRotation!: () => void;
  const done = new Promise<void>((resolve) => (backInRotation = resolve));
  // The load also goes on until the second new instance has answered through the balancer
  // (HAProxy puts it back after its health checks), bounded by the test's timeout.
  const load = runLoad(balancer.port, { durationMs: LOAD_MS, connections: CONNECTIONS, until: done });
  try {
    await sleep(BEFORE_FIRST_RESTART_MS);
    const firstOld = pair.demos[0]!;
    expect(await pair.restart(0), "exit of the first instance").toEqual({ code: 0, signal: null });
    await waitServed(pair.demos[0]!, "the first new instance");
    await sleep(BETWEEN_RESTARTS_MS);
    const secondOld = pair.demos[1]!;
    expect(await pair.restart(1), "exit of the second instance").toEqual({ code: 0, signal: null });
    await waitServed(pair.demos[1]!, "the second new instance");
    // The restarts happened under load: the old instances answered before their SIGTERM.
    expect(served(firstOld.stdout()), "answered by the first old instance").toBeGreaterThan(0);
    expect(served(secondOld.stdout()), "answered by the second old instance").toBeGreaterThan(0);
  } finally {
    backInRotation();
  }
  expectClean(await load);
}

/** Waits (bounded) until `demo` has answered a request of the load. */
async function waitServed(demo: RunningDemo, what: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (served(demo.stdout()) > 0) return;
    await sleep(50);
  }
  throw new Error(`${what} answered nothing within 7.5 s of starting`);
}

/** SIGKILLs instance 0 under load through `balancer`, then starts it again. */
async function killUnderLoad(balancer: Balancer, pair: Pair): Promise<void> {
  const started = Date.now();
  const load = runLoad(balancer.port, { durationMs: KILL_LOAD_MS, connections: CONNECTIONS });
  await sleep(KILL_AT_MS);
  const killedAt = Date.now() - started;
  expect(served(pair.demos[0]!.stdout()), "answered by the instance before the kill").toBeGreaterThan(0);
  await pair.demos[0]!.stop("SIGKILL");
  const result = await load;
  const failed = result.non2xx.length + result.errors.length + result.mismatches.length;
  // Each client connection has at most one request in flight, so at most CONNECTIONS
  // requests were on the killed instance; everything else failed over or went to the other.
  expect(failed, JSON.stringify(result, (key, value) => (key === "okTimes" ? undefined : value))).toBeLessThanOrEqual(CONNECTIONS);
  // Serving went on after the kill (the other instance took everything).
  expect(result.okTimes.filter((t) => t > killedAt + 1_000).length).toBeGreaterThan(0);
  await pair.restart(0); // back to two instances (the killed one is already gone)
}

/** ESTABLISHED TCP connections whose local port is `port` (from /proc/net/tcp). */
function establishedOn(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  return readFileSync("/proc/net/tcp", "latin1").split("\n").slice(1)
    .filter((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[1]?.endsWith(`:${hex}`) === true && fields[3] === "01";
    }).length;
}

/** Raw bytes to a port; resolves with what came back once the server closed (FIN or reset). */
function rawExchange(port: number, bytes: string | Buffer): Promise<{ received: string; how: string }> {
  return new Promise((resolve, reject) => {
    let received = "";
    const socket = connect({ port, host: "127.0.0.1" });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the connection stayed open; received: ${received}`));
    }, 10_000);
    socket.setEncoding("latin1");
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (text: string) => (received += text));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ received, how: error.code ?? "error" });
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ received, how: "closed" });
    });
  });
}

/** Polls the access logs until `target` appears `count` times (bounded). */
async function logged(pair: Pair, target: string, count = 1): Promise<{ remoteAddress: string | null; status: number }[]> {
  for (let i = 0; i < 200; i++) {
    const entries = accessLog(pair.logs(), target);
    if (entries.length >= count) return entries;
    await sleep(10);
  }
  throw new Error(`${target} not in the access logs:\n${pair.logs().slice(-2000)}`);
}

describeHeavyWithTools("k-demo behind nginx (deploy/nginx/k-demo.conf)", [nginxTool], ([nginxPath]) => {
  let pair: Pair;
  let nginx: Balancer;
  beforeAll(async () => {
    pair = await Pair.start(["--trust-proxy", "127.0.0.1"]);
    nginx = await startNginx(nginxPath!, makePrefix(), pair.ports);
  });

  it("sees the client's address through nginx with --trust-proxy, and ignores a spoofed X-Forwarded-For", async () => {
    const plain = await getFrom(nginx.port, "/echo?trust-plain", CLIENT);
    expect(plain.status).toBe(200);
    expect((await logged(pair, "/echo?trust-plain")).map((e) => e.remoteAddress)).toEqual([CLIENT]);

    // The client's own X-Forwarded-For stays left of the address nginx appends: not believed.
    const spoofed = await getFrom(nginx.port, "/echo?trust-spoofed", CLIENT, { "X-Forwarded-For": "6.6.6.6" });
    expect(spoofed.status).toBe(200);
    const echoed = JSON.parse(spoofed.body) as { headers: [string, string][] };
    expect(echoed.headers).toContainEqual(["X-Forwarded-For", `6.6.6.6, ${CLIENT}`]);
    expect((await logged(pair, "/echo?trust-spoofed")).map((e) => e.remoteAddress)).toEqual([CLIENT]);

    // Straight to k-demo from an untrusted peer: the header is ignored altogether.
    const direct = await getFrom(pair.ports[0], "/echo?trust-direct", CLIENT, { "X-Forwarded-For": "6.6.6.6" });
    expect(direct.status).toBe(200);
    expect((await logged(pair, "/echo?trust-direct")).map((e) => e.remoteAddress)).toEqual([CLIENT]);
  });

  it("carries a WebSocket to /ws (location /ws: Upgrade and Connection passed on)", async () => {
    await webSocketThrough(nginx.port);
  });

  it("loses no request while each instance is restarted with SIGTERM under load", async () => {
    await rollingRestart(nginx, pair);
    // nginx's only complaints: connects refused by a stopped instance, each retried on the
    // other one (never "upstream prematurely closed connection", never "no live upstreams").
    const complaints = nginx.log().split("\n").filter((line) => /\[(error|crit|alert|emerg)\]/.test(line));
    expect(complaints.filter((line) => !line.includes("connect() failed (111: Connection refused) while connecting to upstream"))).toEqual([]);
  });

  it("fails at most the requests in flight on an instance killed with SIGKILL under load", async () => {
    await killUnderLoad(nginx, pair);
  });

  it("never turns k closing an idle upstream keep-alive connection into a 502", async () => {
    const ports = pair.ports;
    await pair.stop();
    const idle = new Pair(ports, ["--trust-proxy", "127.0.0.1", "--idle-timeout", IDLE_TIMEOUT_S]);
    idle.demos = [];
    for (const port of ports) {
      const demo = await startDemo(["--port", String(port), "--log", "json", ...idle.args]);
      track(demo.child);
      idle.demos.push(demo);
    }
    pair = idle;
    for (let burst = 0; burst < BURSTS; burst++) {
      const result = await runLoad(nginx.port, { durationMs: BURST_MS, connections: CONNECTIONS });
      expectClean(result);
      expect(establishedOn(ports[0]) + establishedOn(ports[1])).toBeGreaterThan(0); // nginx kept some
      await sleep(IDLE_PAUSE_MS);
      // k closed every one of them as idle while nginx still held them in its pool.
      expect(establishedOn(ports[0]) + establishedOn(ports[1])).toBe(0);
    }
  });
});

describeHeavyWithTools("k-demo behind HAProxy with PROXY protocol (deploy/haproxy/haproxy.cfg)", [haproxyTool], ([haproxyPath]) => {
  let pair: Pair;
  let haproxy: Balancer;
  beforeAll(async () => {
    pair = await Pair.start(["--proxy-protocol"]);
    // The shipped config sends v2 to both; app2 is switched to v1 so both versions are read.
    haproxy = await startHaproxy(haproxyPath!, makePrefix(), pair.ports, [
      [`server app2 127.0.0.1:${pair.ports[1]}`, `server app2 127.0.0.1:${pair.ports[1]} no-send-proxy-v2 send-proxy`],
    ]);
  });

  it("gives k-demo the client's address over PROXY v2 (app1) and v1 (app2)", async () => {
    for (let i = 0; i < 6; i++) expect((await getFrom(haproxy.port, `/echo?pp-${i}`, CLIENT)).status).toBe(200);
    const byInstance = pair.demos.map((demo) => demo.stdout().split("\n")
      .filter((line) => line.includes("/echo?pp-"))
      .map((line) => (JSON.parse(line) as { remoteAddress: string }).remoteAddress));
    // Round robin: both instances answered, each saw only the client's address.
    expect(byInstance[0]!.length).toBeGreaterThan(0);
    expect(byInstance[1]!.length).toBeGreaterThan(0);
    expect(new Set([...byInstance[0]!, ...byInstance[1]!])).toEqual(new Set([CLIENT]));
  });

  it("closes a connection that starts without a PROXY header, or with garbage, without answering", async () => {
    const noHeader = await rawExchange(pair.ports[0], "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(noHeader.received).toBe("");
    const garbage = await rawExchange(pair.ports[1], Buffer.from("\r\n\r\n\0\r\nQUIT\n\x31\x11\0\x0cgarbage"));
    expect(garbage.received).toBe("");
    const v1Broken = await rawExchange(pair.ports[1], "PROXY TCP4 1.2.3.4 5.6.7.8 99999 80\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(v1Broken.received).toBe("");
    // The instances still serve the balancer.
    expect((await getFrom(haproxy.port, "/hello", CLIENT)).body).toBe("Hello, World!");
  });

  it("carries a WebSocket to /ws (HAProxy switches to a tunnel after the 101)", async () => {
    await webSocketThrough(haproxy.port);
  });

  it("loses no request while each instance is restarted with SIGTERM under load", async () => {
    await rollingRestart(haproxy, pair);
  });

  it("fails at most the requests in flight on an instance killed with SIGKILL under load", async () => {
    await killUnderLoad(haproxy, pair);
  });
});
