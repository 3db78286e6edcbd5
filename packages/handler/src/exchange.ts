/**
 * The data the lifecycle's parts share: one request's Exchange record, the resolved
 * connection options and their defaults, and the parse-error-to-status mapping.
 *
 * Owns: no state. The parts of the lifecycle that handle a request (connection.ts: parser
 * callbacks and scheduling; response-writer.ts; timers.ts) read and write Exchange fields directly:
 * the record is deliberately a plain object of stable shape (all fields set in newExchange),
 * not a class with accessors, because it is touched several times per request on the hot path.
 */
import { compileTrustProxy } from "./trust-proxy-option.js";
import type { TrustProxy } from "./trust-proxy.js";
import { statusForParseError } from "@k/parser";
import type { MessageHead, ParseErrorLike } from "@k/parser";
import type { Framer } from "@k/framing";
import type { DiagnosticsResponse } from "./diagnostics.js";
import { HttpError } from "./errors.js";
import type { BodyQueue, HttpRequest, LazyAbort } from "./request.js";
import type { PartSource } from "./response.js";
import type { ConnectionOptions, RequestHandler } from "./types.js";

/** Default `headTimeout`: 30 s to receive a whole head (slowloris). */
export const defaultHeadTimeout: number = 30_000;
/** Default `idleTimeout`: 65 s, longer than common load-balancer idle timeouts (60 s). */
export const defaultIdleTimeout: number = 65_000;
/** Default `bodyTimeout`: 30 s without request-body bytes. */
export const defaultBodyTimeout: number = 30_000;
/** Default `maxPipelined`: requests parsed ahead and waiting. */
export const defaultMaxPipelined: number = 16;
/** Default `maxDrainSize`: 1 MiB of unread request body is drained to keep the connection. */
export const defaultMaxDrainSize: number = 1024 * 1024;
/**
 * Default `requestTimeout`: 300 s for a whole request, head and body (node:http's
 * `requestTimeout`). A body that trickles in restarts the body timeout with every byte; this
 * bounds it.
 */
export const defaultRequestTimeout: number = 300_000;
/**
 * Default `minBodyRate`: 240 bytes/s, checked over each `bodyRateWindow` (Kestrel's
 * MinRequestBodyDataRate): far below any real link, far above a slow-body attack.
 */
export const defaultMinBodyRate: number = 240;
/** Default `bodyRateWindow`: 5 s, the period over which `minBodyRate` is checked (and its grace). */
export const defaultBodyRateWindow: number = 5_000;

/** @internal One request in the connection's queue, from its head to its response's end. */
export interface Exchange {
  request: HttpRequest | null;
  head: MessageHead | null;
  body: BodyQueue;
  abort: LazyAbort;
  keepAlive: boolean;
  hasBody: boolean;
  /** Body bytes received so far. */
  received: number;
  /**
   * Ms of requestTimeout left while reading this body (-1 until its clock starts). Spent only
   * while we read: time paused for our own backpressure or waiting to send 100 is not the client's.
   */
  budget: number;
  /** performance.now() of the first head byte, when the head timer ran for it; else -1. */
  headStart: number;
  /** Answer with this instead of running the component (parse error, bad Host, 417, 408). */
  error: HttpError | null;
  /** The request body failed to parse or timed out: the status a pre-head failure gets. */
  bodyError: HttpError | null;
  headSent: boolean;
  noBody: boolean;
  finished: boolean;
  continueSent: boolean;
  closeAfter: boolean;
  status: number;
  /** Bytes written for the response: head, framing and body. */
  bytes: number;
  /** Body (content) bytes sent, without framing; 0 for HEAD. */
  bodyBytes: number;
  started: number;
  source: PartSource | null;
  framer: Framer | null;
  /** The `response` published on diagnostics channels; null when nobody listened at its start. */
  diag: DiagnosticsResponse | null;
}

/** @internal A fresh exchange, every field set (one object shape for all of them). */
export function newExchange(
  head: MessageHead | null,
  body: BodyQueue,
  abort: LazyAbort,
  keepAlive: boolean,
  hasBody: boolean,
  headStart: number,
  error: HttpError | null,
): Exchange {
  return {
    request: null,
    head,
    body,
    abort,
    keepAlive,
    hasBody,
    received: 0,
    budget: -1,
    headStart,
    error,
    bodyError: null,
    headSent: false,
    noBody: false,
    finished: false,
    continueSent: false,
    closeAfter: error !== null,
    status: 0,
    bytes: 0,
    bodyBytes: 0,
    started: 0,
    source: null,
    framer: null,
    diag: null,
  };
}

/** @internal The connection options with defaults applied, read on every request. */
export interface Resolved {
  handler: RequestHandler;
  headTimeout: number;
  idleTimeout: number;
  bodyTimeout: number;
  /** The head timer's ms: headTimeout, capped by requestTimeout (the head is part of the request). */
  headMs: number;
  requestTimeout: number;
  minBodyRate: number;
  bodyRateWindow: number;
  maxPipelined: number;
  maxDrainSize: number;
  serverName: string | undefined;
  keepAliveValue: string | null;
  onError: ((error: unknown, request?: HttpRequest) => void) | undefined;
  onResponse: ConnectionOptions["onResponse"];
  diagnosticsServer: unknown;
  trustProxy: TrustProxy | null;
}

/** @internal Applies the defaults. */
export function resolveOptions(options: ConnectionOptions): Resolved {
  const idleTimeout = options.idleTimeout ?? defaultIdleTimeout;
  const headTimeout = options.headTimeout ?? defaultHeadTimeout;
  const requestTimeout = options.requestTimeout ?? defaultRequestTimeout;
  return {
    handler: options.handler,
    headTimeout,
    idleTimeout,
    bodyTimeout: options.bodyTimeout ?? defaultBodyTimeout,
    headMs: enabled(requestTimeout) && (!enabled(headTimeout) || requestTimeout < headTimeout) ? requestTimeout : headTimeout,
    requestTimeout: enabled(requestTimeout) ? requestTimeout : 0,
    minBodyRate: options.minBodyRate ?? defaultMinBodyRate,
    bodyRateWindow: options.bodyRateWindow ?? defaultBodyRateWindow,
    maxPipelined: Math.max(1, options.maxPipelined ?? defaultMaxPipelined),
    maxDrainSize: options.maxDrainSize ?? defaultMaxDrainSize,
    serverName: options.serverName,
    // No idle timeout (0 or Infinity): nothing to advertise.
    keepAliveValue: idleTimeout > 0 && Number.isFinite(idleTimeout) ? `timeout=${Math.floor(idleTimeout / 1000)}` : null,
    onError: options.onError,
    onResponse: options.onResponse,
    diagnosticsServer: options.diagnosticsServer,
    trustProxy: compileTrustProxy(options.trustProxy),
  };
}

/** A timeout of 0 or Infinity is switched off. */
function enabled(ms: number): boolean {
  return ms > 0 && ms !== Infinity;
}

const PARSE_MESSAGES: Partial<Record<string, string>> = {
  HEAD_TOO_LARGE: "Request header fields too large",
  TOO_MANY_HEADERS: "Too many header fields",
  TARGET_TOO_LONG: "Request-target too long",
  BODY_TOO_LARGE: "Request body too large",
  UNSUPPORTED_VERSION: "HTTP version not supported",
  UNSUPPORTED_TRANSFER_CODING: "Transfer coding not implemented",
};

/** @internal The error response for a parse error. */
export function parseErrorToHttp(error: ParseErrorLike): HttpError {
  const status = statusForParseError(error.code);
  const text = PARSE_MESSAGES[error.code] ?? "Bad request";
  return new HttpError(status, `${text} (${error.code})`, { cause: error, code: "HTTP_STATUS" });
}

/** @internal True when a comma-separated field value has at least one non-empty member. */
export function hasListMember(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c !== 0x2c && c !== 0x20 && c !== 0x09) return true;
  }
  return false;
}
