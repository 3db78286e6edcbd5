// Differential tests against Node's native llhttp binding (strict defaults), the parser
// node:http uses: on valid input both must report the same method, target, version, raw
// fields, body and trailers (and keep-alive); on input llhttp rejects, we reject too.
// We are deliberately stricter in places (Host rules, chunk-ext grammar, limits) and
// deliberately wider in three (any token as a method, HTTP/1.2+ read as 1.1, identical
// repeated Content-Length values), each listed below with its RFC reference.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allCases } from "./cases/index.ts";
import { runChunks, toBytes } from "./harness.ts";
import { nativeMethods, runLlhttp } from "./llhttp-peer.ts";

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
 * - whitespace after ";" in a chunk extension is BWS (RFC 9112 §7.1.1); llhttp rejects it.
 */
function knownWider(input: string | Uint8Array, llhttpError: string, ours: readonly string[]): boolean {
  const text = Buffer.from(toBytes(input)).toString("latin1");
  if (llhttpError === "HPE_INVALID_METHOD") {
    const methods = ours.filter((l) => l.startsWith("head ")).map((l) => l.split(" ")[1]!);
    return methods.some((m) => !nativeMethods.includes(m));
  }
  if (llhttpError === "HPE_INVALID_VERSION") return /HTTP\/1\.[2-9][\r\n ]/.test(text);
  // OWS around a field value includes HTAB (RFC 9112 §5); llhttp refuses a trailing HTAB here.
  if (llhttpError === "HPE_INVALID_CONTENT_LENGTH" || llhttpError === "HPE_INVALID_TRANSFER_ENCODING") {
    return /\r\n(content-length|transfer-encoding):[^\r\n]*\t/i.test(text);
  }
  // chunk-ext = *( BWS ";" BWS chunk-ext-name ... ) (RFC 9112 §7.1.1): whitespace after ";" is allowed.
  if (llhttpError === "HPE_STRICT") return /\r\n[0-9a-fA-F]+(;[^\r\n]*)?;[ \t]/.test(text);
  if (llhttpError === "HPE_UNEXPECTED_CONTENT_LENGTH") {
    const values = [...`${text.split(/\r\n\r\n/)[0]!}\r\n`.matchAll(/\r\ncontent-length:[ \t]*(\d+)[ \t]*(?=\r\n)/gi)].map((m) => m[1]);
    return values.length > 1 && values.every((v) => v === values[0]);
  }
  return false;
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
    expect(project(ours)).toEqual(peer.log);
    expect(keepAliveOf(ours)).toEqual(peer.keepAlive);
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

describe("mutated requests against llhttp", () => {
  const bases = [
    "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: k\r\nAccept: */*\r\n\r\n",
    "POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world",
    "PUT /up HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nT: v\r\n\r\n",
    "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
  ];
  const interesting = [0x0d, 0x0a, 0x20, 0x09, 0x00, 0x3a, 0x2c, 0x3b, 0x22, 0x78, 0x30, 0x7f, 0x80, 0xff, 0x2d];
  const mutation = fc.record({
    base: fc.integer({ min: 0, max: bases.length - 1 }),
    at: fc.nat(),
    op: fc.constantFrom("insert", "replace", "delete"),
    byte: fc.constantFrom(...interesting),
  });

  it("agrees with llhttp on every single-byte mutation after the request line, or is stricter", () => {
    fc.assert(
      fc.property(mutation, ({ base, at, op, byte }) => {
        const original = Buffer.from(bases[base]!, "latin1");
        // After the first request line: the method list and version rules (where we are
        // wider on purpose) stay out of the way.
        const from = original.indexOf(0x0a) + 1;
        const pos = from + (at % (original.length - from));
        const bytes =
          op === "insert" ? Buffer.concat([original.subarray(0, pos), Buffer.of(byte), original.subarray(pos)])
          : op === "replace" ? Buffer.concat([original.subarray(0, pos), Buffer.of(byte), original.subarray(pos + 1)])
          : Buffer.concat([original.subarray(0, pos), original.subarray(pos + 1)]);
        const peer = runLlhttp("request", [bytes]);
        const ours = runChunks("request", [bytes]);
        const label = JSON.stringify(bytes.toString("latin1"));
        if (peer.error !== null) {
          if (knownWider(bytes, peer.error, ours)) return;
          expect(oursFails(ours), `llhttp: ${peer.error} on ${label}; we:\n${ours.join("\n")}`).toBe(true);
        } else if (!oursFails(ours)) {
          expect(project(ours), label).toEqual(peer.log);
          expect(keepAliveOf(ours), label).toEqual(peer.keepAlive);
        }
      }),
      { numRuns: 400 },
    );
  });
});
