// Differential tests against Node's native llhttp binding (strict defaults), the parser
// node:http uses: on valid input both must report the same method, target, version, raw
// fields, body and trailers (and keep-alive); on input llhttp rejects, we reject too.
// We are deliberately stricter in places (Host rules, chunk-ext grammar, limits) and
// deliberately wider in a few, each listed at knownWider() with its RFC reference; the
// README's "Where it differs from llhttp" says the same for users.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ParserKind } from "@k/parser";
import { allCases } from "./cases/index.ts";
import type { Case } from "./harness.ts";
import { runChunks, toBytes } from "./harness.ts";
import { NativeHTTPParser, nativeMethods, runLlhttp } from "./llhttp-peer.ts";

/** Our log reduced to what llhttp can also tell: the head without the derived flags. */
function project(log: readonly string[]): string[] {
  return log.map((line) => (line.startsWith("head ") ? line.replace(/ cl=-?\d+ chunked=\d keepAlive=\d upgrade=\d( expect=\d)?$/, "") : line));
}
function keepAliveOf(log: readonly string[]): boolean[] {
  return log.filter((l) => l.startsWith("head ")).map((l) => l.includes(" keepAlive=1"));
}
const oursFails = (log: readonly string[]): boolean => (log.at(-1) ?? "").startsWith("error ");

/**
 * Where llhttp's strict mode rejects and we accept on purpose. Each entry: why.
 * - any token is a method (RFC 9110 §9.1); llhttp knows a fixed list.
 * - HTTP/1.x with x >= 2 is read as 1.1 (RFC 9110 §2.5); llhttp rejects it.
 * - identical repeated Content-Length values may be accepted (RFC 9110 §8.6); llhttp rejects.
 * - a trailing HTAB is OWS around a field value (RFC 9112 §5); llhttp rejects it after
 *   Content-Length and Transfer-Encoding values.
 * - whitespace after ";" and around "=" in a chunk extension is BWS (RFC 9112 §7.1.1);
 *   llhttp rejects it.
 * - an empty list element (`chunked,`) is ignored (RFC 9110 §5.6.1.2); llhttp rejects it.
 * - framing fields inside a trailer section are passed through, not validated (RFC 9110
 *   §6.5.1: they frame nothing there); llhttp validates them.
 * - a response with Transfer-Encoding and Content-Length is read by Transfer-Encoding and
 *   ends the connection (RFC 9112 §6.3 ¶3); llhttp rejects it.
 */
function knownWider(input: string | Uint8Array, llhttpError: string, ours: readonly string[]): boolean {
  const text = Buffer.from(toBytes(input)).toString("latin1");
  // Framing fields in a trailer section frame nothing (RFC 9110 §6.5.1): we hand them over
  // uninterpreted, llhttp validates their values (and may then refuse what follows as
  // data after close).
  if (/^HPE_(INVALID_TRANSFER_ENCODING|INVALID_CONTENT_LENGTH|UNEXPECTED_CONTENT_LENGTH|CLOSED_CONNECTION)$/.test(llhttpError) && ours.some((l) => /^complete \[.*(transfer-encoding|content-length|connection):/i.test(l))) return true;
  if (llhttpError === "HPE_INVALID_METHOD") {
    const methods = ours.filter((l) => l.startsWith("head ")).map((l) => l.split(" ")[1]!);
    return methods.some((m) => !nativeMethods.includes(m));
  }
  if (llhttpError === "HPE_INVALID_VERSION") return /HTTP\/1\.[2-9][\r\n ]/.test(text);
  // OWS around a field value includes HTAB (RFC 9112 §5), and empty list elements are
  // ignored (RFC 9110 §5.6.1.2); llhttp refuses both in Content-Length/Transfer-Encoding.
  if (llhttpError === "HPE_INVALID_CONTENT_LENGTH" || llhttpError === "HPE_INVALID_TRANSFER_ENCODING") {
    if (owsOrEmptyElement(text)) return true;
    // A response with both: Transfer-Encoding overrides Content-Length (RFC 9112 §6.3 ¶3);
    // we read it chunked and do not reuse the connection, llhttp refuses it.
    return text.startsWith("HTTP/") && /\r\ntransfer-encoding:/i.test(text) && /\r\ncontent-length:/i.test(text);
  }
  // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) (RFC 9112 §7.1.1):
  // whitespace after ";" and around "=" is allowed; llhttp refuses it.
  if (llhttpError === "HPE_STRICT") return /\r\n[0-9a-fA-F]+;[^\r\n]*[ \t]/.test(text);
  if (llhttpError === "HPE_UNEXPECTED_CONTENT_LENGTH") {
    const values = [...`${text.split(/\r\n\r\n/)[0]!}\r\n`.matchAll(/\r\ncontent-length:[ \t]*(\d+)[ \t]*(?=\r\n)/gi)].map((m) => m[1]);
    return values.length > 1 && values.every((v) => v === values[0]);
  }
  return false;
}

/** A framing or Connection field whose value ends in HTAB or in an empty list element. */
function owsOrEmptyElement(text: string): boolean {
  return /\r\n(content-length|transfer-encoding|connection):[^\r\n]*[\t,][ \t]*\r\n/i.test(text);
}

const strictCases = allCases.filter((c) => c.options === undefined);

describe("valid corpus cases against llhttp", () => {
  const valid = strictCases.filter((c) => Array.isArray(c.expect));
  it.each(valid.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const bytes = toBytes(c.input);
    const peer = runLlhttp(c.kind, [bytes], { noBody: c.noBody, finish: c.finish });
    const ours = runChunks(c.kind, [bytes], { noBody: c.noBody, finish: c.finish });
    if (peer.error !== null) {
      // llhttp refuses: that must be one of our documented widenings, nothing else.
      expect(knownWider(c.input, peer.error, ours), `llhttp rejects with ${peer.error}`).toBe(true);
      return;
    }
    const text = Buffer.from(bytes).toString("latin1");
    if (/^\S+ \S+ HTTP\/1\.0\r\n/.test(text) && /\r\nupgrade:/i.test(text)) {
      // llhttp honours an Upgrade in an HTTP/1.0 request and stops reading HTTP there; RFC
      // 9110 §7.8: "A server MUST ignore an Upgrade header field that is received in an
      // HTTP/1.0 request", so we read on. What llhttp did read must agree.
      expect(project(ours).slice(0, peer.log.length)).toEqual(peer.log);
      expect(ours.filter((l) => l.startsWith("head ")).every((l) => l.includes(" upgrade=0 "))).toBe(true);
      return;
    }
    expect(project(ours)).toEqual(peer.log);
    // llhttp also honours the obsolete Proxy-Connection field; RFC 9110 §7.6.1 knows only
    // Connection, and so do we.
    if (!/\r\nproxy-connection:/i.test(Buffer.from(bytes).toString("latin1"))) expect(keepAliveOf(ours)).toEqual(peer.keepAlive);
  });
});

describe("leniency cases against llhttp's matching lenient flags", () => {
  // Our opt-ins and the llhttp flags that relax the same rule. allowBareLF has no usable
  // peer: Node's binding answers HPE_STRICT to a bare LF even with
  // kLenientOptionalCRBeforeLF, so those cases are checked by the corpus alone.
  const flagsFor = (c: Case): number =>
    (c.options?.allowObsFold === true ? NativeHTTPParser.kLenientHeaders : 0) |
    (c.options?.allowChunkSizeWhitespace === true ? NativeHTTPParser.kLenientSpacesAfterChunkSize : 0);
  const lenientValid = allCases.filter((c) => Array.isArray(c.expect) && c.options?.allowBareLF !== true && flagsFor(c) !== 0);
  // llhttp keeps an obs-fold's whitespace as received; RFC 9112 §5.2 (and we) replace it
  // with one SP. Compare with whitespace runs collapsed.
  const collapse = (lines: readonly string[]): string[] => lines.map((l) => l.replace(/(?:\\x09| )+/g, " "));
  it.each(lenientValid.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const bytes = toBytes(c.input);
    const peer = runLlhttp(c.kind, [bytes], { noBody: c.noBody, finish: c.finish, lenient: flagsFor(c) });
    const ours = runChunks(c.kind, [bytes], { options: c.options, noBody: c.noBody, finish: c.finish });
    expect(peer.error, "lenient llhttp accepts it too").toBeNull();
    expect(collapse(project(ours))).toEqual(collapse(peer.log));
  });
});

describe("malformed corpus cases against llhttp", () => {
  const invalid = strictCases.filter((c) => !Array.isArray(c.expect));
  it("rejects every strict-mode case that llhttp rejects (and more)", () => {
    let bothReject = 0;
    for (const c of invalid) {
      const bytes = toBytes(c.input);
      const peer = runLlhttp(c.kind, [bytes], { noBody: c.noBody, finish: c.finish });
      const ours = runChunks(c.kind, [bytes], { noBody: c.noBody, finish: c.finish });
      if (peer.error !== null) {
        expect(oursFails(ours), `${c.name}: llhttp says ${peer.error}, we said\n${ours.join("\n")}`).toBe(true);
        bothReject++;
      }
    }
    // Most of the malformed corpus is malformed for llhttp too.
    expect(bothReject).toBeGreaterThan(invalid.length / 2);
  });
});

/**
 * Both parsers on one input: null when they agree, or when we are stricter, or when the
 * difference is one of the documented ones above; otherwise a description.
 */
function compareWithPeer(kind: ParserKind, bytes: Uint8Array): string | null {
  const peer = runLlhttp(kind, [bytes]);
  const ours = runChunks(kind, [bytes]);
  const text = Buffer.from(bytes).toString("latin1");
  const label = JSON.stringify(text);
  if (peer.error !== null) {
    return oursFails(ours) || knownWider(bytes, peer.error, ours) ? null : `llhttp ${peer.error}, we accept: ${label}`;
  }
  if (oursFails(ours)) return null;
  const same = JSON.stringify(project(ours)) === JSON.stringify(peer.log) && JSON.stringify(keepAliveOf(ours)) === JSON.stringify(peer.keepAlive);
  // llhttp does not trim a trailing HTAB or skip an empty element in these values, so it
  // reads `chunked\t` as not chunked and `close\t` as not close.
  if (same || owsOrEmptyElement(text)) return null;
  return `different events: ${label}\n  we:     ${ours.join(" | ")}\n  llhttp: ${peer.log.join(" | ")}`;
}

describe("single-byte mutations against llhttp", () => {
  // Every insertion, replacement and deletion of one byte from a set that matters to HTTP
  // framing, at every position after the first start line (before it, our deliberate
  // widenings on methods and versions dominate), exhaustively: deterministic, ~25 k inputs.
  const bases: { kind: ParserKind; text: string }[] = [
    { kind: "request", text: "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: k\r\nAccept: */*\r\n\r\n" },
    { kind: "request", text: "POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world" },
    { kind: "request", text: "PUT /up HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nT: v\r\n\r\n" },
    { kind: "request", text: "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" },
    { kind: "response", text: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 204 No Content\r\n\r\n" },
    { kind: "response", text: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" },
  ];
  const interesting = [0x0d, 0x0a, 0x20, 0x09, 0x00, 0x3a, 0x2c, 0x3b, 0x22, 0x78, 0x30, 0x7f, 0x80, 0xff, 0x2d];

  for (const { kind, text } of bases) {
    it(`agrees with llhttp on every mutation of ${JSON.stringify(text.slice(0, 24))}..., or is stricter`, () => {
      const original = Buffer.from(text, "latin1");
      const from = original.indexOf(0x0a) + 1;
      const problems: string[] = [];
      for (let pos = from; pos <= original.length; pos++) {
        for (const byte of interesting) {
          const variants = [Buffer.concat([original.subarray(0, pos), Buffer.of(byte), original.subarray(pos)])];
          if (pos < original.length) variants.push(Buffer.concat([original.subarray(0, pos), Buffer.of(byte), original.subarray(pos + 1)]));
          if (byte === 0x0d && pos < original.length) variants.push(Buffer.concat([original.subarray(0, pos), original.subarray(pos + 1)]));
          for (const bytes of variants) {
            const problem = compareWithPeer(kind, bytes);
            if (problem !== null) problems.push(problem);
          }
        }
      }
      expect([...new Set(problems)].slice(0, 8)).toEqual([]);
    });
  }
});

describe("random multi-byte mutations against llhttp", () => {
  const bases: { kind: ParserKind; text: string }[] = [
    { kind: "request", text: "POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: b\r\n\r\n" },
    { kind: "request", text: "PUT /up HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\n" },
    { kind: "response", text: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n" },
  ];
  const edit = fc.record({
    at: fc.nat(),
    op: fc.constantFrom("insert", "replace", "delete"),
    bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 3 }), fc.constantFrom("\r\n", "\r", "\n", " ", "\t", ":", ",", ";", "chunked", "Content-Length: 1\r\n", "Transfer-Encoding: chunked\r\n", "0\r\n\r\n").map((t) => Buffer.from(t, "latin1"))),
  });
  it("agrees with llhttp, or is stricter, after two or three random edits past the first line", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bases.length - 1 }), fc.array(edit, { minLength: 2, maxLength: 3 }), (b, edits) => {
        const { kind, text } = bases[b]!;
        let bytes = Buffer.from(text, "latin1");
        const from = bytes.indexOf(0x0a) + 1;
        for (const e of edits) {
          const pos = from + (e.at % Math.max(1, bytes.length - from));
          bytes =
            e.op === "insert" ? Buffer.concat([bytes.subarray(0, pos), e.bytes, bytes.subarray(pos)])
            : e.op === "replace" ? Buffer.concat([bytes.subarray(0, pos), e.bytes, bytes.subarray(pos + e.bytes.length)])
            : Buffer.concat([bytes.subarray(0, pos), bytes.subarray(pos + e.bytes.length)]);
        }
        expect(compareWithPeer(kind, bytes)).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });
});
