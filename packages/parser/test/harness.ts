/**
 * The split harness: runs one parser case over many partitions of its input and records
 * the events as short text lines, so that "any split gives the same events" is checked
 * by comparing one log.
 *
 * Log lines:
 *   head GET /x 1.1 [Host: a] cl=-1 chunked=0 keepAlive=1 upgrade=0 expect=0   (request)
 *   head 200 "OK" 1.1 [Content-Length: 2] cl=2 chunked=0 keepAlive=1 upgrade=0  (response)
 *   body <bytes>            consecutive onBody calls joined, so splits compare equal
 *   complete [Trailer: v]
 *   error CODE @offset
 * Bytes outside printable ASCII are written as \xHH so a log line is always one line.
 */
import fc from "fast-check";
import { createParser, isParseError } from "@k/parser";
import type { MessageHead, ParserKind, ParserOptions, ParseErrorCode } from "@k/parser";
import { escapeBytes, formatFields } from "./log-format.ts";

export { escapeBytes, formatFields };

/** One parser case, as data. */
export interface Case {
  /** What the case shows, as a present-tense fact. */
  name: string;
  /** Provenance: RFC section, CVE, issue or upstream test that motivates the case. */
  reason: string;
  kind: ParserKind;
  /** The wire bytes; a string is read as latin1 (one char = one byte). */
  input: string | Uint8Array;
  options?: ParserOptions;
  /** onHead returns true: the message has no body whatever its headers say (response to HEAD). */
  noBody?: boolean;
  /** Call finish() after the last push (default true). */
  finish?: boolean;
  /** The exact log, or the error code (one of several when the contract allows more than one). */
  expect: readonly string[] | ErrorExpectation;
}

export interface ErrorExpectation {
  error: ParseErrorCode | readonly ParseErrorCode[];
  /** When given: the exact lines logged before the error line. */
  before?: readonly string[];
}

/** Options of one run. */
export interface RunFlags {
  options?: ParserOptions | undefined;
  noBody?: boolean | undefined;
  finish?: boolean | undefined;
}

/**
 * The case's bytes in an ArrayBuffer of their own (not Node's shared Buffer pool), so that
 * "onBody gives a view of the pushed bytes" can be checked by identity of the buffer.
 */
export function toBytes(input: string | Uint8Array): Uint8Array {
  const source = typeof input === "string" ? Buffer.from(input, "latin1") : input;
  const own = new Uint8Array(source.length);
  own.set(source);
  return own;
}

export function formatHead(kind: ParserKind, h: MessageHead): string {
  const tail = `${formatFields(h.rawHeaders)} cl=${h.contentLength} chunked=${+h.chunked} keepAlive=${+h.keepAlive} upgrade=${+h.upgrade}`;
  return kind === "request"
    ? `head ${escapeBytes(h.method)} ${escapeBytes(h.target)} ${h.version} ${tail} expect=${+h.expectContinue}`
    : `head ${h.status} "${escapeBytes(h.reason)}" ${h.version} ${tail}`;
}

/**
 * Runs one parser over `chunks` (pushed in order) and returns the log. Anything thrown
 * that is not a ParseError is logged as `throw ...` so that it fails the comparison
 * instead of hiding behind an expected error.
 */
export function runChunks(kind: ParserKind, chunks: readonly Uint8Array[], flags: RunFlags = {}): string[] {
  const log: string[] = [];
  let body: string | null = null;
  const flush = (): void => {
    if (body !== null) log.push(`body ${escapeBytes(body)}`);
    body = null;
  };
  let current: Uint8Array | undefined;
  const parser = createParser(
    kind,
    {
      onHead(head) {
        flush();
        log.push(formatHead(kind, head));
        return flags.noBody === true ? true : undefined;
      },
      onBody(bytes) {
        // The contract promises views into the pushed bytes, never copies.
        const inside =
          current !== undefined &&
          bytes.buffer === current.buffer &&
          bytes.byteOffset >= current.byteOffset &&
          bytes.byteOffset + bytes.byteLength <= current.byteOffset + current.byteLength;
        if (!inside) log.push("body-not-a-view");
        body = (body ?? "") + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
      },
      onComplete(trailers) {
        flush();
        log.push(`complete ${formatFields(trailers)}`);
      },
    },
    flags.options,
  );
  try {
    for (const chunk of chunks) {
      current = chunk;
      const used = parser.push(chunk);
      if (used !== chunk.length) log.push(`short-push ${used}/${chunk.length}`);
    }
    current = undefined;
    if (flags.finish !== false) parser.finish();
    flush();
  } catch (error) {
    flush();
    if (isParseError(error)) log.push(`error ${error.code} @${error.offset}`);
    else log.push(`throw ${String(error)}`);
  }
  return log;
}

/** Cuts `bytes` at the given sorted, distinct points (each in 1..length-1). */
export function splitAt(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

/**
 * The 2-way split points to try: every one for inputs up to 9,000 bytes (which covers the
 * 8 KiB target-length case and the head-size boundary cases, run with a small limit). Above
 * that (the 17 KB default-head-limit cases and the 100 KB+ chunk-extension floods), 256
 * evenly spaced points plus the first and last 64: every split of a 17 KB head that hits
 * the limit costs ~10 s, for no split position the boundary cases do not already cover.
 */
export function twoWayPoints(length: number): number[] {
  if (length <= 9_000) return Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1);
  const set = new Set<number>();
  for (let i = 1; i <= 64; i++) {
    set.add(i);
    set.add(length - i);
  }
  for (let i = 1; i < 256; i++) set.add(Math.floor((length * i) / 256));
  return [...set].filter((p) => p > 0 && p < length).sort((a, b) => a - b);
}

export interface SplitReport {
  /** The log of the whole input in one push. */
  whole: string[];
  /** Descriptions of runs whose log differs from `whole` (first few only). */
  mismatches: string[];
}

/**
 * Runs whole, at every 2-way split, byte at a time, and at `randomRuns` random partitions
 * (fast-check), and reports the runs whose log differs from the whole run's.
 */
export function runAllSplits(kind: ParserKind, input: string | Uint8Array, flags: RunFlags = {}, randomRuns = 50): SplitReport {
  const bytes = toBytes(input);
  const whole = runChunks(kind, [bytes], flags);
  const expected = whole.join("\n");
  const mismatches: string[] = [];
  const check = (label: string, chunks: Uint8Array[]): boolean => {
    const got = runChunks(kind, chunks, flags).join("\n");
    if (got !== expected && mismatches.length < 3) mismatches.push(`${label}:\n${got}`);
    return got === expected;
  };
  for (const p of twoWayPoints(bytes.length)) if (!check(`split at ${p}`, splitAt(bytes, [p]))) break;
  if (bytes.length <= 65536) {
    const single: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i++) single.push(bytes.subarray(i, i + 1));
    check("byte at a time", single);
  }
  if (bytes.length > 2) {
    const result = fc.check(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), (points) => {
        const sorted = [...points].sort((a, b) => a - b);
        return check(`random split at ${sorted.join(",")}`, splitAt(bytes, sorted));
      }),
      { numRuns: randomRuns },
    );
    void result;
  }
  return { whole, mismatches };
}

/** Whether `log` satisfies the case's expectation; returns a message when it does not. */
export function checkExpectation(c: Case, log: readonly string[]): string | null {
  if (isErrorExpectation(c.expect)) {
    const codes = typeof c.expect.error === "string" ? [c.expect.error] : c.expect.error;
    const last = log.at(-1) ?? "";
    const match = /^error ([A-Z_0-9]+) @\d+$/.exec(last);
    if (match === null || !codes.includes(match[1] as ParseErrorCode)) {
      return `expected error ${codes.join(" | ")}, got:\n${log.join("\n")}`;
    }
    if (c.expect.before !== undefined && log.slice(0, -1).join("\n") !== c.expect.before.join("\n")) {
      return `expected before the error:\n${c.expect.before.join("\n")}\ngot:\n${log.join("\n")}`;
    }
    return null;
  }
  return log.join("\n") === c.expect.join("\n") ? null : `expected:\n${c.expect.join("\n")}\ngot:\n${log.join("\n")}`;
}

export function isErrorExpectation(e: Case["expect"]): e is ErrorExpectation {
  return !Array.isArray(e);
}

/** The flags of a case, for runChunks / runAllSplits. */
export function flagsOf(c: Case): RunFlags {
  return { options: c.options, noBody: c.noBody, finish: c.finish };
}
