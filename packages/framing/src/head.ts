/**
 * Response head serialisation: the status line, the handler's header fields, the
 * strategy's framing fields, all validated, as one latin1 string or one byte array.
 *
 * It does not choose framing (choose.ts) and does not add Date, Server or any other
 * field: it writes what it is given, minus the fields the framing strategy owns.
 * Returned arrays are fresh: the caller owns them.
 */

import { FramingError } from "./errors.js";
import { standardStatusLine } from "./status.js";
import type { HeaderInit, HeaderValue } from "./types.js";

// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA. One table lookup per char.
const TOKEN = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TOKEN[ch.charCodeAt(0)] = 1;

// RFC 9110 §5.5: field-value chars are VCHAR, obs-text, SP and HTAB. Everything else
// (CR, LF, NUL, the other CTLs, DEL) would let a value inject lines or confuse a peer.
const FIELD_VCHAR = new Uint8Array(256);
FIELD_VCHAR[0x09] = 1;
for (let c = 0x20; c <= 0x7e; c++) FIELD_VCHAR[c] = 1;
for (let c = 0x80; c <= 0xff; c++) FIELD_VCHAR[c] = 1;

/** Throws INVALID_HEADER unless `name` is a non-empty token. */
export function checkName(name: unknown): asserts name is string {
  if (typeof name !== "string" || name.length === 0) {
    throw new FramingError("INVALID_HEADER", `header name must be a non-empty string, got ${describe(name)}`);
  }
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0xff || TOKEN[c] !== 1) {
      throw new FramingError("INVALID_HEADER", `header name ${JSON.stringify(name)} is not a token (RFC 9110 §5.1)`);
    }
  }
}

/** Returns `value` as a string, or throws INVALID_HEADER when it has a forbidden char. */
function checkValue(name: string, value: unknown): string {
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "number") text = String(value);
  else throw new FramingError("INVALID_HEADER", `value of ${name} must be a string or a number, got ${describe(value)}`);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || FIELD_VCHAR[c] !== 1) {
      throw new FramingError(
        "INVALID_HEADER",
        `value of ${name} has ${c > 0xff ? "a char above 0xFF" : "a control char"} (0x${c.toString(16)}) at ${i} (RFC 9110 §5.5)`,
      );
    }
  }
  return text;
}

function describe(value: unknown): string {
  return value === null ? "null" : typeof value === "object" ? "an object" : typeof value;
}

/** Case-insensitive equality of a validated token with a lower-case literal, without allocating. */
export function isName(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) {
    // Tokens hold no char whose 0x20 bit could turn it into another token char of `lower`
    // except the case of a letter, so OR-ing 0x20 is a safe case fold here.
    if ((name.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Calls `visit(name, value)` for every field line `headers` stands for: records expand
 * arrays into repeated lines and skip `undefined`; iterables give their pairs as they
 * come. Names and values are validated before `visit` sees them.
 */
export function forEachHeader(headers: HeaderInit, visit: (name: string, value: string) => void): void {
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === "function") {
    for (const pair of headers as Iterable<readonly [string, string | number]>) {
      if (pair === null || typeof pair !== "object") {
        throw new FramingError("INVALID_HEADER", `a header entry must be a [name, value] pair, got ${describe(pair)}`);
      }
      const name = pair[0];
      checkName(name);
      visit(name, checkValue(name, pair[1]));
    }
    return;
  }
  const record = headers as Readonly<Record<string, HeaderValue | undefined>>;
  for (const name in record) {
    if (!Object.hasOwn(record, name)) continue;
    const value = record[name];
    if (value === undefined) continue;
    checkName(name);
    if (Array.isArray(value)) {
      for (const item of value as readonly unknown[]) visit(name, checkValue(name, item));
    } else {
      visit(name, checkValue(name, value));
    }
  }
}

/** Throws INVALID_STATUS unless `status` is an integer in 100..999 (RFC 9110 §15). */
export function checkStatus(status: unknown): asserts status is number {
  if (typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 999) {
    throw new FramingError("INVALID_STATUS", `status must be an integer in 100..999, got ${String(status)}`);
  }
}

/** The status line with its CRLF; a custom reason is validated (RFC 9112 §4 reason-phrase). */
export function statusLine(status: unknown, reason: string | undefined): string {
  checkStatus(status);
  if (reason === undefined) return standardStatusLine(status);
  if (typeof reason !== "string") {
    throw new FramingError("INVALID_STATUS", `reason must be a string, got ${describe(reason)}`);
  }
  for (let i = 0; i < reason.length; i++) {
    const c = reason.charCodeAt(i);
    if (c > 0xff || FIELD_VCHAR[c] !== 1) {
      throw new FramingError("INVALID_STATUS", `reason phrase has a forbidden char (0x${c.toString(16)}) at ${i} (RFC 9112 §4)`);
    }
  }
  return `HTTP/1.1 ${status} ${reason}\r\n`;
}

/** Which handler fields a strategy replaces with its own. Content-Length and Transfer-Encoding always. */
export type DropRule = null | "connection" | ReadonlySet<string>;

/**
 * The head as a latin1 string: status line, the handler's fields (minus Content-Length,
 * Transfer-Encoding and what `drop` names), then `framingLines` (already formatted), then
 * the blank line. Throws before returning anything if a field or the status is invalid.
 */
export function headText(
  status: number,
  reason: string | undefined,
  headers: HeaderInit | undefined,
  framingLines: string,
  drop: DropRule,
): string {
  let text = statusLine(status, reason);
  if (headers !== undefined && headers !== null) {
    if (Array.isArray(headers)) {
      // The common shape (the handler's own pair list): indexed, and each line comes from
      // the cache of validated lines instead of being checked char by char again.
      for (let i = 0; i < headers.length; i++) {
        const pair: unknown = headers[i];
        if (pair === null || typeof pair !== "object") {
          throw new FramingError("INVALID_HEADER", `a header entry must be a [name, value] pair, got ${describe(pair)}`);
        }
        const name = (pair as readonly unknown[])[0];
        const line = fieldLine(name, (pair as readonly unknown[])[1]);
        if (keepField(name as string, drop)) text += line;
      }
    } else {
      forEachHeader(headers, (name, value) => {
        if (keepField(name, drop)) text += `${name}: ${value}\r\n`;
      });
    }
  }
  return `${text}${framingLines}\r\n`;
}

function keepField(name: string, drop: DropRule): boolean {
  // The strategy writes its own framing fields: a handler's copy would duplicate or
  // contradict them, which is how response splitting/smuggling starts (RFC 9112 §6.3).
  if (isName(name, "content-length") || isName(name, "transfer-encoding")) return false;
  if (drop !== null) {
    if (drop === "connection" ? isName(name, "connection") : drop.has(name.toLowerCase())) return false;
  }
  return true;
}

// Validated `name: value\r\n` lines, by name then value: responses repeat the same fields
// (Content-Type, Date for a second, Keep-Alive), and checking every char of each again showed
// in the /hello profile. Strings are immutable, so a cached line stays valid. Bounded: at
// most LINE_NAMES names of at most LINE_VALUES short values each; a full name starts over.
const LINES = new Map<string, Map<string, string>>();
const LINE_NAMES = 64;
const LINE_VALUES = 64;
const LINE_VALUE_MAX_LENGTH = 256;

/** The validated field line for one pair (throws INVALID_HEADER like forEachHeader). */
export function fieldLine(name: unknown, value: unknown): string {
  let byValue: Map<string, string> | undefined;
  if (typeof name === "string" && typeof value === "string") {
    byValue = LINES.get(name);
    const line = byValue?.get(value);
    if (line !== undefined) return line;
  }
  checkName(name);
  const text = checkValue(name, value);
  const line = `${name}: ${text}\r\n`;
  if (typeof value === "string" && value.length <= LINE_VALUE_MAX_LENGTH) {
    if (byValue === undefined && LINES.size < LINE_NAMES) {
      byValue = new Map();
      LINES.set(name, byValue);
    }
    if (byValue !== undefined) {
      if (byValue.size >= LINE_VALUES) byValue.clear();
      byValue.set(value, line);
    }
  }
  return line;
}

type Latin1Writer = (bytes: Buffer, text: string, offset: number) => number;

// Buffer#latin1Write skips Buffer#write's encoding dispatch and argument juggling: half the
// cost for a short head (bench "13 B Content-Length response"). It is not in Node's docs,
// so it is feature-tested once, with the documented call as the fallback.
const latin1Write: Latin1Writer =
  typeof (Buffer.prototype as { latin1Write?: unknown }).latin1Write === "function"
    ? (bytes, text, offset) => (bytes as unknown as { latin1Write(t: string, o: number): number }).latin1Write(text, offset)
    : (bytes, text, offset) => bytes.write(text, offset, "latin1");

/** Writes `text` (latin1, one byte per char) into `bytes` at `offset`; returns the byte count. */
export function writeLatin1(bytes: Buffer, text: string, offset: number): number {
  return latin1Write(bytes, text, offset);
}

/** Writes a latin1 string and then `body` into one fresh array (one allocation, one copy of `body`). */
export function concatHead(text: string, body: Uint8Array | undefined): Uint8Array {
  const bodyLength = body === undefined ? 0 : body.length;
  // Buffer.allocUnsafe + latin1 write: one allocation for head and body together, so the
  // sink gets a single write (bench: "head+body in one write").
  const bytes = Buffer.allocUnsafe(text.length + bodyLength);
  latin1Write(bytes, text, 0);
  if (bodyLength > 0) bytes.set(body as Uint8Array, text.length);
  return bytes;
}

/**
 * Serialises a response head: `HTTP/1.1 <status> <reason>\r\n`, the handler's `headers`,
 * then `framingHeaders`, then the empty line, as latin1 bytes.
 *
 * The handler's Content-Length and Transfer-Encoding are always dropped, and so is any
 * handler field whose name appears in `framingHeaders` (so `[["Connection", "close"]]`
 * replaces the handler's Connection). Everything is validated first: on an error nothing
 * is returned.
 *
 * @throws FramingError INVALID_STATUS, INVALID_HEADER
 * @example
 * serializeHead(200, undefined, { "Content-Type": "text/plain" }, [["Content-Length", 13]]);
 * // "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n"
 */
export function serializeHead(
  status: number,
  reason: string | undefined,
  headers: HeaderInit | undefined,
  framingHeaders?: HeaderInit,
): Uint8Array {
  let framingLines = "";
  let drop: DropRule = null;
  if (framingHeaders !== undefined) {
    const names = new Set<string>();
    forEachHeader(framingHeaders, (name, value) => {
      names.add(name.toLowerCase());
      framingLines += `${name}: ${value}\r\n`;
    });
    drop = names;
  }
  return concatHead(headText(status, reason, headers, framingLines, drop), undefined);
}

// RFC 9110 §6.5.1: fields a recipient must not take from trailers because they control
// framing, routing, authentication, request modifiers, response control or content
// processing. A sender that puts them there is at best ignored, at worst a smuggling aid.
const FORBIDDEN_TRAILERS: ReadonlySet<string> = new Set([
  "content-length",
  "transfer-encoding",
  "trailer",
  "te",
  "host",
  "connection",
  "keep-alive",
  "upgrade",
  "proxy-connection",
  "content-encoding",
  "content-type",
  "content-range",
  "authorization",
  "proxy-authorization",
  "www-authenticate",
  "proxy-authenticate",
  "set-cookie",
  "cookie",
  "cache-control",
  "expect",
  "max-forwards",
  "pragma",
  "range",
  "age",
  "expires",
  "date",
  "location",
  "retry-after",
  "vary",
]);

/**
 * The trailer section's field lines (without the final CRLF), validated; `""` when
 * there are none. Fields that RFC 9110 §6.5.1 keeps out of trailers are INVALID_HEADER.
 */
export function trailerText(trailers: HeaderInit | undefined): string {
  if (trailers === undefined || trailers === null) return "";
  let text = "";
  forEachHeader(trailers, (name, value) => {
    if (FORBIDDEN_TRAILERS.has(name.toLowerCase())) {
      throw new FramingError("INVALID_HEADER", `${name} is not allowed in a trailer section (RFC 9110 §6.5.1)`);
    }
    text += `${name}: ${value}\r\n`;
  });
  return text;
}
