import { afterEach, describe, expect, it, vi } from "vitest";
import type { HttpRequest } from "@k/handler";
import { connect, get, readResponses, tick, until } from "./helpers.ts";

const ok = () => ({ status: 200, body: "ok" });

describe("parse errors", () => {
  it.each([
    ["a malformed request line", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", {}, 400],
    ["an invalid header name", "GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", {}, 400],
    ["a bare LF line ending", "GET / HTTP/1.1\nHost: a\n\n", {}, 400],
    ["Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", {}, 400],
    ["a missing Host in HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", {}, 400],
    ["HTTP/2.0 on an HTTP/1 stream", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", {}, 505],
    ["an unsupported transfer coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", {}, 501],
    ["a target over maxTargetLength", `GET /${"a".repeat(100)} HTTP/1.1\r\nHost: a\r\n\r\n`, { maxTargetLength: 50 }, 414],
    ["a head over maxHeadSize", `GET / HTTP/1.1\r\nHost: a\r\nX: ${"a".repeat(2000)}\r\n\r\n`, { maxHeadSize: 1024 }, 431],
    ["more fields than maxHeaderCount", `GET / HTTP/1.1\r\nHost: a\r\n${"X: 1\r\n".repeat(10)}\r\n`, { maxHeaderCount: 5 }, 431],
    ["a Content-Length over maxBodySize", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n", { maxBodySize: 10 }, 413],
  ] as const)("answers %s with its status, a text body and Connection: close, then ends", async (_name, input, options, status) => {
    let ran = false;
    const h = connect({ ...options, handler: () => ((ran = true), ok()) });
    h.transport.send(input);
    await until(() => h.transport.ended);
    const { responses } = readResponses(h.transport.output());
    expect(responses).toHaveLength(1);
    expect(responses[0]!.status).toBe(status);
    expect(responses[0]!.headers.get("connection")).toBe("close");
    expect(responses[0]!.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(responses[0]!.text.length).toBeGreaterThan(0);
    expect(ran).toBe(false);
    expect(h.transport.destroyed).toBe(false);
  });

  it("answers earlier pipelined requests before the parse error's response", async () => {
    const h = connect({ handler: (req) => ({ status: 200, body: req.path }) });
    h.transport.send(get("/1") + get("/2") + "BROKEN\r\n\r\n");
    await until(() => h.transport.ended);
    const { responses } = readResponses(h.transport.output());
    expect(responses.map((r) => r.status)).toEqual([200, 200, 400]);
    expect(responses.map((r) => r.text.slice(0, 2))).toEqual(["/1", "/2", "Ba"]);
  });

  it("answers 413 when a chunked body grows over maxBodySize while the component reads it", async () => {
    const h = connect({ maxBodySize: 10, handler: async (req: HttpRequest) => ({ status: 200, body: await req.text() }) });
    h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
    await until(() => h.transport.ended);
    const { responses } = readResponses(h.transport.output());
    expect(responses[0]!.status).toBe(413);
    expect(responses[0]!.headers.get("connection")).toBe("close");
  });

  it("answers 400 when a chunked body is malformed while the component reads it", async () => {
    const h = connect({ handler: async (req: HttpRequest) => ({ status: 200, body: await req.text() }) });
    h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n");
    await until(() => h.transport.ended);
    expect(readResponses(h.transport.output()).responses[0]!.status).toBe(400);
  });
});

describe("Host validation", () => {
  it.each(["example.com", "example.com:8080", "127.0.0.1", "[::1]:80", "[v1.fe]", "a%20b", ""])("accepts Host %j", async (host) => {
    const h = connect({ handler: ok });
    h.transport.send(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    expect(readResponses(h.transport.output()).responses[0]!.status).toBe(200);
  });

  it.each(["exa mple.com", "a:b:c", "example.com:80x", "[::1", "[::g]", "a/b", "a@b", "%zz", "[1.2.3.4]"])(
    "answers 400 to Host %j and closes",
    async (host) => {
      let ran = false;
      const h = connect({ handler: () => ((ran = true), ok()) });
      h.transport.send(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      await until(() => h.transport.ended);
      expect(readResponses(h.transport.output()).responses[0]!.status).toBe(400);
      expect(ran).toBe(false);
    },
  );
});

describe("a client that goes away", () => {
  it("aborts the signal and runs the generator's finally", async () => {
    let signal: AbortSignal | null = null;
    let finallyRan = false;
    const h = connect(
      {
        handler: async function* (req) {
          signal = req.signal;
          try {
            yield { status: 200 };
            for (;;) yield Buffer.alloc(64 * 1024);
          } finally {
            finallyRan = true;
          }
        },
      },
      { highWaterMark: 256 * 1024, record: false },
    );
    h.transport.send(get());
    await until(() => h.transport.backlog >= 256 * 1024);
    h.transport.hangUp(new Error("ECONNRESET"));
    await until(() => finallyRan);
    expect(signal!.aborted).toBe(true);
    expect(h.transport.writesAfterClose).toBe(0);
  });

  it("aborts the signal of a component that is still waiting for something", async () => {
    let aborted = false;
    const h = connect({
      handler: (req) =>
        new Promise((resolve) => {
          req.signal.addEventListener("abort", () => {
            aborted = true;
            resolve({ status: 200, body: "late" });
          });
        }),
    });
    h.transport.send(get());
    await tick();
    h.transport.hangUp();
    await until(() => aborted);
    await tick();
    expect(h.transport.writesAfterClose).toBe(0);
  });

  it("fails a pending body read when the client goes away mid-body", async () => {
    let failure: unknown = null;
    const h = connect({
      handler: async (req) => {
        try {
          await req.text();
        } catch (e) {
          failure = e;
        }
        return ok();
      },
    });
    h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc");
    await tick();
    h.transport.hangUp();
    await until(() => failure !== null);
    expect(h.errors).toEqual([]);
  });

  it("answers 400 when the client half-closes in the middle of a body", async () => {
    const h = connect({ handler: async (req: HttpRequest) => ({ status: 200, body: await req.text() }) });
    h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc");
    h.transport.sendEnd();
    await until(() => h.transport.ended);
    expect(readResponses(h.transport.output()).responses[0]!.status).toBe(400);
  });

  it("finishes the responses in flight when the client half-closes after its requests", async () => {
    const h = connect({ handler: async (req) => (await tick(), { status: 200, body: req.path }) });
    h.transport.send(get("/1") + get("/2"));
    h.transport.sendEnd();
    await until(() => h.transport.ended);
    expect(readResponses(h.transport.output()).responses.map((r) => r.text)).toEqual(["/1", "/2"]);
  });
});

describe("onError", () => {
  it("keeps serving when the onError hook itself throws", async () => {
    const h = connect({
      handler: () => {
        throw new Error("x");
      },
      onError: () => {
        throw new Error("hook");
      },
    });
    h.transport.send(get());
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    expect(readResponses(h.transport.output()).responses[0]!.status).toBe(500);
  });

  it("reports each answered request through onResponse with body and wire bytes", async () => {
    const seen: [string, number, number, number][] = [];
    const h = connect({
      handler: async function* (req) {
        yield { status: 200 };
        if (req.path === "/a") yield "ok";
        yield "!";
      },
      onResponse: (i) => void seen.push([i.request.path, i.status, i.bytes, i.wireBytes]),
    });
    h.transport.send(get("/a"));
    await until(() => seen.length === 1);
    expect(seen[0]!.slice(0, 3)).toEqual(["/a", 200, 3]);
    expect(seen[0]![3]).toBe(h.transport.bytesWritten);
    h.transport.send("HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n");
    await until(() => seen.length === 2);
    expect(seen[1]!.slice(0, 3)).toEqual(["/h", 200, 0]);
  });
});

describe("timeouts", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("answers 408 and closes when a head does not complete within headTimeout", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const h = connect({ handler: ok, headTimeout: 1000 });
    h.transport.send("GET / HTTP/1.1\r\nHost: a\r\n");
    vi.advanceTimersByTime(999);
    expect(h.transport.ended).toBe(false);
    vi.advanceTimersByTime(1);
    await until(() => h.transport.ended);
    const { responses } = readResponses(h.transport.output());
    expect(responses[0]!.status).toBe(408);
    expect(responses[0]!.headers.get("connection")).toBe("close");
  });

  it("does not restart the head timeout for bytes that trickle in (slowloris)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const h = connect({ handler: ok, headTimeout: 1000, idleTimeout: 60_000 });
    h.transport.send(get());
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    for (const byte of "GET / HTTP/1.1\r\nX: ") {
      h.transport.send(byte);
      vi.advanceTimersByTime(100);
      if (h.transport.ended) break;
    }
    await until(() => h.transport.ended);
    expect(readResponses(h.transport.output()).responses.map((r) => r.status)).toEqual([200, 408]);
  });

  it("counts the head timeout of a fresh connection from accept, not from the first byte", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const h = connect({ handler: ok, headTimeout: 1000 });
    vi.advanceTimersByTime(900);
    h.transport.send("GET / HTTP/1.1\r\n");
    vi.advanceTimersByTime(100);
    await until(() => h.transport.ended);
    expect(readResponses(h.transport.output()).responses[0]!.status).toBe(408);
  });

  it("closes an idle keep-alive connection silently after idleTimeout", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const h = connect({ handler: ok, idleTimeout: 5000, headTimeout: 1000 });
    h.transport.send(get());
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    const before = h.transport.bytesWritten;
    vi.advanceTimersByTime(4999);
    expect(h.transport.ended).toBe(false);
    vi.advanceTimersByTime(1);
    expect(h.transport.ended).toBe(true);
    expect(h.transport.bytesWritten).toBe(before);
  });

  it("switches from the idle to the head timeout at the first byte of the next request", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const h = connect({ handler: ok, idleTimeout: 5000, headTimeout: 1000 });
    h.transport.send(get());
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    h.transport.send("GET / HTTP/1.1\r\n");
    vi.advanceTimersByTime(1000);
    await until(() => h.transport.ended);
    expect(readResponses(h.transport.output()).responses.map((r) => r.status)).toEqual([200, 408]);
  });

  it("answers 408 when request-body bytes stop for bodyTimeout before the head is sent", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let signal: AbortSignal | null = null;
    const h = connect({
      bodyTimeout: 1000,
      handler: async (req: HttpRequest) => {
        signal = req.signal;
        return { status: 200, body: await req.text() };
      },
    });
    h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
    await tick(); // the component reads what came: reading is not paused
    vi.advanceTimersByTime(999);
    h.transport.send("d");
    await tick();
    vi.advanceTimersByTime(999);
    expect(h.transport.ended).toBe(false);
    vi.advanceTimersByTime(1);
    await until(() => h.transport.ended);
    expect(readResponses(h.transport.output()).responses[0]!.status).toBe(408);
    expect(signal!.aborted).toBe(true);
  });

  it("destroys the connection when the body times out after the head was sent", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const h = connect({
      bodyTimeout: 1000,
      handler: async function* (req) {
        yield { status: 200 };
        for await (const chunk of req.body) yield chunk;
      },
    });
    h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
    await until(() => h.transport.text().includes("abc"));
    vi.advanceTimersByTime(1000);
    await until(() => h.transport.destroyed);
  });

  it("does not run the body timeout while reading is paused for a slow component", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let go!: () => void;
    const wait = new Promise<void>((r) => (go = r));
    const h = connect({
      bodyTimeout: 1000,
      handler: async (req: HttpRequest) => {
        await wait;
        return { status: 200, body: String((await req.bytes()).length) };
      },
    });
    h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 300000\r\n\r\n");
    for (let i = 0; i < 3; i++) h.transport.send(Buffer.alloc(65536));
    expect(h.transport.paused).toBe(true);
    vi.advanceTimersByTime(10_000);
    go();
    await until(() => !h.transport.paused);
    h.transport.send(Buffer.alloc(300000 - 3 * 65536));
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    expect(readResponses(h.transport.output()).responses[0]!.text).toBe("300000");
  });

  it("leaves no timer behind once the connection is closed", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const h = connect({ handler: ok });
    h.transport.send(get());
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    expect(vi.getTimerCount()).toBe(1);
    h.transport.hangUp();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("resources of an abandoned response", () => {
  it("destroys a Node Readable body when the client left before the component returned it", async () => {
    const { Readable } = await import("node:stream");
    const body = new Readable({ read() {} });
    let release!: () => void;
    const h = connect({
      handler: async () => {
        await new Promise<void>((r) => (release = r));
        return { status: 200, body };
      },
    });
    h.transport.send(get());
    await until(() => release !== undefined);
    h.transport.hangUp();
    release();
    await until(() => body.destroyed);
  });

  it("destroys a Node Readable body when the response head is invalid", async () => {
    const { Readable } = await import("node:stream");
    const body = new Readable({ read() {} });
    const h = connect({ handler: () => ({ status: 200, headers: { "bad name": "x" }, body }) });
    h.transport.send(get());
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    expect(readResponses(h.transport.output()).responses[0]!.status).toBe(500);
    await until(() => body.destroyed);
  });
});

describe("a failing transport", () => {
  it("reports a write that throws and destroys the connection instead of crashing", async () => {
    const h = connect({
      handler: async function* () {
        yield { status: 200 };
        yield "x";
        await new Promise((r) => setTimeout(r, 1));
        yield "y";
      },
    });
    let writes = 0;
    h.transport.write = () => {
      if (++writes > 0) throw new Error("EPIPE");
      return true;
    };
    h.transport.send(get());
    await until(() => h.transport.destroyed);
    expect(h.errors.some((e) => (e as Error).message === "EPIPE")).toBe(true);
  });
});
