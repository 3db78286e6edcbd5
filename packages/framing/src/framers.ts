/**
 * The built-in framing strategies: Content-Length, chunked, close-delimited and "none"
 * (head only), behind the `Framer` interface, with one shared state machine.
 *
 * Every framer obeys one rule when its context says `noBody` (HEAD, 1xx, 204, 304): it
 * behaves exactly like "none", whatever its strategy, so a forced or user-created framer
 * can never put body bytes on a response that must not have them.
 *
 * It does not choose a strategy (choose.ts) and never copies large body parts: parts are
 * handed to the sink by reference (chunked copies parts up to `CHUNK_COPY_LIMIT` bytes to
 * write them with their framing in one call, unless the sink `gathers` its writes itself). The caller must not change a part's bytes
 * until the sink is done with them. It never awaits: backpressure is the caller's, via the
 * booleans returned.
 */

import { CRLF, LAST_CHUNK } from "./constants.js";
import { FramingError } from "./errors.js";
import { concatHead, headText, trailerText, writeLatin1 } from "./head.js";
import type { DropRule } from "./head.js";
import type { Framer, FramerContext, FramerFactory, HeaderInit, Sink } from "./types.js";

const IDLE = 0;
const OPEN = 1;
const ENDED = 2;
const ABORTED = 3;

/**
 * Chunks up to this many bytes are copied into one array with their size line and CRLF
 * (one sink write); bigger ones go as three writes without copying the data. See the
 * bench: for a socket, one write of a copied 16 KiB chunk costs less than three writes.
 * A sink that `gathers` its writes gets three writes for every chunk (it pays no syscall
 * per write, so the copy would be pure cost: the pipelined /stream profile).
 */
export const CHUNK_COPY_LIMIT: number = 16 * 1024;

// Size lines are shared between framers (a sink may keep them: never written to after
// creation). Streams repeat one part size, so a small cache saves an allocation per chunk.
const SIZE_LINES = new Map<number, Uint8Array>();
const SIZE_LINES_MAX = 64;

function sizeLine(size: number): Uint8Array {
  let line = SIZE_LINES.get(size);
  if (line !== undefined) return line;
  const hex = size.toString(16);
  const bytes = Buffer.alloc(hex.length + 2);
  writeLatin1(bytes, hex, 0);
  bytes[hex.length] = 0x0d;
  bytes[hex.length + 1] = 0x0a;
  line = bytes;
  // Bounded: a stream of ever-changing sizes must not grow it; the first sizes seen stay.
  if (SIZE_LINES.size < SIZE_LINES_MAX) SIZE_LINES.set(size, line);
  return line;
}

function isHeadRequest(context: FramerContext): boolean {
  return context.request.method === "HEAD";
}

/** The framing lines of a response without a body (RFC 9110 §8.6, §9.3.2; RFC 9112 §6.1). */
function noBodyFramingLines(context: FramerContext): string {
  const status = context.head.status;
  // 1xx and 204 never carry Content-Length or Transfer-Encoding (RFC 9110 §8.6, RFC 9112 §6.1).
  if (status < 200 || status === 204) return "";
  // HEAD and 304 may announce the length a GET / 200 would have had (RFC 9110 §9.3.2, §15.4.5).
  if (isHeadRequest(context) || status === 304) {
    return context.length >= 0 ? `Content-Length: ${context.length}\r\n` : "";
  }
  // A body-capable response that was told to carry no body: say so, instead of leaving the
  // client to read until close (RFC 9112 §6.3 rule 8).
  return "Content-Length: 0\r\n";
}

/** The state machine every built-in framer shares; strategies fill in the body hooks. */
abstract class BaseFramer implements Framer {
  readonly name: string;
  readonly closeConnection: boolean;
  protected readonly sink: Sink;
  protected readonly context: FramerContext;
  #state: number = IDLE;
  #abortReason: unknown = undefined;

  constructor(name: string, sink: Sink, context: FramerContext, closeConnection: boolean) {
    this.name = name;
    this.sink = sink;
    this.context = context;
    this.closeConnection = closeConnection && !context.noBody;
  }

  start(first?: Uint8Array): boolean {
    if (this.#state !== IDLE) {
      this.#throwIfAborted();
      throw new FramingError("INVALID_STATE", `${this.name}: start() was already called`);
    }
    let bytes: Uint8Array;
    if (this.context.noBody) {
      if (first !== undefined && first.length > 0 && !isHeadRequest(this.context)) this.#illegalBody();
      const head = this.context.head;
      bytes = concatHead(headText(head.status, head.reason, head.headers, noBodyFramingLines(this.context), null), undefined);
    } else {
      bytes = this.startBody(first);
    }
    this.#state = OPEN;
    return this.sink.write(bytes);
  }

  write(part: Uint8Array): boolean {
    if (this.#state !== OPEN) this.#throwNotOpen("write");
    // An empty part writes nothing: for chunked, a zero-size chunk would end the body.
    if (part.length === 0) return true;
    if (this.context.noBody) {
      // RFC 9110 §9.3.2: the server must not send content for HEAD; the handler may produce
      // the GET body anyway, so it is dropped here. For 1xx/204/304 it is the handler's bug.
      if (isHeadRequest(this.context)) return true;
      this.#illegalBody();
    }
    return this.writeBody(part);
  }

  end(trailers?: HeaderInit): boolean {
    if (this.#state !== OPEN) this.#throwNotOpen("end");
    let result = true;
    if (this.context.noBody) {
      if (!isHeadRequest(this.context) && trailerText(trailers) !== "") this.#illegalBody();
    } else {
      result = this.endBody(trailers);
    }
    this.#state = ENDED;
    return result;
  }

  abort(reason?: unknown): void {
    if (this.#state === ABORTED) return;
    this.#state = ABORTED;
    this.#abortReason = reason;
  }

  /** Head (with this strategy's framing fields) and `first`, as the one array `start` writes. */
  protected abstract startBody(first: Uint8Array | undefined): Uint8Array;
  /** Frames and writes one non-empty part. */
  protected abstract writeBody(part: Uint8Array): boolean;
  /** Finishes the body; throws (writing nothing) when it cannot. */
  protected abstract endBody(trailers: HeaderInit | undefined): boolean;

  protected headWith(framingLines: string, drop: DropRule, first: Uint8Array | undefined): Uint8Array {
    const head = this.context.head;
    return concatHead(headText(head.status, head.reason, head.headers, framingLines, drop), first);
  }

  /** Trailers only exist in chunked framing (RFC 9112 §7.1.2): elsewhere they would be lost. */
  protected rejectTrailers(trailers: HeaderInit | undefined): void {
    if (trailerText(trailers) !== "") {
      throw new FramingError("ILLEGAL_FRAMING", `${this.name}: trailers need chunked framing; they would be lost`);
    }
  }

  #throwIfAborted(): void {
    if (this.#state === ABORTED) {
      throw new FramingError("ABORTED", `${this.name}: the response was aborted`, { cause: this.#abortReason });
    }
  }

  #throwNotOpen(call: string): never {
    this.#throwIfAborted();
    if (this.#state === ENDED) {
      throw new FramingError("WRITE_AFTER_END", `${this.name}: ${call}() after end()`);
    }
    throw new FramingError("INVALID_STATE", `${this.name}: ${call}() before start()`);
  }

  #illegalBody(): never {
    throw new FramingError(
      "ILLEGAL_FRAMING",
      `a ${this.context.head.status} response carries no body (RFC 9110 §15.2, §15.3.5, §15.4.5)`,
    );
  }
}

class ContentLengthFramer extends BaseFramer {
  readonly #length: number;
  #written = 0;

  constructor(sink: Sink, context: FramerContext) {
    super("content-length", sink, context, false);
    this.#length = context.length;
  }

  protected startBody(first: Uint8Array | undefined): Uint8Array {
    const size = first === undefined ? 0 : first.length;
    this.#checkRoom(size);
    const bytes = this.headWith(`Content-Length: ${this.#length}\r\n`, null, first);
    this.#written = size;
    return bytes;
  }

  protected writeBody(part: Uint8Array): boolean {
    this.#checkRoom(part.length);
    this.#written += part.length;
    return this.sink.write(part);
  }

  protected endBody(trailers: HeaderInit | undefined): boolean {
    if (this.#written !== this.#length) {
      throw new FramingError(
        "LENGTH_MISMATCH",
        `content-length: end() after ${this.#written} of ${this.#length} announced bytes`,
      );
    }
    this.rejectTrailers(trailers);
    return true;
  }

  // Checked before writing: an overlong part would be read by the client as the start of
  // the next response (RFC 9112 §6.3, response splitting).
  #checkRoom(size: number): void {
    if (this.#written + size > this.#length) {
      throw new FramingError(
        "LENGTH_MISMATCH",
        `content-length: writing ${size} bytes after ${this.#written} exceeds the announced ${this.#length}`,
      );
    }
  }
}

class ChunkedFramer extends BaseFramer {
  constructor(sink: Sink, context: FramerContext) {
    super("chunked", sink, context, false);
  }

  protected startBody(first: Uint8Array | undefined): Uint8Array {
    const head = this.context.head;
    const text = headText(head.status, head.reason, head.headers, "Transfer-Encoding: chunked\r\n", null);
    if (first === undefined || first.length === 0) return concatHead(text, undefined);
    const size = first.length.toString(16);
    const bytes = Buffer.allocUnsafe(text.length + size.length + 2 + first.length + 2);
    let at = writeLatin1(bytes, text, 0);
    at += writeLatin1(bytes, size, at);
    bytes[at++] = 0x0d;
    bytes[at++] = 0x0a;
    bytes.set(first, at);
    at += first.length;
    bytes[at++] = 0x0d;
    bytes[at] = 0x0a;
    return bytes;
  }

  protected writeBody(part: Uint8Array): boolean {
    if (part.length <= CHUNK_COPY_LIMIT && this.sink.gathers !== true) {
      const size = part.length.toString(16);
      const bytes = Buffer.allocUnsafe(size.length + 2 + part.length + 2);
      let at = writeLatin1(bytes, size, 0);
      bytes[at++] = 0x0d;
      bytes[at++] = 0x0a;
      bytes.set(part, at);
      at += part.length;
      bytes[at++] = 0x0d;
      bytes[at] = 0x0a;
      return this.sink.write(bytes);
    }
    const a = this.sink.write(sizeLine(part.length));
    const b = this.sink.write(part);
    const c = this.sink.write(CRLF);
    return a && b && c;
  }

  protected endBody(trailers: HeaderInit | undefined): boolean {
    const fields = trailerText(trailers);
    if (fields === "") return this.sink.write(LAST_CHUNK);
    return this.sink.write(concatHead(`0\r\n${fields}\r\n`, undefined));
  }
}

class CloseFramer extends BaseFramer {
  constructor(sink: Sink, context: FramerContext) {
    super("close", sink, context, true);
  }

  protected startBody(first: Uint8Array | undefined): Uint8Array {
    // RFC 9112 §6.3 rule 8: the body ends when the connection closes, so the head says so,
    // replacing whatever Connection value the handler gave (keep-alive would be a lie).
    return this.headWith("Connection: close\r\n", "connection", first);
  }

  protected writeBody(part: Uint8Array): boolean {
    return this.sink.write(part);
  }

  protected endBody(trailers: HeaderInit | undefined): boolean {
    this.rejectTrailers(trailers);
    return true;
  }
}

class NoBodyFramer extends BaseFramer {
  constructor(sink: Sink, context: FramerContext) {
    super("none", sink, context, false);
  }

  // Unreachable: the factory only makes this framer for `noBody` contexts, which the base
  // class handles before calling any body hook.
  protected startBody(): Uint8Array {
    throw new FramingError("ILLEGAL_FRAMING", "none: the response has a body");
  }

  protected writeBody(): boolean {
    throw new FramingError("ILLEGAL_FRAMING", "none: the response has a body");
  }

  protected endBody(): boolean {
    throw new FramingError("ILLEGAL_FRAMING", "none: the response has a body");
  }
}

function checkLength(name: string, length: number): void {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new FramingError("ILLEGAL_FRAMING", `${name}: needs a known length (a non-negative integer), got ${length}`);
  }
}

/**
 * Content-Length framing (RFC 9112 §6.2): the head announces `context.length`; parts pass
 * through unchanged; more bytes than announced, or fewer at `end()`, is LENGTH_MISMATCH.
 */
export const contentLengthFraming: FramerFactory = {
  name: "content-length",
  create(sink: Sink, context: FramerContext): Framer {
    if (!context.noBody) checkLength("content-length", context.length);
    return new ContentLengthFramer(sink, context);
  },
};

/**
 * Chunked framing (RFC 9112 §7.1), HTTP/1.1 clients only: each non-empty part becomes one
 * chunk; `end(trailers)` writes the last chunk and the trailer section.
 */
export const chunkedFraming: FramerFactory = {
  name: "chunked",
  create(sink: Sink, context: FramerContext): Framer {
    if (!context.noBody && context.request.version !== "1.1") {
      // RFC 9112 §6.1: a server must not send chunked to a client that did not speak 1.1.
      throw new FramingError("ILLEGAL_FRAMING", "chunked: the client speaks HTTP/1.0 (RFC 9112 §6.1)");
    }
    return new ChunkedFramer(sink, context);
  },
};

/**
 * Close-delimited framing (RFC 9112 §6.3 rule 8): no length, `Connection: close`, the body
 * ends when the connection does. `closeConnection` is true.
 */
export const closeFraming: FramerFactory = {
  name: "close",
  create(sink: Sink, context: FramerContext): Framer {
    return new CloseFramer(sink, context);
  },
};

/**
 * The head only, for responses without a body (HEAD, 1xx, 204, 304). HEAD: body parts are
 * discarded and Content-Length is kept when known; 1xx/204/304: a non-empty part is
 * ILLEGAL_FRAMING.
 */
export const noBodyFraming: FramerFactory = {
  name: "none",
  create(sink: Sink, context: FramerContext): Framer {
    if (!context.noBody) {
      throw new FramingError(
        "ILLEGAL_FRAMING",
        "none: this response may carry a body; give length: 0 for an empty one (RFC 9112 §6.3)",
      );
    }
    return new NoBodyFramer(sink, context);
  },
};

// V8 holds the object shapes that optimised code embeds weakly: when a full GC finds no framer
// (or framer context) alive, those shapes die and every optimised function built on them
// (start, headWith, end, a caller's write path) is thrown away ("weak objects" in
// --trace-deopt) and runs slow until it is optimised again. A server sees such GCs between
// bursts of requests. One framer of each strategy, kept for the life of the module, keeps the
// shapes and the optimised code alive (@k/handler's test/gc-deopt.test.ts).
const anchorSink: Sink = { write: () => true };
const anchorContext = (noBody: boolean): FramerContext => ({
  head: { status: 200, headers: [] },
  request: { method: "GET", version: "1.1" },
  length: 0,
  noBody,
});
/** @internal Exported only so that no bundler drops it as unused. */
export const framerShapeAnchors: readonly Framer[] = [
  contentLengthFraming.create(anchorSink, anchorContext(false)),
  chunkedFraming.create(anchorSink, anchorContext(false)),
  closeFraming.create(anchorSink, anchorContext(false)),
  noBodyFraming.create(anchorSink, anchorContext(true)),
];
