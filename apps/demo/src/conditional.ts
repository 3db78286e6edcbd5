/**
 * Validators, conditional requests and byte ranges for static files (RFC 9110 §8.8, §13,
 * §14): the weak ETag and Last-Modified of a file, the precondition evaluation order of
 * §13.2.2, and the single-range `Range: bytes=` parser.
 *
 * Deliberately not supported: multiple ranges (multipart/byteranges) — a Range with more than
 * one range is ignored and the whole file is sent with 200, which §14.2 allows. Pure functions
 * over strings and numbers; no file system access.
 */
import { parseDecimal } from "./args.js";

/** What a file's validators are computed from. */
export interface FileValidators {
  size: number;
  /** Modification time in milliseconds since the epoch. */
  mtimeMs: number;
}

/** The weak entity-tag of a file: `W/"<size hex>-<mtime ms hex>"`. Weak because equal size and mtime do not prove equal bytes. */
export function createETag(file: FileValidators): string {
  return `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
}

/** The Last-Modified value of a file (an IMF-fixdate; HTTP dates have whole seconds). */
export function formatHttpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
// RFC 9110 §5.6.7 IMF-fixdate, the only form we generate; the obsolete forms are rare enough
// that ignoring them (a normal 200) is the safe reading.
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

/** Parses an IMF-fixdate to milliseconds, or returns NaN for anything else. */
export function parseHttpDate(text: string): number {
  const match = IMF_FIXDATE.exec(text.trim());
  if (match === null) return Number.NaN;
  const month = MONTHS.indexOf(match[2]!);
  if (month === -1) return Number.NaN;
  const [day, year, hour, minute, second] = [match[1]!, match[3]!, match[4]!, match[5]!, match[6]!].map((d) => parseDecimal(d, 9999)) as [number, number, number, number, number];
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return Number.NaN;
  return Date.UTC(year, month, day, hour, minute, second);
}

/** Splits an entity-tag list (`"a", W/"b"`) into its tags; `*` comes back as ["*"]. */
function parseETagList(value: string): string[] {
  const tags: string[] = [];
  for (const part of value.split(",")) {
    const tag = part.trim();
    if (tag !== "") tags.push(tag);
  }
  return tags;
}

function opaque(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}

/** Weak comparison (§8.8.3.2): the opaque tags match, weakness ignored. */
function weakMatch(a: string, b: string): boolean {
  return opaque(a) === opaque(b);
}

/** Strong comparison: both strong and identical. A weak tag never matches strongly. */
function strongMatch(a: string, b: string): boolean {
  return !a.startsWith("W/") && !b.startsWith("W/") && a === b;
}

/** The request fields the precondition evaluation reads. */
export interface ConditionalRequest {
  method: string;
  ifMatch: string | null;
  ifNoneMatch: string | null;
  ifModifiedSince: string | null;
  ifUnmodifiedSince: string | null;
}

/** What to answer before looking at ranges: go on, 304 Not Modified, or 412 Precondition Failed. */
export type PreconditionResult = "proceed" | 304 | 412;

/**
 * Evaluates preconditions in the order of RFC 9110 §13.2.2 for a file with the given ETag
 * and modification time. If-None-Match takes precedence over If-Modified-Since, If-Match over
 * If-Unmodified-Since; date conditions compare whole seconds.
 */
export function evaluatePreconditions(request: ConditionalRequest, etag: string, mtimeMs: number): PreconditionResult {
  const modified = Math.floor(mtimeMs / 1000) * 1000;
  const getOrHead = request.method === "GET" || request.method === "HEAD";
  // Step 1 / 2.
  if (request.ifMatch !== null) {
    const tags = parseETagList(request.ifMatch);
    if (!tags.includes("*") && !tags.some((tag) => strongMatch(tag, etag))) return 412;
  } else if (request.ifUnmodifiedSince !== null) {
    const since = parseHttpDate(request.ifUnmodifiedSince);
    if (!Number.isNaN(since) && modified > since) return 412;
  }
  // Step 3 / 4.
  if (request.ifNoneMatch !== null) {
    const tags = parseETagList(request.ifNoneMatch);
    if (tags.includes("*") || tags.some((tag) => weakMatch(tag, etag))) return getOrHead ? 304 : 412;
  } else if (getOrHead && request.ifModifiedSince !== null) {
    const since = parseHttpDate(request.ifModifiedSince);
    if (!Number.isNaN(since) && modified <= since) return 304;
  }
  return "proceed";
}

/**
 * Whether a Range may be honoured given If-Range (§13.1.5): no If-Range → yes; an entity-tag
 * must match strongly (ours are weak, so it never does, and the full file is sent); a date must
 * equal Last-Modified exactly.
 */
export function ifRangeAllows(ifRange: string | null, etag: string, mtimeMs: number): boolean {
  if (ifRange === null) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith("W/")) return strongMatch(value, etag);
  const date = parseHttpDate(value);
  return !Number.isNaN(date) && date === Math.floor(mtimeMs / 1000) * 1000;
}

/** A satisfiable single range: inclusive byte offsets. */
export interface ByteRange {
  start: number;
  end: number;
}

/** The verdict on a Range header: no range (send 200), one range (206), or unsatisfiable (416). */
export type RangeResult = { kind: "none" } | { kind: "range"; range: ByteRange } | { kind: "unsatisfiable" };

function parseOffset(text: string): number {
  // An offset beyond 2^53 cannot name a byte of any file; it reads as invalid syntax (ignored).
  return parseDecimal(text, Number.MAX_SAFE_INTEGER);
}

/**
 * Parses `Range: bytes=...` against a representation of `size` bytes (RFC 9110 §14.1.2).
 * Forms: `a-b`, `a-` (to the end), `-n` (the last n bytes). A syntactically invalid header,
 * another unit, or more than one range → `none` (the server may ignore Range, §14.2).
 */
export function parseRange(header: string | null, size: number): RangeResult {
  if (header === null) return { kind: "none" };
  const eq = header.indexOf("=");
  if (eq === -1 || header.slice(0, eq).trim().toLowerCase() !== "bytes") return { kind: "none" };
  const set = header.slice(eq + 1).trim();
  if (set.includes(",")) return { kind: "none" };
  const dash = set.indexOf("-");
  if (dash === -1) return { kind: "none" };
  const first = set.slice(0, dash).trim();
  const last = set.slice(dash + 1).trim();
  if (first === "") {
    const suffix = parseOffset(last);
    if (suffix < 0) return { kind: "none" };
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "range", range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = parseOffset(first);
  if (start < 0) return { kind: "none" };
  let end = size - 1;
  if (last !== "") {
    end = parseOffset(last);
    // last < first makes the whole range-spec invalid (§14.1.1), not unsatisfiable.
    if (end < 0 || end < start) return { kind: "none" };
    end = Math.min(end, size - 1);
  }
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "range", range: { start, end } };
}
