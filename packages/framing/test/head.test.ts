// Head serialisation: golden bytes, validation (no header injection), status and reason.
import { describe, expect, it } from "vitest";
import { CONTINUE_100, CRLF, LAST_CHUNK, LAST_CHUNK_LINE, isFramingError, serializeHead, statusReason } from "@k/framing";
import type { HeaderInit } from "@k/framing";

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isFramingError(error) ? error.code : `not a FramingError: ${String(error)}`;
  }
  return undefined;
}

describe("serializeHead", () => {
  it("writes the status line, the fields in order and the empty line", () => {
    const head = serializeHead(200, undefined, [["Content-Type", "text/plain"], ["X-N", 5]], [["Content-Length", 13]]);
    expect(text(head)).toBe("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-N: 5\r\nContent-Length: 13\r\n\r\n");
  });

  it("writes each value of an array as its own line", () => {
    const head = serializeHead(200, undefined, { "Set-Cookie": ["a=1", "b=2"], Vary: "Accept" });
    expect(text(head)).toBe("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nVary: Accept\r\n\r\n");
  });

  it("skips undefined record values", () => {
    expect(text(serializeHead(200, undefined, { A: undefined, B: "1" }))).toBe("HTTP/1.1 200 OK\r\nB: 1\r\n\r\n");
  });

  it("takes a web Headers object and a Map", () => {
    const web = new Headers({ "x-a": "1" });
    expect(text(serializeHead(204, undefined, web))).toBe("HTTP/1.1 204 No Content\r\nx-a: 1\r\n\r\n");
    expect(text(serializeHead(204, undefined, new Map([["X-B", "2"]])))).toBe("HTTP/1.1 204 No Content\r\nX-B: 2\r\n\r\n");
  });

  it("always writes HTTP/1.1 and a custom reason when given", () => {
    expect(text(serializeHead(599, "Custom Thing", undefined))).toBe("HTTP/1.1 599 Custom Thing\r\n\r\n");
    expect(text(serializeHead(299, undefined, undefined))).toBe("HTTP/1.1 299 \r\n\r\n");
    expect(text(serializeHead(200, "", undefined))).toBe("HTTP/1.1 200 \r\n\r\n");
  });

  it("drops the handler's Content-Length and Transfer-Encoding whatever their case", () => {
    const head = serializeHead(200, undefined, [["content-LENGTH", "1"], ["Transfer-encoding", "chunked"], ["X", "y"]], [["Content-Length", 2]]);
    expect(text(head)).toBe("HTTP/1.1 200 OK\r\nX: y\r\nContent-Length: 2\r\n\r\n");
  });

  it("replaces a handler field that the framing fields name", () => {
    const head = serializeHead(200, undefined, { connection: "keep-alive", A: "1" }, [["Connection", "close"]]);
    expect(text(head)).toBe("HTTP/1.1 200 OK\r\nA: 1\r\nConnection: close\r\n\r\n");
  });

  it("writes latin1 values byte for byte", () => {
    const head = serializeHead(200, undefined, { "X-L": "caf\u00e9 \t tab" });
    expect([...head.subarray(17, 17 + 15)]).toEqual([...Buffer.from("X-L: caf\u00e9 \t tab", "latin1")]);
  });

  const injections: [string, HeaderInit][] = [
    ["CR LF in a value", { "X-A": "1\r\nSet-Cookie: evil=1" }],
    ["a bare LF in a value", { "X-A": "1\nX-B: 2" }],
    ["a bare CR in a value", { "X-A": "1\rX" }],
    ["NUL in a value", { "X-A": "a\0b" }],
    ["another CTL in a value", { "X-A": "a\x01b" }],
    ["DEL in a value", { "X-A": "a\x7fb" }],
    ["a char above 0xFF in a value", { "X-A": "snow \u2603" }],
    ["CR LF in a name", { "X-A\r\nX-B": "1" }],
    ["NUL in a name", { "X\0A": "1" }],
    ["a space in a name", { "X A": "1" }],
    ["a colon in a name", { "X:A": "1" }],
    ["an empty name", { "": "1" }],
    ["a non-ASCII name", { "X-\u00e9": "1" }],
    ["CR LF in an array item", { "Set-Cookie": ["a=1", "b=2\r\n\r\n<html>"] }],
    ["CR LF in a pair", [["X-A", "1\r\n"]]],
    ["a non-string value", { "X-A": { toString: () => "x" } as unknown as string }],
  ];
  for (const [what, headers] of injections) {
    it(`throws INVALID_HEADER for ${what}`, () => {
      expect(codeOf(() => serializeHead(200, undefined, headers))).toBe("INVALID_HEADER");
    });
  }

  it("validates every value of a field whose earlier lines were written, and repeats valid lines byte for byte", () => {
    const first = serializeHead(200, undefined, [["X-Cached", "a"], ["X-Num", 1]]);
    expect(text(serializeHead(200, undefined, [["X-Cached", "a"], ["X-Num", 1]]))).toBe(text(first));
    expect(codeOf(() => serializeHead(200, undefined, [["X-Cached", "a\r\nInjected: 1"]]))).toBe("INVALID_HEADER");
    expect(codeOf(() => serializeHead(200, undefined, [["X-Cached", "\u0100"]]))).toBe("INVALID_HEADER");
    expect(codeOf(() => serializeHead(200, undefined, [["X-Cached ", "a"]]))).toBe("INVALID_HEADER");
    expect(codeOf(() => serializeHead(200, undefined, [null as unknown as [string, string]]))).toBe("INVALID_HEADER");
    // Many distinct values of one name (more than any cache would keep) are all written as given.
    for (let i = 0; i < 300; i++) {
      expect(text(serializeHead(200, undefined, [["X-Cached", `v${i}`]]))).toBe(`HTTP/1.1 200 OK\r\nX-Cached: v${i}\r\n\r\n`);
    }
    expect(text(serializeHead(200, undefined, [["x-cached", "a"]], [["X-Cached", "b"]]))).toBe("HTTP/1.1 200 OK\r\nX-Cached: b\r\n\r\n");
  });

  it("validates the framing fields too", () => {
    expect(codeOf(() => serializeHead(200, undefined, undefined, [["Content-Length", "1\r\nX: 2"]]))).toBe("INVALID_HEADER");
  });

  for (const status of [0, 99, 1000, 200.5, Number.NaN, -200]) {
    it(`throws INVALID_STATUS for status ${status}`, () => {
      expect(codeOf(() => serializeHead(status, undefined, undefined))).toBe("INVALID_STATUS");
    });
  }

  for (const reason of ["OK\r\nX: 1", "O\nK", "O\0K", "\u2603"]) {
    it(`throws INVALID_STATUS for the reason ${JSON.stringify(reason)}`, () => {
      expect(codeOf(() => serializeHead(200, reason, undefined))).toBe("INVALID_STATUS");
    });
  }
});

describe("statusReason", () => {
  it("gives the standard phrases of RFC 9110 §15", () => {
    expect(statusReason(100)).toBe("Continue");
    expect(statusReason(200)).toBe("OK");
    expect(statusReason(204)).toBe("No Content");
    expect(statusReason(304)).toBe("Not Modified");
    expect(statusReason(404)).toBe("Not Found");
    expect(statusReason(413)).toBe("Content Too Large");
    expect(statusReason(422)).toBe("Unprocessable Content");
    expect(statusReason(505)).toBe("HTTP Version Not Supported");
  });

  it("gives an empty phrase for an unregistered code", () => {
    expect(statusReason(299)).toBe("");
  });
});

describe("constants", () => {
  it("spell the bytes they are named after", () => {
    expect(text(CONTINUE_100)).toBe("HTTP/1.1 100 Continue\r\n\r\n");
    expect(text(CRLF)).toBe("\r\n");
    expect(text(LAST_CHUNK)).toBe("0\r\n\r\n");
    expect(text(LAST_CHUNK_LINE)).toBe("0\r\n");
  });
});
