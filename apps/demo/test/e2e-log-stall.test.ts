/*
 * `k-demo --log` with a stdout reader that stops reading (issue 11): the access log must not
 * queue lines without bound. The built k-demo runs as a child whose stdout pipe nobody reads
 * after the startup line; 60 000 pipelined requests (about 5 MiB of CLF lines, and several
 * times that in queued write requests if they were kept) go through, and the server's
 * resident set size must grow by less than 32 MiB. Then the pipe is read again, and k-demo
 * reports on stderr how many lines it dropped. Linux only (/proc); bounded request count.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { afterEach, expect, it } from "vitest";
import { K_DEMO_BIN, residentBytes } from "./helpers.ts";

const REQUESTS = 60_000;
const CONNECTIONS = 4;
const BATCH = 100;
const MAX_GROWTH = 32 * 1024 * 1024;

let child: ChildProcess | undefined;
afterEach(async () => {
  const c = child;
  child = undefined;
  if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((resolve) => c.once("exit", resolve));
  c.kill("SIGKILL");
  await exited;
});

/** Starts k-demo and stops reading its stdout once the listening line is in. */
function startStalled(): Promise<{ port: number; stderr: () => string; c: ChildProcess }> {
  const c = spawn(process.execPath, [K_DEMO_BIN, "--port", "0", "--log", "clf"], { stdio: ["ignore", "pipe", "pipe"] });
  child = c;
  let stderr = "";
  c.stderr!.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`k-demo did not start; stderr: ${stderr}`)), 15_000);
    const onData = (t: Buffer) => {
      out += t.toString("utf8");
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      c.stdout!.off("data", onData);
      // Nobody reads from here on: the pipe fills and k-demo's writes return false.
      c.stdout!.pause();
      resolve({ port: Number(m[1]), stderr: () => stderr, c });
    };
    c.stdout!.on("data", onData);
  });
}

/** Sends `count` pipelined GET /hello on one connection, BATCH at a time, waiting for each batch. */
function drive(port: number, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    const batch = Buffer.from("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n".repeat(BATCH), "latin1");
    let sent = 0;
    let answered = 0;
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`only ${answered} of ${count} answered in time`));
    }, 120_000);
    const next = () => {
      if (sent >= count) {
        clearTimeout(timer);
        socket.destroy();
        resolve();
        return;
      }
      sent += BATCH;
      socket.write(batch);
    };
    socket.setEncoding("latin1");
    socket.on("connect", next);
    socket.on("error", reject);
    socket.on("data", (chunk: string) => {
      text += chunk;
      // Every response body is "Hello, World!": count them and keep only the unfinished tail.
      let i: number;
      while ((i = text.indexOf("Hello, World!")) !== -1) {
        answered++;
        text = text.slice(i + 13);
      }
      if (answered >= sent) next();
    });
  });
}

it.skipIf(process.platform !== "linux")("keeps RSS growth under 32 MiB when the access-log reader stalls, then reports the dropped lines", async () => {
  const { port, stderr, c } = await startStalled();
  await drive(port, 2_000); // warm-up: code paths compiled, pipe full
  const before = residentBytes(c.pid!);
  await Promise.all(Array.from({ length: CONNECTIONS }, () => drive(port, REQUESTS / CONNECTIONS)));
  const growth = residentBytes(c.pid!) - before;
  expect(growth).toBeLessThan(MAX_GROWTH);
  // The reader comes back: k-demo says how many lines it had to drop.
  c.stdout!.resume();
  const deadline = Date.now() + 10_000;
  while (!/dropped/.test(stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const m = /k-demo: access log: (\d+) lines? dropped/.exec(stderr());
  expect(m, `stderr: ${stderr()}`).not.toBeNull();
  expect(Number(m![1])).toBeGreaterThan(REQUESTS / 2);
}, 180_000);
