/*
 * Memory stays bounded for big bodies both ways: a 100 MiB upload and a 100 MiB /stream
 * download through the built k-demo, with the server's resident set size (VmRSS from
 * /proc/<pid>/status, sampled while the transfer runs) growing by less than 64 MiB — it
 * would grow by at least the body size if either side buffered it.
 * Downloads (/stream and a 100 MiB static file) are read slowly at first so the server must
 * wait for the socket to drain.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { firstPatternMismatch, residentBytes, startDemo } from "./helpers.ts";
import type { RunningDemo } from "./helpers.ts";
import { describeHeavy } from "../../../test-support/heavy.ts";

const SIZE = 100 * 1024 * 1024;
// Normal runs grow by ~35 MiB (upload: garbage awaiting GC) and ~1 MiB (download); keeping
// the 100 MiB body, or queueing it, would cross this.
const MAX_GROWTH = 64 * 1024 * 1024;
let demo: RunningDemo;
let root: string;

beforeAll(async () => {
  // A sparse 100 MiB file: no disk cost, reads as zeros.
  root = await mkdtemp(join(tmpdir(), "k-demo-memory-"));
  await writeFile(join(root, "big.bin"), "");
  await truncate(join(root, "big.bin"), SIZE);
});

afterAll(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

// A fresh server per test: memory one test freed but the process kept would hide the next one's growth.
beforeEach(async () => {
  demo = await startDemo(["--port", "0", "--root", root]);
  // Warm up the code paths (and the /stream pattern buffer) so the baseline is fair.
  await (await fetch(`${demo.url}/stream?bytes=2000000&chunk=1048576`)).arrayBuffer();
  await (await fetch(`${demo.url}/upload`, { method: "POST", body: new Uint8Array(2_000_000) })).json();
});

afterEach(async () => {
  await demo?.stop();
});

/** Reads a response body, stalling five times early on; returns the byte count and the first byte that fails `check`. */
async function readSlowly(response: Response, check: (chunk: Uint8Array, offset: number) => number): Promise<{ received: number; mismatch: number }> {
  const reader = response.body!.getReader();
  let received = 0;
  let mismatch = -1;
  let pauses = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (mismatch < 0) {
      const at = check(value, received);
      if (at >= 0) mismatch = at;
    }
    received += value.length;
    // Stall the reader a few times early on: an unbounded server would queue the rest meanwhile.
    if (pauses < 5 && received > (pauses + 1) * 4 * 1024 * 1024) {
      pauses++;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return { received, mismatch };
}

/** Samples the server's RSS every 20 ms while `work` runs; returns the peak. */
async function peakResidentDuring(work: () => Promise<void>): Promise<number> {
  let peak = residentBytes(demo.pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, residentBytes(demo.pid));
  }, 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, residentBytes(demo.pid));
}

describeHeavy("memory", () => {
  it("hashes a 100 MiB upload with bounded server memory", async () => {
    const before = residentBytes(demo.pid);
    const piece = new Uint8Array(1024 * 1024).fill(0x61);
    const expected = createHash("sha256");
    for (let i = 0; i < SIZE / piece.length; i++) expected.update(piece);
    let answer: unknown;
    const peak = await peakResidentDuring(async () => {
      answer = await new Promise((resolve, reject) => {
        const socket = connect({ port: demo.port, host: "127.0.0.1" });
        const chunks: Buffer[] = [];
        socket.on("data", (chunk: Buffer) => chunks.push(chunk));
        socket.on("end", () => {
          const text = Buffer.concat(chunks).toString("latin1");
          resolve(JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)));
        });
        socket.on("error", reject);
        socket.write(`POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: ${SIZE}\r\nConnection: close\r\n\r\n`);
        let sent = 0;
        const pump = () => {
          while (sent < SIZE) {
            sent += piece.length;
            if (!socket.write(piece)) {
              socket.once("drain", pump);
              return;
            }
          }
        };
        pump();
      });
    });
    expect(answer).toEqual({ bytes: SIZE, sha256: expected.digest("hex") });
    expect(peak - before, `server RSS grew by ${((peak - before) / 1048576).toFixed(1)} MiB`).toBeLessThan(MAX_GROWTH);
  }, 60_000);

  it("streams a 100 MiB /stream download to a slow reader with bounded server memory", async () => {
    const before = residentBytes(demo.pid);
    let result = { received: 0, mismatch: 0 };
    const peak = await peakResidentDuring(async () => {
      const response = await fetch(`${demo.url}/stream?bytes=${SIZE}&chunk=1048576`);
      expect(response.status).toBe(200);
      result = await readSlowly(response, firstPatternMismatch);
    });
    const { received, mismatch } = result;
    expect(received).toBe(SIZE);
    expect(mismatch).toBe(-1);
    expect(peak - before, `server RSS grew by ${((peak - before) / 1048576).toFixed(1)} MiB`).toBeLessThan(MAX_GROWTH);
  }, 60_000);

  it("sends a 100 MiB static file to a slow reader with bounded server memory", async () => {
    const before = residentBytes(demo.pid);
    let result = { received: 0, mismatch: 0 };
    const peak = await peakResidentDuring(async () => {
      const response = await fetch(`${demo.url}/big.bin`);
      expect(response.headers.get("content-length")).toBe(String(SIZE));
      result = await readSlowly(response, (chunk, offset) => {
        const at = chunk.findIndex((byte) => byte !== 0);
        return at === -1 ? -1 : offset + at;
      });
    });
    expect(result).toEqual({ received: SIZE, mismatch: -1 });
    expect(peak - before, `server RSS grew by ${((peak - before) / 1048576).toFixed(1)} MiB`).toBeLessThan(MAX_GROWTH);
  }, 60_000);
});
