// The one conformance suite for the Framer interface, run against every strategy (built-in
// and user-written) by strategies.test.ts. Bytes are checked by decoding them with
// @k/parser, so the suite asserts what a client sees, not how a strategy spells it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Utf8StreamEncoder, isFramingError } from "@k/framing";
import type { FramerContext, FramerFactory, HeaderInit, HttpVersion } from "@k/framing";
import { decodeResponse, headerValues } from "./support/decode.ts";
import type { DecodedResponse } from "./support/decode.ts";
import { RecordingSink } from "./support/sink.ts";

export interface StrategyUnderTest {
  factory: FramerFactory;
  /** The client version the strategy is used for. */
  version: HttpVersion;
  /** True when the strategy is given the body length (and must enforce it). */
  usesLength: boolean;
  /** True when the body ends when the connection closes. */
  closeDelimited: boolean;
  /** True when the strategy holds the body until end() (so write() never sees a full sink). */
  buffersBody: boolean;
  /** Checks the framing fields of a head that carries a body of `length` bytes. */
  expectFraming(decoded: DecodedResponse, length: number): void;
}

const HEADERS: HeaderInit = { "Content-Type": "text/plain; charset=utf-8", "X-Multi": ["a", "b"] };

function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isFramingError(caught), `expected a FramingError ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
}

export function runFramerConformance(label: string, strategy: StrategyUnderTest): void {
  const { factory, version } = strategy;
  // A skipped case says why in its title.
  const lengthCase = (title: string) =>
    strategy.usesLength ? title : `${title} (skipped: ${label} announces no length)`;

  function context(bodyLength: number, over: Partial<FramerContext> = {}): FramerContext {
    return {
      head: { status: 200, headers: HEADERS },
      request: { method: "GET", version },
      length: strategy.usesLength ? bodyLength : -1,
      noBody: false,
      ...over,
    };
  }

  function decode(sink: RecordingSink, head = false): DecodedResponse {
    return decodeResponse(sink.bytes(), { head, eof: strategy.closeDelimited && !head });
  }

  function roundTrip(parts: readonly Uint8Array[], first?: Uint8Array): { sink: RecordingSink; decoded: DecodedResponse } {
    const total = parts.reduce((n, p) => n + p.length, first?.length ?? 0);
    const sink = new RecordingSink();
    const framer = factory.create(sink, context(total));
    framer.start(first);
    for (const part of parts) framer.write(part);
    framer.end();
    const decoded = decode(sink);
    expect(decoded.complete).toBe(true);
    expect(decoded.status).toBe(200);
    expect(decoded.reason).toBe("OK");
    expect(decoded.version).toBe("1.1");
    expect(headerValues(decoded.headers, "content-type")).toEqual(["text/plain; charset=utf-8"]);
    expect(headerValues(decoded.headers, "x-multi")).toEqual(["a", "b"]);
    strategy.expectFraming(decoded, total);
    return { sink, decoded };
  }

  describe(`Framer conformance: ${label}`, () => {
    it("frames an empty body", () => {
      const { decoded } = roundTrip([]);
      expect(decoded.body.length).toBe(0);
    });

    it("frames a body given whole to start()", () => {
      const { decoded } = roundTrip([], Buffer.from("Hello, World!"));
      expect(decoded.body.toString()).toBe("Hello, World!");
    });

    it("frames a body written as one part", () => {
      const { decoded } = roundTrip([Buffer.from("Hello, World!")]);
      expect(decoded.body.toString()).toBe("Hello, World!");
    });

    it("frames a body written as many parts of different sizes, in order", () => {
      const parts: Uint8Array[] = [];
      for (let i = 0; i < 40; i++) parts.push(Buffer.alloc(i * 97 + 1, 65 + (i % 26)));
      parts.push(Buffer.alloc(70_000, 0x7a));
      const { decoded } = roundTrip(parts, Buffer.from("first:"));
      expect(decoded.body.equals(Buffer.concat([Buffer.from("first:"), ...parts]))).toBe(true);
    });

    it("frames any sequence of parts, empty ones included, as their concatenation", () => {
      fc.assert(
        fc.property(fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }), fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }), (first, parts) => {
          const { decoded } = roundTrip(parts, first);
          expect(decoded.body.equals(Buffer.concat([first ?? new Uint8Array(0), ...parts]))).toBe(true);
        }),
        { numRuns: 150 },
      );
    });

    it("writes nothing for a zero-length part and does not end the body early", () => {
      const sink = new RecordingSink();
      const body = [Buffer.from("ab"), Buffer.alloc(0), Buffer.from("cd"), new Uint8Array(0)];
      const framer = factory.create(sink, context(4));
      framer.start(new Uint8Array(0));
      const before = sink.writes.length;
      expect(framer.write(new Uint8Array(0))).toBe(true);
      expect(sink.writes.length).toBe(before);
      for (const part of body) {
        const count = sink.writes.length;
        framer.write(part);
        if (part.length === 0) expect(sink.writes.length).toBe(count);
      }
      framer.end();
      const decoded = decode(sink);
      expect(decoded.complete).toBe(true);
      expect(decoded.body.toString()).toBe("abcd");
    });

    it("carries text with surrogate pairs split across parts through the UTF-8 encoder", () => {
      const text = "a\u{1F600}b\u20AC\u{10348}\u00E9\u{1F600}";
      const total = Buffer.byteLength(text);
      // Every split point, including those between the halves of a surrogate pair.
      for (let cut = 0; cut <= text.length; cut++) {
        const sink = new RecordingSink();
        const encoder = new Utf8StreamEncoder();
        const framer = factory.create(sink, context(total));
        framer.start();
        framer.write(encoder.encode(text.slice(0, cut)));
        framer.write(encoder.encode(text.slice(cut)));
        framer.write(encoder.end());
        framer.end();
        expect(decode(sink).body.toString("utf8")).toBe(text);
      }
    });

    it("puts the whole head and the first part in the first sink write", () => {
      const sink = new RecordingSink();
      const framer = factory.create(sink, context(13));
      framer.start(Buffer.from("Hello, World!"));
      framer.end();
      const first = decodeResponse(sink.writes[0] as Uint8Array, { eof: strategy.closeDelimited });
      expect(first.status).toBe(200);
      expect(first.body.toString()).toBe("Hello, World!");
    });

    it("throws WRITE_AFTER_END for a second end() and writes nothing", () => {
      const sink = new RecordingSink();
      const framer = factory.create(sink, context(2));
      framer.start(Buffer.from("ok"));
      framer.end();
      const count = sink.writes.length;
      expectCode(() => framer.end(), "WRITE_AFTER_END");
      expect(sink.writes.length).toBe(count);
    });

    it("throws WRITE_AFTER_END for a write after end() and writes nothing", () => {
      const sink = new RecordingSink();
      const framer = factory.create(sink, context(2));
      framer.start(Buffer.from("ok"));
      framer.end();
      const count = sink.writes.length;
      expectCode(() => framer.write(Buffer.from("more")), "WRITE_AFTER_END");
      expect(sink.writes.length).toBe(count);
    });

    it("throws INVALID_STATE for a write before start() and for a second start()", () => {
      const sink = new RecordingSink();
      const framer = factory.create(sink, context(2));
      expectCode(() => framer.write(Buffer.from("ok")), "INVALID_STATE");
      expectCode(() => framer.end(), "INVALID_STATE");
      framer.start();
      expectCode(() => framer.start(), "INVALID_STATE");
      framer.write(Buffer.from("ok"));
      framer.end();
      expect(decode(sink).body.toString()).toBe("ok");
    });

    it.skipIf(!strategy.usesLength)(lengthCase("throws LENGTH_MISMATCH before writing more bytes than announced"), () => {
      const sink = new RecordingSink();
      const framer = factory.create(sink, context(5));
      framer.start(Buffer.from("abc"));
      const count = sink.writes.length;
      expectCode(() => framer.write(Buffer.from("def")), "LENGTH_MISMATCH");
      expect(sink.writes.length).toBe(count);
      // The overlong part was refused whole; a fitting one still goes through.
      framer.write(Buffer.from("de"));
      framer.end();
      expect(decode(sink).body.toString()).toBe("abcde");
    });

    it.skipIf(!strategy.usesLength)(lengthCase("throws LENGTH_MISMATCH for a first part longer than announced"), () => {
      const sink = new RecordingSink();
      const framer = factory.create(sink, context(2));
      expectCode(() => framer.start(Buffer.from("abc")), "LENGTH_MISMATCH");
      expect(sink.writes.length).toBe(0);
    });

    it.skipIf(!strategy.usesLength)(lengthCase("throws LENGTH_MISMATCH at end() when fewer bytes came than announced"), () => {
      const sink = new RecordingSink();
      const framer = factory.create(sink, context(5));
      framer.start(Buffer.from("abc"));
      expectCode(() => framer.end(), "LENGTH_MISMATCH");
    });

    it("writes only the head for HEAD, keeps the GET length and drops body parts", () => {
      const sink = new RecordingSink();
      const framer = factory.create(sink, {
        head: { status: 200, headers: HEADERS },
        request: { method: "HEAD", version },
        length: 13,
        noBody: true,
      });
      framer.start(Buffer.from("Hello, "));
      expect(framer.write(Buffer.from("World!"))).toBe(true);
      framer.end();
      expect(sink.writes.length).toBe(1);
      const text = sink.text();
      expect(text.indexOf("\r\n\r\n")).toBe(text.length - 4);
      const decoded = decodeResponse(sink.bytes(), { head: true });
      expect(decoded.complete).toBe(true);
      expect(headerValues(decoded.headers, "content-length")).toEqual(["13"]);
      expect(headerValues(decoded.headers, "transfer-encoding")).toEqual([]);
      expect(framer.closeConnection).toBe(false);
    });

    it("writes a 204 head without Content-Length or Transfer-Encoding and refuses body bytes", () => {
      const sink = new RecordingSink();
      const framer = factory.create(sink, {
        head: { status: 204, headers: { "Content-Length": "0", "X-A": "1" } },
        request: { method: "GET", version },
        length: -1,
        noBody: true,
      });
      framer.start();
      expectCode(() => framer.write(Buffer.from("x")), "ILLEGAL_FRAMING");
      expect(framer.write(new Uint8Array(0))).toBe(true);
      framer.end();
      expect(sink.text()).toBe("HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n");
    });

    it("writes a 304 head with the representation's Content-Length and refuses body bytes", () => {
      const sink = new RecordingSink();
      const framer = factory.create(sink, {
        head: { status: 304, headers: { ETag: '"x"' } },
        request: { method: "GET", version },
        length: 13,
        noBody: true,
      });
      expectCode(() => framer.start(Buffer.from("x")), "ILLEGAL_FRAMING");
      expect(sink.writes.length).toBe(0);
      framer.start();
      expectCode(() => framer.write(Buffer.from("x")), "ILLEGAL_FRAMING");
      framer.end();
      const decoded = decodeResponse(sink.bytes());
      expect(decoded.status).toBe(304);
      expect(decoded.complete).toBe(true);
      expect(headerValues(decoded.headers, "content-length")).toEqual(["13"]);
      expect(decoded.body.length).toBe(0);
    });

    it("throws ABORTED with the reason as cause for every call after abort(), writing nothing", () => {
      const sink = new RecordingSink();
      const framer = factory.create(sink, context(10));
      framer.start(Buffer.from("abc"));
      const count = sink.writes.length;
      const reason = new Error("client went away");
      framer.abort(reason);
      framer.abort(new Error("again"));
      for (const call of [() => framer.write(Buffer.from("d")), () => framer.end(), () => framer.start()]) {
        let caught: unknown;
        try {
          call();
        } catch (error) {
          caught = error;
        }
        expect(isFramingError(caught) && caught.code).toBe("ABORTED");
        expect((caught as Error).cause).toBe(reason);
      }
      expect(sink.writes.length).toBe(count);
    });

    it("refuses a head with an injected header line and writes nothing", () => {
      for (const headers of [{ "X-A": "1\r\nSet-Cookie: x=1" }, { "X\nB": "1" }, { "X-A": "a\0b" }, { "X A": "1" }]) {
        const sink = new RecordingSink();
        const framer = factory.create(sink, { ...context(0), head: { status: 200, headers } });
        let caught: unknown;
        try {
          framer.start();
          framer.end();
        } catch (error) {
          caught = error;
        }
        expect(isFramingError(caught) && caught.code).toBe("INVALID_HEADER");
        expect(sink.writes.length).toBe(0);
      }
    });

    it("never repeats or contradicts its framing with the handler's Content-Length or Transfer-Encoding", () => {
      const sink = new RecordingSink();
      const framer = factory.create(sink, {
        ...context(2),
        head: { status: 200, headers: [["Content-Length", "999"], ["Transfer-Encoding", "gzip"], ["X-A", "1"]] },
      });
      framer.start(Buffer.from("ok"));
      framer.end();
      const decoded = decode(sink);
      strategy.expectFraming(decoded, 2);
      expect(headerValues(decoded.headers, "content-length").length + headerValues(decoded.headers, "transfer-encoding").length).toBeLessThanOrEqual(1);
      expect(decoded.body.toString()).toBe("ok");
    });

    it("passes the sink's backpressure signal back from write()", () => {
      const sink = new RecordingSink();
      const framer = factory.create(sink, context(6));
      framer.start(Buffer.from("ab"));
      sink.full = true;
      const full = framer.write(Buffer.from("cd"));
      sink.full = false;
      const free = framer.write(Buffer.from("ef"));
      framer.end();
      // A buffering strategy writes nothing until end(), so it never reports a full sink.
      expect(full).toBe(strategy.buffersBody);
      expect(free).toBe(true);
      expect(decode(sink).body.toString()).toBe("abcdef");
    });
  });
}
