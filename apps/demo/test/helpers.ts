/*
 * Test helpers for the end-to-end suites: start the BUILT k-demo (bin/k-demo.js → dist/cli.js)
 * as a child process and read its URL, run the CLI to completion, talk raw HTTP over `net`,
 * split raw bytes into responses, and read a process's resident memory from /proc.
 *
 * Every wait is bounded; children are killed by pid in stop().
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";

export const K_DEMO_BIN: string = fileURLToPath(new URL("../bin/k-demo.js", import.meta.url));
const STARTUP_TIMEOUT_MS = 15_000;

export interface RunningDemo {
  child: ChildProcess;
  pid: number;
  url: string;
  port: number;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves with the exit code and signal. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node bin/k-demo.js ...args` and resolves once it prints its listening line. */
export function startDemo(args: readonly string[], env: Record<string, string> = {}, options: { processGroup?: boolean } = {}): Promise<RunningDemo> {
  const child = spawn(process.execPath, [K_DEMO_BIN, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
    // Its own process group, so a test can signal the whole group as a terminal's Ctrl-C does.
    detached: options.processGroup === true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }, 5_000);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop("SIGKILL");
      reject(new Error(`k-demo did not print its URL within ${STARTUP_TIMEOUT_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, STARTUP_TIMEOUT_MS);
    const onData = () => {
      const match = /k-demo listening on (http:\/\/[^\s]+)/.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      const url = match[1]!.replace(/\/$/, "");
      resolve({ child, pid: child.pid!, url, port: Number(new URL(url).port), stdout: () => stdout, stderr: () => stderr, stop });
    };
    child.stdout!.on("data", onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`k-demo exited (${code ?? signal}) before listening\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
}

/** Runs `node bin/k-demo.js ...args` to completion (killed after `timeoutMs`). */
export function runCli(args: readonly string[], timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [K_DEMO_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`k-demo ${args.join(" ")} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Writes `data` to a fresh connection and collects everything the server sends until it
 * closes the connection, or until `done(received)` says enough. Rejects after `timeoutMs`.
 */
export function exchange(
  port: number,
  data: string | Uint8Array | readonly (string | Uint8Array)[],
  options: { done?: (received: Buffer) => boolean; halfClose?: boolean; timeoutMs?: number } = {},
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${options.timeoutMs ?? 10_000} ms; got:\n${Buffer.concat(chunks).toString("latin1").slice(0, 2000)}`));
    }, options.timeoutMs ?? 10_000);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks));
    };
    socket.on("connect", () => {
      for (const piece of Array.isArray(data) ? data : [data]) socket.write(typeof piece === "string" ? Buffer.from(piece, "latin1") : piece);
      if (options.halfClose === true) socket.end();
    });
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      if (options.done?.(Buffer.concat(chunks)) === true) finish();
    });
    socket.on("end", finish);
    socket.on("close", finish);
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export interface RawResponse {
  version: string;
  status: number;
  /** Lower-cased names; repeated fields joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** How the body was delimited. */
  framing: "content-length" | "chunked" | "close" | "none";
}

/**
 * Splits raw bytes into consecutive responses. `methods` are the request methods in order
 * (HEAD answers carry no body). A test parser: strict enough to notice broken framing.
 */
export function parseResponses(raw: Buffer, methods: readonly string[]): RawResponse[] {
  const responses: RawResponse[] = [];
  let offset = 0;
  for (const method of methods) {
    const headEnd = raw.indexOf("\r\n\r\n", offset, "latin1");
    if (headEnd === -1) throw new Error(`incomplete head at ${offset}: ${raw.subarray(offset, offset + 200).toString("latin1")}`);
    const lines = raw.subarray(offset, headEnd).toString("latin1").split("\r\n");
    const statusLine = /^HTTP\/(1\.[01]) (\d{3}) /.exec(lines[0]! + " ");
    if (statusLine === null) throw new Error(`bad status line: ${lines[0]}`);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const status = Number(statusLine[2]);
    offset = headEnd + 4;
    let body: Buffer;
    let framing: RawResponse["framing"];
    if (method === "HEAD" || status === 304 || status === 204 || (status >= 100 && status < 200)) {
      body = Buffer.alloc(0);
      framing = "none";
    } else if (headers["transfer-encoding"] !== undefined) {
      if (headers["transfer-encoding"].toLowerCase() !== "chunked") throw new Error(`unexpected transfer-encoding ${headers["transfer-encoding"]}`);
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = raw.indexOf("\r\n", offset, "latin1");
        if (lineEnd === -1) throw new Error("incomplete chunk size line");
        const size = Number.parseInt(raw.subarray(offset, lineEnd).toString("latin1").split(";")[0]!, 16);
        offset = lineEnd + 2;
        if (size === 0) {
          // Trailer section: lines until an empty one.
          const end = raw.indexOf("\r\n\r\n", offset - 2, "latin1");
          if (end === -1) throw new Error("incomplete trailers");
          offset = end + 4;
          break;
        }
        if (offset + size + 2 > raw.length) throw new Error("incomplete chunk");
        parts.push(raw.subarray(offset, offset + size));
        if (raw.toString("latin1", offset + size, offset + size + 2) !== "\r\n") throw new Error("chunk without CRLF");
        offset += size + 2;
      }
      body = Buffer.concat(parts);
      framing = "chunked";
    } else if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"]);
      if (offset + length > raw.length) throw new Error(`short body: ${raw.length - offset} of ${length}`);
      body = raw.subarray(offset, offset + length);
      offset += length;
      framing = "content-length";
    } else {
      body = raw.subarray(offset);
      offset = raw.length;
      framing = "close";
    }
    responses.push({ version: statusLine[1]!, status, headers, body, framing });
  }
  if (offset !== raw.length) throw new Error(`${raw.length - offset} unexpected bytes after the responses`);
  return responses;
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

/** The pattern /stream produces: byte i is i mod 256. Returns the first wrong offset, or -1. */
export function firstPatternMismatch(bytes: Uint8Array, startOffset = 0): number {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== ((startOffset + i) & 0xff)) return startOffset + i;
  return -1;
}
