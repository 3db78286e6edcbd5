/**
 * The public shapes of @k/parser: the parsed head, the callbacks, the options.
 *
 * This file is a contract that @k/handler and outside users depend on: it may grow,
 * never change. It holds types only.
 */

/** The HTTP versions a message can carry once parsed (a higher 1.x minor reads as "1.1"). */
export type HttpVersion = "1.0" | "1.1";

/** Which side of the conversation a parser reads. */
export type ParserKind = "request" | "response";

/**
 * The head of one message. One shape for both kinds, all fields always set, so that
 * engines keep one hidden class: request-only fields are "" / 0 on responses and the
 * other way round.
 */
export interface MessageHead {
  /** Request method as received (a token, case preserved). "" for responses. */
  method: string;
  /** Request-target exactly as received. "" for responses. */
  target: string;
  /** Status code (100..999). 0 for requests. */
  status: number;
  /** Reason phrase as received (may be ""). "" for requests. */
  reason: string;
  /** "1.0" or "1.1". */
  version: HttpVersion;
  /** Flat `[name, value, name, value, ...]`, received order, names as received, latin1, values trimmed. */
  rawHeaders: string[];
  /** The Content-Length, or -1 when the message has none. */
  contentLength: number;
  /** True when the body is chunked (Transfer-Encoding ends in `chunked`). */
  chunked: boolean;
  /** True when the connection persists after this message (version + `Connection`). */
  keepAlive: boolean;
  /** True when the message asks for (request) or confirms (101 response) a protocol upgrade. */
  upgrade: boolean;
  /** True when a request carries `Expect: 100-continue` (matched case-insensitively). */
  expectContinue: boolean;
}

/** The callbacks a parser drives. All are called synchronously from `push` / `finish`. */
export interface ParserHandler {
  /**
   * A complete head was read. Return `true` to say that this message has no body
   * whatever its headers say (a response to HEAD, or to a CONNECT that succeeded).
   */
  onHead(head: MessageHead): boolean | void;
  /**
   * Body bytes, already de-chunked. A view (`subarray`) into the bytes passed to `push`,
   * never a copy: it is valid as long as the caller keeps that buffer unchanged.
   */
  onBody(bytes: Uint8Array): void;
  /** The message ended. `trailers` is flat like `rawHeaders` (empty when none). */
  onComplete(trailers: string[]): void;
}

/** Limits and leniencies. Every leniency is off by default; each is a smuggling risk. */
export interface ParserOptions {
  /** Largest head (start line + fields + final CRLF) in bytes. Over it: `HEAD_TOO_LARGE` (431). */
  maxHeadSize?: number;
  /** Most header fields in one head. Over it: `TOO_MANY_HEADERS` (431). */
  maxHeaderCount?: number;
  /** Longest request-target. Over it: `TARGET_TOO_LONG` (414). */
  maxTargetLength?: number;
  /** Most chunk-extension bytes on one chunk-size line, and in total per message. */
  maxChunkExtensionSize?: number;
  /** Largest trailer section in bytes. */
  maxTrailerSize?: number;
  /** Largest body in bytes (Content-Length or de-chunked). Over it: `BODY_TOO_LARGE` (413). Default: no limit. */
  maxBodySize?: number;
  /** Leniency: accept a bare LF as a line end in heads and chunk framing. Risk: request smuggling. */
  allowBareLF?: boolean;
  /** Leniency: accept obs-fold (a field line continued by SP/HTAB), joined with one SP. Risk: smuggling. */
  allowObsFold?: boolean;
  /** Leniency: accept SP/HTAB between a chunk size and its CRLF or `;`. Risk: smuggling. */
  allowChunkSizeWhitespace?: boolean;
  /**
   * Leniency: accept `[` `]` `{` `}` `|` `^` `` ` `` in the path and query of a request-target,
   * which browsers and `fetch` send unencoded though RFC 3986 excludes them. Never `\`, `"`,
   * `<`, `>`, and never in a host. Risk: a peer that decodes or rewrites them routes differently.
   */
  allowUnsafeTargetChars?: boolean;
  /**
   * Opt-in for forward proxies: accept an absolute-form target whose scheme is not `http` or
   * `https` (e.g. `ftp://`). By default such a target is `INVALID_TARGET`, as in llhttp.
   */
  allowNonHttpSchemes?: boolean;
}

/** A push parser for one byte stream. */
export interface Parser {
  /**
   * Parses `bytes` from index `start` (default 0) and returns how many were consumed: all of
   * them, unless a callback called `pause()`. Throws the `ParseError` on malformed input; the
   * error is sticky: every later `push`/`finish` throws it again until `reset()`.
   *
   * After a pause, `push(bytes, start + consumed)` goes on with the same array without
   * making a view of its rest; the bytes from there on must not have changed in between.
   * @throws RangeError when `start` is not an integer in 0..bytes.length
   */
  push(bytes: Uint8Array, start?: number): number;
  /** End of input: completes a close-delimited response body; mid-message it is `UNEXPECTED_EOF`. */
  finish(): void;
  /** Forgets all state and any error: ready for a new stream. */
  reset(): void;
  /**
   * Called from inside a callback: the current `push` returns right after that callback,
   * reporting the bytes consumed so far. The caller pushes the rest later (flow control).
   */
  pause(): void;
  /** The sticky error, or null. */
  readonly error: ParseErrorLike | null;
}

/** The shape of a `ParseError` (the class lives in errors.ts). */
export interface ParseErrorLike extends Error {
  readonly code: ParseErrorCode;
  /** Byte offset in the whole stream (since creation or `reset()`) where the error applies. */
  readonly offset: number;
}

/**
 * Stable error codes. `statusForParseError(code)` maps each to the HTTP status a server
 * answers with (in brackets).
 */
export type ParseErrorCode =
  | "INVALID_REQUEST_LINE" // [400] start-line grammar (spaces, missing parts)
  | "INVALID_METHOD" // [400] method is not a token
  | "INVALID_TARGET" // [400] request-target has bytes outside its grammar
  | "INVALID_VERSION" // [400] not HTTP/DIGIT.DIGIT (garbage, lower case, 0.9)
  | "UNSUPPORTED_VERSION" // [505] a major version other than 1 (HTTP/2.0 on an HTTP/1 stream)
  | "INVALID_STATUS" // [400] status-line grammar (responses)
  | "INVALID_HEADER_NAME" // [400] not a token, empty, or whitespace before the colon
  | "INVALID_HEADER_VALUE" // [400] a CTL other than HTAB, or a NUL, in a field value
  | "INVALID_LINE_ENDING" // [400] bare LF, bare CR, CR not followed by LF
  | "OBS_FOLD" // [400] a field line continued by SP/HTAB
  | "INVALID_CONTENT_LENGTH" // [400] not 1*DIGIT, or overflow
  | "CONFLICTING_CONTENT_LENGTH" // [400] repeated Content-Length values that differ
  | "CONTENT_LENGTH_WITH_TRANSFER_ENCODING" // [400] both present in a request
  | "INVALID_TRANSFER_ENCODING" // [400] empty coding, chunked applied twice, bad syntax
  | "CHUNKED_NOT_FINAL" // [400] a request whose final coding is not chunked
  | "UNSUPPORTED_TRANSFER_CODING" // [501] a coding the parser cannot decode
  | "TRANSFER_ENCODING_IN_HTTP10" // [400] Transfer-Encoding in an HTTP/1.0 request
  | "INVALID_CHUNK_SIZE" // [400] chunk size not 1*HEXDIG (space, 0x, sign, empty)
  | "CHUNK_SIZE_OVERFLOW" // [400] chunk size beyond 2^53-1
  | "INVALID_CHUNK_EXTENSION" // [400] chunk-ext grammar
  | "CHUNK_EXTENSION_TOO_LARGE" // [413] chunk extensions over the limit (CVE-2024-22019)
  | "INVALID_CHUNK_DATA" // [400] chunk data not followed by CRLF
  | "INVALID_TRAILER" // [400] trailer field grammar
  | "TRAILER_TOO_LARGE" // [431] trailer section over the limit
  | "MISSING_HOST" // [400] HTTP/1.1 request without Host
  | "DUPLICATE_HOST" // [400] more than one Host
  | "INVALID_HOST" // [400] a Host value that is not uri-host [":" port] (RFC 9110 §7.2)
  | "CONNECT_WITH_CONTENT" // [400] a CONNECT request with Content-Length > 0 or Transfer-Encoding (RFC 9110 §9.3.6)
  | "HEAD_TOO_LARGE" // [431] head over maxHeadSize
  | "TOO_MANY_HEADERS" // [431] more fields than maxHeaderCount
  | "TARGET_TOO_LONG" // [414] request-target over maxTargetLength
  | "BODY_TOO_LARGE" // [413] body over maxBodySize
  | "UNEXPECTED_EOF" // [400] finish() in the middle of a message
  | "DATA_AFTER_CLOSE"; // [400] bytes after a message that ends the connection
