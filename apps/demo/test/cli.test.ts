/*
 * The k-demo command as a user runs it: help, argument errors (exit 2), listen errors
 * (one line, exit 1), graceful shutdown on SIGTERM and SIGINT (exit 0), the access log
 * formats, --quiet, and cluster workers.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { exchange, runCli, startDemo } from "./helpers.ts";

describe("k-demo CLI", () => {
  it("prints the usage and exits 0 on --help", async () => {
    const { code, stdout, stderr } = await runCli(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: k-demo \[options\]/);
    for (const flag of ["--port", "--host", "--root", "--workers", "--log", "--quiet", "--help", "--max-connections", "--head-timeout", "--idle-timeout", "--request-timeout", "--max-body-size", "--send-timeout"]) expect(stdout).toContain(flag);
    expect(stderr).toBe("");
  });

  it("exits 2 with a message and the usage on an unknown flag", async () => {
    const { code, stdout, stderr } = await runCli(["--bogus"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^k-demo: Unknown option '--bogus'\n/);
    expect(stderr).toContain("Usage: k-demo");
  });

  it("exits 2 on an invalid value and on a --root that is not a directory", async () => {
    const port = await runCli(["--port", "http"]);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--port must be a port number/);
    const root = await runCli(["--port", "0", "--root", "/definitely/not/here"]);
    expect(root.code).toBe(2);
    expect(root.stderr).toMatch(/--root .* is not a directory/);
  });

  it("prints one line and exits 1 when the port is in use", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const { code, stdout, stderr } = await runCli(["--port", String(port)]);
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(stderr).toContain(`port ${port}`);
      expect(stderr).toMatch(/in use/);
      // With workers, every worker fails to listen; the line is still printed once.
      const workers = await runCli(["--port", String(port), "--workers", "2"]);
      expect(workers.code).toBe(1);
      expect(workers.stderr).toBe(stderr);
    } finally {
      blocker.close();
    }
  });

  it("prints the real URL with --port 0 and exits 0 on SIGTERM and on SIGINT", async () => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const demo = await startDemo(["--port", "0"]);
      expect(demo.stdout()).toMatch(/^k-demo listening on http:\/\/127\.0\.0\.1:\d+\n$/);
      expect(demo.port).toBeGreaterThan(0);
      expect(await (await fetch(`${demo.url}/hello`)).text()).toBe("Hello, World!");
      expect(await demo.stop(signal)).toEqual({ code: 0, signal: null });
    }
  });

  it("takes the port from PORT", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const demo = await startDemo([], { PORT: String(port) });
    try {
      expect(demo.port).toBe(port);
    } finally {
      await demo.stop();
    }
  });

  it("finishes an in-flight response before exiting on SIGTERM", async () => {
    const demo = await startDemo(["--port", "0"]);
    try {
      const response = await fetch(`${demo.url}/stream?bytes=20000000&chunk=65536`);
      const reader = response.body!.getReader();
      let received = (await reader.read()).value!.length;
      const exit = demo.stop("SIGTERM");
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.length;
      }
      expect(received).toBe(20_000_000);
      expect(await exit).toEqual({ code: 0, signal: null });
    } finally {
      await demo.stop("SIGKILL");
    }
  });

  it("finishes in-flight responses and stops every worker when Ctrl-C signals the whole process group", async () => {
    const demo = await startDemo(["--port", "0", "--workers", "2"], {}, { processGroup: true });
    let workers: number[] = [];
    try {
      workers = readFileSync(`/proc/${demo.pid}/task/${demo.pid}/children`, "utf8").trim().split(/\s+/).map(Number);
      // A response in flight in some worker when Ctrl-C arrives must still complete: the
      // workers leave the shutdown to the primary instead of dying on the signal.
      const response = await fetch(`${demo.url}/stream?bytes=20000000&chunk=65536`);
      const reader = response.body!.getReader();
      let received = (await reader.read()).value!.length;
      const exit = new Promise((resolve) => demo.child.once("exit", (code, signal) => resolve({ code, signal })));
      process.kill(-demo.pid, "SIGINT");
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.length;
      }
      expect(received).toBe(20_000_000);
      expect(await exit).toEqual({ code: 0, signal: null });
    } finally {
      await demo.stop("SIGKILL");
    }
    for (const pid of workers) expect(existsSync(`/proc/${pid}`), `worker ${pid} is gone`).toBe(false);
  }, 30_000);

  it("exits at once with 1 on a second signal while a response is still in flight", async () => {
    const demo = await startDemo(["--port", "0"]);
    const socket = connect({ port: demo.port, host: "127.0.0.1" });
    try {
      // A client that asks for a big body and never reads it keeps the first shutdown waiting.
      await new Promise<void>((resolve) => {
        socket.write("GET /stream?bytes=1000000000 HTTP/1.1\r\nHost: h\r\n\r\n");
        socket.once("data", () => {
          socket.pause();
          resolve();
        });
      });
      demo.child.kill("SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(demo.child.exitCode).toBeNull();
      expect(await demo.stop("SIGTERM")).toEqual({ code: 1, signal: null });
    } finally {
      socket.destroy();
      await demo.stop("SIGKILL");
    }
  });

  it("writes a Common Log Format line per response with --log clf", async () => {
    const demo = await startDemo(["--port", "0", "--log", "clf"]);
    try {
      await exchange(demo.port, "GET /hello?a=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
      await waitFor(() => demo.stdout().includes("/hello?a=1"));
      const line = demo.stdout().split("\n").find((l) => l.includes("/hello?a=1"))!;
      expect(line).toMatch(/^127\.0\.0\.1 - - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/hello\?a=1 HTTP\/1\.1" 200 \d+$/);
    } finally {
      await demo.stop();
    }
  });

  it("writes one JSON object per response with --log json", async () => {
    const demo = await startDemo(["--port", "0", "--log", "json"]);
    try {
      await exchange(demo.port, "GET /missing HTTP/1.0\r\n\r\n");
      await waitFor(() => demo.stdout().includes("/missing"));
      const line = demo.stdout().split("\n").find((l) => l.includes("/missing"))!;
      expect(JSON.parse(line)).toMatchObject({ method: "GET", target: "/missing", version: "1.0", status: 404, remoteAddress: "127.0.0.1" });
    } finally {
      await demo.stop();
    }
  });

  it("logs a component's error to stderr and tells the client only 500", async () => {
    const scratch = await mkdtemp(join(tmpdir(), "k-demo-gone-"));
    const root = join(scratch, "site");
    await mkdir(root);
    const demo = await startDemo(["--port", "0", "--root", root]);
    try {
      // The root vanishing under a running server is a fault of the server, not of the request.
      await rm(root, { recursive: true });
      const response = await fetch(`${demo.url}/anything`);
      expect(response.status).toBe(500);
      const body = await response.text();
      expect(body).not.toContain("ENOENT");
      expect(body).not.toContain(scratch);
      await waitFor(() => demo.stderr().includes("ENOENT"));
      expect(demo.stderr()).toMatch(/^@k\/handler: error in GET \/anything: .*ENOENT.*$/m);
      // One line per error: the stack's frames are on it, not on lines of their own.
      expect(demo.stderr().split("\n").filter((l) => /^\s+at /.test(l))).toEqual([]);
    } finally {
      await demo.stop();
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it("prints nothing with --quiet", async () => {
    // Without a startup line the test cannot learn an ephemeral port: pick a free one first.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { spawn } = await import("node:child_process");
    const { K_DEMO_BIN } = await import("./helpers.ts");
    const child = spawn(process.execPath, [K_DEMO_BIN, "--port", String(port), "--quiet"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/hello`).catch(() => null))?.status === 200);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(output).toBe("");
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("serves from several worker processes with --workers 2 and stops them all on SIGTERM", async () => {
    const demo = await startDemo(["--port", "0", "--workers", "2"]);
    let workers: number[] = [];
    try {
      expect(demo.stdout().match(/listening/g)).toHaveLength(1);
      workers = readFileSync(`/proc/${demo.pid}/task/${demo.pid}/children`, "utf8").trim().split(/\s+/).map(Number);
      expect(workers).toHaveLength(2);
      for (const pid of workers) expect(readFileSync(`/proc/${pid}/cmdline`, "utf8")).toContain("k-demo.js");
      for (let i = 0; i < 6; i++) expect(await (await fetch(`${demo.url}/hello`)).text()).toBe("Hello, World!");
    } finally {
      expect(await demo.stop()).toEqual({ code: 0, signal: null });
    }
    for (const pid of workers) expect(existsSync(`/proc/${pid}`), `worker ${pid} is gone`).toBe(false);
  }, 30_000);
});

/** Polls `condition` every 25 ms for up to 10 s. */
async function waitFor(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("condition not met within 10 s");
}
