/*
 * Memory stays bounded whatever the body size: get.mjs streams a 192 MiB body (chunked and
 * Content-Length) from node:http into a pipe, and its peak resident set size (getrusage,
 * reported at exit by a preloaded module) stays within 48 MiB of the same run on a 1 KiB
 * body. A client that gathered the body, or let the pipe's backlog grow, would exceed it by
 * over 140 MiB. The bytes are counted and hashed, never kept.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { Server } from "node:http";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET_MJS } from "./helpers.ts";
import { describeHeavy } from "../../../test-support/heavy.ts";

const REPORT = fileURLToPath(new URL("./report-max-rss.mjs", import.meta.url));
const PIECE = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7) % 256));
const BIG = 192 * 1024 * 1024;

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const size = Number(url.searchParams.get("bytes"));
    const headers: Record<string, string | number> = { "Content-Type": "application/octet-stream" };
    if (url.pathname === "/length") headers["Content-Length"] = size;
    res.writeHead(200, headers);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const piece = PIECE.subarray(0, Math.min(PIECE.length, size - sent));
        sent += piece.length;
        if (!res.write(piece)) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function expectedHash(size: number): string {
  const hash = createHash("sha256");
  for (let sent = 0; sent < size; sent += PIECE.length) hash.update(PIECE.subarray(0, Math.min(PIECE.length, size - sent)));
  return hash.digest("hex");
}

/** Runs get.mjs on one URL; counts and hashes its stdout; returns its peak RSS in bytes. */
function measure(url: string): Promise<{ code: number | null; bytes: number; sha256: string; maxRss: number }> {
  const child = spawn(process.execPath, ["--import", REPORT, GET_MJS, url], { stdio: ["ignore", "pipe", "pipe"] });
  const hash = createHash("sha256");
  let bytes = 0;
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
    hash.update(chunk);
  });
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`get.mjs ${url} did not finish within 120 s: ${stderr}`));
    }, 120_000);
    child.once("close", (code) => {
      clearTimeout(timer);
      const match = /^max-rss-kib (\d+)$/m.exec(stderr);
      if (match === null) return reject(new Error(`no max-rss line from get.mjs: ${stderr}`));
      resolve({ code, bytes, sha256: hash.digest("hex"), maxRss: Number(match[1]) * 1024 });
    });
  });
}

describeHeavy("memory", () => {
  it.each(["/chunked", "/length"])("streams a 192 MiB %s body within 48 MiB of a 1 KiB one", async (path) => {
    const small = await measure(`${base}${path}?bytes=1024`);
    expect(small.code).toBe(0);
    expect(small.bytes).toBe(1024);
    const big = await measure(`${base}${path}?bytes=${BIG}`);
    expect(big.code).toBe(0);
    expect(big.bytes).toBe(BIG);
    expect(big.sha256).toBe(expectedHash(BIG));
    expect(big.maxRss - small.maxRss).toBeLessThan(48 * 1024 * 1024);
  }, 300_000);
});
