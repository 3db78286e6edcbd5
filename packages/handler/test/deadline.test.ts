// The whole-request deadline (requestTimeout) and the minimum body rate (minBodyRate): a body
// that trickles in keeps its body timeout alive forever, so these two bound a request's time.
// Real timers with small values (ms, not minutes); assertions are about what the client sees,
// never about how fast the machine is (only lower bounds on time, which cannot be flaky).
import { afterEach, describe, expect, it, vi } from "vitest";
import type { HttpRequest } from "@k/handler";
import { connect, readResponses, tick, until } from "./helpers.js";

const timers: NodeJS.Timeout[] = [];
afterEach(() => {
  for (const t of timers.splice(0)) clearInterval(t);
});

/** Sends one byte of `body` every `everyMs` until it is all sent or the connection ended. */
function trickle(h: ReturnType<typeof connect>, body: string, everyMs: number): void {
  let i = 0;
  const t = setInterval(() => {
    if (i >= body.length || h.transport.ended || h.transport.destroyed) {
      clearInterval(t);
      return;
    }
    h.transport.send(body[i++]!);
  }, everyMs);
  timers.push(t);
}

const readAll = async (req: HttpRequest) => ({ status: 200, body: String((await req.bytes()).length) });

describe("requestTimeout", () => {
  it("answers 408 and closes when a trickling body outlasts requestTimeout", async () => {
    let signal: AbortSignal | null = null;
    const h = connect({
      requestTimeout: 600,
      minBodyRate: 0,
      handler: async (req: HttpRequest) => {
        signal = req.signal;
        return readAll(req);
      },
    });
    const started = performance.now();
    h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n");
    // One byte every 100 ms restarts the 30 s body timeout each time: only the deadline ends it.
    trickle(h, "x".repeat(100), 100);
    await until(() => h.transport.ended || h.transport.destroyed, 4000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(590);
    const { responses } = readResponses(h.transport.output());
    expect(responses.map((r) => r.status)).toEqual([408]);
    expect(responses[0]!.headers.get("connection")).toBe("close");
    expect(responses[0]!.text).toContain("requestTimeout");
    expect(signal!.aborted).toBe(true);
  });

  it("destroys the connection when the deadline passes after the response head was sent", async () => {
    const h = connect({
      requestTimeout: 400,
      minBodyRate: 0,
      handler: async function* (req) {
        yield { status: 200 };
        for await (const chunk of req.body) yield chunk;
      },
    });
    h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc");
    trickle(h, "x".repeat(97), 100);
    await until(() => h.transport.destroyed, 4000);
    expect(h.transport.text()).toContain("abc");
  });

  it("lets a slow but steady upload that finishes within the deadline through", async () => {
    const h = connect({ requestTimeout: 3000, minBodyRate: 0, handler: readAll });
    h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n");
    trickle(h, "0123456789", 50);
    await until(() => readResponses(h.transport.output()).responses.length === 1, 4000);
    expect(readResponses(h.transport.output()).responses[0]!.text).toBe("10");
    expect(h.transport.ended).toBe(false);
  });

  it("does not count the time reading is paused for a slow component", async () => {
    let go!: () => void;
    const wait = new Promise<void>((r) => (go = r));
    const h = connect({
      requestTimeout: 500,
      minBodyRate: 0,
      handler: async (req: HttpRequest) => {
        await wait;
        return readAll(req);
      },
    });
    h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 300000\r\n\r\n");
    for (let i = 0; i < 3; i++) h.transport.send(Buffer.alloc(65536));
    expect(h.transport.paused).toBe(true);
    // Our own backpressure for twice the deadline: not the client's delay.
    await new Promise((r) => setTimeout(r, 1000));
    go();
    await until(() => !h.transport.paused);
    h.transport.send(Buffer.alloc(300000 - 3 * 65536));
    await until(() => readResponses(h.transport.output()).responses.length === 1, 4000);
    expect(readResponses(h.transport.output()).responses[0]!.text).toBe("300000");
  });

  it("leaves requests without a body and whole small bodies to the head timeout alone", async () => {
    const h = connect({ requestTimeout: 200, handler: readAll });
    h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    await until(() => readResponses(h.transport.output()).responses.length === 2);
    await new Promise((r) => setTimeout(r, 400));
    expect(h.transport.ended).toBe(false);
    expect(readResponses(h.transport.output()).responses.map((r) => r.status)).toEqual([200, 200]);
  });
});

describe("the deadline's cost", () => {
  it("creates no timer per request: one per connection, re-armed, for bodies that span reads", async () => {
    for (const minBodyRate of [0, 240]) {
      const spy = vi.spyOn(globalThis, "setTimeout");
      try {
        // A window no other timer uses, to tell the deadline's setTimeout calls apart.
        const h = connect({ minBodyRate, bodyRateWindow: 4321, handler: readAll });
        for (let i = 0; i < 20; i++) {
          h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab");
          await tick();
          h.transport.send("cd");
          await until(() => readResponses(h.transport.output()).responses.length === i + 1);
        }
        // Created once for the connection and refreshed for every later request.
        expect(spy.mock.calls.filter(([, ms]) => ms === 4321)).toHaveLength(1);
      } finally {
        spy.mockRestore();
      }
    }
  });

  it("reads no clock for a request whose body arrives with its head", async () => {
    const spy = vi.spyOn(performance, "now");
    try {
      const h = connect({ handler: readAll });
      const before = spy.mock.calls.length;
      for (let i = 0; i < 20; i++) {
        h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nab");
        await until(() => readResponses(h.transport.output()).responses.length === i + 1);
      }
      expect(spy.mock.calls.length - before).toBe(0);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("minBodyRate", () => {
  it("answers 408 when a body arrives slower than minBodyRate over a window", async () => {
    const h = connect({ requestTimeout: 60_000, minBodyRate: 100, bodyRateWindow: 300, handler: readAll });
    const started = performance.now();
    h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n");
    // 10 bytes/s against 100 bytes/s.
    trickle(h, "x".repeat(1000), 100);
    await until(() => h.transport.ended || h.transport.destroyed, 4000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    const { responses } = readResponses(h.transport.output());
    expect(responses.map((r) => r.status)).toEqual([408]);
    expect(responses[0]!.text).toContain("minBodyRate");
  });

  it("lets a body at the minimum rate or faster through", async () => {
    const h = connect({ requestTimeout: 60_000, minBodyRate: 100, bodyRateWindow: 300, handler: readAll });
    h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 400\r\n\r\n");
    let sent = 0;
    // 50 bytes every 100 ms = 500 bytes/s, five times the minimum.
    const t = setInterval(() => {
      if (sent >= 400) return clearInterval(t);
      h.transport.send("y".repeat(50));
      sent += 50;
    }, 100);
    timers.push(t);
    await until(() => readResponses(h.transport.output()).responses.length === 1, 4000);
    expect(readResponses(h.transport.output()).responses[0]!.text).toBe("400");
  });
});
