// pause(): a callback stops the current push; the caller re-pushes the remainder later.
// Whatever callback pauses, the events must be the same as an unpaused run (the idea of
// nodejs/llhttp test/request/pausing.md and test/response/pausing.md: pause on every
// callback kind, resume, compare).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createParser } from "@k/parser";
import type { Parser } from "@k/parser";
import { formatFields, formatHead, runChunks } from "./harness.ts";

const messages = [
  "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n",
  "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
  "PUT /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n",
  "GET /4 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
];
const pipeline = Buffer.from(messages.join(""), "latin1");
/** Stream offsets where each message ends. */
const boundaries = messages.map((_, i) => messages.slice(0, i + 1).join("").length);

type PauseAt = "onHead" | "onBody" | "onComplete" | ((callback: string) => boolean);

/** Runs `bytes` pausing in every `pauseAt` callback; returns the log and the push results. */
/** `resume`: how the rest is pushed after a pause: a view of it, or the same array from an offset. */
function runPaused(
  bytes: Uint8Array,
  pauseAt: PauseAt,
  chunkSize = bytes.length,
  resume: "view" | "offset" = "view",
): { log: string[]; stops: number[] } {
  const log: string[] = [];
  let body: string | null = null;
  const flush = (): void => {
    if (body !== null) log.push(`body ${body}`);
    body = null;
  };
  const stops: number[] = [];
  let consumedTotal = 0;
  const parser: Parser = createParser("request", {
    onHead(head) {
      flush();
      log.push(formatHead("request", head));
      if (pauseAt === "onHead" || (typeof pauseAt === "function" && pauseAt("onHead"))) parser.pause();
    },
    onBody(b) {
      body = (body ?? "") + Buffer.from(b).toString("latin1");
      if (pauseAt === "onBody" || (typeof pauseAt === "function" && pauseAt("onBody"))) parser.pause();
    },
    onComplete(trailers) {
      flush();
      log.push(`complete ${formatFields(trailers)}`);
      if (pauseAt === "onComplete" || (typeof pauseAt === "function" && pauseAt("onComplete"))) parser.pause();
    },
  });
  for (let from = 0; from < bytes.length; from += chunkSize) {
    let rest = bytes.subarray(from, Math.min(bytes.length, from + chunkSize));
    const chunk = rest;
    let offset = 0;
    let guard = 0;
    while (rest.length > 0) {
      const used = resume === "view" ? parser.push(rest) : parser.push(chunk, offset);
      expect(used).toBeGreaterThanOrEqual(0);
      expect(used).toBeLessThanOrEqual(rest.length);
      consumedTotal += used;
      if (used < rest.length) stops.push(consumedTotal);
      offset += used;
      rest = rest.subarray(used);
      // A paused push that consumes nothing and is never resumed would loop forever.
      if (++guard > 10_000) throw new Error("push made no progress");
    }
  }
  // A pause in the last callbacks may leave events pending with no bytes left to push:
  // an empty push resumes the parser.
  parser.push(new Uint8Array(0));
  parser.finish();
  flush();
  return { log, stops };
}

describe("pause()", () => {
  const unpaused = runChunks("request", [pipeline]);

  it("stops at the end of each message when called from onComplete, and resuming gives the same log", () => {
    const { log, stops } = runPaused(pipeline, "onComplete");
    expect(log).toEqual(unpaused);
    // The push returns right after each message; the last one ends the input anyway.
    expect(stops).toEqual(boundaries.slice(0, -1));
  });

  it("gives the same log when called from every onHead", () => {
    const { log, stops } = runPaused(pipeline, "onHead");
    expect(log).toEqual(unpaused);
    expect(stops.length).toBeGreaterThanOrEqual(3);
  });

  it("gives the same log when called from every onBody", () => {
    expect(runPaused(pipeline, "onBody").log).toEqual(unpaused);
  });

  it("gives the same log when pausing in pieces of every size from 1 to 9 bytes", () => {
    for (let size = 1; size < 10; size++) {
      for (const at of ["onHead", "onBody", "onComplete"] as const) {
        expect(runPaused(pipeline, at, size).log, `${at} / ${size}`).toEqual(unpaused);
      }
    }
  });

  it("leaves the paused remainder unread until it is pushed again", () => {
    const heads: string[] = [];
    const parser: Parser = createParser("request", {
      onHead(h) {
        heads.push(h.target);
      },
      onBody() {},
      onComplete() {
        parser.pause();
      },
    });
    const used = parser.push(pipeline);
    expect(used).toBe(boundaries[0]);
    expect(heads).toEqual(["/1"]);
    expect(parser.push(pipeline.subarray(used))).toBe(boundaries[1]! - boundaries[0]!);
    expect(heads).toEqual(["/1", "/2"]);
  });

  it("gives the same log for random pauses in random callbacks at random piece sizes", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 32 }), fc.integer({ min: 1, max: 64 }), (decisions, size) => {
        let k = 0;
        const decide = (): boolean => decisions[k++ % decisions.length]!;
        expect(runPaused(pipeline, decide, size).log).toEqual(unpaused);
      }),
      { numRuns: 200 },
    );
  });

  it("gives the same log and stops when the rest is pushed as the same array from an offset", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 32 }), fc.integer({ min: 1, max: 200 }), (decisions, size) => {
        let k = 0;
        const decide = (): boolean => decisions[k++ % decisions.length]!;
        const byView = runPaused(pipeline, decide, size, "view");
        k = 0;
        expect(runPaused(pipeline, decide, size, "offset")).toEqual(byView);
        expect(byView.log).toEqual(unpaused);
      }),
      { numRuns: 200 },
    );
  });

  it("reports an error's stream offset the same whether the rest came as a view or from an offset", () => {
    // Three good heads, then a bad header name: the offset must count from the stream's start.
    const bad = Buffer.from(messages[0]!.repeat(3) + "GET /5 HTTP/1.1\r\nHo st: a\r\n\r\n", "latin1");
    const failAt = (resume: "view" | "offset"): unknown => {
      try {
        runPaused(bad, "onComplete", bad.length, resume);
      } catch (error) {
        return { code: (error as { code?: string }).code, offset: (error as { offset?: number }).offset };
      }
      return null;
    };
    const byView = failAt("view");
    expect(byView).toEqual({ code: "INVALID_HEADER_NAME", offset: expect.any(Number) });
    expect(failAt("offset")).toEqual(byView);
  });

  it("refuses a start that is not an index into the bytes", () => {
    const parser = createParser("request", { onHead() {}, onBody() {}, onComplete() {} });
    const get = Buffer.from(messages[0]!, "latin1");
    for (const start of [-1, 1.5, get.length + 1, Number.NaN]) expect(() => parser.push(get, start)).toThrow(RangeError);
    expect(parser.push(get, get.length)).toBe(0);
    expect(parser.push(get, 0)).toBe(get.length);
  });

  it("delivers a paused bodiless message's onComplete on the next push, even an empty one", () => {
    const events: string[] = [];
    const parser: Parser = createParser("request", {
      onHead(h) {
        events.push(`head ${h.target}`);
        parser.pause();
      },
      onBody() {},
      onComplete() {
        events.push("complete");
      },
    });
    const get = Buffer.from("GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(parser.push(get)).toBe(get.length);
    expect(events).toEqual(["head /x"]);
    expect(parser.push(new Uint8Array(0))).toBe(0);
    expect(events).toEqual(["head /x", "complete"]);
  });

  it("runs callbacks that a pause left pending when finish() is called", () => {
    const events: string[] = [];
    const parser: Parser = createParser("request", {
      onHead(h) {
        events.push(`head ${h.target}`);
        parser.pause();
      },
      onBody() {},
      onComplete() {
        events.push("complete");
      },
    });
    parser.push(Buffer.from("GET /y HTTP/1.1\r\nHost: a\r\n\r\n"));
    parser.finish();
    expect(events).toEqual(["head /y", "complete"]);
  });

  it("hands an upgrading server the new protocol's bytes when it pauses in onComplete", () => {
    let upgrade = false;
    const parser: Parser = createParser("request", {
      onHead(h) {
        upgrade = h.upgrade;
      },
      onBody() {},
      onComplete() {
        if (upgrade) parser.pause();
      },
    });
    const head = "GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
    const wire = Buffer.from(`${head}\x81\x05hello`, "latin1");
    const used = parser.push(wire);
    expect(upgrade).toBe(true);
    expect(used).toBe(head.length);
    expect(wire.subarray(used).toString("latin1")).toBe("\x81\x05hello");
  });
});
