// Whatever bytes arrive and whatever the components do, the connection never throws into
// its transport, never writes after closing, always ends up closed once the peer is gone,
// and everything it wrote (unless it had to destroy the connection) parses as responses.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HttpRequest, RequestHandler } from "@k/handler";
import { createParser } from "@k/parser";
import { connect, tick } from "./helpers.ts";

// Requests from a small grammar (mostly valid, so components run), plus garbage lines.
const request = fc
  .record({
    line: fc.constantFrom("GET / HTTP/1.1", "POST /p HTTP/1.1", "PUT /u HTTP/1.1", "GET /x HTTP/1.0", "POST /y HTTP/1.0", "GET  / HTTP/1.1"),
    host: fc.constantFrom("Host: a\r\n", "Host: a\r\n", "", "Host: bad host\r\n"),
    extra: fc.subarray(["Expect: 100-continue\r\n", "Connection: close\r\n", "Connection: keep-alive\r\n", "X-A: 1\r\n"]),
    body: fc.constantFrom("", "cl", "cl", "chunked", "short"),
  })
  .map(({ line, host, extra, body }) => {
    let head = `${line}\r\n${host}${extra.join("")}`;
    if (body === "cl") return `${head}Content-Length: 3\r\n\r\nabc`;
    if (body === "short") return `${head}Content-Length: 30\r\n\r\nabc`;
    if (body === "chunked") return `${head}Transfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n`;
    return `${head}\r\n`;
  });
const input = fc.array(fc.oneof({ weight: 8, arbitrary: request }, { weight: 1, arbitrary: fc.constantFrom("\n", "\x00", "GET", "3\r\n") }), {
  maxLength: 6,
});

const behaviours: RequestHandler[] = [
  (req) => ({ status: 200, body: req.path }),
  async (req) => ({ status: 200, body: await req.text() }),
  async function* (req: HttpRequest) {
    yield { status: 200 };
    for await (const chunk of req.body) yield chunk;
  },
  () => {
    throw new Error("boom");
  },
  async function* () {
    yield { status: 200 };
    yield "partial";
    throw new Error("late");
  },
];

describe("arbitrary input", () => {
  it("never throws, never writes after close, and writes only parseable responses", async () => {
    await fc.assert(
      fc.asyncProperty(
        input,
        fc.array(fc.integer({ min: 0, max: behaviours.length - 1 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 6 }),
        async (fragments, picks, cuts) => {
          let n = 0;
          const h = connect({
            handler: (req) => behaviours[picks[n++ % picks.length]!]!(req),
            maxDrainSize: 16,
          });
          const bytes = Buffer.from(fragments.join(""), "latin1");
          let at = 0;
          for (const cut of cuts) {
            h.transport.send(bytes.subarray(at, at + cut));
            at += cut;
            await tick();
          }
          h.transport.send(bytes.subarray(at));
          for (let i = 0; i < 5; i++) await tick();
          h.transport.sendEnd();
          for (let i = 0; i < 20 && !h.transport.ended && !h.transport.destroyed; i++) await tick();
          const destroyedByUs = h.transport.destroyed;
          const ended = h.transport.ended;
          if (!ended && !destroyedByUs) {
            // A component may still wait for a body that never comes: the peer going away ends it.
            h.transport.hangUp();
          }
          expect(h.transport.writesAfterClose).toBe(0);
          if (!destroyedByUs) {
            const parser = createParser("response", { onHead: (head) => head.status < 200 || undefined, onBody() {}, onComplete() {} });
            parser.push(h.transport.output());
            // Ended by us: every response is complete (or close-delimited, which finish ends).
            if (ended) parser.finish();
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
