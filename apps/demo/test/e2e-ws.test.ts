/*
 * /ws end to end (issue 9): a `ws` client against the BUILT k-demo (a child process), and
 * wss:// against the demo handler served over TLS in this process. Text, a 1 MiB binary
 * message, 1,000 messages in order, ping/pong, the close handshake, the 16 MiB message limit,
 * a plain request, and a graceful shutdown with a WebSocket open.
 */
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { serve } from "@k/server";
import { createDemoHandler } from "k-demo";
import { startDemo } from "./helpers.ts";
import type { RunningDemo } from "./helpers.ts";

let demo: RunningDemo;

beforeAll(async () => {
  demo = await startDemo(["--port", "0"]);
});

afterAll(async () => {
  await demo?.stop();
});

function open(url: string, options: { ca?: string } = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

function next(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once("message", (data, isBinary) => resolve({ data: data as Buffer, isBinary })));
}

const wsUrl = (): string => `${demo.url.replace("http://", "ws://")}/ws`;

describe("/ws", () => {
  it("echoes text as text", async () => {
    const ws = await open(wsUrl());
    ws.send("héllo, wörld ✓");
    const { data, isBinary } = await next(ws);
    expect([data.toString("utf8"), isBinary]).toEqual(["héllo, wörld ✓", false]);
    ws.close();
  });

  it("echoes a 1 MiB binary message byte for byte", async () => {
    const ws = await open(wsUrl());
    const payload = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 131 + 17) & 0xff;
    ws.send(payload);
    const { data, isBinary } = await next(ws);
    expect(isBinary).toBe(true);
    expect(data.equals(payload)).toBe(true);
    ws.close();
  });

  it("echoes 1,000 messages in order", async () => {
    const ws = await open(wsUrl());
    const got: string[] = [];
    const done = new Promise<void>((resolve) => ws.on("message", (d) => { got.push(String(d)); if (got.length === 1_000) resolve(); }));
    for (let i = 0; i < 1_000; i++) ws.send(`message ${i}`);
    await done;
    expect(got).toEqual(Array.from({ length: 1_000 }, (_, i) => `message ${i}`));
    ws.close();
  });

  it("answers a ping with a pong carrying the same data", async () => {
    const ws = await open(wsUrl());
    ws.ping(Buffer.from("are you there"));
    const [data] = (await once(ws, "pong")) as [Buffer];
    expect(data.toString()).toBe("are you there");
    ws.close();
  });

  it("echoes the client's close code and reason", async () => {
    const ws = await open(wsUrl());
    const closed = once(ws, "close");
    ws.close(4000, "bye from the test");
    const [code, reason] = (await closed) as [number, Buffer];
    expect([code, reason.toString()]).toEqual([4000, "bye from the test"]);
  });

  it("closes with 1009 for a message over 16 MiB", async () => {
    const ws = await open(wsUrl());
    ws.on("error", () => {});
    const closed = once(ws, "close");
    ws.send(Buffer.alloc(16 * 1024 * 1024 + 1));
    const [code] = (await closed) as [number];
    expect(code).toBe(1009);
  });

  it("answers a plain GET with 426 Upgrade Required", async () => {
    const res = await fetch(`${demo.url}/ws`);
    expect(res.status).toBe(426);
    expect(res.headers.get("upgrade")).toBe("websocket");
    await res.text();
  });
});

describe("wss://", () => {
  it("echoes over TLS with the demo's handler", async () => {
    const dir = mkdtempSync(join(tmpdir(), "k-demo-wss-"));
    let pair: { key: string; cert: string };
    try {
      execFileSync("openssl", [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
      ], { stdio: "ignore" });
      pair = { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const root = fileURLToPath(new URL("../public", import.meta.url));
    await using server = await serve({ handler: createDemoHandler({ root }), tls: pair });
    const ws = await open(`wss://localhost:${server.address.port}/ws`, { ca: pair.cert });
    ws.send("over tls");
    expect(String((await next(ws)).data)).toBe("over tls");
    const closed = once(ws, "close");
    ws.close(1000);
    await closed;
  });
});

describe("graceful shutdown", () => {
  it("sends an open WebSocket 1001 on SIGTERM and exits 0", async () => {
    const own = await startDemo(["--port", "0"]);
    try {
      const ws = await open(`${own.url.replace("http://", "ws://")}/ws`);
      const closed = once(ws, "close");
      const exit = own.stop("SIGTERM");
      const [code] = (await closed) as [number];
      expect(code).toBe(1001);
      expect(await exit).toEqual({ code: 0, signal: null });
    } finally {
      await own.stop("SIGKILL");
    }
  });
});
