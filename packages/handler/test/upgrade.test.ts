// Upgrades and CONNECT tunnels through the lifecycle, in memory (inject and the memory
// transport): RFC 9110 §7.8 (Upgrade, 101) and §9.3.6 (CONNECT), issue 9.
import { once } from "node:events";
import type { Duplex } from "node:stream";
import { describe, expect, it } from "vitest";
import { createConnection, createMemoryTransport, fromFetch, inject } from "@k/handler";
import type { HttpRequest, RequestHandler, Tunnel, UpgradeResponse } from "@k/handler";
import { readResponses } from "./helpers.js";

const WS_HEADERS = { connection: "Upgrade", upgrade: "echo" };

/** Reads `n` bytes from a stream, leaving it open. */
function readBytes(stream: Duplex, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer): void => {
      parts.push(chunk);
      got += chunk.length;
      if (got < n) return;
      stream.off("data", onData);
      stream.off("error", reject);
      stream.pause();
      resolve(Buffer.concat(parts));
    };
    stream.on("data", onData);
    stream.on("error", reject);
    stream.resume();
  });
}

/** A handler that accepts "Upgrade: echo" with a 101 and echoes the tunnel's bytes back. */
function echoUpgrade(seen: Tunnel[] = []): RequestHandler {
  return (request: HttpRequest) => {
    if (!request.upgrade) return { status: 200, body: "plain" };
    const accept: UpgradeResponse = {
      status: 101,
      headers: { upgrade: "echo" },
      upgrade(tunnel) {
        seen.push(tunnel);
        if (tunnel.head.length > 0) tunnel.stream.write(tunnel.head);
        tunnel.stream.pipe(tunnel.stream);
      },
    };
    return accept;
  };
}

describe("upgrades", () => {
  it("accepts an upgrade with 101 and carries bytes both ways", async () => {
    const seen: Tunnel[] = [];
    const res = await inject(echoUpgrade(seen), { headers: WS_HEADERS });
    expect(res.status).toBe(101);
    expect(res.headers.get("upgrade")).toBe("echo");
    expect(res.headers.get("connection")).toBe("upgrade");
    expect(res.headers.get("content-length")).toBeNull();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.request.headers.get("upgrade")).toBe("echo");
    const tunnel = res.tunnel!;
    tunnel.write("hello");
    expect((await readBytes(tunnel, 5)).toString()).toBe("hello");
    tunnel.write(Buffer.from([0, 1, 2, 255]));
    expect([...(await readBytes(tunnel, 4))]).toEqual([0, 1, 2, 255]);
    tunnel.destroy();
  });

  it("hands pipelined bytes after the upgrade request to the new protocol, never to the HTTP parser", () => {
    const t = createMemoryTransport();
    let calls = 0;
    const seen: Tunnel[] = [];
    const inner = echoUpgrade(seen);
    t.attach(createConnection(t, { handler: (r) => (calls++, inner(r)) }));
    t.send(
      "GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n" +
      "GET /next HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    return new Promise<void>((resolve) => setTimeout(resolve, 20)).then(() => {
      expect(calls).toBe(1);
      expect(seen[0]!.head.toString("latin1")).toBe("GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
      const out = t.text();
      expect(out.startsWith("HTTP/1.1 101 Switching Protocols\r\n")).toBe(true);
      // The echo of the pipelined bytes follows the 101, unparsed and unanswered.
      expect(out.endsWith("\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(true);
      expect(out.match(/HTTP\/1\.1 \d{3}/g)).toEqual(["HTTP/1.1 101"]);
    });
  });

  it("answers an ignored upgrade as plain HTTP and parses the next request as HTTP", async () => {
    const t = createMemoryTransport();
    const handler: RequestHandler = (r) => ({ status: 200, body: r.target });
    t.attach(createConnection(t, { handler }));
    t.send("GET /a HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n");
    await new Promise((resolve) => setTimeout(resolve, 20));
    const { responses } = readResponses(t.output());
    expect(responses.map((r) => [r.status, r.text])).toEqual([[200, "/a"], [200, "/b"]]);
    expect(t.ended || t.destroyed).toBe(false);
  });

  it("never honours an HTTP/1.0 Upgrade: request.upgrade is false and an upgrade answer is a 500", async () => {
    let flag: boolean | undefined;
    const plain = await inject((r) => ((flag = r.upgrade), { status: 200, body: "plain" }), { version: "1.0", headers: WS_HEADERS });
    expect(flag).toBe(false);
    expect(plain.status).toBe(200);
    expect(plain.tunnel).toBeNull();
    let called = false;
    const forced = await inject(() => ({ status: 101, upgrade: () => void (called = true) }), { version: "1.0", headers: WS_HEADERS }, { onError: () => {} });
    expect(forced.status).toBe(500);
    expect(called).toBe(false);
  });

  it("refuses an upgrade answer to a request without Connection: upgrade, or with an empty Upgrade", async () => {
    for (const headers of [{ upgrade: "echo" }, { connection: "upgrade", upgrade: "" }]) {
      const res = await inject(() => ({ status: 101, upgrade: () => {} }), { headers }, { onError: () => {} });
      expect(res.status).toBe(500);
    }
  });

  it("refuses a 101 answer to CONNECT and a 2xx answer to an Upgrade", async () => {
    const connect = await inject(() => ({ status: 101, upgrade: () => {} }), { method: "CONNECT", target: "a:1", headers: { host: "a:1" } }, { onError: () => {} });
    expect(connect.status).toBe(500);
    const upgrade = await inject(() => ({ status: 200, upgrade: () => {} }), { headers: WS_HEADERS }, { onError: () => {} });
    expect(upgrade.status).toBe(500);
    expect(upgrade.tunnel).toBeNull();
  });

  it("lets the receiver write its own head when the answer has no status", async () => {
    const res = await inject(
      () => ({
        upgrade({ stream }: Tunnel) {
          stream.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nready");
        },
      }),
      { headers: WS_HEADERS },
    );
    expect(res.status).toBe(101);
    expect((await readBytes(res.tunnel!, 5)).toString()).toBe("ready");
    res.tunnel!.destroy();
  });

  it("destroys the connection when the receiver throws: no half-open socket", async () => {
    const t = createMemoryTransport();
    const errors: unknown[] = [];
    t.attach(createConnection(t, {
      handler: () => ({ status: 101, headers: { upgrade: "echo" }, upgrade: () => { throw new Error("receiver failed"); } }),
      onError: (e) => errors.push(e),
    }));
    t.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n");
    await t.closed;
    expect(t.destroyed).toBe(true);
    expect(errors.map((e) => (e as Error).message)).toEqual(["receiver failed"]);
  });

  it("refuses to upgrade a request with a body", async () => {
    const res = await inject(() => ({ status: 101, upgrade: () => {} }), { method: "POST", headers: WS_HEADERS, body: "x" }, { onError: () => {} });
    expect(res.status).toBe(500);
  });

  it("ends the tunnel on shutdown, or runs its onShutdown instead", async () => {
    const ended = createMemoryTransport();
    const c1 = createConnection(ended, { handler: echoUpgrade() });
    ended.attach(c1);
    ended.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n");
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(c1.idle).toBe(false);
    c1.shutdown();
    await ended.closed;
    expect(ended.ended).toBe(true);

    const hooked = createMemoryTransport();
    let shutdowns = 0;
    const c2 = createConnection(hooked, {
      handler: () => ({ status: 101, headers: { upgrade: "echo" }, upgrade: () => {}, onShutdown: () => void shutdowns++ }),
    });
    hooked.attach(c2);
    hooked.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n");
    await new Promise((resolve) => setTimeout(resolve, 10));
    c2.shutdown();
    c2.shutdown();
    expect(shutdowns).toBe(1);
    expect(hooked.ended || hooked.destroyed).toBe(false);
  });

  it("closes the tunnel stream when the peer goes away", async () => {
    const t = createMemoryTransport();
    let stream: Duplex | null = null;
    t.attach(createConnection(t, { handler: () => ({ status: 101, headers: { upgrade: "echo" }, upgrade: (tunnel) => void (stream = tunnel.stream) }) }));
    t.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n");
    await new Promise((resolve) => setTimeout(resolve, 10));
    const closed = once(stream!, "close");
    t.hangUp();
    await closed;
    expect(stream!.destroyed).toBe(true);
  });

  it("reports the 101 once through onResponse", async () => {
    const statuses: number[] = [];
    const res = await inject(echoUpgrade(), { headers: WS_HEADERS }, { onResponse: (info) => statuses.push(info.status) });
    expect(statuses).toEqual([101]);
    res.tunnel!.destroy();
  });
});

describe("CONNECT tunnels", () => {
  it("gives the tunnel to a component that answers 2xx", async () => {
    let target = "";
    const res = await inject(
      (request) => ({
        status: 200,
        upgrade(tunnel: Tunnel) {
          target = request.target;
          tunnel.stream.on("data", (b: Buffer) => tunnel.stream.write(Buffer.from(b.toString().toUpperCase())));
        },
      }),
      { method: "CONNECT", target: "example.com:443", headers: { host: "example.com:443" } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBeNull();
    expect(res.headers.get("transfer-encoding")).toBeNull();
    expect(target).toBe("example.com:443");
    res.tunnel!.write("abc");
    expect((await readBytes(res.tunnel!, 3)).toString()).toBe("ABC");
    res.tunnel!.destroy();
  });

  it("answers a plain 2xx to CONNECT with 501, and a refusal as plain HTTP", async () => {
    const plain = await inject(() => ({ status: 200, body: "" }), { method: "CONNECT", target: "a:1", headers: { host: "a:1" } }, { onError: () => {} });
    expect(plain.status).toBe(501);
    const refused = await inject(() => ({ status: 403, body: "no" }), { method: "CONNECT", target: "a:1", headers: { host: "a:1" } });
    expect(refused.status).toBe(403);
    expect(refused.tunnel).toBeNull();
  });
});

describe("fromFetch and upgrades", () => {
  const app = (request: Request): Response => new Response(`fetch ${new URL(request.url).pathname}`);

  it("lets onUpgrade take an upgrade before the fetch handler runs", async () => {
    const handler = fromFetch(app, {
      onUpgrade: (request) => (request.path === "/ws" ? { status: 101, headers: { upgrade: "echo" }, upgrade: (t) => void t.stream.end("bye") } : undefined),
    });
    const res = await inject(handler, { target: "/ws", headers: WS_HEADERS });
    expect(res.status).toBe(101);
    expect((await readBytes(res.tunnel!, 3)).toString()).toBe("bye");
    const other = await inject(handler, { target: "/other", headers: WS_HEADERS });
    expect([other.status, other.text()]).toEqual([200, "fetch /other"]);
  });

  it("answers an Upgrade offer as plain HTTP without onUpgrade", async () => {
    const res = await inject(fromFetch(app), { target: "/ws", headers: WS_HEADERS });
    expect([res.status, res.text(), res.headers.get("upgrade")]).toEqual([200, "fetch /ws", null]);
  });
});
