// Strategy-specific facts, as golden bytes: what each built-in framer writes and in how
// many sink writes.
import { describe, expect, it } from "vitest";
import {
  CHUNK_COPY_LIMIT,
  chunkedFraming,
  closeFraming,
  contentLengthFraming,
  isFramingError,
  noBodyFraming,
} from "@k/framing";
import type { FramerContext, HeaderInit } from "@k/framing";
import { RecordingSink } from "./support/sink.ts";

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");

function context(over: Partial<FramerContext> = {}, head: FramerContext["head"] = { status: 200 }): FramerContext {
  return { head, request: { method: "GET", version: "1.1" }, length: -1, noBody: false, ...over };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isFramingError(error) ? error.code : `not a FramingError: ${String(error)}`;
  }
  return undefined;
}

describe("content-length framing", () => {
  it("writes head and whole body in exactly one sink write", () => {
    const sink = new RecordingSink();
    const framer = contentLengthFraming.create(sink, context({ length: 13 }, { status: 200, headers: { "Content-Type": "text/plain" } }));
    framer.start(Buffer.from("Hello, World!"));
    framer.end();
    expect(sink.writes.map(latin1)).toEqual(["HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"]);
  });

  it("passes later parts to the sink unchanged and uncopied", () => {
    const seen: Uint8Array[] = [];
    const framer = contentLengthFraming.create({ write: (b) => (seen.push(b), true) }, context({ length: 4 }));
    const part = Buffer.from("abcd");
    framer.start();
    framer.write(part);
    expect(seen[1]).toBe(part);
  });

  it("refuses to be created without a known length", () => {
    expect(codeOf(() => contentLengthFraming.create(new RecordingSink(), context()))).toBe("ILLEGAL_FRAMING");
  });

  it("refuses trailers, which it cannot send", () => {
    const framer = contentLengthFraming.create(new RecordingSink(), context({ length: 0 }));
    framer.start();
    expect(codeOf(() => framer.end({ "X-Checksum": "1" }))).toBe("ILLEGAL_FRAMING");
    expect(framer.end({})).toBe(true);
  });
});

describe("chunked framing", () => {
  it("writes head and first chunk in one write, a chunk per part, and the last chunk", () => {
    const sink = new RecordingSink();
    const framer = chunkedFraming.create(sink, context());
    framer.start(Buffer.from("Hello"));
    framer.write(Buffer.alloc(26, 0x61));
    framer.end();
    expect(sink.writes.map(latin1)).toEqual([
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nHello\r\n",
      `1a\r\n${"a".repeat(26)}\r\n`,
      "0\r\n\r\n",
    ]);
  });

  it("writes a head without a chunk for an empty first part", () => {
    const sink = new RecordingSink();
    chunkedFraming.create(sink, context()).start(new Uint8Array(0));
    expect(sink.writes.map(latin1)).toEqual(["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"]);
  });

  it("copies parts up to CHUNK_COPY_LIMIT into one write and sends larger ones as size line, data, CRLF", () => {
    const seen: Uint8Array[] = [];
    const framer = chunkedFraming.create({ write: (b) => (seen.push(b), true) }, context());
    framer.start();
    const small = Buffer.alloc(CHUNK_COPY_LIMIT, 1);
    const large = Buffer.alloc(CHUNK_COPY_LIMIT + 1, 2);
    framer.write(small);
    expect(seen.length).toBe(2);
    framer.write(large);
    expect(seen.length).toBe(5);
    expect(latin1(seen[2] as Uint8Array)).toBe(`${(CHUNK_COPY_LIMIT + 1).toString(16)}\r\n`);
    expect(seen[3]).toBe(large);
    expect(latin1(seen[4] as Uint8Array)).toBe("\r\n");
  });

  it("hands a sink that gathers its writes every chunk as size line, the part itself and CRLF", () => {
    const seen: Uint8Array[] = [];
    const framer = chunkedFraming.create({ write: (b) => (seen.push(b), true), gathers: true }, context());
    framer.start();
    const small = Buffer.from("hello");
    const medium = Buffer.alloc(4096, 7);
    framer.write(small);
    framer.write(medium);
    framer.write(Buffer.from("hello"));
    expect(seen.length).toBe(10);
    expect(seen.slice(1, 7).map((b, i) => (i % 3 === 1 ? b : latin1(b)))).toEqual(["5\r\n", small, "\r\n", "1000\r\n", medium, "\r\n"]);
    expect(seen[2]).toBe(small);
    expect(seen[5]).toBe(medium);
    expect(latin1(seen[7] as Uint8Array)).toBe("5\r\n");
    framer.end();
    expect(Buffer.concat(seen.slice(1)).toString("latin1")).toBe(
      `5\r\nhello\r\n1000\r\n${"\x07".repeat(4096)}\r\n5\r\nhello\r\n0\r\n\r\n`,
    );
  });

  it("reports a full sink when any of a large chunk's three writes does", () => {
    let calls = 0;
    const framer = chunkedFraming.create({ write: () => ++calls !== 2 }, context());
    framer.start();
    expect(framer.write(Buffer.alloc(CHUNK_COPY_LIMIT + 1))).toBe(false);
  });

  it("writes trailer fields after the last chunk", () => {
    const sink = new RecordingSink();
    const framer = chunkedFraming.create(sink, context());
    framer.start(Buffer.from("x"));
    framer.end([["X-Checksum", "abc"], ["Server-Timing", "db;dur=5"]]);
    expect(latin1(sink.writes[1] as Uint8Array)).toBe("0\r\nX-Checksum: abc\r\nServer-Timing: db;dur=5\r\n\r\n");
  });

  it("writes the plain last chunk for empty trailers", () => {
    const sink = new RecordingSink();
    const framer = chunkedFraming.create(sink, context());
    framer.start();
    framer.end({});
    expect(latin1(sink.writes[1] as Uint8Array)).toBe("0\r\n\r\n");
  });

  const forbidden: [string, HeaderInit][] = [
    ["Content-Length", { "Content-Length": "5" }],
    ["Transfer-Encoding", { "transfer-encoding": "chunked" }],
    ["Host", { Host: "example.com" }],
    ["Trailer", { Trailer: "X" }],
    ["Set-Cookie", { "Set-Cookie": "a=1" }],
  ];
  for (const [name, trailers] of forbidden) {
    it(`refuses ${name} in trailers (RFC 9110 §6.5.1) and writes nothing`, () => {
      const sink = new RecordingSink();
      const framer = chunkedFraming.create(sink, context());
      framer.start();
      expect(codeOf(() => framer.end(trailers))).toBe("INVALID_HEADER");
      expect(sink.writes.length).toBe(1);
      // Still open: the handler can end it properly or abort.
      framer.end();
      expect(sink.writes.length).toBe(2);
    });
  }

  it("refuses an injected trailer line", () => {
    const framer = chunkedFraming.create(new RecordingSink(), context());
    framer.start();
    expect(codeOf(() => framer.end({ "X-A": "1\r\n\r\nHTTP/1.1 200 OK" }))).toBe("INVALID_HEADER");
  });

  it("refuses an HTTP/1.0 client (RFC 9112 §6.1)", () => {
    expect(codeOf(() => chunkedFraming.create(new RecordingSink(), context({ request: { method: "GET", version: "1.0" } })))).toBe(
      "ILLEGAL_FRAMING",
    );
  });
});

describe("close framing", () => {
  it("replaces the handler's Connection with close and passes bytes as they come", () => {
    const sink = new RecordingSink();
    const framer = closeFraming.create(sink, context({}, { status: 200, headers: { Connection: "keep-alive", "X-A": "1" } }));
    expect(framer.closeConnection).toBe(true);
    framer.start(Buffer.from("ab"));
    framer.write(Buffer.from("cd"));
    expect(framer.end()).toBe(true);
    expect(sink.writes.map(latin1)).toEqual(["HTTP/1.1 200 OK\r\nX-A: 1\r\nConnection: close\r\n\r\nab", "cd"]);
  });

  it("refuses trailers, which it cannot send", () => {
    const framer = closeFraming.create(new RecordingSink(), context());
    framer.start();
    expect(codeOf(() => framer.end({ "X-A": "1" }))).toBe("ILLEGAL_FRAMING");
  });
});

describe("none framing", () => {
  it("writes a 1xx head with its fields and nothing else", () => {
    const sink = new RecordingSink();
    const framer = noBodyFraming.create(sink, context({ noBody: true, length: 5 }, { status: 103, headers: { Link: "</s.css>; rel=preload" } }));
    framer.start();
    framer.end();
    expect(sink.writes.map(latin1)).toEqual(["HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"]);
  });

  it("writes a HEAD head without Content-Length when the length is unknown", () => {
    const sink = new RecordingSink();
    const framer = noBodyFraming.create(sink, context({ noBody: true, request: { method: "HEAD", version: "1.1" } }));
    framer.start(Buffer.from("dropped"));
    framer.write(Buffer.from("dropped too"));
    framer.end({ "X-Dropped": "trailer" });
    expect(sink.text()).toBe("HTTP/1.1 200 OK\r\n\r\n");
  });

  it("refuses trailers on a 204", () => {
    const framer = noBodyFraming.create(new RecordingSink(), context({ noBody: true }, { status: 204 }));
    framer.start();
    expect(codeOf(() => framer.end({ "X-A": "1" }))).toBe("ILLEGAL_FRAMING");
  });

  it("refuses a response that may carry a body", () => {
    expect(codeOf(() => noBodyFraming.create(new RecordingSink(), context()))).toBe("ILLEGAL_FRAMING");
  });

  it("says Content-Length: 0 when told a body-capable response has no body", () => {
    const sink = new RecordingSink();
    const framer = closeFraming.create(sink, context({ noBody: true }));
    expect(framer.closeConnection).toBe(false);
    framer.start();
    framer.end();
    expect(sink.text()).toBe("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  });
});
