// The chooser's rules as a table: each case carries the RFC text it follows.
import { describe, expect, it } from "vitest";
import {
  chooseFraming,
  chunkedFraming,
  closeFraming,
  contentLengthFraming,
  createFramer,
  framingByName,
  isFramingError,
  noBodyFraming,
} from "@k/framing";
import type { FirstPart, FramerFactory, FramingErrorCode, RequestInfo } from "@k/framing";
import { bufferedFraming } from "./support/custom-framers.ts";
import { RecordingSink } from "./support/sink.ts";

const GET11: RequestInfo = { method: "GET", version: "1.1" };
const GET10: RequestInfo = { method: "GET", version: "1.0" };
const HEAD11: RequestInfo = { method: "HEAD", version: "1.1" };
const HEAD10: RequestInfo = { method: "HEAD", version: "1.0" };
const body13 = Buffer.from("Hello, World!");

interface Case {
  reason: string;
  first: FirstPart;
  request: RequestInfo;
  /** The chosen factory, length and noBody; or the error code. */
  expected: { factory: FramerFactory; length: number; noBody: boolean } | FramingErrorCode;
}

const none = (length = -1) => ({ factory: noBodyFraming, length, noBody: true });
const cl = (length: number) => ({ factory: contentLengthFraming, length, noBody: false });
const chunked = { factory: chunkedFraming, length: -1, noBody: false };
const close = { factory: closeFraming, length: -1, noBody: false };

const cases: Case[] = [
  // No body, whatever else is said.
  { reason: "RFC 9110 §15.2: 1xx has no content", first: { status: 103, headers: { Link: "</a>" } }, request: GET11, expected: none() },
  { reason: "RFC 9110 §15.2: 101 has no content", first: { status: 101 }, request: GET11, expected: none() },
  { reason: "RFC 9110 §15.3.5: 204 has no content", first: { status: 204 }, request: GET11, expected: none() },
  { reason: "RFC 9110 §15.3.5: 204 done with no body", first: { status: 204, done: true }, request: GET10, expected: none() },
  { reason: "RFC 9110 §8.6: length 0 on 204 says nothing that must be written", first: { status: 204, length: 0 }, request: GET11, expected: none() },
  { reason: "RFC 9110 §8.6: no Content-Length in a 204", first: { status: 204, length: 5 }, request: GET11, expected: "ILLEGAL_FRAMING" },
  { reason: "RFC 9110 §8.6: no Content-Length in a 1xx", first: { status: 100, headers: { "Content-Length": "3" } }, request: GET11, expected: "ILLEGAL_FRAMING" },
  { reason: "RFC 9112 §6.1: no Transfer-Encoding in a 204", first: { status: 204, headers: { "Transfer-Encoding": "chunked" } }, request: GET11, expected: "ILLEGAL_FRAMING" },
  { reason: "RFC 9110 §15.3.5: a body on 204 is illegal", first: { status: 204, body: Buffer.from("x") }, request: GET11, expected: "ILLEGAL_FRAMING" },
  { reason: "RFC 9110 §15.4.5: a body on 304 is illegal", first: { status: 304, body: Buffer.from("x"), length: 1 }, request: GET11, expected: "ILLEGAL_FRAMING" },
  { reason: "RFC 9110 §15.4.5: 304 has no content", first: { status: 304 }, request: GET11, expected: none() },
  { reason: "RFC 9110 §8.6: 304 may carry the 200's Content-Length", first: { status: 304, length: 13 }, request: GET11, expected: none(13) },
  { reason: "RFC 9110 §8.6: 304 may carry the 200's Content-Length header", first: { status: 304, headers: { "content-length": "13" } }, request: GET11, expected: none(13) },
  { reason: "RFC 9110 §8.6: a whole 304 (done, no body) keeps the 200's length", first: { status: 304, length: 13, done: true }, request: GET11, expected: none(13) },
  { reason: "RFC 9110 §8.6: a whole 304 without a length gets no Content-Length: 0", first: { status: 304, done: true }, request: GET11, expected: none() },
  { reason: "RFC 9110 §8.6: a whole 304 with an empty body keeps its Content-Length header", first: { status: 304, headers: { "content-length": "13" }, body: new Uint8Array(0), done: true }, request: GET11, expected: none(13) },
  { reason: "RFC 9110 §15.4.5: forcing chunked on 304 is illegal", first: { status: 304, framing: "chunked" }, request: GET11, expected: "ILLEGAL_FRAMING" },
  { reason: "RFC 9110 §15.3.5: forcing content-length on 204 is illegal", first: { status: 204, framing: "content-length" }, request: GET11, expected: "ILLEGAL_FRAMING" },
  { reason: "RFC 9110 §15.3.5: forcing none on 204 is what it gets anyway", first: { status: 204, framing: "none" }, request: GET11, expected: none() },
  { reason: "RFC 9110 §9.3.2: HEAD has no content, keeps the GET's length", first: { status: 200, length: 13 }, request: HEAD11, expected: none(13) },
  { reason: "RFC 9110 §9.3.2: HEAD keeps the GET's Content-Length header", first: { status: 200, headers: { "Content-Length": "13" } }, request: HEAD10, expected: none(13) },
  { reason: "RFC 9110 §9.3.2: HEAD with the GET body done: its length is kept", first: { status: 200, body: body13, done: true }, request: HEAD11, expected: none(13) },
  { reason: "RFC 9110 §9.3.2: HEAD with unknown length announces none", first: { status: 200 }, request: HEAD11, expected: none() },
  { reason: "RFC 9110 §9.3.2: HEAD ignores a forced strategy (the GET's)", first: { status: 200, framing: "chunked" }, request: HEAD10, expected: none() },
  { reason: "RFC 9110 §9.3.2: HEAD to a 1.0 client is not close-delimited", first: { status: 200 }, request: HEAD10, expected: none() },
  { reason: "RFC 9110 §9.3.2: a HEAD 404 has no content either", first: { status: 404, length: 9 }, request: HEAD11, expected: none(9) },
  // Forced strategies.
  { reason: "RFC 9112 §6.1: chunked only to HTTP/1.1 clients", first: { status: 200, framing: "chunked" }, request: GET10, expected: "ILLEGAL_FRAMING" },
  { reason: "RFC 9112 §7.1: forced chunked to a 1.1 client, length unused", first: { status: 200, framing: "chunked", length: 13 }, request: GET11, expected: chunked },
  { reason: "RFC 9112 §6.3 rule 8: close-delimited can be forced for any client", first: { status: 200, framing: "close", length: 13 }, request: GET11, expected: close },
  { reason: "RFC 9112 §6.2: forced content-length needs a known length", first: { status: 200, framing: "content-length" }, request: GET11, expected: "ILLEGAL_FRAMING" },
  { reason: "RFC 9112 §6.2: forced content-length with a done body", first: { status: 200, framing: "content-length", body: body13, done: true }, request: GET10, expected: cl(13) },
  { reason: "RFC 9112 §6.3: none on a body-capable response would leave the client reading until close", first: { status: 200, framing: "none" }, request: GET11, expected: "ILLEGAL_FRAMING" },
  { reason: "RFC 9112 §6.1: a handler's Transfer-Encoding: chunked asks for chunked", first: { status: 200, headers: { "Transfer-Encoding": "chunked" } }, request: GET11, expected: chunked },
  { reason: "RFC 9112 §6.1: ... which an HTTP/1.0 client cannot get", first: { status: 200, headers: [["transfer-encoding", "Chunked"]] }, request: GET10, expected: "ILLEGAL_FRAMING" },
  { reason: "RFC 9112 §6.1: Content-Length and Transfer-Encoding together are ambiguous", first: { status: 200, length: 3, headers: { "Transfer-Encoding": "chunked" } }, request: GET11, expected: "ILLEGAL_FRAMING" },
  { reason: "RFC 9112 §6.1: codings other than chunked are not applied here", first: { status: 200, headers: { "Transfer-Encoding": "gzip, chunked" } }, request: GET11, expected: "ILLEGAL_FRAMING" },
  // Known length.
  { reason: "RFC 9112 §6.2: a known length gives Content-Length", first: { status: 200, length: 13 }, request: GET11, expected: cl(13) },
  { reason: "RFC 9112 §6.2: Content-Length to an HTTP/1.0 client", first: { status: 200, length: 13 }, request: GET10, expected: cl(13) },
  { reason: "RFC 9112 §6.2: the handler's Content-Length header is a known length", first: { status: 200, headers: { "Content-Length": "42" } }, request: GET11, expected: cl(42) },
  { reason: "RFC 9110 §8.6: a list of identical Content-Length values is one length", first: { status: 200, headers: { "Content-Length": "7, 7" } }, request: GET11, expected: cl(7) },
  { reason: "RFC 9110 §8.6: a numeric Content-Length header", first: { status: 200, headers: { "Content-Length": 5 } }, request: GET11, expected: cl(5) },
  { reason: "RFC 9110 §8.6: Content-Length must be 1*DIGIT", first: { status: 200, headers: { "Content-Length": "+5" } }, request: GET11, expected: "INVALID_HEADER" },
  { reason: "RFC 9110 §8.6: Content-Length must be 1*DIGIT (no hex)", first: { status: 200, headers: { "Content-Length": "0x10" } }, request: GET11, expected: "INVALID_HEADER" },
  { reason: "RFC 9110 §8.6: Content-Length must be 1*DIGIT (not empty)", first: { status: 200, headers: { "Content-Length": "" } }, request: GET11, expected: "INVALID_HEADER" },
  { reason: "RFC 9110 §8.6: differing Content-Length values", first: { status: 200, headers: [["Content-Length", "5"], ["content-length", "6"]] }, request: GET11, expected: "INVALID_HEADER" },
  { reason: "RFC 9110 §8.6: Content-Length beyond 2^53 cannot be counted exactly", first: { status: 200, headers: { "Content-Length": "9007199254740993" } }, request: GET11, expected: "INVALID_HEADER" },
  { reason: "RFC 9110 §8.6: length and the Content-Length header must agree", first: { status: 200, length: 5, headers: { "Content-Length": "6" } }, request: GET11, expected: "LENGTH_MISMATCH" },
  { reason: "RFC 9110 §8.6: length and the Content-Length header agreeing", first: { status: 200, length: 6, headers: { "Content-Length": "6" } }, request: GET11, expected: cl(6) },
  { reason: "RFC 9112 §6.2: a done first part is the whole body", first: { status: 200, body: body13, done: true }, request: GET11, expected: cl(13) },
  { reason: "RFC 9112 §6.2: done with no body is an empty body", first: { status: 200, done: true }, request: GET10, expected: cl(0) },
  { reason: "RFC 9110 §8.6: a done body must match the announced length", first: { status: 200, body: body13, done: true, length: 12 }, request: GET11, expected: "LENGTH_MISMATCH" },
  { reason: "RFC 9110 §8.6: a first part longer than the announced length", first: { status: 200, body: body13, length: 5 }, request: GET11, expected: "LENGTH_MISMATCH" },
  { reason: "RFC 9112 §6.2: length must be a non-negative integer", first: { status: 200, length: -1 }, request: GET11, expected: "ILLEGAL_FRAMING" },
  { reason: "RFC 9112 §6.2: length must be an integer", first: { status: 200, length: 1.5 }, request: GET11, expected: "ILLEGAL_FRAMING" },
  // Unknown length.
  { reason: "RFC 9112 §7.1: unknown length to an HTTP/1.1 client is chunked", first: { status: 200 }, request: GET11, expected: chunked },
  { reason: "RFC 9112 §7.1: a first part that is not done does not fix the length", first: { status: 200, body: body13 }, request: GET11, expected: chunked },
  { reason: "RFC 9112 §6.3 rule 8: unknown length to an HTTP/1.0 client is close-delimited", first: { status: 200 }, request: GET10, expected: close },
  { reason: "RFC 9112 §6.3 rule 8: ... for POST responses too", first: { status: 500, body: body13 }, request: { method: "POST", version: "1.0" }, expected: close },
  // Status validation.
  { reason: "RFC 9110 §15: status is three digits", first: { status: 99 }, request: GET11, expected: "INVALID_STATUS" },
  { reason: "RFC 9110 §15: status is three digits (1000)", first: { status: 1000 }, request: GET11, expected: "INVALID_STATUS" },
  { reason: "RFC 9110 §15: status is an integer", first: { status: 200.5 }, request: GET11, expected: "INVALID_STATUS" },
];

describe("chooseFraming", () => {
  for (const c of cases) {
    const title =
      typeof c.expected === "string"
        ? `throws ${c.expected} — ${c.reason}`
        : `chooses ${c.expected.factory.name} (length ${c.expected.length}) — ${c.reason}`;
    it(title, () => {
      if (typeof c.expected === "string") {
        let caught: unknown;
        try {
          chooseFraming(c.first, c.request);
        } catch (error) {
          caught = error;
        }
        expect(isFramingError(caught) && caught.code).toBe(c.expected);
      } else {
        expect(chooseFraming(c.first, c.request)).toEqual(c.expected);
      }
    });
  }

  it("uses a user's factory as given, with the known length", () => {
    expect(chooseFraming({ status: 200, framing: bufferedFraming, length: 3 }, GET10)).toEqual({
      factory: bufferedFraming,
      length: 3,
      noBody: false,
    });
  });

  it("trusts a user's factory on HEAD and tells it there is no body", () => {
    expect(chooseFraming({ status: 200, framing: bufferedFraming }, HEAD11)).toEqual({
      factory: bufferedFraming,
      length: -1,
      noBody: true,
    });
  });

  it("refuses a framing that is neither a built-in name nor a factory", () => {
    const first = { status: 200, framing: "gzip" } as unknown as FirstPart;
    expect(() => chooseFraming(first, GET11)).toThrow(/unknown framing/);
    expect(() => chooseFraming(first, HEAD11)).toThrow(/unknown framing/);
    expect(() => chooseFraming({ ...first, status: 204 }, GET11)).toThrow(/unknown framing/);
    const object = { status: 200, framing: { name: "x" } } as unknown as FirstPart;
    expect(() => chooseFraming(object, GET11)).toThrow(/FramerFactory/);
  });
});

describe("framingByName", () => {
  it("returns each built-in factory by its name", () => {
    for (const factory of [contentLengthFraming, chunkedFraming, closeFraming, noBodyFraming]) {
      expect(framingByName(factory.name as "chunked")).toBe(factory);
    }
  });

  it("throws ILLEGAL_FRAMING for an unknown name", () => {
    expect(() => framingByName("gzip" as "chunked")).toThrow(expect.objectContaining({ code: "ILLEGAL_FRAMING" }));
  });
});

describe("createFramer", () => {
  it("creates the chosen strategy with the chosen length", () => {
    const sink = new RecordingSink();
    const framer = createFramer(sink, { status: 200, body: body13, done: true }, GET11);
    expect(framer.name).toBe("content-length");
    framer.start(body13);
    framer.end();
    expect(sink.text()).toBe("HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!");
  });

  it("marks a close-delimited framer as closing the connection", () => {
    const framer = createFramer(new RecordingSink(), { status: 200 }, GET10);
    expect(framer.name).toBe("close");
    expect(framer.closeConnection).toBe(true);
  });

  it("throws the chooser's error before anything is written", () => {
    const sink = new RecordingSink();
    expect(() => createFramer(sink, { status: 200, framing: "chunked" }, GET10)).toThrow(
      expect.objectContaining({ code: "ILLEGAL_FRAMING" }),
    );
    expect(sink.writes).toEqual([]);
  });
});
