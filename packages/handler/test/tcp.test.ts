// The lifecycle on real sockets, read by a real peer: node:http's client (llhttp) parses our
// responses. The transport here is a minimal net.Socket adapter (@k/server has the real one).
import { Agent, request } from "node:http";
import { connect as netConnect, createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createConnection } from "@k/handler";
import type { ConnectionOptions, RequestHandler } from "@k/handler";

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

async function listen(handler: RequestHandler, options: Partial<ConnectionOptions> = {}): Promise<number> {
  server = createServer((socket) => {
    const connection = createConnection(
      {
        write: (b) => socket.write(b),
        end: () => socket.end(),
        destroy: () => socket.destroy(),
        pause: () => socket.pause(),
        resume: () => socket.resume(),
        remoteAddress: socket.remoteAddress,
        remotePort: socket.remotePort,
      },
      { ...options, handler },
    );
    socket.on("data", (b) => connection.onData(b));
    socket.on("end", () => connection.onEnd());
    socket.on("drain", () => connection.onDrain());
    socket.on("close", () => connection.onClose());
    socket.on("error", () => {});
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return (server.address() as { port: number }).port;
}

function fetchText(port: number, path: string, init: { method?: string; body?: string; agent?: Agent } = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: init.method ?? "GET", agent: init.agent ?? false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

describe("over TCP with node:http as the client", () => {
  it("serves keep-alive requests on one socket", async () => {
    const ports = new Set<number>();
    const port = await listen((req) => ((ports.add(req.remotePort!)), { status: 200, body: `hi ${req.path}` }));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const a = await fetchText(port, "/a", { agent });
    const b = await fetchText(port, "/b", { agent });
    agent.destroy();
    expect([a.body, b.body]).toEqual(["hi /a", "hi /b"]);
    expect(a.headers["keep-alive"]).toBe("timeout=65");
    expect(ports.size).toBe(1);
  });

  it("streams a generator's chunked body and a POST body both ways", async () => {
    const port = await listen(async function* (req) {
      yield { status: 200, headers: { "content-type": "text/plain" } };
      for await (const chunk of req.body) yield chunk;
      yield "!";
    });
    const res = await fetchText(port, "/echo", { method: "POST", body: "x".repeat(100_000) });
    expect(res.headers["transfer-encoding"]).toBe("chunked");
    expect(res.body).toBe("x".repeat(100_000) + "!");
  });

  it("answers 16 pipelined requests in order", async () => {
    const port = await listen((req) => ({ status: 200, body: req.path }));
    const socket = netConnect(port, "127.0.0.1");
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (d) => (text += d));
    let all = "";
    for (let i = 0; i < 16; i++) all += `GET /${i} HTTP/1.1\r\nHost: a\r\n\r\n`;
    socket.write(all);
    await new Promise<void>((resolve) => {
      const check = () => ((text.match(/HTTP\/1\.1 200/g) ?? []).length === 16 && text.endsWith("/15") ? resolve() : setTimeout(check, 5));
      check();
    });
    socket.destroy();
    const bodies = [...text.matchAll(/\r\n\r\n(\/\d+)/g)].map((m) => m[1]);
    expect(bodies).toEqual(Array.from({ length: 16 }, (_, i) => `/${i}`));
  });

  it("runs the generator's finally when the client resets mid-response", async () => {
    let finallyRan!: () => void;
    const done = new Promise<void>((r) => (finallyRan = r));
    const port = await listen(async function* () {
      try {
        yield { status: 200 };
        for (;;) yield Buffer.alloc(65536);
      } finally {
        finallyRan();
      }
    });
    const socket = netConnect(port, "127.0.0.1");
    socket.write("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    await new Promise<void>((r) => socket.once("data", () => r()));
    socket.destroy();
    await done;
  });
});
