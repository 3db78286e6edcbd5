/**
 * The public shapes of @k/framing: a sink, a framer, a framer factory, the chooser's
 * input and output.
 *
 * This file is a contract that @k/handler and outside users depend on: it may grow,
 * never change. It holds types only.
 */

/** The HTTP version the client spoke. */
export type HttpVersion = "1.0" | "1.1";

/** Where framed bytes go (a socket, a buffer in a test). */
export interface Sink {
  /** Writes bytes; `false` means the sink is full: wait for its drain before writing more. */
  write(bytes: Uint8Array): boolean;
  /**
   * True when the sink gathers its writes itself (queues them and hands them on together, as
   * one `writev`), so a write costs no system call: the chunked framer then never copies a
   * part to join it with its size line and CRLF. Absent: false (each write may be a syscall).
   */
  readonly gathers?: boolean | undefined;
}

/** One header value: repeated names are written as repeated lines. */
export type HeaderValue = string | number | readonly string[];

/**
 * Response headers as the handler gives them: `[name, value]` pairs (any iterable, so a web
 * `Headers` works) or a plain record. Names and values are validated when serialised.
 */
export type HeaderInit =
  | Iterable<readonly [string, string | number]>
  | Readonly<Record<string, HeaderValue | undefined>>;

/** The built-in strategies. "none" writes a head and no body (HEAD, 1xx, 204, 304). */
export type FramingName = "content-length" | "chunked" | "close" | "none";

/** What a handler says about its response before any body byte. */
export interface ResponseHead {
  status: number;
  /** Reason phrase; the standard one for `status` when omitted. */
  reason?: string;
  headers?: HeaderInit;
  /** Body length in bytes, when known ahead: gives Content-Length. */
  length?: number;
  /** Force a strategy: a built-in name or a user's factory. Illegal choices are a FramingError. */
  framing?: FramingName | FramerFactory;
}

/** What the chooser and the framers need to know about the request being answered. */
export interface RequestInfo {
  /** The request method (only "HEAD" changes framing). */
  method: string;
  /** The HTTP version the client spoke. */
  version: HttpVersion;
}

/** The first response part, as `chooseFraming` sees it. */
export interface FirstPart extends ResponseHead {
  /** Body bytes the handler produced together with the head. */
  body?: Uint8Array;
  /** True when the handler is done: `body` (or nothing) is the whole body. */
  done?: boolean;
}

/** The context a factory creates a framer in. */
export interface FramerContext {
  /** The response head to serialise (status, reason, the handler's headers). */
  head: ResponseHead;
  request: RequestInfo;
  /** The body length for Content-Length framing, -1 when unknown. */
  length: number;
  /** True when the response must carry no body bytes (HEAD, 1xx, 204, 304). */
  noBody: boolean;
}

/** The chooser's verdict. */
export interface FramingChoice {
  factory: FramerFactory;
  /** Body length for Content-Length, -1 otherwise. */
  length: number;
  /** True when the response must carry no body bytes. */
  noBody: boolean;
}

/** Frames one response body onto a sink. */
export interface Framer {
  /** The strategy's name ("content-length", "chunked", "close", "none", or a user's). */
  readonly name: string;
  /** True when the connection must close once this response is written (close-delimited). */
  readonly closeConnection: boolean;
  /** Writes the head (with this strategy's framing headers) and `first`, if given, in one sink write. */
  start(first?: Uint8Array): boolean;
  /** Writes one body part; an empty part writes nothing. Returns the sink's backpressure signal. */
  write(part: Uint8Array): boolean;
  /** Ends the body (chunked: last chunk and optional trailers). Throws `LENGTH_MISMATCH` on a short body. */
  end(trailers?: HeaderInit): boolean;
  /** Gives up on the response: nothing more is written; the connection must be destroyed. */
  abort(reason?: unknown): void;
}

/** A strategy: makes framers. Users can pass their own as `ResponseHead.framing`. */
export interface FramerFactory {
  readonly name: string;
  create(sink: Sink, context: FramerContext): Framer;
}
