/**
 * The HTTP/1.x push parser (RFC 9112 message syntax, RFC 9110 semantics it needs):
 * request and response heads, Content-Length / chunked / close-delimited bodies,
 * trailers, keep-alive and pipelining, strict by default.
 *
 * How: one numeric state in one `switch` loop. A request head found whole in one push
 * takes a fast path (one validating pass, one latin1 decode, slices). Otherwise heads
 * and trailers are read a line at a time: a line found whole in the pushed bytes is
 * parsed in place (no copy); only the unfinished last line of a push is copied, once,
 * into one line buffer bounded by the head (or trailer) limit, and checked as its bytes
 * arrive (errors are reported by the push that brings the bad byte, and the same error
 * and offset come out whatever the split). Chunk framing is a byte state machine.
 * Body bytes are views.
 *
 * Does not: decode content or transfer codings other than chunked, interpret the
 * request-target, parse anything after a 101 response (the stream is no longer HTTP).
 *
 * Lifetimes: `onBody` views point into the Uint8Array passed to `push` and stay valid
 * as long as the caller leaves that buffer unchanged. Strings (method, target, header
 * names and values) are copies.
 */
import { ParseError } from "./errors.js";
import * as names from "./names.js";
import { defaultParserOptions } from "./options.js";
import * as tables from "./tables.js";
import { hostError, pathQueryError } from "./uri.js";
import type {
  HttpVersion,
  MessageHead,
  ParseErrorCode,
  Parser,
  ParserHandler,
  ParserKind,
  ParserOptions,
} from "./types.js";

// Imported bindings are live: V8's optimised code reads each one from its module cell on
// every use, behind a check that it is initialised (--print-opt-code: a cell load and a hole
// compare per table lookup in the byte loops, a cell load per HEADER_* compare). This
// module's own consts are folded into the code as constants, so the imports the hot paths
// use are copied into such consts once (bench/ab.mjs against the previous build: 3-7% on
// a browser GET, 4-10% on 32 pipelined GETs, 8% on a response head).
const {
  HEADER_CONNECTION,
  HEADER_CONTENT_LENGTH,
  HEADER_EXPECT,
  HEADER_HOST,
  HEADER_TRANSFER_ENCODING,
  HEADER_UPGRADE,
  asNativeBytes,
  KNOWN_SPELLINGS,
  knownHeaderCode,
  knownMethod,
  latin1,
} = names;
const {
  FIELD_OK,
  FIELD_VCHAR,
  HEX,
  ORIGIN,
  ORIGIN_LENIENT,
  QDTEXT,
  QUOTED_PAIR,
  REG_NAME,
  TARGET,
  TARGET_LENIENT,
  TARGET_START,
  TOKEN,
} = tables;

const HTAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const DQUOTE = 0x22;
const COMMA = 0x2c;
const DOT = 0x2e;
const COLON = 0x3a;
const SEMI = 0x3b;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** buf[s, e) is "http" or "https", case-insensitively (RFC 3986 §3.1: schemes are). */
function isHttpScheme(buf: Uint8Array, s: number, e: number): boolean {
  const len = e - s;
  if (len !== 4 && len !== 5) return false;
  if ((buf[s]! | 0x20) !== 0x68 || (buf[s + 1]! | 0x20) !== 0x74 || (buf[s + 2]! | 0x20) !== 0x74 || (buf[s + 3]! | 0x20) !== 0x70) return false;
  return len === 4 || (buf[s + 4]! | 0x20) === 0x73;
}

// Parser states. Numbers, not strings: the switch compiles to a jump table.
const S_HEAD = 0;
const S_HEAD_READY = 1; // head parsed, onHead not yet called
const S_AFTER_HEAD = 2; // onHead returned, body framing not yet chosen
const S_BODY_LENGTH = 3;
const S_BODY_CLOSE = 4;
const S_CHUNK_SIZE_START = 5;
const S_CHUNK_SIZE = 6;
const S_CHUNK_SIZE_WS = 7;
const S_CHUNK_EXT = 8;
const S_CHUNK_SIZE_LF = 9;
const S_CHUNK_DATA = 10;
const S_CHUNK_DATA_CR = 11;
const S_CHUNK_DATA_LF = 12;
const S_TRAILERS = 13;
const S_MESSAGE_DONE = 14; // onComplete not yet called
const S_CLOSED = 15;
const S_UPGRADED = 16;

// Sub-states of chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ) (RFC 9112 §7.1.1).
const X_BEFORE_NAME = 0;
const X_NAME = 1;
const X_AFTER_NAME = 2;
const X_BEFORE_VALUE = 3;
const X_VALUE = 4;
const X_QUOTED = 5;
const X_QUOTED_ESCAPE = 6;
const X_QUOTED_END = 7;
const X_AFTER_VALUE = 8;

// Bits from a Connection field value.
const CONN_CLOSE = 1;
const CONN_KEEP_ALIVE = 2;
const CONN_UPGRADE = 4;

const EMPTY = new Uint8Array(0);
const HAS_BUFFER = typeof Buffer === "function";

const CRLFCRLF: Uint8Array = HAS_BUFFER ? Buffer.from("\r\n\r\n", "latin1") : EMPTY;

/**
 * One shape for every head (all fields set once, in the constructor, in one order) so
 * engines keep one hidden class. `declare` fields: no define-then-assign per field.
 */
class Head implements MessageHead {
  declare method: string;
  declare target: string;
  declare status: number;
  declare reason: string;
  declare version: HttpVersion;
  declare rawHeaders: string[];
  declare contentLength: number;
  declare chunked: boolean;
  declare keepAlive: boolean;
  declare upgrade: boolean;
  declare expectContinue: boolean;
  constructor(
    method: string,
    target: string,
    status: number,
    reason: string,
    version: HttpVersion,
    rawHeaders: string[],
    contentLength: number,
    chunked: boolean,
    keepAlive: boolean,
    upgrade: boolean,
    expectContinue: boolean,
  ) {
    this.method = method;
    this.target = target;
    this.status = status;
    this.reason = reason;
    this.version = version;
    this.rawHeaders = rawHeaders;
    this.contentLength = contentLength;
    this.chunked = chunked;
    this.keepAlive = keepAlive;
    this.upgrade = upgrade;
    this.expectContinue = expectContinue;
  }
}

// V8 builds Head's shape through map transitions, which it holds weakly: after a full GC
// with no Head alive the shape dies, and every optimised function that embeds it (#run,
// #endHead, #chooseBody, a caller's onHead) is thrown away ("weak objects" in
// --trace-deopt) and runs slow until it is optimised again. A server sees such GCs between
// bursts. One Head kept for the life of the module keeps the shape, and with it the
// optimised code, alive (test/gc-deopt.test.ts; bench/run.mjs forces GCs between rounds).
/** @internal Exported only so that no bundler drops it as unused. */
export const headShapeAnchor: MessageHead = new Head("", "", 0, "", "1.1", [], -1, false, false, false, false);

function limit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value >= 0)) throw new RangeError(`${name} must be a number >= 0, got ${String(value)}`);
  return value;
}

// (ns, ne, vs, ve) per field of the head #fastFields reads: one array for every parser (it is
// filled and read within one #fastFields call, which calls no user code), not 350 bytes per
// idle connection. Grows with the largest head seen, at most maxHeaderCount fields.
let fieldOffsets = new Int32Array(64);

class HttpParser implements Parser {
  readonly #request: boolean;
  readonly #handler: ParserHandler;
  readonly #maxHeadSize: number;
  readonly #maxHeaderCount: number;
  readonly #maxTargetLength: number;
  readonly #maxExtLine: number;
  readonly #maxExtTotal: number;
  readonly #maxTrailerSize: number;
  readonly #maxBodySize: number;
  readonly #allowBareLF: boolean;
  readonly #allowObsFold: boolean;
  readonly #allowChunkSizeWhitespace: boolean;
  readonly #allowUnsafeTargetChars: boolean;
  readonly #allowNonHttpSchemes: boolean;
  /** TARGET, or TARGET_LENIENT under allowUnsafeTargetChars: the request-target's byte class. */
  readonly #targetBytes: Uint8Array;
  /** ORIGIN, or ORIGIN_LENIENT: the origin-form bytes the fast path takes without a look. */
  readonly #originBytes: Uint8Array;

  #state = S_HEAD;
  #error: ParseError | null = null;
  #paused = false;
  /** Stream offset of byte 0 of the current push. */
  #base = 0;

  // Line machinery, shared by the head and the trailer section.
  /** Holds the unfinished last line of a push; grows up to the section limit. */
  #line: Uint8Array = EMPTY;
  #lineLen = 0;
  /** Stream offset of #line[0]. */
  #lineOffset = 0;
  /** Bytes of the current section (head or trailers) in completed lines. */
  #sectionBytes = 0;
  #startDone = false;
  #fieldCount = 0;
  #fields: string[] = [];
  /** Triples (header id, index of the value in #fields, stream offset of the value). */
  #specials: number[] = [];
  /** Used length of #specials: reset by a store, not by `length = 0` (a runtime call per message). */
  #specialLen = 0;
  // Incremental scan of an unfinished line: how far it is checked, and where in its
  // grammar that point is. Lets a bad byte or an over-long target be reported as soon as
  // it arrives without rescanning the line on every push (no quadratic cost).
  #pScan = 0;
  #pPhase = 0;
  #pMark = 0;

  // Start line.
  #method = "";
  #target = "";
  #status = 0;
  #reason = "";
  #version: HttpVersion = "1.1";

  // Current message.
  #head: Head | null = null;
  #skipBody = false;
  #keepAlive = true;
  #trailers: string[] = [];
  #remaining = 0;
  #chunkSize = 0;
  #bodyTotal = 0;
  #extState = X_BEFORE_NAME;
  #extLine = 0;
  #extTotal = 0;

  constructor(kind: ParserKind, handler: ParserHandler, options: ParserOptions | undefined) {
    if (kind !== "request" && kind !== "response") {
      throw new TypeError(`kind must be "request" or "response", got ${String(kind)}`);
    }
    const o = options ?? {};
    const d = defaultParserOptions;
    this.#request = kind === "request";
    this.#handler = handler;
    this.#maxHeadSize = limit(o.maxHeadSize, d.maxHeadSize, "maxHeadSize");
    this.#maxHeaderCount = limit(o.maxHeaderCount, d.maxHeaderCount, "maxHeaderCount");
    this.#maxTargetLength = limit(o.maxTargetLength, d.maxTargetLength, "maxTargetLength");
    this.#maxExtLine = limit(o.maxChunkExtensionSize, d.maxChunkExtensionSize, "maxChunkExtensionSize");
    // types.ts: one limit for the bytes on one line and in total per message.
    this.#maxExtTotal = this.#maxExtLine;
    this.#maxTrailerSize = limit(o.maxTrailerSize, d.maxTrailerSize, "maxTrailerSize");
    this.#maxBodySize = limit(o.maxBodySize, d.maxBodySize, "maxBodySize");
    this.#allowBareLF = o.allowBareLF === true;
    this.#allowObsFold = o.allowObsFold === true;
    this.#allowChunkSizeWhitespace = o.allowChunkSizeWhitespace === true;
    this.#allowUnsafeTargetChars = o.allowUnsafeTargetChars === true;
    this.#allowNonHttpSchemes = o.allowNonHttpSchemes === true;
    this.#targetBytes = this.#allowUnsafeTargetChars ? TARGET_LENIENT : TARGET;
    this.#originBytes = this.#allowUnsafeTargetChars ? ORIGIN_LENIENT : ORIGIN;
  }

  get error(): ParseError | null {
    return this.#error;
  }

  pause(): void {
    this.#paused = true;
  }

  reset(): void {
    this.#state = S_HEAD;
    this.#error = null;
    this.#paused = false;
    this.#base = 0;
    this.#lineLen = 0;
    this.#keepAlive = true;
    this.#trailers = [];
    this.#forgetDecoded();
    this.#startMessage();
  }

  push(bytes: Uint8Array, start = 0): number {
    if (this.#error !== null) throw this.#error;
    if (start !== 0 && !(Number.isInteger(start) && start > 0 && start <= bytes.length)) {
      throw new RangeError(`start must be an integer in 0..${bytes.length}, got ${String(start)}`);
    }
    this.#paused = false;
    // A push that continues the previous one where a pause stopped it (same bytes, start at
    // the end of what it consumed) keeps that push's decoded text: pipelined heads read one
    // pause at a time share one decode. Anything else starts afresh.
    if (start === 0 || bytes !== this.#lastBytes || start !== this.#lastEnd) this.#forgetDecoded();
    // Offsets in errors count from the start of the stream: index i of `bytes` is stream
    // offset base + i - start while #run runs.
    this.#base -= start;
    let end = start;
    try {
      end = this.#run(bytes, asNativeBytes(bytes), start);
    } catch (e) {
      this.#forgetDecoded();
      if (e instanceof ParseError) this.#error = e;
      throw e;
    } finally {
      this.#base += end;
    }
    if (this.#paused && end < bytes.length) {
      this.#lastBytes = bytes;
      this.#lastEnd = end;
    } else {
      this.#forgetDecoded();
    }
    return end - start;
  }

  /** Drops the decoded text of the last push and the buffers it came from. */
  #forgetDecoded(): void {
    this.#lastBytes = EMPTY;
    this.#lastEnd = 0;
    this.#hBuf = EMPTY;
    this.#hStr = "";
    this.#fBuf = EMPTY;
    this.#fStr = "";
  }

  finish(): void {
    if (this.#error !== null) throw this.#error;
    // Run callbacks that a pause() left pending (they need no bytes).
    for (let guard = 0; guard < 4; guard++) {
      const s = this.#state;
      if (s !== S_HEAD_READY && s !== S_AFTER_HEAD && s !== S_MESSAGE_DONE) break;
      this.push(EMPTY);
    }
    switch (this.#state) {
      case S_HEAD:
        // Between messages (possibly after ignored empty lines) the stream may end.
        if (this.#lineLen === 0 && !this.#startDone) return;
        break;
      case S_BODY_CLOSE:
        // RFC 9112 §6.3 item 8: a close-delimited body ends with the connection.
        this.#state = S_CLOSED;
        this.#handler.onComplete([]);
        return;
      case S_CLOSED:
      case S_UPGRADED:
        return;
    }
    this.#error = new ParseError("UNEXPECTED_EOF", this.#base, "expected the rest of the message before the end of input");
    throw this.#error;
  }

  #fail(code: ParseErrorCode, offset: number, expected: string): never {
    throw new ParseError(code, offset, expected);
  }

  /** Per-message state back to "before a head". */
  #startMessage(): void {
    this.#sectionBytes = 0;
    this.#startDone = false;
    this.#fieldCount = 0;
    this.#fields = [];
    this.#specialLen = 0;
    this.#pScan = 0;
    this.#pPhase = 0;
    this.#pMark = 0;
    this.#method = "";
    this.#target = "";
    this.#status = 0;
    this.#reason = "";
    this.#head = null;
    this.#skipBody = false;
    this.#remaining = 0;
    this.#chunkSize = 0;
    this.#bodyTotal = 0;
    this.#extLine = 0;
    this.#extTotal = 0;
  }

  /** The state loop. Returns the bytes consumed (less than all only after pause() or a 101). */
  #run(bytes: Uint8Array, buf: Uint8Array, start: number): number {
    const n = buf.length;
    let i = start;
    const base = this.#base;
    loop: for (;;) {
      switch (this.#state) {
        case S_HEAD:
        case S_TRAILERS:
          if (i === n) break loop;
          i = this.#section(buf, i, n);
          continue;

        case S_HEAD_READY: {
          this.#state = S_AFTER_HEAD;
          this.#skipBody = this.#handler.onHead(this.#head!) === true;
          if (this.#paused) break loop;
          continue;
        }

        case S_AFTER_HEAD:
          this.#chooseBody();
          continue;

        case S_BODY_LENGTH: {
          if (i === n) break loop;
          const take = Math.min(this.#remaining, n - i);
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = S_MESSAGE_DONE;
          const view = bytes.subarray(i, i + take);
          i += take;
          this.#handler.onBody(view);
          if (this.#paused) break loop;
          continue;
        }

        case S_BODY_CLOSE: {
          if (i === n) break loop;
          const view = bytes.subarray(i, n);
          i = n;
          this.#handler.onBody(view);
          break loop;
        }

        case S_CHUNK_SIZE_START: {
          if (i === n) break loop;
          const h = HEX[buf[i]!]!;
          if (h === 0) this.#fail("INVALID_CHUNK_SIZE", base + i, "expected a hex digit starting the chunk size");
          this.#chunkSize = h - 1;
          i++;
          this.#state = S_CHUNK_SIZE;
          if (this.#bodyTotal + this.#chunkSize > this.#maxBodySize) {
            this.#fail("BODY_TOO_LARGE", base + i - 1, "expected a body within maxBodySize");
          }
          continue;
        }

        case S_CHUNK_SIZE: {
          let size = this.#chunkSize;
          const room = this.#maxBodySize - this.#bodyTotal;
          for (; i < n; i++) {
            const h = HEX[buf[i]!]!;
            if (h === 0) break;
            // Overflow checked before the multiply: > 2^53-1 loses integer precision.
            if (size > (MAX_SAFE - (h - 1)) / 16) {
              this.#fail("CHUNK_SIZE_OVERFLOW", base + i, "expected a chunk size below 2^53");
            }
            size = size * 16 + (h - 1);
            if (size > room) this.#fail("BODY_TOO_LARGE", base + i, "expected a body within maxBodySize");
          }
          this.#chunkSize = size;
          if (i === n) break loop;
          const c = buf[i]!;
          if (c === CR) {
            this.#state = S_CHUNK_SIZE_LF;
          } else if (c === SEMI) {
            this.#startExtension(base + i);
          } else if (c === LF && this.#allowBareLF) {
            this.#chunkLineDone();
          } else if (c === LF) {
            this.#fail("INVALID_LINE_ENDING", base + i, "expected CRLF after the chunk size, not a bare LF");
          } else if ((c === SP || c === HTAB) && this.#allowChunkSizeWhitespace) {
            this.#state = S_CHUNK_SIZE_WS;
          } else {
            this.#fail("INVALID_CHUNK_SIZE", base + i, "expected a hex digit, ';' or CRLF in the chunk size line");
          }
          i++;
          continue;
        }

        case S_CHUNK_SIZE_WS: {
          if (i === n) break loop;
          const c = buf[i]!;
          if (c === SP || c === HTAB) {
            // stay
          } else if (c === CR) {
            this.#state = S_CHUNK_SIZE_LF;
          } else if (c === SEMI) {
            this.#startExtension(base + i);
          } else if (c === LF && this.#allowBareLF) {
            this.#chunkLineDone();
          } else if (c === LF) {
            this.#fail("INVALID_LINE_ENDING", base + i, "expected CRLF after the chunk size, not a bare LF");
          } else {
            this.#fail("INVALID_CHUNK_SIZE", base + i, "expected ';' or CRLF after whitespace in the chunk size line");
          }
          i++;
          continue;
        }

        case S_CHUNK_EXT:
          if (i === n) break loop;
          i = this.#extension(buf, i, n);
          continue;

        case S_CHUNK_SIZE_LF:
          if (i === n) break loop;
          if (buf[i] !== LF) this.#fail("INVALID_LINE_ENDING", base + i, "expected LF after CR in the chunk size line");
          i++;
          this.#chunkLineDone();
          continue;

        case S_CHUNK_DATA: {
          if (i === n) break loop;
          const take = Math.min(this.#remaining, n - i);
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = S_CHUNK_DATA_CR;
          const view = bytes.subarray(i, i + take);
          i += take;
          this.#handler.onBody(view);
          if (this.#paused) break loop;
          continue;
        }

        case S_CHUNK_DATA_CR: {
          if (i === n) break loop;
          const c = buf[i]!;
          if (c === CR) this.#state = S_CHUNK_DATA_LF;
          else if (c === LF && this.#allowBareLF) this.#state = S_CHUNK_SIZE_START;
          else this.#fail("INVALID_CHUNK_DATA", base + i, "expected CRLF after chunk data");
          i++;
          continue;
        }

        case S_CHUNK_DATA_LF:
          if (i === n) break loop;
          if (buf[i] !== LF) this.#fail("INVALID_CHUNK_DATA", base + i, "expected CRLF after chunk data");
          i++;
          this.#state = S_CHUNK_SIZE_START;
          continue;

        case S_MESSAGE_DONE: {
          const trailers = this.#trailers;
          const status = this.#status;
          this.#trailers = [];
          if (!this.#request && status === 101) this.#state = S_UPGRADED;
          else if (!this.#request && status < 200) this.#state = S_HEAD; // 1xx: the real response follows
          else this.#state = this.#keepAlive ? S_HEAD : S_CLOSED;
          this.#startMessage();
          this.#handler.onComplete(trailers);
          if (this.#paused) break loop;
          continue;
        }

        case S_CLOSED:
          if (i < n) {
            this.#fail("DATA_AFTER_CLOSE", base + i, "expected no bytes after a message that closes the connection");
          }
          break loop;

        case S_UPGRADED:
          // After 101 the bytes belong to the new protocol: not consumed, not parsed.
          break loop;

        default:
          throw new Error(`unreachable parser state ${this.#state}`);
      }
    }
    return i;
  }

  // ---------------------------------------------------------------- lines

  /** Reads complete lines of the head or trailer section from buf[i, n); returns the new i. */
  #section(buf: Uint8Array, i: number, n: number): number {
    const trailers = this.#state === S_TRAILERS;
    const max = trailers ? this.#maxTrailerSize : this.#maxHeadSize;
    const base = this.#base;
    if (!trailers && this.#sectionBytes === 0 && this.#lineLen === 0) {
      const end = this.#fastHead(buf, i, Math.min(n, i + max));
      if (end >= 0) return end;
      if (HAS_BUFFER) this.#decodeHead(buf, i, max);
    }
    while (i < n) {
      // Inside a head decoded up front, String#indexOf (a fast builtin) finds the line
      // end; elsewhere Buffer#indexOf (native memchr), still no per-byte JS loop.
      const hs = this.#hStart;
      const lf =
        buf === this.#hBuf && i >= hs && i < this.#hEnd
          ? hs + this.#hStr.indexOf("\n", i - hs)
          : n - i <= 16
            ? findLF(buf, i, n) // tiny pushes: a JS loop beats the native call's fixed cost
            : buf.indexOf(LF, i);
      if (this.#lineLen > 0 || lf === -1) {
        if (this.#lineLen === 0) this.#lineOffset = base + i;
        const end = lf === -1 ? n : lf + 1;
        this.#appendPartial(buf, i, end, max, lf !== -1);
        i = end;
        if (lf === -1) return n;
        const line = this.#line;
        const len = this.#lineLen;
        this.#lineLen = 0;
        this.#pScan = 0;
        this.#pPhase = 0;
        if (this.#lineDone(line, 0, len - 1, this.#lineOffset)) return i;
      } else {
        // Whole line inside the pushed bytes: parse it in place, no copy.
        if (this.#sectionBytes + (lf + 1 - i) > max) {
          this.#limitExceeded(buf, i, i + (max - this.#sectionBytes), base);
        }
        const next = lf + 1;
        if (this.#lineDone(buf, i, lf, base)) return next;
        i = next;
      }
    }
    return i;
  }


  /**
   * Whole-head fast path for requests (benchmark: browser GET, 32 pipelined GETs). When
   * the pushed bytes hold a complete, ordinary head (origin-form target, HTTP/1.x, CRLF
   * lines, no obs-fold, within the limits), read it in ONE pass of table loops that
   * validates every byte and records field offsets, then decode the head with ONE native
   * latin1 call and cut the strings as slices (a native call per field costs more than
   * the copy). Anything unusual returns -1 with no side effect, and the line-by-line path
   * (which reports exact errors) reads the head from the start. buf[i, n) is already
   * capped at maxHeadSize. Returns the end of the head, or -1.
   */
  #fastHead(buf: Uint8Array, i: number, n: number): number {
    return this.#request ? this.#fastRequestLine(buf, i, n) : this.#fastStatusLine(buf, i, n);
  }

  /** status-line of the fast path: `HTTP/1.d SP 3DIGIT SP reason CRLF`, else -1. */
  #fastStatusLine(buf: Uint8Array, i: number, n: number): number {
    let p = i;
    if (
      p + 13 > n ||
      buf[p] !== 0x48 ||
      buf[p + 1] !== 0x54 ||
      buf[p + 2] !== 0x54 ||
      buf[p + 3] !== 0x50 ||
      buf[p + 4] !== 0x2f ||
      buf[p + 5] !== 0x31 ||
      buf[p + 6] !== DOT ||
      buf[p + 8] !== SP ||
      buf[p + 12] !== SP
    ) {
      return -1;
    }
    const minor = buf[p + 7]! - 0x30;
    const d0 = buf[p + 9]! - 0x30;
    const d1 = buf[p + 10]! - 0x30;
    const d2 = buf[p + 11]! - 0x30;
    if (minor < 0 || minor > 9 || d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return -1;
    p += 13;
    const rs = p;
    while (p < n && FIELD_OK[buf[p]!] === 1) p++;
    if (p + 1 >= n || buf[p] !== CR || buf[p + 1] !== LF) return -1;
    const re = p;
    const end = this.#fastFields(buf, i, p + 2, n);
    if (end < 0) return -1;
    this.#status = d0 * 100 + d1 * 10 + d2;
    this.#reason = this.#fStr.slice(rs - this.#fStart, re - this.#fStart);
    this.#version = minor === 0 ? "1.0" : "1.1";
    return this.#fastEnd(i, end);
  }

  /** request-line of the fast path (origin-form target, HTTP/1.d), else -1. */
  #fastRequestLine(buf: Uint8Array, i: number, n: number): number {
    let p = i;
    while (p < n && TOKEN[buf[p]!] === 1) p++;
    if (p === i || p >= n || buf[p] !== SP) return -1;
    const me = p;
    const ts = ++p;
    if (p >= n || buf[p] !== 0x2f) return -1; // origin-form only; others take the full path
    const origin = this.#originBytes;
    for (;;) {
      // Four bytes per test while they last: one branch instead of four (benchmark: browser GET).
      while (p + 4 <= n && (origin[buf[p]!]! & origin[buf[p + 1]!]! & origin[buf[p + 2]!]! & origin[buf[p + 3]!]!) !== 0) p += 4;
      while (p < n && origin[buf[p]!] === 1) p++;
      // A pct-encoded triplet (RFC 3986 §2.1); anything else unusual takes the full path.
      if (p + 2 < n && buf[p] === 0x25 && HEX[buf[p + 1]!] !== 0 && HEX[buf[p + 2]!] !== 0) p += 3;
      else break;
    }
    if (p >= n || buf[p] !== SP || p - ts > this.#maxTargetLength) return -1;
    // CONNECT takes only authority-form (RFC 9112 §3.2.3): the full path rejects "/...".
    if (me - i === 7 && buf[i] === 0x43 && knownMethod(buf, i, me) === "CONNECT") return -1;
    const te = p++;
    if (
      p + 10 > n ||
      buf[p] !== 0x48 ||
      buf[p + 1] !== 0x54 ||
      buf[p + 2] !== 0x54 ||
      buf[p + 3] !== 0x50 ||
      buf[p + 4] !== 0x2f ||
      buf[p + 5] !== 0x31 ||
      buf[p + 6] !== DOT ||
      buf[p + 8] !== CR ||
      buf[p + 9] !== LF
    ) {
      return -1;
    }
    const minor = buf[p + 7]!;
    if (minor < 0x30 || minor > 0x39) return -1;
    const end = this.#fastFields(buf, i, p + 10, n);
    if (end < 0) return -1;
    const str = this.#fStr;
    const fs = this.#fStart;
    this.#method = knownMethod(buf, i, me) ?? str.slice(i - fs, me - fs);
    this.#target = str.slice(ts - fs, te - fs);
    this.#version = minor === 0x30 ? "1.0" : "1.1";
    return this.#fastEnd(i, end);
  }

  /**
   * Field lines of the fast path from p to the empty line: validated in one pass, then
   * decoded (the whole head, once, into #hStr) and cut into slices. Returns the end of
   * the head, or -1 (nothing changed) for anything unusual.
   */
  #fastFields(buf: Uint8Array, i: number, p: number, n: number): number {
    const maxCount = this.#maxHeaderCount;
    let offs = fieldOffsets;
    let count = 0;
    for (;;) {
      if (p >= n) return -1;
      if (buf[p] === CR) {
        if (p + 1 >= n || buf[p + 1] !== LF) return -1;
        p += 2;
        break;
      }
      const ns = p;
      p = tokenEnd(buf, p, n);
      if (p === ns || p >= n || buf[p] !== COLON) return -1;
      const ne = p++;
      while (p < n && (buf[p] === SP || buf[p] === HTAB)) p++;
      const vs = p;
      p = valueEnd(buf, p, n);
      if (p + 1 >= n || buf[p] !== CR || buf[p + 1] !== LF) return -1;
      let ve = p;
      while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HTAB)) ve--;
      p += 2;
      if (count >= maxCount) return -1;
      const k = count * 4;
      if (k + 4 > offs.length) {
        const grown = new Int32Array(Math.max(64, offs.length * 2));
        grown.set(offs);
        fieldOffsets = offs = grown;
      }
      offs[k] = ns;
      offs[k + 1] = ne;
      offs[k + 2] = vs;
      offs[k + 3] = ve;
      count++;
    }
    // Strings: slices of one native decode (#fStr, also read by the start-line callers).
    let str = this.#fStr;
    let fs = this.#fStart;
    if (buf !== this.#fBuf || i < fs || p > this.#fEnd) {
      // A head that starts where the previous head of this push ended is pipelined: decode
      // the rest of the push (as far as the head limit, n) once for it and the heads after
      // it, not one native call per head (bench: 32 pipelined GETs). Otherwise (the first
      // head of a push, or one after a body) decode this head alone: a body is not decoded.
      const end = buf === this.#fBuf && i === this.#fEnd ? n : p;
      str = latin1(buf, i, end);
      fs = i;
      this.#fBuf = buf;
      this.#fStart = i;
      this.#fEnd = end;
      this.#fStr = str;
    }
    const fields = this.#fields;
    const base = this.#base;
    for (let f = 0; f < count; f++) {
      const k = f * 4;
      const ns = offs[k]!;
      const ne = offs[k + 1]!;
      const vs = offs[k + 2]!;
      const code = knownHeaderCode(buf, ns, ne);
      const shared = KNOWN_SPELLINGS[code]!;
      fields.push(shared !== "" ? shared : str.slice(ns - fs, ne - fs), str.slice(vs - fs, offs[k + 3]! - fs));
      let id = code >> 2;
      // A Host of plain reg-name bytes and an optional port is valid as it stands: checked
      // here on the bytes, #endHead need not walk the string again (bench: browser GET).
      if (id === HEADER_HOST && isPlainHost(buf, vs, offs[k + 3]!)) id = HOST_CHECKED;
      if (id !== 0) this.#addSpecial(id, fields.length - 1, base + vs);
    }
    this.#fieldCount = count;
    return p;
  }

  /** The fast path read the head buf[i, end): finish it like the line path does. */
  #fastEnd(i: number, end: number): number {
    this.#sectionBytes = end - i;
    this.#startDone = true;
    this.#endHead(this.#base + end - 2);
    return end;
  }

  /**
   * For heads the fast path does not take (responses, unusual requests): when the pushed
   * bytes hold the complete head, decode it to one latin1 string with one native call,
   * so that names, values and the target become cheap slices of it instead of one native
   * decode each (the call boundary costs more than the copy for short fields).
   */
  #decodeHead(buf: Uint8Array, i: number, max: number): void {
    // Search no further than the head limit: many pipelined heads without CRLFCRLF
    // (allowBareLF) in one big push must not each scan to the end of it.
    const limit = Math.min(buf.length, i + max);
    const end = (limit === buf.length ? (buf as Buffer) : (buf.subarray(0, limit) as Buffer)).indexOf(CRLFCRLF, i);
    if (end < 0 || end + 4 - i > max) return;
    this.#hBuf = buf;
    this.#hStart = i;
    this.#hEnd = end + 4;
    this.#hStr = latin1(buf, i, end + 4);
  }

  // The bytes buf[#fStart, #fEnd) of the push the fast path reads, decoded (see
  // #fastFields): a head, or the rest of a push of pipelined heads. Forgotten at the end of
  // every push, like #hBuf.
  #fBuf: Uint8Array = EMPTY;
  #fStart = 0;
  #fEnd = 0;
  #fStr = "";

  // The decoded head (see #decodeHead); #hBuf is forgotten at the end of every push (but one
  // a pause stopped, see push), so a caller may reuse its buffer for new bytes.
  #hBuf: Uint8Array = EMPTY;
  /** The bytes of the last push when a pause stopped it, and where (see push). */
  #lastBytes: Uint8Array = EMPTY;
  #lastEnd = 0;
  #hStart = 0;
  #hEnd = 0;
  #hStr = "";

  /** latin1 string of buf[s, e): a slice of the decoded head when it covers the range. */
  #str(buf: Uint8Array, s: number, e: number): string {
    const hs = this.#hStart;
    if (buf === this.#hBuf && s >= hs && e <= this.#hEnd) return this.#hStr.slice(s - hs, e - hs);
    return latin1(buf, s, e);
  }

  /** Copies buf[from, to) onto the unfinished line, enforcing the section limit first. */
  #appendPartial(buf: Uint8Array, from: number, to: number, max: number, completes: boolean): void {
    const room = max - this.#sectionBytes - this.#lineLen;
    const take = Math.min(to - from, Math.max(room, 0));
    let line = this.#line;
    const need = this.#lineLen + take;
    if (need > line.length) {
      // Grow geometrically, never beyond the limit: memory per parser stays bounded by it.
      const grown = asNativeBytes(new Uint8Array(Math.min(Math.max(need, line.length * 2, 256), Math.max(max, need))));
      grown.set(line.subarray(0, this.#lineLen));
      this.#line = line = grown;
    }
    if (take <= 16) {
      // Tiny pushes (a byte at a time): a loop avoids allocating a subarray view per push.
      for (let k = 0, o = this.#lineLen; k < take; k++) line[o + k] = buf[from + k]!;
    } else line.set(buf.subarray(from, from + take), this.#lineLen);
    this.#lineLen = need;
    if (take < to - from) {
      // The section limit falls inside these bytes.
      this.#limitExceeded(line, 0, need, this.#lineOffset);
    }
    // A complete line is checked in full by #lineDone.
    if (!completes) this.#scanPartial();
  }

  /**
   * Checks the new bytes of an unfinished line against a coarse model of its grammar.
   * Any byte the model does not expect triggers the exact partial check of the whole
   * line (which throws the right error, or passes: a CR that may start CRLF, a version
   * byte, an allowed obs-fold). Linear: each byte is scanned once, plus at most a few
   * full checks per line.
   */
  #scanPartial(): void {
    const line = this.#line;
    const len = this.#lineLen;
    let p = this.#pScan;
    let ph = this.#pPhase;
    let check = false;
    if (this.#startDone || this.#state === S_TRAILERS) {
      // field-line: phase 0 name, 1 value
      for (; p < len; p++) {
        const c = line[p]!;
        if (ph === 0) {
          if (TOKEN[c] === 1) continue;
          if (c === COLON && p > 0) {
            ph = 1;
            continue;
          }
          if ((c === SP || c === HTAB) && p === 0) ph = 1;
          check = true;
          break;
        }
        if (FIELD_VCHAR[c] === 0) {
          check = true;
          break;
        }
      }
    } else if (this.#request) {
      // request-line: phase 0 method, 1 target, 2 version
      const maxTarget = this.#maxTargetLength;
      const targetBytes = this.#targetBytes;
      for (; p < len; p++) {
        const c = line[p]!;
        if (ph === 0) {
          if (TOKEN[c] === 1) continue;
          if (c === SP && p > 0) {
            ph = 1;
            this.#pMark = p + 1;
            continue;
          }
        } else if (ph === 1) {
          if (targetBytes[c] === 1 && p - this.#pMark < maxTarget && (p > this.#pMark || TARGET_START[c] === 1)) continue;
          if (c === SP && p > this.#pMark) {
            ph = 2;
            continue;
          }
        }
        check = true;
        break;
      }
    } else {
      // status-line: the fixed-width part is checked in full, the reason byte by byte.
      if (len <= 13) {
        check = true;
        p = len;
      } else {
        if (p < 13) {
          check = true;
          p = 13;
        }
        for (; p < len; p++) {
          if (FIELD_VCHAR[line[p]!] === 0) {
            check = true;
            break;
          }
        }
      }
    }
    this.#pPhase = ph;
    // A trailing CR is looked at again with the next bytes (it is bare unless LF follows).
    this.#pScan = p < len && line[p] !== CR ? p + 1 : p;
    if (check) this.#validatePartial(line, 0, len, this.#lineOffset);
  }

  /** Throws the first grammar error in the unfinished line buf[s, e), if any. */
  #validatePartial(buf: Uint8Array, s: number, e: number, delta: number): void {
    if (e <= s) return;
    if (this.#startDone || this.#state === S_TRAILERS) this.#fieldLine(buf, s, e, delta, false);
    else if (this.#request) this.#requestLine(buf, s, e, delta, false);
    else this.#statusLine(buf, s, e, delta, false);
  }

  /**
   * The section limit is exceeded at buf[limitAt]. Report an earlier grammar error in
   * buf[s, limitAt) if there is one (so every split reports the same error), else the limit.
   */
  #limitExceeded(buf: Uint8Array, s: number, limitAt: number, delta: number): never {
    const trailers = this.#state === S_TRAILERS;
    this.#validatePartial(buf, s, limitAt, delta);
    if (trailers) this.#fail("TRAILER_TOO_LARGE", delta + limitAt, "expected a trailer section within maxTrailerSize");
    this.#fail("HEAD_TOO_LARGE", delta + limitAt, "expected a head within maxHeadSize");
  }

  /**
   * One complete line buf[s, lf] (lf indexes the LF). delta maps buf indexes to stream
   * offsets. Returns true when the line ended the section.
   */
  #lineDone(buf: Uint8Array, s: number, lf: number, delta: number): boolean {
    this.#sectionBytes += lf + 1 - s;
    let e = lf;
    if (e > s && buf[e - 1] === CR) e--;
    const bareLF = e === lf && !this.#allowBareLF;
    if (e === s) {
      if (bareLF) this.#fail("INVALID_LINE_ENDING", delta + lf, "expected CRLF, not a bare LF");
      if (this.#state === S_TRAILERS) {
        this.#trailers = this.#fields;
        this.#state = S_MESSAGE_DONE;
        return true;
      }
      if (!this.#startDone) {
        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request-line.
        if (this.#request) return false;
        this.#fail("INVALID_STATUS", delta + s, "expected a status line, not an empty line");
      }
      this.#endHead(delta + s);
      return true;
    }
    if (this.#startDone || this.#state === S_TRAILERS) this.#fieldLine(buf, s, e, delta, true);
    else {
      if (this.#request) this.#requestLine(buf, s, e, delta, true);
      else this.#statusLine(buf, s, e, delta, true);
      this.#startDone = true;
    }
    if (bareLF) this.#fail("INVALID_LINE_ENDING", delta + lf, "expected CRLF, not a bare LF");
    return false;
  }

  /**
   * A bad byte at buf[p] inside a line that ends at e. A CR is a bare CR unless it is the
   * last byte of an unfinished line (it may be the CR of CRLF): then no error yet.
   */
  #badByte(buf: Uint8Array, p: number, e: number, delta: number, complete: boolean, code: ParseErrorCode, expected: string): void {
    if (buf[p] === CR) {
      if (!complete && p === e - 1) return;
      this.#fail("INVALID_LINE_ENDING", delta + p, "expected LF after CR");
    }
    this.#fail(code, delta + p, expected);
  }

  /** request-line = method SP request-target SP HTTP-version (RFC 9112 §3). Partial lines are validated as far as they go. */
  #requestLine(buf: Uint8Array, s: number, e: number, delta: number, complete: boolean): void {
    let p = s;
    while (p < e && TOKEN[buf[p]!] === 1) p++;
    if (p === e) {
      if (complete) this.#fail("INVALID_REQUEST_LINE", delta + p, "expected SP after the method");
      return;
    }
    if (buf[p] !== SP) {
      this.#badByte(buf, p, e, delta, complete, "INVALID_METHOD", "expected a token character or SP in the method");
      return;
    }
    if (p === s) this.#fail("INVALID_REQUEST_LINE", delta + p, "expected a method before SP");
    const methodEnd = p;
    const ts = ++p;
    // RFC 9112 §3.2: every target form starts with '/', '*', a scheme or a host; a target
    // starting with anything else cannot be routed and hints at a desync.
    const targetBytes = this.#targetBytes;
    if (p < e && targetBytes[buf[p]!] === 1 && TARGET_START[buf[p]!] === 0) {
      this.#fail("INVALID_TARGET", delta + p, "expected '/', '*', a scheme or an authority starting the request-target");
    }
    const tmax = ts + this.#maxTargetLength;
    for (; p < e; p++) {
      if (targetBytes[buf[p]!] === 0) break;
      if (p >= tmax) this.#fail("TARGET_TOO_LONG", delta + p, "expected a request-target within maxTargetLength");
    }
    if (p === e) {
      if (complete) {
        this.#fail("INVALID_REQUEST_LINE", delta + p, "expected SP and a version after the request-target");
      }
      return;
    }
    if (buf[p] !== SP) {
      this.#badByte(buf, p, e, delta, complete, "INVALID_TARGET", "expected RFC 3986 URI characters other than # (a fragment is never sent) in the request-target");
      return;
    }
    if (p === ts) this.#fail("INVALID_REQUEST_LINE", delta + p, "expected exactly one SP before the request-target");
    const te = p;
    this.#targetForm(buf, s, methodEnd, ts, te, delta);
    const version = this.#httpVersion(buf, p + 1, e, delta, complete, "INVALID_VERSION");
    if (!complete) return;
    this.#version = version;
    // Standard methods come back as shared strings (no allocation).
    this.#method = knownMethod(buf, s, methodEnd) ?? this.#str(buf, s, methodEnd);
    this.#target = this.#str(buf, ts, te);
  }

  /**
   * The request-target must have one of the four forms of RFC 9112 §3.2: origin-form
   * ("/..."), asterisk-form ("*"), absolute-form (scheme ":" ...), or, for CONNECT only,
   * authority-form (host ":" port). Anything else cannot be routed and hints at a desync.
   */
  #targetForm(buf: Uint8Array, ms: number, me: number, ts: number, te: number, delta: number): void {
    const t0 = buf[ts]!;
    const connect = me - ms === 7 && knownMethod(buf, ms, me) === "CONNECT";
    if (connect) {
      // authority-form = uri-host ":" port (RFC 9112 §3.2.3): no userinfo, path, query or
      // fragment; "http://a:443" must not pass as host "http://a". The port follows the
      // last ':' outside an IP-literal.
      const target = latin1(buf, ts, te);
      const colon = target.lastIndexOf(":");
      const close = t0 === 0x5b ? target.indexOf("]") : -1;
      if (t0 === 0x2f || t0 === 0x2a || colon <= 0 || colon < close) {
        this.#fail("INVALID_TARGET", delta + (colon < 0 ? te : ts), "expected host:port (authority-form) as the CONNECT target");
      }
      // RFC 9110 §9.3.6: "a server MUST reject a CONNECT request that targets an empty or
      // invalid port number"; port = 1*DIGIT here (an empty port is no port at all).
      if (colon + 1 === target.length) this.#fail("INVALID_TARGET", delta + te, "expected a port after ':' in the CONNECT target");
      const bad = hostError(target, 0, target.length);
      if (bad >= 0) this.#fail("INVALID_TARGET", delta + ts + bad, "expected uri-host \":\" port (RFC 3986 host characters, digits for the port) as the CONNECT target");
      return;
    }
    if (t0 === 0x2f) {
      const bad = pathQueryError(buf, ts, te, this.#allowUnsafeTargetChars);
      if (bad >= 0) this.#fail("INVALID_TARGET", delta + bad, "expected '%' to start a pct-encoded octet and no '[' or ']' in the path or query");
      return;
    }
    if (t0 === 0x2a) {
      if (te !== ts + 1) this.#fail("INVALID_TARGET", delta + ts + 1, "expected SP after the asterisk-form target");
      // RFC 9112 §3.2.4: the asterisk-form is only used for a server-wide OPTIONS; "GET *"
      // names no resource, and a router that maps it to one guesses.
      if (!(me - ms === 7 && knownMethod(buf, ms, me) === "OPTIONS")) {
        this.#fail("INVALID_TARGET", delta + ts, "expected the asterisk-form target only with OPTIONS");
      }
      return;
    }
    // absolute-form: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1)
    if (!((t0 | 0x20) >= 0x61 && (t0 | 0x20) <= 0x7a)) {
      this.#fail("INVALID_TARGET", delta + ts, "expected '/', '*' or a scheme starting the request-target");
    }
    let q = ts + 1;
    for (; q < te; q++) {
      const c = buf[q]!;
      const lower = c | 0x20;
      if ((lower >= 0x61 && lower <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) continue;
      break;
    }
    if (q === te || buf[q] !== COLON) this.#fail("INVALID_TARGET", delta + q, "expected ':' after the scheme of an absolute-form target");
    if (isHttpScheme(buf, ts, q)) {
      this.#httpAuthority(buf, q + 1, te, delta);
      return;
    }
    // A server is asked for its own http(s) resources; another scheme in the request line
    // only makes sense to a forward proxy, which opts in (llhttp refuses them too).
    if (!this.#allowNonHttpSchemes) this.#fail("INVALID_TARGET", delta + ts, "expected an http or https URI in absolute-form (allowNonHttpSchemes admits others)");
    const bad = pathQueryError(buf, q + 1, te, true);
    if (bad >= 0) this.#fail("INVALID_TARGET", delta + bad, "expected '%' to start a pct-encoded octet");
  }

  /**
   * An http(s) URI is scheme "://" authority path-abempty [ "?" query ] (RFC 9110 §4.2.1-2),
   * and "a recipient that processes such a URI reference MUST reject it as invalid" when
   * its host is empty (RFC 9110 §4.2.1). buf[p, te) is what follows the scheme's ':'.
   */
  #httpAuthority(buf: Uint8Array, p: number, te: number, delta: number): void {
    if (te - p < 2 || buf[p] !== 0x2f || buf[p + 1] !== 0x2f) {
      this.#fail("INVALID_TARGET", delta + p, "expected '//' and an authority after the http(s) scheme");
    }
    const as = p + 2;
    let ae = as;
    while (ae < te && buf[ae] !== 0x2f && buf[ae] !== 0x3f) ae++;
    const authority = latin1(buf, as, ae);
    // RFC 9110 §4.2.4: a recipient SHOULD treat userinfo in an http(s) URI as an error: it
    // is how phishing obscures the authority, and parsers disagree on where it ends.
    const at = authority.indexOf("@");
    if (at >= 0) this.#fail("INVALID_TARGET", delta + as + at, "expected no userinfo ('@') in the authority of an http(s) URI");
    if (ae === as || buf[as] === COLON) this.#fail("INVALID_TARGET", delta + as, "expected a non-empty host in the http(s) URI");
    const bad = hostError(authority, 0, authority.length);
    if (bad >= 0) this.#fail("INVALID_TARGET", delta + as + bad, "expected uri-host [\":\" port] as the authority of the http(s) URI");
    const badPath = pathQueryError(buf, ae, te, this.#allowUnsafeTargetChars);
    if (badPath >= 0) this.#fail("INVALID_TARGET", delta + badPath, "expected '%' to start a pct-encoded octet and no '[' or ']' in the path or query");
  }

  /**
   * HTTP-version = "HTTP/" DIGIT "." DIGIT in buf[p, e) (the whole rest of a request line,
   * or up to the SP of a status line).
   */
  #httpVersion(buf: Uint8Array, p: number, e: number, delta: number, complete: boolean, code: ParseErrorCode): HttpVersion {
    for (let k = 0; p + k < e; k++) {
      const c = buf[p + k]!;
      const ok =
        k >= 8
          ? false
          : k === 0
            ? c === 0x48
            : k === 1 || k === 2
              ? c === 0x54
              : k === 3
                ? c === 0x50
                : k === 4
                  ? c === 0x2f
                  : k === 6
                    ? c === DOT
                    : c >= 0x30 && c <= 0x39;
      if (!ok) this.#badByte(buf, p + k, e, delta, complete, code, "expected HTTP/1.0 or HTTP/1.1 as the version");
    }
    if (!complete) return "1.1";
    if (e - p !== 8) this.#fail(code, delta + e, "expected HTTP/1.0 or HTTP/1.1 as the version");
    if (buf[p + 5] !== 0x31) this.#fail("UNSUPPORTED_VERSION", delta + p + 5, "expected HTTP major version 1");
    // RFC 9110 §2.5: a higher minor version of 1.x is treated as the highest we speak.
    return buf[p + 7] === 0x30 ? "1.0" : "1.1";
  }

  /** status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4). */
  #statusLine(buf: Uint8Array, s: number, e: number, delta: number, complete: boolean): void {
    const vEnd = Math.min(e, s + 8);
    // Only the last byte of an unfinished line may be a CR that starts CRLF.
    this.#httpVersion(buf, s, vEnd, delta, complete || e > vEnd, "INVALID_VERSION");
    if (e < s + 8 || (e === s + 8 && !complete)) {
      if (complete) this.#fail("INVALID_VERSION", delta + e, "expected HTTP/1.0 or HTTP/1.1 as the version");
      return;
    }
    if (e === s + 8) this.#fail("INVALID_STATUS", delta + e, "expected SP and a status code after the version");
    if (buf[s + 8] !== SP) {
      this.#badByte(buf, s + 8, e, delta, complete, "INVALID_VERSION", "expected HTTP/1.0 or HTTP/1.1 as the version");
      return;
    }
    const version = this.#httpVersion(buf, s, s + 8, delta, true, "INVALID_VERSION");
    let status = 0;
    let p = s + 9;
    for (; p < s + 12; p++) {
      if (p === e) {
        if (complete) this.#fail("INVALID_STATUS", delta + p, "expected a 3-digit status code");
        return;
      }
      const c = buf[p]!;
      if (c < 0x30 || c > 0x39) {
        this.#badByte(buf, p, e, delta, complete, "INVALID_STATUS", "expected a 3-digit status code");
        return;
      }
      status = status * 10 + (c - 0x30);
    }
    if (status < 100) this.#fail("INVALID_STATUS", delta + s + 9, "expected a status code from 100 to 999");
    if (p === e) {
      if (complete) this.#fail("INVALID_STATUS", delta + p, "expected SP after the status code");
      return;
    }
    if (buf[p] !== SP) {
      this.#badByte(buf, p, e, delta, complete, "INVALID_STATUS", "expected SP after the status code");
      return;
    }
    const rs = ++p;
    for (; p < e; p++) {
      if (FIELD_VCHAR[buf[p]!] === 0) {
        this.#badByte(buf, p, e, delta, complete, "INVALID_STATUS", "expected HTAB, SP, VCHAR or obs-text in the reason phrase");
        return;
      }
    }
    if (!complete) return;
    this.#version = version;
    this.#status = status;
    this.#reason = this.#str(buf, rs, e);
  }

  /** field-line = field-name ":" OWS field-value OWS (RFC 9112 §5), or an obs-fold continuation. */
  #fieldLine(buf: Uint8Array, s: number, e: number, delta: number, complete: boolean): void {
    const trailers = this.#state === S_TRAILERS;
    const c0 = buf[s]!;
    if (c0 === CR) {
      this.#badByte(buf, s, e, delta, complete, "INVALID_LINE_ENDING", "expected LF after CR");
      return;
    }
    if (c0 === SP || c0 === HTAB) {
      // RFC 9112 §2.2: whitespace before the first field line is rejected; §5.2: obs-fold
      // is rejected unless the caller opted in.
      if (this.#fieldCount === 0) {
        this.#fail(trailers ? "INVALID_TRAILER" : "INVALID_HEADER_NAME", delta + s, "expected a field name, not whitespace");
      }
      if (!this.#allowObsFold) {
        this.#fail(trailers ? "INVALID_TRAILER" : "OBS_FOLD", delta + s, "expected a field name, not an obs-fold continuation");
      }
      this.#fieldValue(buf, s, e, delta, complete, true);
      return;
    }
    if (this.#fieldCount >= this.#maxHeaderCount) {
      this.#fail(trailers ? "TRAILER_TOO_LARGE" : "TOO_MANY_HEADERS", delta + s, "expected at most maxHeaderCount fields");
    }
    let p = s;
    while (p < e && TOKEN[buf[p]!] === 1) p++;
    if (p === e) {
      if (complete) this.#fail(trailers ? "INVALID_TRAILER" : "INVALID_HEADER_NAME", delta + p, "expected ':' after the field name");
      return;
    }
    if (buf[p] !== COLON || p === s) {
      this.#badByte(buf, p, e, delta, complete, trailers ? "INVALID_TRAILER" : "INVALID_HEADER_NAME", p === s ? "expected a field name" : "expected ':' right after the field name");
      return;
    }
    let id = 0;
    if (complete) {
      // Well-known names come back as shared strings, recognised from the bytes.
      const code = knownHeaderCode(buf, s, p);
      const shared = KNOWN_SPELLINGS[code]!;
      this.#fields.push(shared !== "" ? shared : this.#str(buf, s, p));
      id = code >> 2;
    }
    this.#fieldValue(buf, p + 1, e, delta, complete, false);
    if (!complete) return;
    this.#fieldCount++;
    if (id !== 0 && !trailers) this.#addSpecial(id, this.#fields.length - 1, this.#valueOffset);
  }

  /** Stream offset of the last value read by #fieldValue. */
  #valueOffset = 0;

  /** Validates field-value bytes in buf[p, e), trims OWS, and (complete lines) stores the value. */
  #fieldValue(buf: Uint8Array, p: number, e: number, delta: number, complete: boolean, fold: boolean): void {
    while (p < e && (buf[p] === SP || buf[p] === HTAB)) p++;
    const vs = p;
    let ve = p;
    for (; p < e; p++) {
      const t = FIELD_VCHAR[buf[p]!]!;
      if (t === 2) ve = p + 1;
      else if (t === 0) {
        this.#badByte(buf, p, e, delta, complete, this.#state === S_TRAILERS ? "INVALID_TRAILER" : "INVALID_HEADER_VALUE", "expected HTAB, SP, VCHAR or obs-text in the field value");
        return;
      }
    }
    if (!complete) return;
    const value = this.#str(buf, vs, ve);
    if (fold) {
      // allowObsFold: RFC 9112 §5.2 lets a recipient replace each obs-fold with SP.
      const fields = this.#fields;
      const last = fields.length - 1;
      if (value !== "") fields[last] = fields[last] === "" ? value : `${fields[last]} ${value}`;
      return;
    }
    this.#valueOffset = delta + vs;
    this.#fields.push(value);
  }

  // ---------------------------------------------------------------- head semantics

  /** Records a field the head semantics look at: (HEADER_* id, index of its value, value offset). */
  #addSpecial(id: number, valueIndex: number, offset: number): void {
    const sp = this.#specials;
    const k = this.#specialLen;
    if (k === sp.length) sp.push(id, valueIndex, offset);
    else {
      sp[k] = id;
      sp[k + 1] = valueIndex;
      sp[k + 2] = offset;
    }
    this.#specialLen = k + 3;
  }

  /** The head is complete: derive framing facts (RFC 9112 §6) and build the MessageHead. */
  #endHead(endOffset: number): void {
    const fields = this.#fields;
    const sp = this.#specials;
    const request = this.#request;
    let clValue: string | undefined;
    let contentLength = -1;
    let clOffset = 0;
    let hosts = 0;
    let teOffset = -1;
    let conn = 0;
    let hasUpgrade = false;
    let expectContinue = false;
    const te = this.#codings;
    te.chunked = 0;
    te.others = 0;
    te.lastChunked = false;
    te.any = false;
    const spLen = this.#specialLen;
    for (let k = 0; k < spLen; k += 3) {
      const id = sp[k]!;
      const value = fields[sp[k + 1]!]!;
      const off = sp[k + 2]!;
      switch (id) {
        case HEADER_CONTENT_LENGTH: {
          const v = parseContentLength(value);
          if (v < 0) this.#fail("INVALID_CONTENT_LENGTH", off + (-v - 1), "expected Content-Length as 1*DIGIT below 2^53");
          if (clValue === undefined) {
            clValue = value;
            contentLength = v;
            clOffset = off;
          } else if (value !== clValue) {
            this.#fail("CONFLICTING_CONTENT_LENGTH", off, "expected repeated Content-Length fields to agree");
          }
          break;
        }
        case HOST_CHECKED:
          if (++hosts > 1) this.#fail("DUPLICATE_HOST", off, "expected exactly one Host field");
          break;
        case HEADER_HOST: {
          if (++hosts > 1) this.#fail("DUPLICATE_HOST", off, "expected exactly one Host field");
          // RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any
          // HTTP/1.1 request message that ... contains ... a Host header field with an invalid
          // field value"; Host = uri-host [ ":" port ] (RFC 9110 §7.2).
          const bad = request ? hostError(value, 0, value.length) : -1;
          if (bad >= 0) this.#fail("INVALID_HOST", off + bad, "expected uri-host [\":\" port] as the Host value");
          break;
        }
        case HEADER_TRANSFER_ENCODING: {
          const bad = scanCodings(value, te);
          if (bad >= 0) this.#fail("INVALID_TRANSFER_ENCODING", off + bad, "expected a list of transfer codings with chunked at most once and without parameters");
          if (teOffset < 0) teOffset = off;
          break;
        }
        case HEADER_CONNECTION:
          conn |= connectionTokens(value);
          break;
        case HEADER_UPGRADE:
          // Upgrade = #protocol (RFC 9110 §7.8): a list of empty members offers nothing.
          if (hasListMember(value)) hasUpgrade = true;
          break;
        case HEADER_EXPECT:
          if (equalsLower(value, 0, value.length, "100-continue")) expectContinue = true;
          break;
      }
    }
    const version = this.#version;
    let chunked = false;
    let keepAlive = version === "1.1" ? (conn & CONN_CLOSE) === 0 : (conn & CONN_KEEP_ALIVE) !== 0 && (conn & CONN_CLOSE) === 0;
    if (request && this.#method === "CONNECT" && (teOffset >= 0 || contentLength > 0)) {
      // RFC 9110 §9.3.6: "A CONNECT request message does not have content." Reading one would
      // take tunnel bytes as a body and the rest as HTTP, where llhttp (and a proxy in
      // front) hands everything after the head to the tunnel: a desync either way.
      this.#fail("CONNECT_WITH_CONTENT", teOffset >= 0 ? teOffset : clOffset, "expected no Content-Length above 0 and no Transfer-Encoding in a CONNECT request");
    }
    if (teOffset >= 0) {
      if (request) {
        // RFC 9112 §6.1: a server MAY reject TE in 1.0 (it predates chunked; smuggling risk).
        if (version === "1.0") this.#fail("TRANSFER_ENCODING_IN_HTTP10", teOffset, "expected no Transfer-Encoding in an HTTP/1.0 request");
        // RFC 9112 §6.3 item 3: both in a request is a smuggling signal; reject.
        if (clValue !== undefined) this.#fail("CONTENT_LENGTH_WITH_TRANSFER_ENCODING", teOffset, "expected Content-Length or Transfer-Encoding, not both");
        // RFC 9112 §6.3 item 4: a request whose final coding is not chunked cannot be framed.
        if (!te.lastChunked) this.#fail("CHUNKED_NOT_FINAL", teOffset, "expected chunked as the final transfer coding");
      }
      if (request || te.lastChunked) {
        // We decode chunked only: a coding under it would reach onBody still encoded.
        if (te.others > 0) this.#fail("UNSUPPORTED_TRANSFER_CODING", teOffset, "expected chunked as the only transfer coding");
        chunked = true;
      }
      // Else (responses only): RFC 9112 §6.3 item 4, the body runs until the connection
      // closes and reaches onBody undecoded.
      if (clValue !== undefined) {
        // Response with both: Transfer-Encoding wins (RFC 9112 §6.3 item 3); the
        // Content-Length is ignored and the connection is not reused after it.
        contentLength = -1;
        keepAlive = false;
      }
    }
    if (request) {
      if (version === "1.1" && hosts === 0) this.#fail("MISSING_HOST", endOffset, "expected a Host field in an HTTP/1.1 request");
      if (contentLength > this.#maxBodySize) this.#fail("BODY_TOO_LARGE", clOffset, "expected a body within maxBodySize");
    } else {
      const status = this.#status;
      const bodiless = status < 200 || status === 204 || status === 304;
      // RFC 9112 §6.3 item 8: no length → the body runs until the connection closes.
      if (!bodiless && !chunked && contentLength < 0) keepAlive = false;
    }
    this.#head = new Head(
      this.#method,
      this.#target,
      this.#status,
      this.#reason,
      version,
      fields,
      contentLength,
      chunked,
      keepAlive,
      // RFC 9110 §7.8: "A server MUST ignore an Upgrade header field that is received in an
      // HTTP/1.0 request." CONNECT asks for a tunnel in any version (§9.3.6).
      request ? (version === "1.1" && hasUpgrade && (conn & CONN_UPGRADE) !== 0) || this.#method === "CONNECT" : this.#status === 101,
      // RFC 9110 §10.1.1: a server MUST ignore 100-continue in an HTTP/1.0 request.
      request && expectContinue && version === "1.1",
    );
    this.#keepAlive = keepAlive;
    this.#state = S_HEAD_READY;
  }

  readonly #codings: CodingState = { chunked: 0, others: 0, lastChunked: false, any: false };

  /** After onHead: pick the body framing (RFC 9112 §6.3). */
  #chooseBody(): void {
    const head = this.#head!;
    if (this.#request) {
      if (this.#skipBody) this.#state = S_MESSAGE_DONE;
      else if (head.chunked) this.#state = S_CHUNK_SIZE_START;
      else if (head.contentLength > 0) {
        this.#remaining = head.contentLength;
        this.#state = S_BODY_LENGTH;
      } else this.#state = S_MESSAGE_DONE;
      return;
    }
    const status = head.status;
    if (this.#skipBody || status < 200 || status === 204 || status === 304) {
      // A HEAD response (or similar) has no body whatever its headers say, so it cannot
      // be close-delimited: reuse follows version and Connection alone.
      if (this.#skipBody && !head.chunked && head.contentLength < 0 && status >= 200) {
        const conn = this.#connectionBits();
        this.#keepAlive = head.version === "1.1" ? (conn & CONN_CLOSE) === 0 : (conn & CONN_KEEP_ALIVE) !== 0 && (conn & CONN_CLOSE) === 0;
      }
      this.#state = S_MESSAGE_DONE;
    } else if (head.chunked) this.#state = S_CHUNK_SIZE_START;
    else if (head.contentLength >= 0) {
      if (head.contentLength > this.#maxBodySize) {
        const sp = this.#specials;
        let off = this.#base;
        for (let k = 0; k < this.#specialLen; k += 3) if (sp[k] === HEADER_CONTENT_LENGTH) off = sp[k + 2]!;
        this.#fail("BODY_TOO_LARGE", off, "expected a body within maxBodySize");
      }
      this.#remaining = head.contentLength;
      this.#state = head.contentLength > 0 ? S_BODY_LENGTH : S_MESSAGE_DONE;
    } else this.#state = S_BODY_CLOSE;
  }

  #connectionBits(): number {
    const sp = this.#specials;
    let conn = 0;
    for (let k = 0; k < this.#specialLen; k += 3) if (sp[k] === HEADER_CONNECTION) conn |= connectionTokens(this.#fields[sp[k + 1]!]!);
    return conn;
  }

  // ---------------------------------------------------------------- chunk framing

  #startExtension(offset: number): void {
    this.#extLine = 1;
    if (++this.#extTotal > this.#maxExtTotal) this.#fail("CHUNK_EXTENSION_TOO_LARGE", offset, "expected chunk extensions within the per-message limit");
    if (this.#extLine > this.#maxExtLine) this.#fail("CHUNK_EXTENSION_TOO_LARGE", offset, "expected chunk extensions within maxChunkExtensionSize");
    this.#extState = X_BEFORE_NAME;
    this.#state = S_CHUNK_EXT;
  }

  /** chunk-ext bytes (RFC 9112 §7.1.1), validated and counted; nothing is kept (constant memory, CVE-2024-22019). */
  #extension(buf: Uint8Array, i: number, n: number): number {
    let st = this.#extState;
    let line = this.#extLine;
    let total = this.#extTotal;
    const base = this.#base;
    for (; i < n; i++) {
      const c = buf[i]!;
      if (c === CR || c === LF) {
        if (st === X_QUOTED || st === X_QUOTED_ESCAPE) {
          if (c === LF && !this.#allowBareLF) this.#fail("INVALID_LINE_ENDING", base + i, "expected CRLF, not a bare LF");
          this.#fail("INVALID_CHUNK_EXTENSION", base + i, "expected a closing quote before the end of the chunk extension");
        }
        if (st !== X_NAME && st !== X_VALUE && st !== X_QUOTED_END) {
          this.#fail("INVALID_CHUNK_EXTENSION", base + i, "expected an extension name or value before the line end");
        }
        this.#extLine = 0;
        this.#extTotal = total;
        if (c === CR) this.#state = S_CHUNK_SIZE_LF;
        else if (this.#allowBareLF) this.#chunkLineDone();
        else this.#fail("INVALID_LINE_ENDING", base + i, "expected CRLF after the chunk extension, not a bare LF");
        return i + 1;
      }
      if (++line > this.#maxExtLine) this.#fail("CHUNK_EXTENSION_TOO_LARGE", base + i, "expected chunk extensions within maxChunkExtensionSize");
      if (++total > this.#maxExtTotal) this.#fail("CHUNK_EXTENSION_TOO_LARGE", base + i, "expected chunk extensions within the per-message limit");
      const ws = c === SP || c === HTAB;
      switch (st) {
        case X_BEFORE_NAME:
          if (TOKEN[c] === 1) st = X_NAME;
          else if (!ws) this.#fail("INVALID_CHUNK_EXTENSION", base + i, "expected an extension name after ';'");
          break;
        case X_NAME:
          if (TOKEN[c] === 1) break;
          if (ws) st = X_AFTER_NAME;
          else if (c === EQUALS) st = X_BEFORE_VALUE;
          else if (c === SEMI) st = X_BEFORE_NAME;
          else this.#fail("INVALID_CHUNK_EXTENSION", base + i, "expected a token character, '=', ';' or CRLF in the chunk extension");
          break;
        case X_AFTER_NAME:
          if (c === EQUALS) st = X_BEFORE_VALUE;
          else if (c === SEMI) st = X_BEFORE_NAME;
          else if (!ws) this.#fail("INVALID_CHUNK_EXTENSION", base + i, "expected '=' or ';' after the extension name");
          break;
        case X_BEFORE_VALUE:
          if (TOKEN[c] === 1) st = X_VALUE;
          else if (c === DQUOTE) st = X_QUOTED;
          else if (!ws) this.#fail("INVALID_CHUNK_EXTENSION", base + i, "expected a token or quoted-string extension value");
          break;
        case X_VALUE:
          if (TOKEN[c] === 1) break;
          if (ws) st = X_AFTER_VALUE;
          else if (c === SEMI) st = X_BEFORE_NAME;
          else this.#fail("INVALID_CHUNK_EXTENSION", base + i, "expected a token character, ';' or CRLF in the extension value");
          break;
        case X_QUOTED:
          if (c === DQUOTE) st = X_QUOTED_END;
          else if (c === BACKSLASH) st = X_QUOTED_ESCAPE;
          else if (QDTEXT[c] === 0) this.#fail("INVALID_CHUNK_EXTENSION", base + i, "expected qdtext in the quoted extension value");
          break;
        case X_QUOTED_ESCAPE:
          if (QUOTED_PAIR[c] === 0) this.#fail("INVALID_CHUNK_EXTENSION", base + i, "expected an escapable character after '\\'");
          st = X_QUOTED;
          break;
        case X_QUOTED_END:
        case X_AFTER_VALUE:
          if (c === SEMI) st = X_BEFORE_NAME;
          else if (ws) st = X_AFTER_VALUE;
          else this.#fail("INVALID_CHUNK_EXTENSION", base + i, "expected ';' or CRLF after the extension value");
          break;
      }
    }
    this.#extState = st;
    this.#extLine = line;
    this.#extTotal = total;
    return i;
  }

  /** The chunk-size line ended: data, or the last chunk's trailer section. */
  #chunkLineDone(): void {
    this.#extLine = 0;
    const size = this.#chunkSize;
    this.#chunkSize = 0;
    if (size === 0) {
      this.#state = S_TRAILERS;
      this.#fields = [];
      this.#fieldCount = 0;
      this.#sectionBytes = 0;
      this.#lineLen = 0;
      return;
    }
    this.#bodyTotal += size;
    this.#remaining = size;
    this.#state = S_CHUNK_DATA;
  }
}

/** Special id of a Host whose value the fast path found to be a plain `reg-name [":" port]`. */
const HOST_CHECKED = 100;

/** buf[s, e) is reg-name bytes without '%', then optionally ':' and digits: a valid Host. */
function isPlainHost(buf: Uint8Array, s: number, e: number): boolean {
  let p = s;
  while (p < e && REG_NAME[buf[p]!] === 1) p++;
  if (p === e) return true;
  if (buf[p] !== COLON) return false;
  for (p++; p < e; p++) if (buf[p]! < 0x30 || buf[p]! > 0x39) return false;
  return true;
}

// The byte loops of the fast path live in small functions of their own: optimised apart
// from #fastFields, the tables are constants in them (one bounds compare per lookup) where,
// inlined into that big loop, V8 kept each table in a register and re-checked its map and
// length on every pass (bench/ab.mjs: browser GET +8-13%, 32 pipelined GETs +7-8%).

/** The end of the token bytes (tchar, RFC 9110 §5.6.2) in buf from p, at most n. */
function tokenEnd(buf: Uint8Array, p: number, n: number): number {
  // Four bytes per test while they last: one branch instead of four (bench: browser GET).
  while (p + 4 <= n && (TOKEN[buf[p]!]! & TOKEN[buf[p + 1]!]! & TOKEN[buf[p + 2]!]! & TOKEN[buf[p + 3]!]!) !== 0) p += 4;
  while (p < n && TOKEN[buf[p]!] === 1) p++;
  return p;
}

/**
 * The end of the field-value bytes (HTAB, SP, VCHAR, obs-text; RFC 9110 §5.5) in buf from p,
 * at most n: the CR of the line end, a bad byte, or n.
 */
function valueEnd(buf: Uint8Array, p: number, n: number): number {
  // FIELD_OK is 0 only for CTLs (but HTAB) and DEL; four bytes per test while they last. A
  // SWAR test (four bytes as one DataView word) was 8% faster on 32 pipelined heads but slower
  // on one head per push, which is what a server reads: the DataView costs an allocation per
  // push. Range compares instead of the table measured no faster.
  while (p + 4 <= n && (FIELD_OK[buf[p]!]! & FIELD_OK[buf[p + 1]!]! & FIELD_OK[buf[p + 2]!]! & FIELD_OK[buf[p + 3]!]!) !== 0) p += 4;
  while (p < n && FIELD_OK[buf[p]!] === 1) p++;
  return p;
}

function findLF(buf: Uint8Array, i: number, n: number): number {
  for (; i < n; i++) if (buf[i] === LF) return i;
  return -1;
}

interface CodingState {
  chunked: number;
  others: number;
  lastChunked: boolean;
  any: boolean;
}

/**
 * Content-Length = 1*DIGIT (RFC 9110 §8.6), no sign, space or list. Returns the value, or
 * -(index + 1) of the offending character.
 */
function parseContentLength(v: string): number {
  const len = v.length;
  if (len === 0) return -1;
  let n = 0;
  for (let k = 0; k < len; k++) {
    const d = v.charCodeAt(k) - 0x30;
    if (d < 0 || d > 9) return -(k + 1);
    // Overflow checked before the multiply: beyond 2^53-1 numbers lose integer precision.
    if (n > (MAX_SAFE - d) / 10) return -(k + 1);
    n = n * 10 + d;
  }
  return n;
}

function isOWS(c: number): boolean {
  return c === SP || c === HTAB;
}

/**
 * transfer-coding list (RFC 9110 §5.6.1, §10.1.4 / RFC 9112 §7): updates `st`; returns -1
 * when valid, else the index of the offending character. Empty list elements are
 * accepted (RFC 9110 §5.6.1), an entirely empty list is not.
 */
function scanCodings(v: string, st: CodingState): number {
  const len = v.length;
  let k = 0;
  let elements = 0;
  while (k < len) {
    while (k < len && isOWS(v.charCodeAt(k))) k++;
    if (k === len) break;
    if (v.charCodeAt(k) === COMMA) {
      k++;
      continue;
    }
    const ns = k;
    while (k < len && TOKEN[v.charCodeAt(k)] === 1) k++;
    if (k === ns) return k;
    const isChunked = k - ns === 7 && v.slice(ns, k).toLowerCase() === "chunked";
    elements++;
    if (isChunked) {
      if (++st.chunked > 1) return ns;
    } else {
      st.others++;
    }
    st.lastChunked = isChunked;
    // transfer-parameter = token BWS "=" BWS ( token / quoted-string )
    for (;;) {
      let q = k;
      while (q < len && isOWS(v.charCodeAt(q))) q++;
      if (q === len || v.charCodeAt(q) !== SEMI) {
        k = q;
        break;
      }
      if (isChunked) return q; // chunked takes no parameters (RFC 9112 §7.1)
      q++;
      while (q < len && isOWS(v.charCodeAt(q))) q++;
      const ps = q;
      while (q < len && TOKEN[v.charCodeAt(q)] === 1) q++;
      if (q === ps) return q;
      while (q < len && isOWS(v.charCodeAt(q))) q++;
      if (q === len || v.charCodeAt(q) !== EQUALS) return q;
      q++;
      while (q < len && isOWS(v.charCodeAt(q))) q++;
      if (q < len && v.charCodeAt(q) === DQUOTE) {
        q++;
        for (;;) {
          if (q === len) return q;
          const c = v.charCodeAt(q);
          if (c === DQUOTE) break;
          if (c === BACKSLASH) {
            q++;
            if (q === len || QUOTED_PAIR[v.charCodeAt(q)] === 0) return q;
          } else if (QDTEXT[c] === 0) return q;
          q++;
        }
        q++;
      } else {
        const vs = q;
        while (q < len && TOKEN[v.charCodeAt(q)] === 1) q++;
        if (q === vs) return q;
      }
      k = q;
    }
    if (k < len && v.charCodeAt(k) !== COMMA) return k;
  }
  if (elements === 0) return 0;
  st.any = true;
  return -1;
}

/** True when the list value v has a member: a byte other than OWS and ',' (RFC 9110 §5.6.1). */
function hasListMember(v: string): boolean {
  for (let k = 0; k < v.length; k++) {
    const c = v.charCodeAt(k);
    if (c !== SP && c !== HTAB && c !== COMMA) return true;
  }
  return false;
}

/** True when v[s, e) equals `lower` ASCII-case-insensitively (`lower` is lower-case letters and '-'). */
function equalsLower(v: string, s: number, e: number, lower: string): boolean {
  if (e - s !== lower.length) return false;
  for (let k = 0; k < lower.length; k++) if ((v.charCodeAt(s + k) | 0x20) !== lower.charCodeAt(k)) return false;
  return true;
}

/** Bits for the close / keep-alive / upgrade tokens of a Connection value (case-insensitive). */
function connectionTokens(v: string): number {
  // The values browsers and clients send nearly always (bench: browser GET): one compare.
  if (v === "keep-alive" || v === "Keep-Alive") return CONN_KEEP_ALIVE;
  if (v === "close") return CONN_CLOSE;
  let bits = 0;
  const len = v.length;
  let k = 0;
  while (k < len) {
    while (k < len && (isOWS(v.charCodeAt(k)) || v.charCodeAt(k) === COMMA)) k++;
    const s = k;
    while (k < len && v.charCodeAt(k) !== COMMA) k++;
    let e = k;
    while (e > s && isOWS(v.charCodeAt(e - 1))) e--;
    // Compared in place: no substring, no lower-casing allocation per request.
    if (equalsLower(v, s, e, "close")) bits |= CONN_CLOSE;
    else if (equalsLower(v, s, e, "keep-alive")) bits |= CONN_KEEP_ALIVE;
    else if (equalsLower(v, s, e, "upgrade")) bits |= CONN_UPGRADE;
  }
  return bits;
}

/**
 * Creates a push parser for one byte stream of requests (server side) or responses
 * (client side). Strict by default (RFC 9112); see ParserOptions for limits and leniencies.
 *
 * @example
 * const parser = createParser("request", {
 *   onHead(head) { console.log(head.method, head.target); },
 *   onBody(bytes) { console.log(bytes.length); },
 *   onComplete() { console.log("done"); },
 * });
 * parser.push(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
 */
export function createParser(kind: ParserKind, handler: ParserHandler, options?: ParserOptions): Parser {
  return new HttpParser(kind, handler, options);
}
