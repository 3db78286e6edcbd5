/**
 * The public shapes of @k/handler: components, responses, the transport, the options.
 *
 * Types only. `ResponseHead` is @k/framing's, so a head a component yields goes to the framing
 * chooser unchanged.
 */
import type { HeaderInit, ResponseHead as FramingResponseHead } from "@k/framing";
import type { Duplex, Readable } from "node:stream";
import type { HttpRequest } from "./request.js";
import type { TrustProxy } from "./trust-proxy.js";

export type { HeaderInit } from "@k/framing";

/**
 * The head a component gives: @k/framing's ResponseHead (status, reason, headers, length,
 * framing), plus trailer fields to send after a chunked body when they are known up front.
 */
export interface ResponseHead extends FramingResponseHead {
  /** Trailer fields sent after a chunked body (a generator's `return { trailers }` wins). */
  trailers?: HeaderInit | undefined;
}

/** A body part a component yields: strings are UTF-8 encoded (split surrogate pairs carried over). */
export type BodyPart = string | Uint8Array;

/** A response body given whole or as a stream. */
export type ResponseBody =
  | string
  | Uint8Array
  | AsyncIterable<Uint8Array | string>
  | ReadableStream<Uint8Array>
  | Readable
  | null;

/** (b) A whole response: head fields plus a body. A string / bytes / null body gets Content-Length. */
export interface WholeResponse extends ResponseHead {
  body?: ResponseBody | undefined;
}

/** What a generator may return to end its response: trailer fields for a chunked body. */
export interface ResponseEnd {
  trailers?: HeaderInit;
}

/**
 * The connection after an accepted upgrade or CONNECT, handed to {@link UpgradeResponse.upgrade}.
 *
 * Who closes what: from the moment `upgrade` is called the stream is the receiver's. The
 * lifecycle never writes to it, reads from it, times it out or closes it again (except that
 * `Connection.shutdown()` calls `onShutdown`, or ends the stream when there is none). The
 * receiver ends or destroys it when its protocol is done; a peer that goes away destroys it.
 */
export interface Tunnel {
  /**
   * The connection's byte stream. Over @k/server it is the real `net.Socket` /
   * `tls.TLSSocket` (so `ws` and other socket libraries work on it); over any other transport
   * (the memory transport, `inject`) a Duplex over the Transport. Paused: it flows once the
   * receiver reads or adds a 'data' listener. Half-open allowed: the peer's EOF ends the
   * readable side only.
   */
  stream: Duplex;
  /**
   * Bytes the client sent after the request's head that were already read: the first bytes of
   * the new protocol (pipelined after the request). Often empty. A Buffer viewing the
   * transport's input, never reused by the lifecycle: the receiver may keep it.
   */
  head: Buffer;
  /** The request that was upgraded. */
  request: HttpRequest;
}

/**
 * (c) Accepting an upgrade (`request.upgrade` true: HTTP/1.1 with `Connection: upgrade` and a
 * non-empty `Upgrade`) or a CONNECT: the lifecycle writes the head (if `status` is set), stops
 * parsing and framing on this connection, and calls `upgrade` with the raw stream.
 *
 * Returned for a request that cannot be upgraded (HTTP/1.0, no `Connection: upgrade`, a request
 * with a body, during shutdown) it is a 500 (503 during shutdown): check `request.upgrade`.
 */
export interface UpgradeResponse {
  /**
   * 101 for an Upgrade, a 2xx for CONNECT: written with `headers` (Content-Length and
   * Transfer-Encoding left out, `Connection: upgrade` set for a 101, Date added). Leave it
   * out to write nothing: the receiver answers on the stream itself (as `ws`'s
   * `handleUpgrade` does, which may also refuse with a 4xx and close).
   */
  status?: number | undefined;
  reason?: string | undefined;
  headers?: HeaderInit | undefined;
  /** Receives the connection once the head (if any) was written. May throw: the stream is then destroyed. */
  upgrade(tunnel: Tunnel): void;
  /**
   * Graceful shutdown (`Connection.shutdown()`, @k/server's `close()`) of this upgraded
   * connection: e.g. send a WebSocket close frame. Without it the stream is ended.
   */
  onShutdown?: (() => void) | undefined;
}

/**
 * A component: (a) an async iterable (typically an async generator) whose first yield is the
 * ResponseHead and whose later yields are body parts; (b) a whole response; or (c) an
 * {@link UpgradeResponse} that takes the connection over.
 */
export type HandlerResult = AsyncIterable<ResponseHead | BodyPart> | WholeResponse | UpgradeResponse;

/** The user's handler: called once per request, returns that request's component. */
export type RequestHandler = (request: HttpRequest) => HandlerResult | Promise<HandlerResult>;

/** The byte stream a connection talks to (a socket in @k/server, memory in tests). */
export interface Transport {
  /** Writes bytes; `false`: full, the connection waits for `Connection.onDrain()`. */
  write(bytes: Uint8Array): boolean;
  /** Flushes pending writes, then closes our side. */
  end(): void;
  /** Closes at once (pending writes may be lost). */
  destroy(error?: Error): void;
  /** Stops delivering data (request-body backpressure). */
  pause(): void;
  resume(): void;
  /**
   * Optional: hands the underlying stream over after an accepted upgrade. From this call on
   * the transport forwards nothing more to the connection (no onData, onEnd, onDrain; onClose
   * may still come and is ignored), runs no timers of its own, and the returned stream is the
   * upgrade receiver's. Without it the connection wraps the Transport in a Duplex itself.
   */
  detach?(): Duplex;
  /** Optional: coalesce the writes between cork and uncork. */
  cork?(): void;
  uncork?(): void;
  /** The socket under this transport, published as `socket` on diagnostics channels. */
  readonly socket?: object | undefined;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly encrypted?: boolean | undefined;
}

/** What `onResponse` reports once per answered request (an access log line). */
export interface ResponseInfo {
  request: HttpRequest;
  /** The status written; for an upgrade the 101 / 2xx, or 0 when its receiver answered on the stream itself. */
  status: number;
  /** Body (content) bytes sent, without head or chunk framing; 0 for HEAD, 204, 304 (CLF's `%b`). */
  bytes: number;
  /** Every byte written for this response: head, framing and body. */
  wireBytes: number;
  durationMs: number;
}

/** Options of `createConnection` (and `inject`). */
export interface ConnectionOptions {
  handler: RequestHandler;
  /** ms to receive a whole head, from its first byte (from accept on a fresh connection) → 408 + close. Default 30 000. */
  headTimeout?: number | undefined;
  /** ms an idle keep-alive connection stays open; advertised as `Keep-Alive: timeout=N`. Default 65 000. */
  idleTimeout?: number | undefined;
  /** ms without request-body bytes while a body is expected → abort (408 if no head was sent). Default 30 000. */
  bodyTimeout?: number | undefined;
  /**
   * ms for a whole request, from the first byte of its head (from accept on a fresh connection)
   * until its body is completely received; past it → 408 + close (the connection is dropped when
   * the response head already went out). The clock stops while reading is paused for the
   * component (backpressure) and until a `100 Continue` is sent. Also caps `headTimeout`.
   * 0 or Infinity: none. Default 300 000 (node:http's `requestTimeout`).
   */
  requestTimeout?: number | undefined;
  /**
   * Bytes per second a request body must average over each `bodyRateWindow` while it is read,
   * else → 408 + close (as `requestTimeout`). The first window is the grace period. 0: no check.
   * Default 240.
   */
  minBodyRate?: number | undefined;
  /** ms over which `minBodyRate` is measured. Default 5 000. */
  bodyRateWindow?: number | undefined;
  /** Requests parsed ahead and waiting; beyond it reading pauses. Default 16. */
  maxPipelined?: number | undefined;
  /** Unread request-body bytes drained after a response before the connection closes instead. Default 1 MiB. */
  maxDrainSize?: number | undefined;
  /** Largest request body (→ 413). Default Infinity. */
  maxBodySize?: number | undefined;
  /** Passed to @k/parser. */
  maxHeadSize?: number | undefined;
  maxHeaderCount?: number | undefined;
  maxTargetLength?: number | undefined;
  /** `Server` header value; none by default. */
  serverName?: string | undefined;
  /**
   * Component and connection errors; never throws into the process. Without it, each error is
   * printed to stderr by `logError` (method, target, stack; at most 10 per second).
   */
  onError?: ((error: unknown, request?: HttpRequest) => void) | undefined;
  /** Called once per answered request. */
  onResponse?: ((info: ResponseInfo) => void) | undefined;
  /** Published as `server` on the diagnostics channels (@k/server sets its Server). */
  diagnosticsServer?: unknown;
  /**
   * Peers (addresses or CIDR ranges, IPv4 and IPv6) whose `Forwarded` / `X-Forwarded-For`,
   * `-Proto` and `-Host` headers are believed: the request's `remoteAddress`, `protocol` and
   * `url` then describe the client (the right-most untrusted hop). Default: none, the
   * headers are ignored. An entry that is not an address or range throws a TypeError.
   */
  trustProxy?: readonly string[] | TrustProxy | undefined;
}

/** Options of {@link Connection.shutdown}. */
export interface ShutdownOptions {
  /**
   * Keep an idle connection open and answer what still arrives on it with `Connection: close`
   * rather than closing it under a request that may already be on its way. Default false.
   */
  keepIdle?: boolean | undefined;
}

/** One connection's request lifecycle, driven by its transport. */
export interface Connection {
  /** Bytes received from the peer. The connection may keep views into them: do not reuse the buffer. */
  onData(bytes: Uint8Array): void;
  /** The peer half-closed (EOF). */
  onEnd(): void;
  /** The transport is writable again. */
  onDrain(): void;
  /** The transport is gone: aborts in-flight requests' signals, runs components' finally blocks. */
  onClose(error?: Error): void;
  /**
   * Graceful: the in-flight response finishes (with Connection: close), no new request starts;
   * idle → end now. With `keepIdle`, requests are still read and answered, each with
   * `Connection: close`, and an idle connection stays open (until its idle timeout, the peer's
   * close, or a later plain `shutdown()`, which ends it as above). An upgraded connection: its
   * `onShutdown` runs, else its stream is ended.
   */
  shutdown(options?: ShutdownOptions): void;
  /** True when no request is in progress or waiting and no partial request was received. */
  readonly idle: boolean;
}
