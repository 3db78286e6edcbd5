/*
 * Helpers for balancer.test.ts: free ports, nginx and HAProxy started from the shipped
 * configurations (deploy/) in a temporary prefix, and a load generator that checks every
 * response body byte for byte.
 *
 * Why not autocannon for the load: it joins body chunks into a string decoded as UTF-8 chunk
 * by chunk, so /stream's binary body (byte i is i mod 256) cannot be verified from it; and
 * wrk's per-thread Lua states make counting mismatches awkward. node:http (llhttp) with a
 * keep-alive agent is a real client whose bodies we see as bytes.
 *
 * Every process is started through `track()`, and `killAll()` kills them by pid.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";

export const DEPLOY: string = fileURLToPath(new URL("../../../deploy/", import.meta.url));

const tracked = new Set<ChildProcess>();

/** Remembers a child so that killAll() ends it by pid even when a test fails. */
export function track(child: ChildProcess): ChildProcess {
  tracked.add(child);
  child.once("exit", () => tracked.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after 3 s, to every tracked child still running. */
export async function killAll(): Promise<void> {
  await Promise.all([...tracked].map(async (child) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(child.pid!, "SIGTERM");
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGKILL");
    }, 3_000);
    await exited;
    clearTimeout(timer);
  }));
}

const handedOut = new Set<number>();

/** A port that was free a moment ago (bound to 0, read, released), never one given before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

/** Resolves once something accepts TCP connections on the port (bounded). */
export async function waitListening(port: number, what: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}):\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: "127.0.0.1" });
      socket.once("connect", () => { socket.destroy(); resolve(true); });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(25);
  }
  throw new Error(`${what} did not listen on ${port}:\n${log()}`);
}

/** Replaces each `from` (which must occur in the template) with `to`. */
export function fill(template: string, replacements: readonly (readonly [string, string])[]): string {
  let text = template;
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`the shipped configuration no longer contains ${JSON.stringify(from)}`);
    text = text.replaceAll(from, to);
  }
  return text;
}

export interface Balancer {
  port: number;
  child: ChildProcess;
  log(): string;
}

/**
 * nginx with deploy/nginx/k-demo.conf (its ports replaced) included from a main config that
 * keeps everything inside `prefix`: pid, error and access logs, every temp path. One process
 * (master_process off), in the foreground.
 */
export async function startNginx(nginxPath: string, prefix: string, backends: readonly [number, number]): Promise<Balancer> {
  const port = await freePort();
  const site = fill(readFileSync(join(DEPLOY, "nginx/k-demo.conf"), "utf8"), [
    ["listen 127.0.0.1:8080;", `listen 127.0.0.1:${port};`],
    ["server 127.0.0.1:8081 ", `server 127.0.0.1:${backends[0]} `],
    ["server 127.0.0.1:8082 ", `server 127.0.0.1:${backends[1]} `],
  ]);
  writeFileSync(join(prefix, "k-demo.conf"), site);
  writeFileSync(join(prefix, "nginx.conf"), `
daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  log_format upstream '$status $request_method $request_uri up=$upstream_addr upstatus=$upstream_status';
  access_log ${prefix}/access.log upstream;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  include ${prefix}/k-demo.conf;
}
`);
  let stderr = "";
  const child = track(spawn(nginxPath, ["-p", `${prefix}/`, "-c", join(prefix, "nginx.conf"), "-e", join(prefix, "error.log")], { stdio: ["ignore", "ignore", "pipe"] }));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const log = () => stderr + readIfExists(join(prefix, "error.log"));
  await waitListening(port, "nginx", child, log);
  return { port, child, log };
}

/**
 * HAProxy with deploy/haproxy/haproxy.cfg (its ports replaced; `extra` edits for a test), in
 * the foreground (-db), writing no pid file and no log.
 */
export async function startHaproxy(
  haproxyPath: string,
  prefix: string,
  backends: readonly [number, number],
  extra: readonly (readonly [string, string])[] = [],
): Promise<Balancer> {
  const port = await freePort();
  const config = fill(readFileSync(join(DEPLOY, "haproxy/haproxy.cfg"), "utf8"), [
    ["bind 127.0.0.1:8080", `bind 127.0.0.1:${port}`],
    ["server app1 127.0.0.1:8081", `server app1 127.0.0.1:${backends[0]}`],
    ["server app2 127.0.0.1:8082", `server app2 127.0.0.1:${backends[1]}`],
    ...extra,
  ]);
  const file = join(prefix, "haproxy.cfg");
  writeFileSync(file, config);
  let output = "";
  const child = track(spawn(haproxyPath, ["-db", "-f", file], { cwd: prefix, stdio: ["ignore", "pipe", "pipe"] }));
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (output += text));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (output += text));
  await waitListening(port, "haproxy", child, () => output);
  return { port, child, log: () => output };
}

function readIfExists(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

// ---- load --------------------------------------------------------------------------------

/** The upload body: 1 MiB, random, with its digest known up front. */
const UPLOAD = randomBytes(1024 * 1024);
const UPLOAD_SHA256 = createHash("sha256").update(UPLOAD).digest("hex");
/** /stream's size in this load: 256 KiB in 16 KiB parts, chunked by k, unbuffered by nginx. */
const STREAM_BYTES = 256 * 1024;

export type Kind = "echo" | "hello" | "upload" | "stream";
const KINDS: readonly Kind[] = ["echo", "hello", "upload", "stream"];

export interface LoadResult {
  /** Responses that were 2xx with the exact expected body, by kind. */
  ok: Record<Kind, number>;
  /** Non-2xx answers: "kind status". */
  non2xx: string[];
  /** Socket errors and timeouts: "kind code". */
  errors: string[];
  /** 2xx answers whose body was wrong: "kind why". */
  mismatches: string[];
  /** Completion times (ms since the load began) of the good responses, for "after the kill" checks. */
  okTimes: number[];
}

/**
 * `connections` clients, each sending /echo, /hello, /upload (1 MiB) and /stream in turn on
 * one keep-alive connection through `port`, until `durationMs` has passed; every body checked.
 */
export async function runLoad(port: number, options: { durationMs: number; connections: number; until?: Promise<unknown> }): Promise<LoadResult> {
  // Runs at least durationMs, and on until `until` settles (a restarted instance answered).
  let released = options.until === undefined;
  void options.until?.finally(() => (released = true));
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const result: LoadResult = { ok: { echo: 0, hello: 0, upload: 0, stream: 0 }, non2xx: [], errors: [], mismatches: [], okTimes: [] };
  const start = Date.now();
  let serial = 0;
  const worker = async (w: number): Promise<void> => {
    for (let i = w; Date.now() - start < options.durationMs || !released; i++) {
      const kind = KINDS[i % KINDS.length]!;
      const id = `${w}-${serial++}`;
      try {
        const { status, body } = await send(agent, port, kind, id);
        if (status < 200 || status > 299) {
          result.non2xx.push(`${kind} ${status}`);
          continue;
        }
        const wrong = verify(kind, id, body);
        if (wrong === null) {
          result.ok[kind]++;
          result.okTimes.push(Date.now() - start);
        } else {
          result.mismatches.push(`${kind} ${wrong}`);
        }
      } catch (error) {
        result.errors.push(`${kind} ${(error as { code?: string }).code ?? (error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, (_, w) => worker(w)));
  agent.destroy();
  return result;
}

function send(agent: Agent, port: number, kind: Kind, id: string): Promise<{ status: number; body: Buffer }> {
  const path = kind === "echo" ? `/echo?id=${id}` : kind === "hello" ? "/hello" : kind === "upload" ? "/upload" : `/stream?bytes=${STREAM_BYTES}&chunk=16384`;
  return new Promise((resolve, reject) => {
    const req = request({
      agent, host: "127.0.0.1", port, path,
      method: kind === "upload" ? "POST" : "GET",
      headers: kind === "upload" ? { "content-type": "application/octet-stream", "content-length": UPLOAD.length } : {},
      timeout: 15_000,
    }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(parts) }));
      res.on("error", reject);
      res.on("aborted", () => reject(Object.assign(new Error("response aborted"), { code: "ABORTED" })));
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
    req.on("error", reject);
    req.end(kind === "upload" ? UPLOAD : undefined);
  });
}

function verify(kind: Kind, id: string, body: Buffer): string | null {
  switch (kind) {
    case "hello":
      return body.toString("latin1") === "Hello, World!" ? null : `body ${JSON.stringify(body.toString("latin1").slice(0, 80))}`;
    case "echo": {
      const echo = JSON.parse(body.toString("utf8")) as { method: string; target: string };
      return echo.method === "GET" && echo.target === `/echo?id=${id}` ? null : `echoed ${echo.method} ${echo.target}`;
    }
    case "upload": {
      const upload = JSON.parse(body.toString("utf8")) as { bytes: number; sha256: string };
      return upload.bytes === UPLOAD.length && upload.sha256 === UPLOAD_SHA256 ? null : `upload ${JSON.stringify(upload)}`;
    }
    case "stream": {
      if (body.length !== STREAM_BYTES) return `${body.length} of ${STREAM_BYTES} bytes`;
      for (let i = 0; i < body.length; i++) if (body[i] !== (i & 0xff)) return `byte ${i} is ${body[i]}`;
      return null;
    }
  }
}

/** GET `path` through `port` from the local address `from` (127.0.0.x), on a fresh connection. */
export function getFrom(port: number, path: string, from: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, localAddress: from, headers, agent: false, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (text: string) => (body += text));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** The access-log entries (k-demo --log json) whose target is `target`. */
export function accessLog(stdout: string, target: string): { remoteAddress: string | null; status: number }[] {
  return stdout.split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { remoteAddress: string | null; status: number; target: string })
    .filter((entry) => entry.target === target);
}
