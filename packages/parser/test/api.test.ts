// The exported surface: defaults, the error table, the error class and its guard, the
// sticky error, reset(), and the leniency options being off by default.
import { describe, expect, it } from "vitest";
import {
  ParseError,
  createParser,
  defaultMaxChunkExtensionSize,
  defaultMaxHeadSize,
  defaultMaxHeaderCount,
  defaultMaxTargetLength,
  defaultMaxTrailerSize,
  defaultParserOptions,
  isParseError,
  parseErrorStatus,
  statusForParseError,
} from "@k/parser";
import type { MessageHead, ParseErrorCode } from "@k/parser";
import { runAllSplits } from "./harness.ts";

const enc = (s: string): Uint8Array => Buffer.from(s, "latin1");
const noop = { onHead(): void {}, onBody(): void {}, onComplete(): void {} };

const statuses: Record<ParseErrorCode, number> = {
  INVALID_REQUEST_LINE: 400,
  INVALID_METHOD: 400,
  INVALID_TARGET: 400,
  INVALID_VERSION: 400,
  UNSUPPORTED_VERSION: 505,
  INVALID_STATUS: 400,
  INVALID_HEADER_NAME: 400,
  INVALID_HEADER_VALUE: 400,
  INVALID_LINE_ENDING: 400,
  OBS_FOLD: 400,
  INVALID_CONTENT_LENGTH: 400,
  CONFLICTING_CONTENT_LENGTH: 400,
  CONTENT_LENGTH_WITH_TRANSFER_ENCODING: 400,
  INVALID_TRANSFER_ENCODING: 400,
  CHUNKED_NOT_FINAL: 400,
  UNSUPPORTED_TRANSFER_CODING: 501,
  TRANSFER_ENCODING_IN_HTTP10: 400,
  INVALID_CHUNK_SIZE: 400,
  CHUNK_SIZE_OVERFLOW: 400,
  INVALID_CHUNK_EXTENSION: 400,
  CHUNK_EXTENSION_TOO_LARGE: 413,
  INVALID_CHUNK_DATA: 400,
  INVALID_TRAILER: 400,
  TRAILER_TOO_LARGE: 431,
  MISSING_HOST: 400,
  DUPLICATE_HOST: 400,
  INVALID_HOST: 400,
  CONNECT_WITH_CONTENT: 400,
  HEAD_TOO_LARGE: 431,
  TOO_MANY_HEADERS: 431,
  TARGET_TOO_LONG: 414,
  BODY_TOO_LARGE: 413,
  UNEXPECTED_EOF: 400,
  DATA_AFTER_CLOSE: 400,
};

describe("defaults", () => {
  it("exports the documented limits", () => {
    expect(defaultMaxHeadSize).toBe(16384);
    expect(defaultMaxHeaderCount).toBe(2000);
    expect(defaultMaxTargetLength).toBe(8192);
    expect(defaultMaxChunkExtensionSize).toBeGreaterThan(0);
    expect(defaultMaxChunkExtensionSize).toBeLessThanOrEqual(65536);
    expect(defaultMaxTrailerSize).toBeGreaterThan(0);
    expect(defaultMaxTrailerSize).toBeLessThanOrEqual(defaultMaxHeadSize);
  });

  it("gathers the defaults in defaultParserOptions with every leniency off", () => {
    expect(defaultParserOptions).toMatchObject({
      maxHeadSize: defaultMaxHeadSize,
      maxHeaderCount: defaultMaxHeaderCount,
      maxTargetLength: defaultMaxTargetLength,
      maxChunkExtensionSize: defaultMaxChunkExtensionSize,
      maxTrailerSize: defaultMaxTrailerSize,
    });
    for (const key of ["allowBareLF", "allowObsFold", "allowChunkSizeWhitespace", "allowUnsafeTargetChars", "allowNonHttpSchemes"] as const) {
      expect(defaultParserOptions[key] ?? false, key).toBe(false);
    }
  });
});

describe("options", () => {
  it("refuses a negative or non-numeric limit when the parser is created", () => {
    for (const bad of [{ maxHeadSize: -1 }, { maxHeaderCount: Number.NaN }, { maxTargetLength: -5 }, { maxChunkExtensionSize: -1 }, { maxTrailerSize: Number.NaN }, { maxBodySize: -1 }]) {
      expect(() => createParser("request", noop, bad), JSON.stringify(bad)).toThrow(RangeError);
    }
  });

  it("refuses an unknown kind", () => {
    expect(() => createParser("requests" as never, noop)).toThrow(TypeError);
  });

  it("treats a limit of 0 as a limit, not as the default", () => {
    const parser = createParser("request", noop, { maxBodySize: 0 });
    expect(() => parser.push(enc("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx"))).toThrow(expect.objectContaining({ code: "BODY_TOO_LARGE" }));
  });
});

describe("error table", () => {
  it("maps every code to the status written in the contract", () => {
    expect(parseErrorStatus).toEqual(statuses);
    for (const [code, status] of Object.entries(statuses)) {
      expect(statusForParseError(code as ParseErrorCode), code).toBe(status);
    }
  });
});

describe("ParseError", () => {
  it("carries a code and a stream offset and passes the guard", () => {
    const parser = createParser("request", noop);
    let caught: unknown;
    try {
      parser.push(enc("GET / HTTP/1.1\r\nHost : a\r\n\r\n"));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ParseError);
    expect(caught).toBeInstanceOf(Error);
    expect(isParseError(caught)).toBe(true);
    const error = caught as ParseError;
    expect(error.code).toBe("INVALID_HEADER_NAME");
    // The offending space is byte 20; the error points into the field line.
    expect(error.offset).toBeGreaterThanOrEqual(16);
    expect(error.offset).toBeLessThanOrEqual(21);
  });

  it("tells other errors apart", () => {
    expect(isParseError(new Error("x"))).toBe(false);
    expect(isParseError({ code: "INVALID_METHOD", offset: 0 })).toBe(false);
    expect(isParseError(null)).toBe(false);
  });

  it("counts offsets across pushes since creation", () => {
    const parser = createParser("request", noop);
    parser.push(enc("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
    let offset = -1;
    try {
      parser.push(enc("G@T / HTTP/1.1\r\n\r\n"));
    } catch (error) {
      if (isParseError(error)) offset = error.offset;
    }
    expect(offset).toBeGreaterThanOrEqual(27);
    expect(offset).toBeLessThanOrEqual(29);
  });
});

describe("error offsets", () => {
  // errors.ts: `offset` is the byte the error is about. Each input marks that byte with «».
  const marked: [ParseErrorCode, string][] = [
    ["INVALID_METHOD", "G«@»T / HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["INVALID_TARGET", "GET /a«\x01»b HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["INVALID_HEADER_NAME", "GET / HTTP/1.1\r\nHost« »: a\r\n\r\n"],
    ["INVALID_HEADER_VALUE", "GET / HTTP/1.1\r\nHost: a\r\nX: a«\x00»b\r\n\r\n"],
    ["INVALID_LINE_ENDING", "GET / HTTP/1.1\r\nHost: a«\n»X: b\r\n\r\n"],
    ["OBS_FOLD", "GET / HTTP/1.1\r\nX: a\r\n« »b\r\nHost: a\r\n\r\n"],
    ["INVALID_CHUNK_SIZE", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n«z»\r\n"],
    ["INVALID_CHUNK_DATA", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello«X»X"],
  ];
  it.each(marked)("points %s at the offending byte, at every split", (code, text) => {
    const at = text.indexOf("«");
    const input = text.replace("«", "").replace("»", "");
    const report = runAllSplits("request", input, {}, 10);
    expect(report.whole.at(-1)).toBe(`error ${code} @${at}`);
    expect(report.mismatches).toEqual([]);
  });
});

describe("sticky errors and reset()", () => {
  it("throws the same error on every later push and finish, and exposes it", () => {
    const parser = createParser("request", noop);
    expect(parser.error).toBeNull();
    let first: unknown;
    try {
      parser.push(enc("BAD\x01 / HTTP/1.1\r\n"));
    } catch (error) {
      first = error;
    }
    expect(isParseError(first)).toBe(true);
    expect(parser.error).toBe(first);
    expect(() => parser.push(enc("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))).toThrow(first as Error);
    expect(() => parser.finish()).toThrow(first as Error);
  });

  it("forgets the error and the offsets after reset()", () => {
    const heads: MessageHead[] = [];
    const parser = createParser("request", { ...noop, onHead: (h) => void heads.push(h) });
    expect(() => parser.push(enc("BAD\x01 / HTTP/1.1\r\n"))).toThrow();
    parser.reset();
    expect(parser.error).toBeNull();
    const again = enc("GET /again HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(parser.push(again)).toBe(again.length);
    expect(heads.map((h) => h.target)).toEqual(["/again"]);
    expect(() => parser.push(enc("\x01 / HTTP/1.1\r\n"))).toThrow();
    // Offsets restart at reset(): the bad byte is the first one after the request above.
    expect(parser.error?.code).toBe("INVALID_METHOD");
    expect(parser.error?.offset).toBe(again.length);
  });

  it("forgets a half-read message after reset()", () => {
    const targets: string[] = [];
    const parser = createParser("request", { ...noop, onHead: (h) => void targets.push(h.target) });
    parser.push(enc("GET /half HTTP/1.1\r\nHo"));
    parser.reset();
    parser.push(enc("GET /whole HTTP/1.1\r\nHost: a\r\n\r\n"));
    parser.finish();
    expect(targets).toEqual(["/whole"]);
  });
});

describe("head shape", () => {
  it("sets every field of a request head, with response fields empty", () => {
    let head: MessageHead | undefined;
    const parser = createParser("request", { ...noop, onHead: (h) => void (head = h) });
    parser.push(enc("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
    expect(head).toEqual({ method: "GET", target: "/", status: 0, reason: "", version: "1.1", rawHeaders: ["Host", "a"], contentLength: -1, chunked: false, keepAlive: true, upgrade: false, expectContinue: false });
  });

  it("sets every field of a response head, with request fields empty", () => {
    let head: MessageHead | undefined;
    const parser = createParser("response", { ...noop, onHead: (h) => void (head = h) });
    parser.push(enc("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
    expect(head).toEqual({ method: "", target: "", status: 404, reason: "Not Found", version: "1.0", rawHeaders: ["Content-Length", "0"], contentLength: 0, chunked: false, keepAlive: false, upgrade: false, expectContinue: false });
  });
});

describe("101 Switching Protocols", () => {
  it("stops after the 101 head, even with a Content-Length, and leaves the new protocol's bytes unconsumed", () => {
    // RFC 9112 §6.3 ¶1: a 1xx response ends at its empty line whatever its fields say;
    // llhttp (test/response/connection.md) reads "body" as content here, we do not.
    const events: string[] = [];
    const parser = createParser("response", {
      onHead: (h) => void events.push(`head ${h.status} upgrade=${h.upgrade}`),
      onBody: (b) => void events.push(`body ${Buffer.from(b).toString()}`),
      onComplete: () => void events.push("complete"),
    });
    const head = "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 4\r\n\r\n";
    expect(parser.push(enc(`${head}bodyproto`))).toBe(head.length);
    expect(events).toEqual(["head 101 upgrade=true", "complete"]);
    expect(parser.push(enc("more"))).toBe(0);
    expect(() => parser.finish()).not.toThrow();
    expect(events).toEqual(["head 101 upgrade=true", "complete"]);
  });
});
