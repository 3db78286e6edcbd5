/**
 * The one error class of @k/framing, its stable codes and the guard that recognises it.
 *
 * It does not map codes to HTTP statuses: a framing error is the server's own bug (or a
 * handler's), never the client's, so the lifecycle answers 500 before the head and aborts
 * the connection after it.
 */

/** Stable error codes (string literals: compare with `===`, never parse the message). */
export type FramingErrorCode =
  /** The body is longer or shorter than the announced Content-Length (or `length`). */
  | "LENGTH_MISMATCH"
  /** `write` after `end`, or `end` a second time. */
  | "WRITE_AFTER_END"
  /** A header name that is not a token, or a CTL (CR, LF, NUL, ...) or a char above 0xFF in a name or value; a field that is not allowed in trailers. */
  | "INVALID_HEADER"
  /** A status that is not an integer in 100..999, or a reason phrase with a CTL or a char above 0xFF. */
  | "INVALID_STATUS"
  /** A framing the response cannot have: chunked to an HTTP/1.0 client, a body on 1xx/204/304, a length on 1xx/204, trailers without chunked, conflicting framing headers. */
  | "ILLEGAL_FRAMING"
  /** Any call on a framer after `abort()`. */
  | "ABORTED"
  /** A framer used out of order: `write`/`end` before `start`, or `start` twice. */
  | "INVALID_STATE";

// A registered symbol, so two copies of this package (two versions in one tree) still
// recognise each other's errors, which `instanceof` would not.
const BRAND: symbol = Symbol.for("@k/framing.FramingError");

/** Options for {@link FramingError}. */
export interface FramingErrorOptions {
  /** The underlying reason (for `ABORTED`: the reason given to `abort`). */
  cause?: unknown;
}

/**
 * The error every @k/framing function throws. A framing error is always raised before
 * the offending bytes reach the sink: a failed call writes nothing.
 */
export class FramingError extends Error {
  /** The stable code. */
  readonly code: FramingErrorCode;
  constructor(code: FramingErrorCode, message: string, options?: FramingErrorOptions) {
    super(message, options);
    this.name = "FramingError";
    this.code = code;
  }
}

Object.defineProperty(FramingError.prototype, BRAND, { value: true });

/**
 * True when `value` is a {@link FramingError}, also one made by another copy of this
 * package (the brand is a registered symbol, not `instanceof`).
 */
export function isFramingError(value: unknown): value is FramingError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
