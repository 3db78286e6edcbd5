// Upgrades over real sockets (issue 9): `ws` on the handed-over net.Socket / TLSSocket, raw
// upgrades, CONNECT tunnels, timeouts and maxConnections after the hand-over, graceful close.
import { once } from "node:events";
import { createServer as createNetServer, connect as netConnect } from "node:net";
import type { Server as NetServer, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import type { HttpRequest, RequestHandler, Tunnel, UpgradeResponse } from "@k/handler";
import { nodeRequestOf, serve } from "@k/server";
import type { Server } from "@k/server";
import { makeCertificate, RawClient, until } from "./helpers.ts";

/** A `ws` echo at /ws, as an @k component; a close frame at shutdown (1001). */
function wsEcho(): RequestHandler {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  return (request: HttpRequest) => {
    if (!request.upgrade || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return { status: 426, headers: { upgrade: "websocket" }, body: "WebSocket only\n" };
    }
    let socket: WebSocket | null = null;
    const accept: UpgradeResponse = {
      upgrade(tunnel) {
        wss.handleUpgrade(nodeRequestOf(tunnel), tunnel.stream, tunnel.head, (ws) => {
          socket = ws;
          ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
        });
      },
      onShutdown: () => socket?.close(1001, "server shutting down"),
    };
    return accept;
  };
}

/** "Upgrade: echo": a 101, then every byte echoed (raw, no framing). */
const rawEcho: RequestHandler = (request) =>
  request.upgrade && request.headers.get("upgrade") === "echo"
    ? { status: 101, headers: { upgrade: "echo" }, upgrade: (t: Tunnel) => { if (t.head.length > 0) t.stream.write(t.head); t.stream.pipe(t.stream); } }
    : { status: 200, body: `plain ${request.target}` };

function openWs(url: string, options: { ca?: string } = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once("message", (data, isBinary) => resolve({ data: data as Buffer, isBinary })));
}

describe("WebSocket through ws on the handed-over socket", () => {
  let server: Server;
  beforeAll(async () => {
    server = await serve({ handler: wsEcho() });
  });
  afterAll(() => server.close());
  const url = (): string => `ws://127.0.0.1:${server.address.port}/ws`;

  test("echoes a text message", async () => {
    const ws = await openWs(url());
    ws.send("hello, k");
    const { data, isBinary } = await nextMessage(ws);
    expect([data.toString("utf8"), isBinary]).toEqual(["hello, k", false]);
    ws.close();
  });

  test("echoes a 1 MiB binary message byte for byte", async () => {
    const ws = await openWs(url());
    const payload = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff;
    ws.send(payload);
    const { data, isBinary } = await nextMessage(ws);
    expect(isBinary).toBe(true);
    expect(data.equals(payload)).toBe(true);
    ws.close();
  });

  test("echoes 1,000 messages in order", async () => {
    const ws = await openWs(url());
    const got: string[] = [];
    const all = new Promise<void>((resolve) => ws.on("message", (d) => { got.push(String(d)); if (got.length === 1_000) resolve(); }));
    for (let i = 0; i < 1_000; i++) ws.send(`m${i}`);
    await all;
    expect(got).toEqual(Array.from({ length: 1_000 }, (_, i) => `m${i}`));
    ws.close();
  });

  test("completes the close handshake with the client's code", async () => {
    const ws = await openWs(url());
    const closed = once(ws, "close");
    ws.close(4321, "done");
    const [code, reason] = (await closed) as [number, Buffer];
    expect([code, reason.toString()]).toEqual([4321, "done"]);
  });

  test("a handshake ws refuses (no Sec-WebSocket-Key) gets ws's 400 and leaves no socket open", async () => {
    const client = await RawClient.open(server.address.port);
    client.send("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n");
    await client.gone;
    expect(client.received.startsWith("HTTP/1.1 400")).toBe(true);
    await until(() => server.connections === 0, "the refused socket to be released");
  });

  test("answers a plain request to the WebSocket handler as HTTP", async () => {
    const res = await fetch(`http://127.0.0.1:${server.address.port}/ws`);
    expect(res.status).toBe(426);
    expect(await res.text()).toBe("WebSocket only\n");
  });
});

describe("wss:// (TLS)", () => {
  test("echoes over the handed-over TLSSocket", async () => {
    const pair = makeCertificate();
    await using server = await serve({ handler: wsEcho(), tls: pair });
    const ws = await openWs(`wss://localhost:${server.address.port}/ws`, { ca: pair.cert });
    ws.send("secure hello");
    expect(String((await nextMessage(ws)).data)).toBe("secure hello");
    const closed = once(ws, "close");
    ws.close(1000);
    await closed;
  });
});

describe("raw upgrades on a socket", () => {
  let server: Server;
  beforeAll(async () => {
    server = await serve({ handler: rawEcho });
  });
  afterAll(() => server.close());

  test("hands a pipelined GET after the upgrade request to the new protocol unparsed", async () => {
    const client = await RawClient.open(server.address.port);
    const next = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";
    client.send(`GET /up HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n${next}`);
    await client.waitFor(next);
    expect(client.received.startsWith("HTTP/1.1 101 Switching Protocols\r\n")).toBe(true);
    expect(client.received).not.toContain("plain /next");
    client.send("more bytes");
    await client.waitFor("more bytes");
    client.socket.destroy();
  });

  test("answers an ignored Upgrade with plain HTTP and keeps serving HTTP", async () => {
    const client = await RawClient.open(server.address.port);
    client.send("GET /a HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: other\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n");
    await client.waitFor("plain /b");
    expect(client.received).toContain("plain /a");
    expect(client.received).not.toContain("101");
    client.socket.destroy();
  });

  test("never honours an HTTP/1.0 Upgrade", async () => {
    const client = await RawClient.open(server.address.port);
    client.send("GET /old HTTP/1.0\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
    await client.gone;
    expect(client.received.startsWith("HTTP/1.1 200 OK\r\n")).toBe(true);
    expect(client.received).toContain("plain /old");
  });
});

describe("a failed hand-over", () => {
  test("destroys the socket when the receiver throws, and reports the error", async () => {
    const errors: unknown[] = [];
    await using server = await serve({
      handler: () => ({ status: 101, headers: { upgrade: "echo" }, upgrade: () => { throw new Error("receiver failed"); } }),
      onError: (error) => errors.push(error),
    });
    const client = await RawClient.open(server.address.port);
    client.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
    await client.gone;
    await until(() => server.connections === 0, "the socket to be released");
    expect(errors.map((e) => (e as Error).message)).toEqual(["receiver failed"]);
  });
});

describe("CONNECT tunnels", () => {
  test("tunnels to a local echo server through a @k CONNECT handler", async () => {
    const echo: NetServer = createNetServer((s) => s.pipe(s));
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    const echoPort = (echo.address() as { port: number }).port;
    const proxy: RequestHandler = (request) => {
      if (request.method !== "CONNECT") return { status: 405, body: "" };
      const [host, port] = [request.target.slice(0, request.target.lastIndexOf(":")), Number(request.target.slice(request.target.lastIndexOf(":") + 1))];
      if (host !== "127.0.0.1" || port !== echoPort) return { status: 403, body: "not allowed\n" };
      return new Promise<UpgradeResponse>((resolve, reject) => {
        const upstream: Socket = netConnect({ host, port }, () => resolve({
          status: 200,
          upgrade({ stream, head }) {
            if (head.length > 0) upstream.write(head);
            stream.pipe(upstream).pipe(stream);
            upstream.on("error", () => stream.destroy());
            stream.on("error", () => upstream.destroy());
            stream.on("close", () => upstream.destroy());
          },
        }));
        upstream.once("error", reject);
      });
    };
    await using server = await serve({ handler: proxy });
    const client = await RawClient.open(server.address.port);
    client.send(`CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\nHost: 127.0.0.1:${echoPort}\r\n\r\n`);
    await client.waitFor("\r\n\r\n");
    expect(client.received.startsWith("HTTP/1.1 200 OK\r\n")).toBe(true);
    expect(client.received.toLowerCase()).not.toContain("content-length");
    client.send("through the tunnel");
    await client.waitFor("through the tunnel");
    const refused = await RawClient.open(server.address.port);
    refused.send("CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n");
    await refused.waitFor("not allowed");
    expect(refused.received.startsWith("HTTP/1.1 403")).toBe(true);
    client.socket.destroy();
    refused.socket.destroy();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  });
});

const gc = (globalThis as { gc?: () => void }).gc;
function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}

describe("upgraded connections after the hand-over", () => {
  test("1,000 upgraded connections stay open past every HTTP timeout, are counted, and cost bounded memory", async () => {
    expect(typeof gc).toBe("function");
    const N = 1_000;
    await using server = await serve({
      handler: rawEcho,
      // Long enough for a head to arrive on a loaded machine (the head clock runs from accept),
      // short enough to have passed for every tunnel before the check below.
      headTimeout: 1_500,
      requestTimeout: 1_500,
      idleTimeout: 300,
      maxConnections: N,
    });
    const port = server.address.port;
    const upgrade = "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n";
    const open = async (): Promise<Socket> => {
      const socket = netConnect({ port, host: "127.0.0.1" });
      socket.on("error", () => {});
      await once(socket, "connect");
      socket.write(upgrade);
      let text = "";
      socket.setEncoding("latin1");
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: string): void => {
          text += chunk;
          if (text.includes("\r\n\r\n")) {
            socket.off("data", onData);
            resolve();
          }
        };
        socket.on("data", onData);
        socket.once("close", () => reject(new Error(`closed before the 101: ${text}`)));
      });
      if (!text.startsWith("HTTP/1.1 101")) throw new Error(text);
      return socket;
    };
    const warm = await Promise.all(Array.from({ length: 20 }, open));
    for (const s of warm) s.destroy();
    await until(() => server.connections === 0, "the warm-up connections to close");
    const before = heapAfterGc();
    const sockets: Socket[] = [];
    for (let i = 0; i < N; i += 50) sockets.push(...(await Promise.all(Array.from({ length: 50 }, open))));
    const grown = heapAfterGc() - before;
    // Both ends live in this process (client and server sockets, the server's Connection):
    // about 10 KiB a pair measured (Node 20). 16 MiB for 1,000 leaves room for GC noise; a
    // 64 KiB buffer kept per connection (an output buffer, a copied head) would be 64 MiB.
    expect(grown).toBeLessThan(16 * 1024 * 1024);
    expect(server.connections).toBe(N);
    // Still counted: the next one is refused over maxConnections.
    const refused = await RawClient.open(port);
    await refused.gone;
    expect(refused.received.startsWith("HTTP/1.1 503")).toBe(true);
    // Past the head, idle and request timeouts the tunnels are still open and echo.
    await new Promise((resolve) => setTimeout(resolve, 1_800));
    expect(sockets.filter((s) => s.destroyed || s.readableEnded)).toHaveLength(0);
    const last = sockets[N - 1]!;
    last.write("still here");
    const [echoed] = (await once(last, "data")) as [string];
    expect(echoed).toBe("still here");
    for (const s of sockets) s.destroy();
    await until(() => server.connections === 0, "every connection to close");
  }, 60_000);
});

describe("graceful close with open WebSockets", () => {
  test("close() sends each WebSocket a 1001 close frame through onShutdown and resolves when they are gone", async () => {
    const server = await serve({ handler: wsEcho(), gracePeriod: 30_000 });
    const clients = await Promise.all(Array.from({ length: 5 }, () => openWs(`ws://127.0.0.1:${server.address.port}/ws`)));
    const codes = clients.map((ws) => once(ws, "close").then(([code]) => code as number));
    await server.close();
    expect(await Promise.all(codes)).toEqual([1001, 1001, 1001, 1001, 1001]);
    expect(server.connections).toBe(0);
  });

  test("close() ends an upgraded stream without onShutdown", async () => {
    const server = await serve({ handler: rawEcho, gracePeriod: 30_000 });
    const client = await RawClient.open(server.address.port);
    client.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
    await client.waitFor("\r\n\r\n");
    const closing = server.close();
    await until(() => client.ended, "the server's FIN");
    client.socket.end();
    await closing;
    expect(server.connections).toBe(0);
  });
});
