// Property tests (fast-check): random valid requests and responses, serialised and parsed
// at random splits, equal the model they were built from; random bytes only ever raise a
// ParseError and always return.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createParser, isParseError } from "@k/parser";
import { escapeBytes, formatFields, runChunks, splitAt } from "./harness.ts";
import { nativeMethods, runLlhttp } from "./llhttp-peer.ts";

const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const PCHAR = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?";
const chars = (alphabet: string, min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...alphabet), { minLength: min, maxLength: max }).map((a) => a.join(""));

const token = chars(TCHAR, 1, 12);
// A field value: visible ASCII and obs-text with inner spaces/tabs, never leading or trailing whitespace.
const fieldVchar = fc.oneof(fc.integer({ min: 0x21, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c));
const fieldValue = fc
  .array(fc.oneof({ weight: 6, arbitrary: fieldVchar }, { weight: 1, arbitrary: fc.constantFrom(" ", "\t") }), { maxLength: 24 })
  .map((a) => a.join("").replace(/^[ \t]+|[ \t]+$/g, ""));
const ows = fc.constantFrom("", " ", "  ", "\t", " \t");
// Names that carry no framing or connection meaning, so the model stays simple.
const fieldName = token.map((t) => `X-${t}`);
const field = fc.record({ name: fieldName, value: fieldValue, before: ows, after: ows });
const bodyBytes = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString("latin1"));

type Framing = { kind: "none" } | { kind: "length"; body: string } | { kind: "chunked"; chunks: string[]; exts: string[]; trailers: { name: string; value: string }[]; upper: boolean };
const framing: fc.Arbitrary<Framing> = fc.oneof(
  fc.constant({ kind: "none" as const }),
  bodyBytes.map((body) => ({ kind: "length" as const, body })),
  fc.record({
    kind: fc.constant("chunked" as const),
    chunks: fc.array(bodyBytes.filter((b) => b.length > 0), { maxLength: 4 }),
    exts: fc.array(fc.oneof(fc.constant(""), token.map((t) => `;${t}`), fc.tuple(token, token).map(([n, v]) => `;${n}=${v}`), fc.tuple(token, chars("abc ;=,", 0, 8)).map(([n, v]) => `;${n}="${v}"`)), { minLength: 5, maxLength: 5 }),
    trailers: fc.array(fc.record({ name: fieldName, value: fieldValue }), { maxLength: 3 }),
    upper: fc.boolean(),
  }),
);

// Methods: mostly ones llhttp knows too (so the differential check applies), some any token.
const method = fc.oneof({ weight: 3, arbitrary: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND", "M-SEARCH") }, { weight: 1, arbitrary: token });
const request = fc.record({
  method,
  // pchar, '/' and '?' (RFC 3986 §3.3-3.4), with '%' only as a pct-encoded triplet.
  target: fc
    .array(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...PCHAR) }, { weight: 1, arbitrary: fc.constantFrom("%20", "%2F", "%e9", "%7E") }), { maxLength: 30 })
    .map((a) => `/${a.join("")}`),
  // uri-host [ ":" port ] (RFC 9110 §7.2); empty is allowed.
  host: fc.tuple(chars("abcdefghijklmnopqrstuvwxyz0123456789.-", 0, 20), fc.option(chars("0123456789", 0, 5))).map(([h, port]) => (port === null ? h : `${h}:${port}`)),
  fields: fc.array(field, { maxLength: 8 }),
  framing,
});
type Req = typeof request extends fc.Arbitrary<infer T> ? T : never;

function serialise(r: Req, last: boolean, closeLast: boolean, eol = "\r\n"): { wire: string; log: string[] } {
  const close = last && closeLast;
  const wireFields: string[] = [`Host:${r.host === "" ? "" : ` ${r.host}`}`];
  const raw: string[] = ["Host", r.host];
  for (const f of r.fields) {
    wireFields.push(`${f.name}:${f.before}${f.value}${f.value === "" ? "" : f.after}`);
    raw.push(f.name, f.value);
  }
  let body = "";
  let cl = -1;
  let chunked = 0;
  const log: string[] = [];
  let trailers: string[] = [];
  if (r.framing.kind === "length") {
    wireFields.push(`Content-Length: ${r.framing.body.length}`);
    raw.push("Content-Length", String(r.framing.body.length));
    cl = r.framing.body.length;
    body = r.framing.body;
  } else if (r.framing.kind === "chunked") {
    wireFields.push("Transfer-Encoding: chunked");
    raw.push("Transfer-Encoding", "chunked");
    chunked = 1;
  }
  if (close) {
    wireFields.push("Connection: close");
    raw.push("Connection", "close");
  }
  let wire = `${r.method} ${r.target} HTTP/1.1${eol}${wireFields.join(eol)}${eol}${eol}`;
  let bodyText = "";
  if (r.framing.kind === "length") {
    wire += body;
    bodyText = body;
  } else if (r.framing.kind === "chunked") {
    const f = r.framing;
    f.chunks.forEach((c, i) => {
      const size = c.length.toString(16);
      wire += `${f.upper ? size.toUpperCase() : size}${f.exts[i] ?? ""}${eol}${c}${eol}`;
      bodyText += c;
    });
    wire += `0${f.exts[4] ?? ""}${eol}${f.trailers.map((t) => `${t.name}: ${t.value}`).join(eol)}${f.trailers.length > 0 ? eol : ""}${eol}`;
    trailers = f.trailers.flatMap((t) => [t.name, t.value]);
  }
  log.push(`head ${escapeBytes(r.method)} ${escapeBytes(r.target)} 1.1 ${formatFields(raw)} cl=${cl} chunked=${chunked} keepAlive=${close ? 0 : 1} upgrade=0 expect=0`);
  if (bodyText.length > 0) log.push(`body ${escapeBytes(bodyText)}`);
  log.push(`complete ${formatFields(trailers)}`);
  return { wire, log };
}

const splitPoints = (length: number): fc.Arbitrary<number[]> =>
  length < 2 ? fc.constant([]) : fc.uniqueArray(fc.integer({ min: 1, max: length - 1 }), { maxLength: 10 }).map((p) => p.sort((a, b) => a - b));

describe("random valid requests", () => {
  it("parse to their model, pipelined, at random splits", () => {
    fc.assert(
      fc.property(
        fc.array(request, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (reqs, closeLast, seed) => {
          const parts = reqs.map((r, i) => serialise(r, i === reqs.length - 1, closeLast));
          const bytes = Buffer.from(parts.map((p) => p.wire).join(""), "latin1");
          const expected = parts.flatMap((p) => p.log);
          // Derive split points from the seed so the whole case shrinks as one value.
          const rng = fc.sample(splitPoints(bytes.length), { numRuns: 1, seed })[0]!;
          expect(runChunks("request", [bytes])).toEqual(expected);
          expect(runChunks("request", splitAt(bytes, rng))).toEqual(expected);
          // Node's llhttp reads the same messages (when it knows every method).
          if (reqs.every((r) => nativeMethods.includes(r.method))) {
            const peer = runLlhttp("request", [bytes]);
            expect(peer.error).toBeNull();
            expect(peer.log).toEqual(expected.map((l) => l.replace(/ cl=.*$/, "")));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("parse to the same model with bare LF line ends under allowBareLF, and fail without it", () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (reqs, seed) => {
        const parts = reqs.map((r, i) => serialise(r, i === reqs.length - 1, false, "\n"));
        const bytes = Buffer.from(parts.map((p) => p.wire).join(""), "latin1");
        const points = fc.sample(splitPoints(bytes.length), { numRuns: 1, seed })[0]!;
        expect(runChunks("request", splitAt(bytes, points), { options: { allowBareLF: true } })).toEqual(parts.flatMap((p) => p.log));
        expect(runChunks("request", [bytes]).at(-1)).toMatch(/^error (INVALID_LINE_ENDING|INVALID_VERSION) @/);
      }),
      { numRuns: 150 },
    );
  });
});

describe("obs-fold under allowObsFold", () => {
  it("joins a value folded at any of its inner spaces back into the same value", () => {
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 5 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), fc.constantFrom(" ", "\t", "  \t"), (fields, foldAt, indent) => {
        // A single space between two visible bytes may become an obs-fold (CRLF + RWS).
        let k = 0;
        const lines = fields.map((f) => `${f.name}: ${f.value.replace(/(?<=[^ \t]) (?=[^ \t])/g, () => (foldAt[k++ % foldAt.length] ? `\r\n${indent}` : " "))}`);
        const wire = Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\n${lines.join("\r\n")}\r\n\r\n`, "latin1");
        const raw = ["Host", "a", ...fields.flatMap((f) => [f.name, f.value])];
        const folded = wire.includes("\r\n" + indent);
        const lenient = runChunks("request", [wire], { options: { allowObsFold: true } });
        expect(lenient).toEqual([`head GET / 1.1 ${formatFields(raw)} cl=-1 chunked=0 keepAlive=1 upgrade=0 expect=0`, "complete []"]);
        const strict = runChunks("request", [wire]);
        if (folded) expect(strict.at(-1)).toMatch(/^error OBS_FOLD @/);
        else expect(strict).toEqual(lenient);
      }),
      { numRuns: 300 },
    );
  });
});

describe("random valid responses", () => {
  const response = fc.record({
    status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
    reason: chars("abcdefghij KLMNOP\t", 0, 20).map((r) => r.trim()),
    fields: fc.array(field, { maxLength: 6 }),
    body: bodyBytes,
    chunked: fc.boolean(),
  });
  it("parse to their model at random splits", () => {
    fc.assert(
      fc.property(fc.array(response, { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (resps, seed) => {
        let wire = "";
        const expected: string[] = [];
        for (const r of resps) {
          const raw = r.fields.flatMap((f) => [f.name, f.value]);
          const framingField = r.chunked ? ["Transfer-Encoding", "chunked"] : ["Content-Length", String(r.body.length)];
          raw.push(...framingField);
          wire += `HTTP/1.1 ${r.status} ${r.reason}\r\n${r.fields.map((f) => `${f.name}:${f.before}${f.value}${f.value === "" ? "" : f.after}\r\n`).join("")}${framingField[0]}: ${framingField[1]}\r\n\r\n`;
          wire += r.chunked ? (r.body.length > 0 ? `${r.body.length.toString(16)}\r\n${r.body}\r\n` : "") + "0\r\n\r\n" : r.body;
          expected.push(`head ${r.status} "${escapeBytes(r.reason)}" 1.1 ${formatFields(raw)} cl=${r.chunked ? -1 : r.body.length} chunked=${+r.chunked} keepAlive=1 upgrade=0`);
          if (r.body.length > 0) expected.push(`body ${escapeBytes(r.body)}`);
          expected.push("complete []");
        }
        const bytes = Buffer.from(wire, "latin1");
        const points = fc.sample(splitPoints(bytes.length), { numRuns: 1, seed })[0]!;
        expect(runChunks("response", splitAt(bytes, points))).toEqual(expected);
        // Node's llhttp reads the same responses.
        const peer = runLlhttp("response", [bytes]);
        expect(peer.error).toBeNull();
        expect(peer.log).toEqual(expected.map((l) => l.replace(/ cl=.*$/, "")));
      }),
      { numRuns: 200 },
    );
  });
});

describe("random bodiless responses", () => {
  // 1xx, 204 and 304 end at their empty line whatever their fields say, and so does every
  // response when onHead says it answers HEAD (RFC 9112 §6.3 ¶1).
  const framingField = fc.constantFrom<[string, string] | null>(null, ["Content-Length", "7"], ["Transfer-Encoding", "chunked"]);
  const interim = fc.record({ status: fc.constantFrom(100, 102, 103), fields: fc.array(field, { maxLength: 3 }) });
  const final = fc.record({ status: fc.constantFrom(204, 304, 200, 404), framing: framingField, fields: fc.array(field, { maxLength: 3 }) });
  it("end at their head, interim responses first, with or without HEAD", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(interim, { maxLength: 2 }), final), { minLength: 1, maxLength: 3 }), fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (exchanges, head, seed) => {
        let wire = "";
        const expected: string[] = [];
        const headLine = (status: number, raw: string[], framing: [string, string] | null): string => {
          const cl = framing?.[0] === "Content-Length" ? Number(framing[1]) : -1;
          const chunked = framing?.[0] === "Transfer-Encoding" ? 1 : 0;
          // keepAlive is decided before onHead answers "no body": a 2xx-5xx response without
          // framing fields reads as close-delimited there, as llhttp reports it too. The
          // parser still reads the next response, which is what this property checks.
          const closeDelimited = framing === null && status >= 200 && status !== 204 && status !== 304;
          return `head ${status} "R" 1.1 ${formatFields(raw)} cl=${cl} chunked=${chunked} keepAlive=${closeDelimited ? 0 : 1} upgrade=0`;
        };
        for (const [interims, fin] of exchanges) {
          for (const i of interims) {
            const raw = i.fields.flatMap((f) => [f.name, f.value]);
            wire += `HTTP/1.1 ${i.status} R\r\n${i.fields.map((f) => `${f.name}: ${f.value}\r\n`).join("")}\r\n`;
            expected.push(headLine(i.status, raw, null), "complete []");
          }
          const bodiless = head || fin.status === 204 || fin.status === 304;
          // A 200/404 that is not to HEAD needs a length to stay on the connection.
          const framing = bodiless ? fin.framing : (["Content-Length", "0"] as [string, string]);
          const raw = [...fin.fields.flatMap((f) => [f.name, f.value]), ...(framing ?? [])];
          wire += `HTTP/1.1 ${fin.status} R\r\n${fin.fields.map((f) => `${f.name}: ${f.value}\r\n`).join("")}${framing ? `${framing[0]}: ${framing[1]}\r\n` : ""}\r\n`;
          expected.push(headLine(fin.status, raw, framing), "complete []");
        }
        const bytes = Buffer.from(wire, "latin1");
        const points = fc.sample(splitPoints(bytes.length), { numRuns: 1, seed })[0]!;
        expect(runChunks("response", splitAt(bytes, points), { noBody: head })).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe("random bytes", () => {
  // Bytes biased towards HTTP-looking input so the fuzzer gets past the first line.
  const piece = fc.oneof(
    fc.uint8Array({ maxLength: 16 }),
    fc.constantFrom("GET / HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n", "Host: a\r\n", "Content-Length: 3\r\n", "Transfer-Encoding: chunked\r\n", "\r\n", "\n", "\r", " ", "0\r\n", "5;a=b\r\n", ": ", "\t", "Connection: close\r\n").map((s) => Buffer.from(s, "latin1")),
  );
  const input = fc.array(piece, { maxLength: 24 }).map((ps) => Buffer.concat(ps));

  for (const kind of ["request", "response"] as const) {
    it(`never make a ${kind} parser throw anything but ParseError, and always return`, () => {
      fc.assert(
        fc.property(input, fc.uniqueArray(fc.nat(400), { maxLength: 6 }), fc.boolean(), (bytes, cuts, lenient) => {
          const points = cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
          const options = lenient ? { allowBareLF: true, allowObsFold: true, allowChunkSizeWhitespace: true } : undefined;
          const log = runChunks(kind, splitAt(bytes, points), { options, noBody: false });
          expect(log.filter((l) => l.startsWith("throw ") || l.startsWith("short-push") || l === "body-not-a-view")).toEqual([]);
          // And the split never changes the outcome.
          expect(log).toEqual(runChunks(kind, [bytes], { options }));
        }),
        { numRuns: 1000 },
      );
    });
  }

  it("keeps throwing the same ParseError after the first one", () => {
    fc.assert(
      fc.property(input, (bytes) => {
        const parser = createParser("request", { onHead() {}, onBody() {}, onComplete() {} });
        let first: unknown = null;
        try {
          parser.push(bytes);
          parser.finish();
        } catch (error) {
          first = error;
        }
        if (first === null) return;
        expect(isParseError(first)).toBe(true);
        expect(() => parser.push(Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))).toThrow(first as Error);
      }),
      { numRuns: 300 },
    );
  });
});
