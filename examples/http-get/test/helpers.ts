/*
 * Helpers for the http-get tests: run get.mjs and curl as child processes (every run bounded
 * by a timeout, killed by pid), find a free port, start raw TCP servers that count
 * connections, and decide whether an outside tool's tests run, skip or fail.
 *
 * Does not: start k-demo or nginx (their suites do, each in its own file).
 */
import { execFile, execFileSync } from "node:child_process";
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { fileURLToPath } from "node:url";

export const GET_MJS: string = fileURLToPath(new URL("../get.mjs", import.meta.url));
const RUN_TIMEOUT_MS = 20_000;

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function run(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { encoding: "buffer", timeout: RUN_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 512 * 1024 * 1024, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") {
          reject(new Error(`${command} ${args.join(" ")} did not finish: ${error.message}\n${stderr.toString()}`));
          return;
        }
        resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr: stderr.toString() });
      },
    );
  });
}

/** `node get.mjs ...args`. */
export function get(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run(process.execPath, [GET_MJS, ...args], env);
}

/** `curl -s ...args` (no progress meter, errors silent: its exit code says). */
export function curl(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run("curl", ["-s", "--max-time", "15", ...args], env);
}

/**
 * Why the tests that need `tools` cannot run here, or null when they can. Under CI=true a
 * missing tool throws (the file fails: every test must run in CI); elsewhere the reason is
 * printed and the caller skips.
 */
export function missingTools(tools: readonly { name: string; check: readonly string[]; debian: string }[]): string | null {
  const missing = tools.filter(({ check }) => {
    try {
      execFileSync(check[0]!, check.slice(1), { stdio: "ignore", timeout: 10_000 });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return null;
  const reason = `${missing.map((tool) => tool.name).join(", ")} not installed; install with: apt-get install -y --no-install-recommends ${missing.map((tool) => tool.debian).join(" ")}`;
  if (process.env["CI"] === "true") throw new Error(`${reason} (required under CI=true)`);
  console.warn(`skipping: ${reason}`);
  return reason;
}

export const CURL = { name: "curl", check: ["curl", "--version"], debian: "curl" } as const;
export const NGINX = { name: "nginx", check: ["/usr/sbin/nginx", "-v"], debian: "nginx" } as const;
export const OPENSSL = { name: "openssl", check: ["openssl", "version"], debian: "openssl" } as const;

/** A port nothing listens on: bound once by us, then released. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RawServer {
  server: Server;
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1 that hands each connection to `onConnection`. */
export async function startRawServer(onConnection: (socket: Socket) => void): Promise<RawServer> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    server,
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Reads request heads from a socket: calls `onRequest(head, index)` for each complete one. */
export function readRequests(socket: Socket, onRequest: (head: string, index: number) => void): void {
  let buffered = "";
  let index = 0;
  socket.setEncoding("latin1");
  socket.on("data", (text: string) => {
    buffered += text;
    for (let end = buffered.indexOf("\r\n\r\n"); end !== -1; end = buffered.indexOf("\r\n\r\n")) {
      const head = buffered.slice(0, end);
      buffered = buffered.slice(end + 4);
      onRequest(head, index++);
    }
  });
}

/** Replaces the value of every Date field (two requests may straddle a second). */
export function withoutDate(head: string | Buffer): string {
  return head.toString().replace(/^(Date:) .*$/gim, "$1 <date>");
}
