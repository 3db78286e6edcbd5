import { describe, expect, it } from "vitest";
import type { HttpRequest } from "@k/handler";
import { connect, get, readClosedResponses, readResponses, tick, until } from "./helpers.ts";

describe("keep-alive", () => {
  it("keeps an HTTP/1.1 connection open and serves the next request", async () => {
    const h = connect({ handler: (req) => ({ status: 200, body: req.path }) });
    h.transport.send(get("/1"));
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    h.transport.send(get("/2"));
    await until(() => readResponses(h.transport.output()).responses.length === 2);
    expect(readResponses(h.transport.output()).responses.map((r) => r.text)).toEqual(["/1", "/2"]);
    expect(h.transport.ended).toBe(false);
    expect(h.connection.idle).toBe(true);
  });

  it("closes after an HTTP/1.1 request with Connection: close and says so", async () => {
    const h = connect({ handler: () => ({ status: 200, body: "x" }) });
    h.transport.send(get("/", "Connection: close\r\n") + get("/ignored"));
    await until(() => h.transport.ended);
    const { responses } = readResponses(h.transport.output());
    expect(responses).toHaveLength(1);
    expect(responses[0]!.headers.get("connection")).toBe("close");
  });

  it("answers an HTTP/1.0 keep-alive request with Connection: keep-alive and stays open", async () => {
    const h = connect({ handler: () => ({ status: 200, body: "x" }) });
    h.transport.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    const r = readResponses(h.transport.output()).responses[0]!;
    expect(r.headers.get("connection")).toBe("keep-alive");
    expect(r.headers.get("keep-alive")).toBe("timeout=65");
    expect(r.headers.get("content-length")).toBe("1");
    expect(h.transport.ended).toBe(false);
  });

  it("closes after a plain HTTP/1.0 request", async () => {
    const h = connect({ handler: () => ({ status: 200, body: "x" }) });
    h.transport.send("GET / HTTP/1.0\r\n\r\n");
    await until(() => h.transport.ended);
    expect(readResponses(h.transport.output()).responses[0]!.headers.get("connection")).toBe("close");
  });

  it("sends a streamed body to an HTTP/1.0 keep-alive client close-delimited and closes", async () => {
    const h = connect({
      handler: async function* () {
        yield { status: 200 };
        yield "streamed";
      },
    });
    h.transport.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    await until(() => h.transport.ended);
    const [r] = readClosedResponses(h.transport.output());
    expect(r!.headers.get("connection")).toBe("close");
    expect(r!.headers.has("transfer-encoding")).toBe(false);
    expect(r!.headers.has("content-length")).toBe(false);
    expect(r!.text).toBe("streamed");
  });

  it("advertises no Keep-Alive timeout when the idle timeout is off", async () => {
    const h = connect({ handler: () => ({ status: 200, body: "" }), idleTimeout: Infinity });
    h.transport.send(get());
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    expect(readResponses(h.transport.output()).responses[0]!.headers.has("keep-alive")).toBe(false);
  });

  it("advertises the configured idle timeout", async () => {
    const h = connect({ handler: () => ({ status: 200, body: "" }), idleTimeout: 5000 });
    h.transport.send(get());
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    expect(readResponses(h.transport.output()).responses[0]!.headers.get("keep-alive")).toBe("timeout=5");
  });
});

describe("pipelining", () => {
  it("answers pipelined requests in order when their components finish out of order", async () => {
    const delays: Record<string, number> = { "/1": 30, "/2": 1, "/3": 10 };
    let running = 0;
    let maxRunning = 0;
    const h = connect({
      handler: async (req) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, delays[req.path]));
        running--;
        return { status: 200, body: req.path };
      },
    });
    h.transport.send(get("/1") + get("/2") + get("/3"));
    await until(() => readResponses(h.transport.output()).responses.length === 3);
    expect(readResponses(h.transport.output()).responses.map((r) => r.text)).toEqual(["/1", "/2", "/3"]);
    expect(maxRunning).toBe(1);
  });

  it("writes the responses produced from one read in one transport write", async () => {
    const h = connect({ handler: (req) => ({ status: 200, body: req.path }) });
    const writes: Uint8Array[] = [];
    const original = h.transport.write.bind(h.transport);
    h.transport.write = (b) => (writes.push(b), original(b));
    h.transport.send(get("/a") + get("/b") + get("/c") + get("/d"));
    await until(() => readResponses(h.transport.output()).responses.length === 4);
    expect(writes).toHaveLength(1);
  });

  it("stops reading beyond maxPipelined waiting requests and resumes as they are answered", async () => {
    const release: (() => void)[] = [];
    const h = connect({
      maxPipelined: 2,
      handler: async (req) => {
        await new Promise<void>((r) => release.push(r));
        return { status: 200, body: req.path };
      },
    });
    let all = "";
    for (let i = 0; i < 8; i++) all += get(`/${i}`);
    h.transport.send(all);
    await tick();
    expect(h.transport.paused).toBe(true);
    for (let i = 0; i < 8; i++) {
      await until(() => release.length > 0);
      release.shift()!();
    }
    await until(() => readResponses(h.transport.output()).responses.length === 8);
    expect(readResponses(h.transport.output()).responses.map((r) => r.text)).toEqual(
      ["/0", "/1", "/2", "/3", "/4", "/5", "/6", "/7"],
    );
    expect(h.transport.paused).toBe(false);
  });

  it("serves pipelined requests with bodies, each reading its own body", async () => {
    const h = connect({ handler: async (req: HttpRequest) => ({ status: 200, body: await req.text() }) });
    const post = (b: string) => `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${b.length}\r\n\r\n${b}`;
    h.transport.send(post("one") + post("two") + get() + post("three"));
    await until(() => readResponses(h.transport.output()).responses.length === 4);
    expect(readResponses(h.transport.output()).responses.map((r) => r.text)).toEqual(["one", "two", "", "three"]);
  });

  it("answers every request when the bytes arrive one at a time", async () => {
    const h = connect({ handler: async (req: HttpRequest) => ({ status: 200, body: req.path + (await req.text()) }) });
    const input = Buffer.from(get("/a") + "POST /b HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n" + get("/c"));
    for (const byte of input) h.transport.send(Buffer.from([byte]));
    await until(() => readResponses(h.transport.output()).responses.length === 3);
    expect(readResponses(h.transport.output()).responses.map((r) => r.text)).toEqual(["/a", "/bxyz", "/c"]);
  });
});

describe("shutdown", () => {
  it("ends an idle connection at once", () => {
    const h = connect({ handler: () => ({ status: 200, body: "" }) });
    h.connection.shutdown();
    expect(h.transport.ended).toBe(true);
  });

  it("finishes the in-flight response with Connection: close and starts no new request", async () => {
    let release!: () => void;
    let calls = 0;
    const h = connect({
      handler: async () => {
        calls++;
        await new Promise<void>((r) => (release = r));
        return { status: 200, body: "done" };
      },
    });
    h.transport.send(get("/1") + get("/2"));
    await until(() => calls === 1);
    h.connection.shutdown();
    release();
    await until(() => h.transport.ended);
    const { responses } = readResponses(h.transport.output());
    expect(responses).toHaveLength(1);
    expect(responses[0]!.headers.get("connection")).toBe("close");
    expect(calls).toBe(1);
  });
});

describe("shutdown({ keepIdle: true })", () => {
  it("keeps an idle connection open and answers the next request with Connection: close, then ends", async () => {
    const h = connect({ handler: (req) => ({ status: 200, body: req.path }) });
    h.transport.send(get("/before"));
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    h.connection.shutdown({ keepIdle: true });
    await tick();
    expect(h.transport.ended).toBe(false);
    // A request that was on its way when the server began to shut down: answered, not lost.
    h.transport.send(get("/raced") + get("/pipelined"));
    await until(() => h.transport.ended);
    const { responses } = readResponses(h.transport.output());
    expect(responses.map((r) => [r.text, r.headers.get("connection")])).toEqual([["/before", null], ["/raced", "close"]]);
  });

  it("does not end a connection silently after a response whose head promised keep-alive", async () => {
    let release!: () => void;
    const h = connect({
      handler: async function* (req) {
        yield { status: 200, headers: { "content-type": "text/plain" } };
        if (req.path === "/slow") await new Promise<void>((r) => (release = r));
        yield req.path;
      },
    });
    h.transport.send(get("/slow"));
    await until(() => release !== undefined);
    h.connection.shutdown({ keepIdle: true });
    release();
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    const first = readResponses(h.transport.output()).responses[0]!;
    expect(first.headers.get("connection")).toBeNull(); // its head went out before the shutdown
    await tick();
    expect(h.transport.ended).toBe(false);
    h.transport.send(get("/next"));
    await until(() => h.transport.ended);
    const last = readResponses(h.transport.output()).responses[1]!;
    expect([last.text, last.headers.get("connection")]).toEqual(["/next", "close"]);
  });

  it("ends the idle connection on a later plain shutdown()", async () => {
    const h = connect({ handler: () => ({ status: 200, body: "" }) });
    h.connection.shutdown({ keepIdle: true });
    expect(h.transport.ended).toBe(false);
    h.connection.shutdown({ keepIdle: true }); // repeated: nothing changes
    expect(h.transport.ended).toBe(false);
    h.connection.shutdown();
    expect(h.transport.ended).toBe(true);
  });

  it("lets a response in flight finish on a later plain shutdown(), with no request after it", async () => {
    let release!: () => void;
    let calls = 0;
    const h = connect({
      handler: async () => {
        calls++;
        await new Promise<void>((r) => (release = r));
        return { status: 200, body: "done" };
      },
    });
    h.transport.send(get("/1"));
    await until(() => calls === 1);
    h.connection.shutdown({ keepIdle: true });
    h.connection.shutdown();
    h.transport.send(get("/2"));
    release();
    await until(() => h.transport.ended);
    const { responses } = readResponses(h.transport.output());
    expect(responses.map((r) => [r.text, r.headers.get("connection")])).toEqual([["done", "close"]]);
    expect(calls).toBe(1);
  });
});

describe("Upgrade", () => {
  it("answers a request with Upgrade as plain HTTP and keeps parsing the requests after it", async () => {
    const h = connect({ handler: (req) => ({ status: 200, body: req.path }) });
    h.transport.send(get("/1", "Connection: upgrade\r\nUpgrade: websocket\r\n") + get("/2"));
    await until(() => readResponses(h.transport.output()).responses.length === 2);
    const { responses } = readResponses(h.transport.output());
    expect(responses.map((r) => [r.status, r.text])).toEqual([[200, "/1"], [200, "/2"]]);
    expect(responses[0]!.headers.has("upgrade")).toBe(false);
  });

  it("answers 501 instead of a 2xx to CONNECT, which would open a tunnel", async () => {
    const h = connect({ handler: () => ({ status: 200, body: "" }) });
    h.transport.send("CONNECT a.com:443 HTTP/1.1\r\nHost: a.com:443\r\n\r\n" + get("/2"));
    await until(() => readResponses(h.transport.output()).responses.length === 2);
    expect(readResponses(h.transport.output()).responses.map((r) => r.status)).toEqual([501, 200]);
  });
});
