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
}
