/**
 * The one error class of @k/parser, its brand guard, and the table from error code to
 * the HTTP status a server answers with.
 *
 * Does not: decide how a server reacts (that is @k/handler's job), keep any bytes.
 * Nothing here returns views.
 */
import type { ParseErrorCode, ParseErrorLike } from "./types.js";

/** Maps every parse error code to the HTTP status a server answers with (see types.ts). */
export const parseErrorStatus: Readonly<Record<ParseErrorCode, number>> = Object.freeze({
  INVALID_REQUEST_LINE: 400,
  INVALID_METHOD: 400,
  INVALID_TARGET: 400,
  INVALID_VERSION: 400,
  UNSUPPORTED_VERSION: 505,
  INVALID_STATUS: 400,
  INVALID_HEADER_NAME: 400,
  INVALID_HEADER_VALUE: 400,
  INVALID_LINE_ENDING: 400,
  OBS_FOLD: 400,
  INVALID_CONTENT_LENGTH: 400,
  CONFLICTING_CONTENT_LENGTH: 400,
  CONTENT_LENGTH_WITH_TRANSFER_ENCODING: 400,
  INVALID_TRANSFER_ENCODING: 400,
  CHUNKED_NOT_FINAL: 400,
  UNSUPPORTED_TRANSFER_CODING: 501,
  TRANSFER_ENCODING_IN_HTTP10: 400,
  INVALID_CHUNK_SIZE: 400,
  CHUNK_SIZE_OVERFLOW: 400,
  INVALID_CHUNK_EXTENSION: 400,
  CHUNK_EXTENSION_TOO_LARGE: 413,
  INVALID_CHUNK_DATA: 400,
  INVALID_TRAILER: 400,
  TRAILER_TOO_LARGE: 431,
  MISSING_HOST: 400,
  DUPLICATE_HOST: 400,
  INVALID_HOST: 400,
  CONNECT_WITH_CONTENT: 400,
  HEAD_TOO_LARGE: 431,
  TOO_MANY_HEADERS: 431,
  TARGET_TOO_LONG: 414,
  BODY_TOO_LARGE: 413,
  UNEXPECTED_EOF: 400,
  DATA_AFTER_CLOSE: 400,
});

/**
 * The HTTP status a server should answer a parse error with.
 *
 * @example
 * statusForParseError("TARGET_TOO_LONG"); // 414
 */
export function statusForParseError(code: ParseErrorCode): number {
  return parseErrorStatus[code];
}

// A registry-wide symbol, so the guard also recognises errors from a second copy of
// the package (two versions installed side by side), where `instanceof` would fail.
const brand: symbol = Symbol.for("@k/parser.ParseError");

/** Options for {@link ParseError}: the underlying cause, if any. */
export interface ParseErrorOptions {
  cause?: unknown;
}

/**
 * Malformed or over-limit input. `code` is stable; `offset` is the byte offset (since the
 * parser was created or reset) of the byte the error is about.
 */
export class ParseError extends Error implements ParseErrorLike {
  /** Stable machine-readable code. */
  readonly code: ParseErrorCode;
  /** Byte offset in the whole stream where the error applies. */
  readonly offset: number;
  constructor(code: ParseErrorCode, offset: number, expected: string, options?: ParseErrorOptions) {
    super(`${expected} at byte ${offset}`, options);
    this.name = "ParseError";
    this.code = code;
    this.offset = offset;
    // Non-enumerable so that the brand does not show up in logs or JSON.
    Object.defineProperty(this, brand, { value: true });
  }
}

/** True when `e` is a {@link ParseError} (from any copy of this package). */
export function isParseError(e: unknown): e is ParseError {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[brand] === true;
}
