/**
 * HttpError: the one error class of @k/handler. A component throws it (before its head) to
 * answer with a chosen status; the lifecycle throws it for its own failures (a request body
 * that was aborted, a timeout, a bad response object).
 *
 * It does not log or format anything: the connection turns it into a short text response.
 */
import type { HeaderInit } from "@k/framing";

/** Stable codes carried by `HttpError.code`. */
export type HttpErrorCode =
  | "HTTP_STATUS" // thrown by a component to answer with `status`
  | "BAD_RESPONSE" // a component produced something that is not a response (status 600, no head)
  | "ABORTED" // the client went away
  | "TIMEOUT" // head, body or idle timeout
  | "BODY_TOO_LARGE" // request body over maxBodySize
  | "BODY_CONSUMED"; // the request body was read twice

const BRAND: symbol = Symbol.for("@k/handler.HttpError");

/**
 * An error that maps to an HTTP status. Thrown by a component before its head, it becomes
 * that status with the message as a `text/plain` body.
 * @example
 * ```ts
 * if (!req.headers.has("authorization")) throw new HttpError(401, "login first");
 * ```
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: HttpErrorCode;
  /** Extra response headers (e.g. `WWW-Authenticate`, `Allow`). */
  readonly headers: HeaderInit | undefined;

  constructor(
    status: number,
    message?: string,
    options?: { cause?: unknown; headers?: HeaderInit; code?: HttpErrorCode },
  ) {
    super(message ?? `HTTP ${status}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.code = options?.code ?? "HTTP_STATUS";
    this.headers = options?.headers;
  }
}

Object.defineProperty(HttpError.prototype, BRAND, { value: true });

/** True for an `HttpError` (also one from another copy of this package). */
export function isHttpError(e: unknown): e is HttpError {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}
