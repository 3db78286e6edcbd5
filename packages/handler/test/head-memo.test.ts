// A handler that answers with one shared response object gets its head from the connection's
// memo (response-writer.ts). These tests hold the memo to one promise: the bytes on the wire are
// exactly those the general path writes, whatever the handler changes in its object between
// requests and whatever the requests ask for.
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { WholeResponse } from "@k/handler";
import { connect, readResponses, until } from "./helpers.ts";

type Mutable = { status: number; headers: [string, string][]; body?: string | Uint8Array | null; length?: number; reason?: string };

const REQUESTS = {
  get: "GET /r HTTP/1.1\r\nHost: x\r\n\r\n",
  head: "HEAD /r HTTP/1.1\r\nHost: x\r\n\r\n",
  get10: "GET /r HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
  head10: "HEAD /r HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
  close: "GET /r HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
} as const;
type RequestKind = keyof typeof REQUESTS;

// What a handler may do to its shared object between two requests.
type Change =
  | { kind: "value"; index: number; value: string }
  | { kind: "add"; name: string; value: string }
  | { kind: "drop"; index: number }
  | { kind: "byte"; index: number; value: number }
  | { kind: "body"; body: string | Uint8Array | null }
  | { kind: "status"; status: number }
  | { kind: "reason"; reason: string | undefined }
  | { kind: "headersArray" }
  | { kind: "tick" };

function apply(r: Mutable, change: Change): void {
  switch (change.kind) {
    case "value":
      if (r.headers.length > 0) r.headers[change.index % r.headers.length]![1] = change.value;
      break;
    case "add":
      r.headers.push([change.name, change.value]);
      break;
    case "drop":
      if (r.headers.length > 0) r.headers.splice(change.index % r.headers.length, 1);
      break;
    case "byte":
      if (r.body instanceof Uint8Array && r.body.length > 0) r.body[change.index % r.body.length] = change.value;
      break;
    case "body":
      // A copy: the same steps run twice, and "byte" changes write into the body.
      r.body = change.body instanceof Uint8Array ? new Uint8Array(change.body) : change.body;
      break;
    case "status":
      r.status = change.status;
      break;
    case "reason":
      r.reason = change.reason;
      break;
    case "headersArray":
      r.headers = r.headers.map((pair) => [pair[0], pair[1]]);
      break;
    case "tick":
      vi.setSystemTime(Date.now() + 1000);
      break;
  }
}

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant("value" as const), index: fc.nat(8), value: fc.constantFrom("a", "b", "text/html", "close", "keep-alive") }),
  fc.record({
    kind: fc.constant("add" as const),
    name: fc.constantFrom("X-A", "Connection", "Date", "Keep-Alive", "Content-Length", "Vary"),
    value: fc.constantFrom("1", "close", "x", "Mon, 01 Jan 2024 00:00:00 GMT"),
  }),
  fc.record({ kind: fc.constant("drop" as const), index: fc.nat(8) }),
  fc.record({ kind: fc.constant("byte" as const), index: fc.nat(20), value: fc.integer({ min: 0x61, max: 0x7a }) }),
  fc.record({
    kind: fc.constant("body" as const),
    body: fc.oneof(fc.constantFrom(null, "", "hi", "héllo"), fc.uint8Array({ maxLength: 20 }).map((b) => new Uint8Array(b))),
  }),
  fc.record({ kind: fc.constant("status" as const), status: fc.constantFrom(200, 201, 204, 304, 404, 500) }),
  fc.record({ kind: fc.constant("reason" as const), reason: fc.constantFrom(undefined, "Fine") }),
  fc.constant({ kind: "headersArray" as const }),
  fc.constant({ kind: "tick" as const }),
);

const step = fc.record({
  change: fc.option(change, { nil: undefined }),
  request: fc.constantFrom<RequestKind>("get", "get", "get", "head", "get10", "head10", "close"),
});

/** Output and errors of one connection fed `steps`; the handler answers with `respond(shared)`. */
async function run(steps: { change?: Change; request: RequestKind }[], respond: (r: Mutable) => WholeResponse): Promise<string> {
  vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
  const shared: Mutable = { status: 200, headers: [["Content-Type", "text/plain"]], body: new Uint8Array([104, 105]) };
  const h = connect({ handler: () => respond(shared) });
  let answered = 0;
  for (const s of steps) {
    if (s.change !== undefined) apply(shared, s.change);
    h.transport.send(Buffer.from(REQUESTS[s.request]));
    const before = answered;
    try {
      await until(() => h.transport.ended || readResponses(h.transport.output()).responses.length > before, 200);
    } catch {
      break;
    }
    answered = readResponses(h.transport.output()).responses.length;
    if (h.transport.ended) break;
  }
  return `${Buffer.from(h.transport.output()).toString("latin1")}\n--errors: ${h.errors.map(String).join("|")}\n--ended: ${h.transport.ended}`;
}

describe("head memo (one shared response object)", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes the bytes a fresh object would get, whatever the handler changes between requests", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        // The shared object itself (memo hits) against a copy per response (never a hit).
        const memo = await run(steps, (r) => r as WholeResponse);
        const fresh = await run(steps, (r) => ({ ...r, headers: r.headers.map((p) => [p[0], p[1]] as [string, string]) }) as WholeResponse);
        expect(memo).toBe(fresh);
      }),
      { numRuns: 150 },
    );
  });

  it("repeats a frozen response byte for byte and follows the Date into the next second", async () => {
    const body = new TextEncoder().encode("Hello, World!");
    const hello: WholeResponse = Object.freeze({ status: 200, length: body.length, headers: Object.freeze([Object.freeze(["content-type", "text/plain"] as const)]), body });
    vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
    const h = connect({ handler: () => hello });
    h.transport.send(Buffer.from(REQUESTS.get.repeat(3)));
    await until(() => readResponses(h.transport.output()).responses.length === 3);
    vi.setSystemTime(new Date("2026-01-01T00:00:01Z"));
    h.transport.send(Buffer.from(REQUESTS.get + REQUESTS.head + REQUESTS.close));
    await until(() => h.transport.ended);
    const { responses } = readResponses(h.transport.output(), ["GET", "GET", "GET", "GET", "HEAD", "GET"]);
    expect(responses.map((r) => [r.status, r.text, r.headers.get("content-length"), r.headers.get("date"), r.headers.get("connection")])).toEqual([
      [200, "Hello, World!", "13", "Thu, 01 Jan 2026 00:00:00 GMT", null],
      [200, "Hello, World!", "13", "Thu, 01 Jan 2026 00:00:00 GMT", null],
      [200, "Hello, World!", "13", "Thu, 01 Jan 2026 00:00:00 GMT", null],
      [200, "Hello, World!", "13", "Thu, 01 Jan 2026 00:00:01 GMT", null],
      [200, "", "13", "Thu, 01 Jan 2026 00:00:01 GMT", null],
      [200, "Hello, World!", "13", "Thu, 01 Jan 2026 00:00:01 GMT", "close"],
    ]);
    expect(h.errors).toEqual([]);
  });

  it("keeps each connection's own Server and Keep-Alive when connections share one response object", async () => {
    const shared: WholeResponse = Object.freeze({ status: 200, body: "same" });
    const a = connect({ handler: () => shared, serverName: "a/1", idleTimeout: 5_000 });
    const b = connect({ handler: () => shared, serverName: "b/2", idleTimeout: 7_000 });
    for (let i = 0; i < 3; i++) {
      a.transport.send(Buffer.from(REQUESTS.get));
      b.transport.send(Buffer.from(REQUESTS.get));
      await until(() => readResponses(a.transport.output()).responses.length > i && readResponses(b.transport.output()).responses.length > i);
    }
    const seen = (h: typeof a): (string | null)[][] =>
      readResponses(h.transport.output()).responses.map((r) => [r.text, r.headers.get("server"), r.headers.get("keep-alive")]);
    expect(seen(a)).toEqual(Array.from({ length: 3 }, () => ["same", "a/1", "timeout=5"]));
    expect(seen(b)).toEqual(Array.from({ length: 3 }, () => ["same", "b/2", "timeout=7"]));
  });
});
