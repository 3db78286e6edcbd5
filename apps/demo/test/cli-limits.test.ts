/*
 * k-demo's operator flags reach the server (issue 11): each test starts the built k-demo with
 * one flag set small and checks what a client sees when the limit trips, not the parsing.
 * Small values (1-2 s) and bounded waits; each server is stopped by its pid.
 */
import { connect } from "node:net";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startDemo } from "./helpers.ts";
import type { RunningDemo } from "./helpers.ts";

let demo: RunningDemo | undefined;
afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

/** A raw client that records what it receives and when the server closed. */
function client(port: number): Promise<{ socket: Socket; text: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (c: string) => (text += c));
    socket.on("error", () => {});
    const closed = new Promise<number>((r) => socket.once("close", () => r(performance.now())));
    socket.once("connect", () => resolve({ socket, text: () => text, closed }));
    socket.once("error", reject);
  });
}

/** Rejects when `p` takes longer than `ms`: a bound on a wait, not a measured figure. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms); }),
  ]);
}

describe("k-demo operator flags", () => {
  it("--max-connections 1 answers a second connection with 503 while the first is open", async () => {
    demo = await startDemo(["--port", "0", "--max-connections", "1"]);
    const first = await client(demo.port);
    first.socket.write("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
    await within((async () => { while (!first.text().includes("Hello, World!")) await new Promise((r) => setTimeout(r, 10)); })(), 5000, "first answer");
    const second = await client(demo.port);
    await within(second.closed, 5000, "the refusal");
    expect(second.text()).toMatch(/^HTTP\/1\.1 503 /);
    first.socket.destroy();
  });

  it("--head-timeout 1 answers an unfinished head with 408 after a second", async () => {
    demo = await startDemo(["--port", "0", "--head-timeout", "1"]);
    const c = await client(demo.port);
    const started = performance.now();
    c.socket.write("GET /hello HTTP/1.1\r\nHost: a\r\n");
    const closedAt = await within(c.closed, 5000, "the head timeout");
    expect(closedAt - started).toBeGreaterThanOrEqual(900);
    expect(c.text()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("--idle-timeout 1 advertises timeout=1 and closes an idle keep-alive connection", async () => {
    demo = await startDemo(["--port", "0", "--idle-timeout", "1"]);
    const c = await client(demo.port);
    c.socket.write("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
    await within(c.closed, 5000, "the idle close");
    expect(c.text()).toMatch(/^HTTP\/1\.1 200 /);
    expect(c.text()).toMatch(/\r\nKeep-Alive: timeout=1\r\n/i);
  });

  it("--request-timeout 1.5 answers a body trickling one byte per 500 ms with 408", async () => {
    demo = await startDemo(["--port", "0", "--request-timeout", "1.5"]);
    const c = await client(demo.port);
    const started = performance.now();
    c.socket.write("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n");
    const drip = setInterval(() => c.socket.write("x"), 500);
    try {
      const closedAt = await within(c.closed, 8000, "the request timeout");
      expect(closedAt - started).toBeGreaterThanOrEqual(1400);
    } finally {
      clearInterval(drip);
    }
    expect(c.text()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("--max-body-size 10 answers an 11-byte upload with 413 and takes a 10-byte one", async () => {
    demo = await startDemo(["--port", "0", "--max-body-size", "10"]);
    const ok = await fetch(`${demo.url}/upload`, { method: "POST", body: "0123456789" });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { bytes: number }).bytes).toBe(10);
    const tooBig = await fetch(`${demo.url}/upload`, { method: "POST", body: "0123456789A" });
    expect(tooBig.status).toBe(413);
  });

  it("--send-timeout 1 drops a client that reads nothing while a response waits", async () => {
    demo = await startDemo(["--port", "0", "--send-timeout", "1"]);
    const total = 256 * 1024 * 1024;
    const socket = connect({ port: demo.port, host: "127.0.0.1" });
    socket.on("error", () => {});
    let received = 0;
    const closed = new Promise<void>((r) => socket.once("close", () => r()));
    await new Promise((r) => socket.once("connect", r));
    socket.pause();
    socket.write(`GET /stream?bytes=${total}&chunk=65536 HTTP/1.1\r\nHost: a\r\n\r\n`);
    // Read nothing for 2.5 s (the server's writes stall), then read whatever is left.
    await new Promise((r) => setTimeout(r, 2500));
    socket.on("data", (c: Buffer) => (received += c.length));
    socket.resume();
    await within(closed, 20_000, "the connection to end");
    // Without the flag (60 s) reading on would have brought the whole 256 MiB.
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(total);
  });

  it("takes the address from HOST", async () => {
    demo = await startDemo(["--port", "0"], { HOST: "127.0.0.2" });
    expect(demo.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
    expect(await (await fetch(`${demo.url}/hello`)).text()).toBe("Hello, World!");
  });
});
