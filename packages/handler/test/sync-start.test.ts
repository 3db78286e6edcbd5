// Components of requests that find the queue empty start synchronously when the parser pump
// returns; a chain of such starts inside earlier components' runs must not grow the stack.
import { describe, expect, it } from "vitest";
import { connect, get, readResponses, until } from "./helpers.ts";

describe("synchronous start", () => {
  it("answers requests buffered behind an unread body in order, at a flat stack depth", async () => {
    const depths: number[] = [];
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = Infinity;
    try {
      const h = connect({
        handler: (req) => {
          // The first component answers later without reading its body.
          if (req.path === "/slow") return new Promise((resolve) => setImmediate(() => resolve({ status: 200, body: "slow" })));
          depths.push((new Error().stack ?? "").split("\n").length);
          return { status: 200, body: req.path };
        },
      });
      const n = 300;
      // The body comes in three reads: the queue fills and reading pauses, so the requests
      // after it wait as buffered input and are read from inside the finishing components.
      h.transport.send(Buffer.from("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nab"));
      h.transport.send(Buffer.from("cd"));
      let rest = "ef";
      for (let i = 0; i < n; i++) rest += get(`/${i}`);
      h.transport.send(Buffer.from(rest));
      await until(() => readResponses(h.transport.output()).responses.length === n + 1);
      expect(readResponses(h.transport.output()).responses.map((r) => r.text)).toEqual([
        "slow",
        ...Array.from({ length: n }, (_, i) => `/${i}`),
      ]);
      expect(depths.length).toBe(n);
      expect(Math.max(...depths) - Math.min(...depths)).toBeLessThan(40);
    } finally {
      Error.stackTraceLimit = limit;
    }
  });
});
