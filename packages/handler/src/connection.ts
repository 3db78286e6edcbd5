/**
 * createConnection: the request lifecycle on one byte stream. Parses requests with
 * @k/parser, runs one component per request strictly in order (pipelined requests wait),
 * frames responses with @k/framing, and applies backpressure both ways.
 *
 * What it does not do: sockets, TLS, accept limits (that is @k/server), upgrades (an Upgrade
 * header is ignored and answered as plain HTTP).
 * Buffers: request-body chunks handed to components are views into the bytes given to
 * `onData`; they stay valid as long as the transport does not reuse those buffers (Node
 * sockets never do).
 */
import { CONTINUE_100, chooseFraming, Utf8StreamEncoder } from "@k/framing";
import type { Framer, HeaderInit, Sink } from "@k/framing";
import { createParser, isParseError, statusForParseError } from "@k/parser";
import type { MessageHead, Parser, ParseErrorLike } from "@k/parser";
import { httpDate } from "./date.js";
import { HttpError, isHttpError } from "./errors.js";
import {
  DiagnosticsResponse,
  requestErrorChannel,
  requestStartChannel,
  responseCreatedChannel,
  responseFinishChannel,
  tracing,
} from "./diagnostics.js";
import { logError } from "./error-log.js";
import { BODY_QUEUE_CHUNKS, BodyQueue, HttpRequest, LazyAbort } from "./request.js";
import {
  bodySource,
  copyHeaders,
  firstPart,
  isAsyncIterable,
  isWholeResponse,
  iteratorSource,
  type HeaderPairs,
  type HeaderScan,
  type PartSource,
} from "./response.js";
import { compileTrustProxy } from "./trust-proxy-option.js";
import { resolveForwarded } from "./trust-proxy.js";
import type { TrustProxy } from "./trust-proxy.js";
import type {
  Connection, ConnectionOptions, RequestHandler, ResponseEnd, ResponseHead, ShutdownOptions, Transport, WholeResponse,
} from "./types.js";

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

// Own output buffer: responses produced from one read are written in one transport write
// (the pipelined bench). Small parts are copied into it; large ones go straight through.
const OUT_FLUSH_BYTES = 64 * 1024;
// Queued parts this large are not copied when the transport can cork: they go to it by
// reference between cork() and uncork() (one writev), with the small parts around them
// joined. Below it, a copy costs less than a write call (a chunk's size line, a head).
const GATHER_MIN_BYTES = 1024;

const EMPTY = new Uint8Array(0);

const TIMER_NONE = 0;
const TIMER_HEAD = 1;
const TIMER_IDLE = 2;
const TIMER_BODY = 3;

/** One request in the connection's queue, from its head to its response's end. */
interface Exchange {
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

interface Resolved {
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

const PARSE_MESSAGES: Partial<Record<string, string>> = {
  HEAD_TOO_LARGE: "Request header fields too large",
  TOO_MANY_HEADERS: "Too many header fields",
  TARGET_TOO_LONG: "Request-target too long",
  BODY_TOO_LARGE: "Request body too large",
  UNSUPPORTED_VERSION: "HTTP version not supported",
  UNSUPPORTED_TRANSFER_CODING: "Transfer coding not implemented",
};

function parseErrorToHttp(error: ParseErrorLike): HttpError {
  const status = statusForParseError(error.code);
  const text = PARSE_MESSAGES[error.code] ?? "Bad request";
  return new HttpError(status, `${text} (${error.code})`, { cause: error, code: "HTTP_STATUS" });
}

const LATER: unique symbol = Symbol("later");

/** The promise's result if it settles within this turn of the event loop, else LATER. */
function settledSoon<T>(promise: Promise<T>): Promise<T | typeof LATER> {
  return new Promise((resolve, reject) => {
    const timer = setImmediate(() => resolve(LATER));
    promise.then(
      (value) => {
        clearImmediate(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearImmediate(timer);
        reject(error);
      },
    );
  });
}

function partBytes(part: unknown, encoder: Utf8StreamEncoder | null): Uint8Array {
  if (part instanceof Uint8Array) return part;
  if (typeof part === "string") return encoder!.encode(part);
  throw new HttpError(500, "a body part is neither a string nor a Uint8Array", { code: "BAD_RESPONSE" });
}

class HttpConnection implements Connection {
  readonly #transport: Transport;
  readonly #o: Resolved;
  readonly #parser: Parser;
  readonly #sink: Sink;
  readonly #queue: Exchange[] = [];
  /** The exchange whose head or body the parser is in, or null between messages. */
  #parsing: Exchange | null = null;
  /** Bytes received but not yet pushed to the parser (paused). */
  #input: Uint8Array | null = null;
  #pumping = false;
  /** One of our callbacks paused the parser during the current push. */
  #parserPaused = false;
  #transportPaused = false;
  /** Bytes of a next head were pushed but its head is not complete. */
  #partial = false;
  /** No new request is parsed (a non-persistent request, shutdown, a parse error). */
  #noMore = false;
  #peerEnded = false;
  #eofHandled = false;
  /** No head was received yet: the head timer runs from accept. */
  #fresh = true;
  #shuttingDown = false;
  /** shutdown({ keepIdle: true }): requests are still read, each answered with Connection: close. */
  #keepIdle = false;
  /** We ended or destroyed the transport, or it went away. */
  #closed = false;
  /** Body bytes still drained (thrown away) for a finished exchange. */
  #drainLeft = 0;
  #serving = false;
  /** A head arrived with nothing before it: start its component when the pump returns. */
  #startAfterPump = false;
  /** A component's synchronous part is running (see #pump's start). */
  #inRun = false;
  #nextOnDrain = false;
  // Output buffering.
  #out: Uint8Array[] = [];
  #outBytes = 0;
  /** Parts of at least GATHER_MIN_BYTES in #out. */
  #outLarge = 0;
  #flushScheduled = false;
  /** The sync whole-response path is writing: it flushes or schedules the tick itself. */
  #holdFlush = false;
  #full = false;
  #drainWaiters: (() => void)[] = [];
  // The one timer of this connection, re-armed.
  #timer: NodeJS.Timeout | null = null;
  #timerKind = TIMER_NONE;
  #timerMs = 0;
  /** performance.now() when the head timer was last armed (the first byte of a head). */
  #headArmedAt = 0;
  // The request deadline and body-rate check: a second timer, created on the first request
  // whose body outlives the read that brought its head, then re-armed (refresh) per period.
  #deadlineTimer: NodeJS.Timeout | null = null;
  #deadlineMs = 0;
  /** The exchange whose deadline clock runs, or null. */
  #deadlineFor: Exchange | null = null;
  /** performance.now() when the current deadline period started. */
  #deadlineAt = 0;
  /** `received` of #deadlineFor when the current period started (the rate check). */
  #rateMark = 0;

  constructor(transport: Transport, options: ConnectionOptions) {
    this.#transport = transport;
    const idleTimeout = options.idleTimeout ?? defaultIdleTimeout;
    const headTimeout = options.headTimeout ?? defaultHeadTimeout;
    const requestTimeout = options.requestTimeout ?? defaultRequestTimeout;
    this.#o = {
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
    const parserOptions: { maxBodySize?: number; maxHeadSize?: number; maxHeaderCount?: number; maxTargetLength?: number } = {};
    if (options.maxBodySize !== undefined) parserOptions.maxBodySize = options.maxBodySize;
    if (options.maxHeadSize !== undefined) parserOptions.maxHeadSize = options.maxHeadSize;
    if (options.maxHeaderCount !== undefined) parserOptions.maxHeaderCount = options.maxHeaderCount;
    if (options.maxTargetLength !== undefined) parserOptions.maxTargetLength = options.maxTargetLength;
    this.#parser = createParser(
      "request",
      {
        onHead: (head) => this.#onHead(head),
        onBody: (bytes) => this.#onBody(bytes),
        onComplete: (trailers) => this.#onComplete(trailers),
      },
      parserOptions,
    );
    // gathers: #out queues every write, so the chunked framer need not copy a part to join it
    // with its size line (the flush gathers them instead).
    this.#sink = { write: (bytes) => this.#send(bytes), gathers: true };
    // Slowloris: a fresh connection has headTimeout from accept to its first complete head.
    this.#partial = false;
    this.#armHead();
  }

  get idle(): boolean {
    return this.#queue.length === 0 && this.#parsing === null && !this.#partial && this.#input === null;
  }

  // ---- input ---------------------------------------------------------------------------

  onData(bytes: Uint8Array): void {
    if (this.#closed || bytes.length === 0) return;
    if (this.#input !== null) {
      // Data that was in flight when we paused: keep it behind the rest.
      this.#input = Buffer.concat([this.#input, bytes]);
    } else {
      this.#input = bytes;
    }
    this.#pump();
  }

  onEnd(): void {
    if (this.#closed) return;
    this.#peerEnded = true;
    this.#pump();
  }

  /** Pushes buffered input to the parser while nothing blocks it. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#input !== null && !this.#closed) {
        if (this.#parsing === null) {
          if (this.#noMore) {
            // Bytes after a request that ends the connection (or after an error) are not read.
            this.#input = null;
            break;
          }
          if (this.#queue.length > this.#o.maxPipelined) break;
          if (!this.#partial && this.#input.length > 0) this.#partial = true;
        } else if (this.#bodyFull(this.#parsing)) {
          break;
        }
        const input = this.#input;
        let n: number;
        this.#parserPaused = false;
        try {
          n = this.#parser.push(input);
        } catch (error) {
          this.#input = null;
          this.#onParseError(error);
          break;
        }
        // A pause can leave a callback pending with every byte consumed (onComplete after the
        // last body bytes): an empty push runs it later, so keep an empty input as a marker.
        this.#input = n < input.length ? input.subarray(n) : this.#parserPaused ? EMPTY : null;
      }
    } finally {
      this.#pumping = false;
    }
    // A head still incomplete after all bytes were pushed: the slowloris clock runs (a fresh
    // connection keeps the one it got at accept). Pipelined heads that complete within the
    // push never arm it (a timer per request showed in the pipelined profile).
    if (this.#partial && !this.#fresh && this.#timerKind !== TIMER_HEAD && !this.#closed) {
      this.#armHead();
    }
    if (this.#input === null && this.#peerEnded && !this.#eofHandled) {
      this.#eofHandled = true;
      this.#onEof();
    }
    this.#updatePause();
    if (this.#startAfterPump) {
      this.#startAfterPump = false;
      // The parser is out of its callbacks: the component can run now, without the
      // microtask #startNext would queue (one per request in the /hello profile). Not when
      // this pump runs inside a component's own run (its #finish reads on): a stack of
      // synchronous starts must not grow with the requests in one read.
      this.#startNext(!this.#inRun);
    }
  }

  #bodyFull(ex: Exchange): boolean {
    return !ex.body.discarding && ex.body.chunks.length >= BODY_QUEUE_CHUNKS;
  }

  #updatePause(): void {
    if (this.#closed) return;
    const blocked = this.#input !== null;
    if (blocked && !this.#transportPaused) {
      this.#transportPaused = true;
      this.#transport.pause();
      // Our own backpressure is not the client's delay: no body timeout while paused.
      if (this.#timerKind === TIMER_BODY) this.#disarm();
    } else if (!blocked && this.#transportPaused) {
      this.#transportPaused = false;
      const p = this.#parsing;
      if (p !== null && this.#timerKind === TIMER_NONE && this.#bodyTimerAllowed(p)) {
        this.#arm(TIMER_BODY, this.#o.bodyTimeout);
      }
      this.#transport.resume();
    }
    // Costs two field reads when no body is being read (every request without one).
    if (this.#parsing !== null || this.#deadlineFor !== null) this.#syncDeadline();
  }

  /** Room in a body queue, a finished response, a read: try to read again. */
  #resumeInput(): void {
    if (this.#input !== null) this.#pump();
    else this.#updatePause();
  }

  #onEof(): void {
    const p = this.#parsing;
    this.#noMore = true;
    if (p !== null) {
      const error = new HttpError(400, "the client ended the request early", { code: "ABORTED" });
      p.keepAlive = false;
      p.bodyError = error;
      p.body.fail(error);
      this.#parsing = null;
    }
    this.#partial = false;
    if (this.#queue.length === 0) this.#endTransport();
  }

  // ---- parser callbacks ------------------------------------------------------------------

  #onHead(head: MessageHead): void {
    this.#partial = false;
    this.#fresh = false;
    const hasBody = head.chunked || head.contentLength > 0;
    const abort = new LazyAbort();
    const ex: Exchange = {
      request: null,
      head,
      body: null as unknown as BodyQueue,
      abort,
      keepAlive: head.keepAlive && !this.#shuttingDown,
      hasBody,
      received: 0,
      budget: -1,
      // Only the head timer's own clock (already read when it was armed): no clock read here.
      headStart: this.#timerKind === TIMER_HEAD ? this.#headArmedAt : -1,
      error: null,
      bodyError: null,
      headSent: false,
      noBody: false,
      finished: false,
      continueSent: false,
      closeAfter: false,
      status: 0,
      bytes: 0,
      bodyBytes: 0,
      started: 0,
      source: null,
      framer: null,
      diag: null,
    };
    ex.body = new BodyQueue({ onPull: (waiting) => this.#onPull(ex, waiting) });
    const t = this.#transport;
    const encrypted = t.encrypted === true;
    // Only when a trusted peer sent it: the forwarding headers never speak for anyone else.
    const forwarded = this.#o.trustProxy === null ? null : resolveForwarded(this.#o.trustProxy, t.remoteAddress, head.rawHeaders);
    ex.request = new HttpRequest({
      method: head.method,
      target: head.target,
      version: head.version,
      rawHeaders: head.rawHeaders,
      body: ex.body,
      abort,
      remoteAddress: forwarded === null ? t.remoteAddress : forwarded.address,
      remotePort: forwarded === null ? t.remotePort : forwarded.port,
      encrypted,
      hasBody,
      peerAddress: t.remoteAddress,
      peerPort: t.remotePort,
      protocol: forwarded?.protocol ?? (encrypted ? "https" : "http"),
      forwardedHost: forwarded?.host ?? null,
    });
    // One pass over the raw list instead of building the header index for every request.
    // (The Host value's grammar is the parser's check: INVALID_HOST, answered 400.)
    let expect = false;
    const raw = head.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      // Expect is a list (RFC 9110 §10.1.1, §5.6.1): a field of empty members expects nothing.
      if (name.length === 6 && name.toLowerCase() === "expect" && hasListMember(raw[i + 1]!)) {
        expect = true;
      }
    }
    if (head.version === "1.1" && !head.expectContinue && expect) {
      // RFC 9110 §10.1.1: an expectation we cannot meet → 417. HTTP/1.0 ignores Expect.
      ex.error = new HttpError(417, "Unsupported expectation");
    }
    if (ex.error !== null) {
      ex.keepAlive = false;
      this.#noMore = true;
    }
    this.#queue.push(ex);
    this.#parsing = ex;
    if (hasBody && this.#bodyTimerAllowed(ex)) this.#arm(TIMER_BODY, this.#o.bodyTimeout);
    else this.#disarm();
    if (!hasBody) ex.body.end();
    // Started once the pump has pushed this read's bytes (never inside a parser callback).
    if (this.#queue.length === 1) this.#startAfterPump = true;
  }

  /** A client that sent `Expect: 100-continue` may wait for our 100 before any body byte. */
  #bodyTimerAllowed(ex: Exchange): boolean {
    const head = ex.head!;
    return !(head.expectContinue && head.version === "1.1") || ex.continueSent;
  }

  #onBody(bytes: Uint8Array): void {
    const ex = this.#parsing!;
    ex.received += bytes.length;
    if (this.#timerKind === TIMER_BODY) this.#timer!.refresh();
    if (ex.body.discarding) {
      this.#drainLeft -= bytes.length;
      if (this.#drainLeft < 0) {
        // More unread body than we drain: closing is cheaper than reading it (maxDrainSize).
        this.#pauseParser();
        this.#endTransport();
      }
      return;
    }
    ex.body.push(bytes);
    if (this.#bodyFull(ex)) this.#pauseParser();
  }

  #onComplete(trailers: string[]): void {
    const ex = this.#parsing!;
    this.#parsing = null;
    ex.body.trailers = trailers;
    ex.body.end();
    if (this.#timerKind === TIMER_BODY) this.#disarm();
    if (!ex.keepAlive) this.#noMore = true;
    // Stop after each message so the pump sees where the next one starts (head timer).
    this.#pauseParser();
    if (ex.finished) {
      // It was being drained after its response: the connection is in sync again. (Not
      // re-entering the pump here: the pump loop itself goes on with the next bytes.)
      if (this.#noMore) this.#endTransport();
      else if (this.#queue.length > 0) this.#startNext();
      else this.#arm(TIMER_IDLE, this.#o.idleTimeout); // a next head in these bytes re-arms
    }
  }

  #pauseParser(): void {
    this.#parserPaused = true;
    this.#parser.pause();
  }

  #onParseError(error: unknown): void {
    this.#noMore = true;
    this.#partial = false;
    if (!isParseError(error)) {
      this.#report(error);
      this.#destroy(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const httpError = parseErrorToHttp(error);
    const p = this.#parsing;
    this.#parsing = null;
    if (p !== null) {
      // The body of a request that already runs is bad: its component sees the error.
      p.keepAlive = false;
      p.bodyError = httpError;
      p.body.fail(httpError);
      if (p.finished) this.#endTransport();
      return;
    }
    this.#disarm();
    this.#queueError(httpError);
  }

  /** Answers with `error` after the requests before it, then closes. */
  #queueError(error: HttpError): void {
    const ex: Exchange = {
      request: null,
      head: null,
      body: new BodyQueue(null),
      abort: new LazyAbort(),
      keepAlive: false,
      hasBody: false,
      received: 0,
      budget: -1,
      headStart: -1,
      error,
      bodyError: null,
      headSent: false,
      noBody: false,
      finished: false,
      continueSent: false,
      closeAfter: true,
      status: 0,
      bytes: 0,
      bodyBytes: 0,
      started: 0,
      source: null,
      framer: null,
      diag: null,
    };
    ex.body.end();
    this.#queue.push(ex);
    if (this.#queue.length === 1) this.#startNext();
  }

  #onPull(ex: Exchange, waiting: boolean): void {
    if (this.#closed) return;
    if (waiting && !ex.continueSent && !ex.headSent && ex.head !== null && ex.head.expectContinue && ex.head.version === "1.1") {
      // RFC 9110 §10.1.1: 100 Continue once the component starts reading the body.
      ex.continueSent = true;
      this.#send(CONTINUE_100);
      this.#flush();
      if (this.#parsing === ex && !this.#transportPaused) this.#arm(TIMER_BODY, this.#o.bodyTimeout);
    }
    if (this.#parsing === ex) {
      this.#resumeInput();
      this.#syncDeadline();
    }
  }

  // ---- serving -------------------------------------------------------------------------

  #startNext(now = false): void {
    const ex = this.#queue[0];
    if (ex === undefined || this.#serving || this.#closed) return;
    if (this.#full) {
      // The previous response still fills the transport: a pipelined whole response would
      // queue behind it without bound (16 x a large body), so the next one waits for drain.
      if (!this.#nextOnDrain) {
        this.#nextOnDrain = true;
        this.#drainWaiters.push(() => {
          this.#nextOnDrain = false;
          this.#startNext();
        });
      }
      return;
    }
    this.#serving = true;
    if (now) this.#runGuarded(ex);
    // A microtask later: the component never runs inside a parser callback, and a pipelined
    // request does not start inside the previous one's #finish.
    else queueMicrotask(() => this.#runGuarded(ex));
  }

  #runGuarded(ex: Exchange): void {
    const outer = this.#inRun;
    this.#inRun = true;
    try {
      this.#run(ex);
    } catch (error) {
      // #run handles every component failure itself; this is for our own bugs, which must
      // not become an uncaught exception that takes the process down.
      this.#report(error, ex.request ?? undefined);
      this.#destroy(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.#inRun = outer;
    }
  }

  /**
   * Runs the component. A whole response with a string, bytes or no body, returned (not
   * promised) by the handler, is written and finished right here: no promise, no await (the
   * /hello profile). Everything else goes through the async #serve.
   */
  #run(ex: Exchange): void {
    // Only onResponse reads it (durationMs).
    if (this.#o.onResponse !== undefined) ex.started = performance.now();
    if (ex.error !== null) {
      this.#answerError(ex, ex.error);
      this.#finish(ex);
      return;
    }
    // One property read per channel when nobody traces.
    if (tracing()) this.#traceStart(ex);
    let result: unknown;
    try {
      result = this.#o.handler(ex.request!);
    } catch (error) {
      this.#failBeforeHead(ex, error);
      return;
    }
    if (!this.#closed && isWholeResponse(result) && typeof (result as { then?: unknown }).then !== "function") {
      const body = result.body;
      if (body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array) {
        // No flush tick for these writes: #finish flushes at once when nothing follows,
        // and schedules the tick itself when a pipelined request does (the /hello profile
        // had one empty setImmediate per request).
        this.#holdFlush = true;
        try {
          this.#sendWholeNow(ex, result, body);
        } catch (error) {
          this.#holdFlush = false;
          if (this.#closed) return;
          if (!ex.headSent) this.#failBeforeHead(ex, error);
          else this.#failAfterHead(ex, error);
          return;
        }
        this.#holdFlush = false;
        if (!this.#closed) this.#finish(ex);
        if (this.#out.length > 0) this.#scheduleFlush();
        return;
      }
    }
    // #serve handles every component failure itself; this catch is for our own bugs, so
    // that they never become an unhandled rejection that takes the process down.
    this.#serve(ex, result).catch((error: unknown) => {
      this.#report(error, ex.request ?? undefined);
      this.#destroy(error instanceof Error ? error : new Error(String(error)));
    });
  }

  async #serve(ex: Exchange, handlerResult: unknown): Promise<void> {
    let result: unknown;
    try {
      result = await handlerResult;
    } catch (error) {
      this.#failBeforeHead(ex, error);
      return;
    }
    try {
      if (this.#closed) {
        // The client left while the component prepared its answer: release what it opened
        // (a generator's finally, a file stream's descriptor).
        if (isWholeResponse(result)) {
          const body = result.body;
          if (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array)) {
            bodySource(body).cancel();
          }
        } else if (isAsyncIterable(result)) {
          iteratorSource(result[Symbol.asyncIterator]()).cancel();
        }
        return;
      }
      if (isWholeResponse(result)) await this.#sendWhole(ex, result);
      else if (isAsyncIterable(result)) await this.#sendIterable(ex, result[Symbol.asyncIterator]());
      else throw new HttpError(500, "the component returned neither a response nor an async iterable", { code: "BAD_RESPONSE" });
      if (this.#closed) return;
      this.#finish(ex);
    } catch (error) {
      ex.source?.cancel(error);
      if (this.#closed) return;
      if (!ex.headSent) this.#failBeforeHead(ex, error);
      else this.#failAfterHead(ex, error);
    }
  }

  /** A whole response whose body is a string, bytes or absent: written at once, never waits. */
  #sendWholeNow(ex: Exchange, r: WholeResponse, body: string | Uint8Array | null | undefined): void {
    if (body === undefined || body === null) {
      // HEAD: the body is not this empty one but the GET's, whose length is unknown here.
      const done = ex.head === null || ex.head.method !== "HEAD";
      this.#start(ex, r, undefined, done).end();
    } else if (typeof body === "string") {
      this.#start(ex, r, Buffer.from(body, "utf8"), true).end();
    } else {
      this.#start(ex, r, body, true).end();
    }
  }

  async #sendWhole(ex: Exchange, r: WholeResponse): Promise<void> {
    const body = r.body;
    if (body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array) {
      this.#sendWholeNow(ex, r, body);
      return;
    }
    const source = bodySource(body);
    ex.source = source;
    if (r.length !== undefined || r.trailers !== undefined || r.framing !== undefined || ex.head === null || ex.head.method === "HEAD") {
      await this.#pipe(ex, this.#start(ex, r, undefined, false), source, r.trailers, null, null);
      return;
    }
    // A stream that is complete within this turn (a web Response made from a string, as
    // fetch handlers return) goes out whole: Content-Length and one write instead of chunked.
    const encoder = new Utf8StreamEncoder();
    let pending: Promise<IteratorResult<unknown, unknown>> | null = source.next();
    const first = await settledSoon(pending);
    if (first === LATER) {
      await this.#pipe(ex, this.#start(ex, r, undefined, false), source, undefined, encoder, pending);
      return;
    }
    if (this.#closed) throw new HttpError(499, "client gone", { code: "ABORTED" });
    if (first.done === true) {
      this.#start(ex, r, undefined, true).end();
      return;
    }
    const a = partBytes(first.value, encoder);
    pending = source.next();
    const second = await settledSoon(pending);
    if (this.#closed) throw new HttpError(499, "client gone", { code: "ABORTED" });
    if (second !== LATER && second.done === true) {
      this.#start(ex, r, encoder.pending ? Buffer.concat([a, encoder.end()]) : a, true).end();
      ex.source = null;
      return;
    }
    const framer = this.#start(ex, r, a, false);
    if (second !== LATER) {
      pending = null;
      const b = partBytes(second.value, encoder);
      if (b.length > 0) {
        if (!ex.noBody) ex.bodyBytes += b.length;
        if (!framer.write(b) || this.#full) await this.#waitDrain();
      }
    }
    await this.#pipe(ex, framer, source, undefined, encoder, pending);
  }

  async #sendIterable(ex: Exchange, iterator: AsyncIterator<unknown, unknown>): Promise<void> {
    ex.source = iteratorSource(iterator);
    const step = await iterator.next();
    if (this.#closed) throw new HttpError(499, "client gone", { code: "ABORTED" });
    if (step.done === true || !isWholeResponse(step.value)) {
      throw new HttpError(500, "the component's first part is not a response head", { code: "BAD_RESPONSE" });
    }
    const head = step.value as ResponseHead;
    const framer = this.#start(ex, head, undefined, false);
    await this.#pipe(ex, framer, ex.source, head.trailers, null, null);
  }

  /** Streams parts from `source` through `framer`, waiting for drain when the transport is full. */
  async #pipe(
    ex: Exchange,
    framer: Framer,
    source: PartSource,
    trailers: HeaderInit | undefined,
    encoder: Utf8StreamEncoder | null,
    pending: Promise<IteratorResult<unknown, unknown>> | null,
  ): Promise<void> {
    if (ex.noBody) {
      // HEAD, 204, 304: no body byte goes out, so the component need not produce any.
      source.cancel();
      ex.source = null;
      framer.end(trailers);
      return;
    }
    for (;;) {
      const step = await (pending ?? source.next());
      pending = null;
      if (this.#closed) throw new HttpError(499, "client gone", { code: "ABORTED" });
      if (step.done === true) {
        const end = step.value as ResponseEnd | undefined;
        if (end !== null && typeof end === "object" && end.trailers !== undefined) trailers = end.trailers;
        break;
      }
      const part = step.value;
      if (typeof part === "string") encoder ??= new Utf8StreamEncoder();
      const bytes = partBytes(part, encoder);
      if (bytes.length === 0) continue;
      ex.bodyBytes += bytes.length;
      if (!framer.write(bytes) || this.#full) {
        await this.#waitDrain();
        if (this.#closed) throw new HttpError(499, "client gone", { code: "ABORTED" });
      }
    }
    // Only a held high surrogate needs end() (it allocates even when empty: pipelined profile).
    if (encoder !== null && encoder.pending) {
      const tail = encoder.end();
      ex.bodyBytes += tail.length;
      framer.write(tail);
    }
    ex.source = null;
    framer.end(trailers);
  }

  /** Chooses framing, adds the lifecycle's headers and writes the head (with `first`). */
  #start(ex: Exchange, head: ResponseHead, first: Uint8Array | undefined, done: boolean): Framer {
    const status = head.status;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new HttpError(500, `invalid response status ${String(status)}`, { code: "BAD_RESPONSE" });
    }
    if (status < 300 && ex.head !== null && ex.head.method === "CONNECT") {
      // RFC 9110 §9.3.6: a 2xx to CONNECT turns the connection into a tunnel, which this
      // lifecycle does not do; answering 2xx and carrying on would desynchronise the client.
      throw new HttpError(501, "CONNECT tunnels are not supported", { code: "BAD_RESPONSE" });
    }
    const scan: HeaderScan = { close: false, date: false };
    const headers = copyHeaders(head.headers, scan);
    const h = ex.head;
    const request = { method: h?.method ?? "GET", version: h?.version ?? "1.1" } as const;
    const part = firstPart(head, headers, first, done);
    const choice = chooseFraming(part, request);
    let close = !ex.keepAlive || this.#shuttingDown || scan.close || choice.factory.name === "close" || ex.error !== null;
    if (!close && !ex.body.done) {
      // Unread body when the head goes out: we drain it afterwards only when that is cheap
      // and the client is really sending it (RFC 9110 §10.1.1 for 100-continue).
      if (h !== null && h.expectContinue && h.version === "1.1" && !ex.continueSent) close = true;
      else if (h !== null && !h.chunked && h.contentLength - ex.received > this.#o.maxDrainSize) close = true;
    }
    ex.closeAfter = close;
    if (!scan.date) headers.push(["Date", httpDate()]);
    if (this.#o.serverName !== undefined) headers.push(["Server", this.#o.serverName]);
    if (close) {
      headers.push(["Connection", "close"]);
    } else {
      if (request.version === "1.0") headers.push(["Connection", "keep-alive"]);
      if (this.#o.keepAliveValue !== null) headers.push(["Keep-Alive", this.#o.keepAliveValue]);
    }
    const framer = choice.factory.create(this.#sink, {
      head: part,
      request,
      length: choice.length,
      noBody: choice.noBody,
    });
    ex.status = status;
    ex.noBody = choice.noBody;
    if (ex.diag !== null) {
      ex.diag.statusCode = status;
      ex.diag.headersSent = true;
      ex.diag.headers = headers;
    }
    const before = this.#bytesCounter;
    ex.framer = framer;
    framer.start(first);
    if (first !== undefined && !choice.noBody) ex.bodyBytes += first.length;
    ex.headSent = true;
    ex.bytes += this.#bytesCounter - before;
    return framer;
  }

  #bytesCounter = 0;

  #failBeforeHead(ex: Exchange, error: unknown): void {
    if (this.#closed) return;
    // A failed request body (parse error, timeout, early EOF) explains the failure best.
    let answer: HttpError;
    if (ex.bodyError !== null) {
      answer = ex.bodyError;
      ex.keepAlive = false;
    } else if (isHttpError(error)) {
      answer = error;
      if (error.status >= 500) this.#report(error, ex.request ?? undefined);
    } else {
      answer = new HttpError(500, "Internal Server Error", { cause: error });
      this.#report(error, ex.request ?? undefined);
    }
    this.#answerError(ex, answer);
    this.#finish(ex);
  }

  #answerError(ex: Exchange, error: HttpError): void {
    const headers: [string, string][] = [
      ["Content-Type", "text/plain; charset=utf-8"],
      // The message may echo request data: never let a browser sniff it into HTML.
      ["X-Content-Type-Options", "nosniff"],
    ];
    const body = Buffer.from(error.message + "\n", "utf8");
    let status = error.status;
    if (!Number.isInteger(status) || status < 300 || status > 599) status = 500;
    try {
      const extra = error.headers === undefined ? [] : copyHeaders(error.headers, { close: false, date: false });
      this.#start(ex, { status, headers: [...headers, ...extra] }, body, true).end();
    } catch (failure) {
      // The error's own headers were bad: answer without them.
      this.#report(failure, ex.request ?? undefined);
      this.#start(ex, { status: 500, headers }, Buffer.from("Internal Server Error\n"), true).end();
    }
  }

  #failAfterHead(ex: Exchange, error: unknown): void {
    this.#report(error, ex.request ?? undefined);
    // A chunked body is never ended as if complete; a Content-Length body is never padded.
    ex.framer?.abort(error);
    this.#destroy(error instanceof Error ? error : new Error(String(error)));
  }

  /** The response is complete: report it, drain or close, start the next request. */
  #finish(ex: Exchange): void {
    ex.finished = true;
    this.#queue.shift();
    this.#serving = false;
    if (ex.request !== null && this.#o.onResponse !== undefined) {
      try {
        this.#o.onResponse({
          request: ex.request,
          status: ex.status,
          bytes: ex.bodyBytes,
          wireBytes: ex.bytes,
          durationMs: performance.now() - ex.started,
        });
      } catch (error) {
        this.#report(error, ex.request);
      }
    }
    if (ex.diag !== null) this.#traceFinish(ex, ex.diag);
    // keepIdle: a response whose head promised keep-alive before the shutdown does not end
    // the connection silently; the next request is answered with Connection: close instead.
    if (ex.closeAfter || (this.#shuttingDown && !this.#keepIdle)) {
      this.#endTransport();
      return;
    }
    if (!ex.body.done) {
      // The component answered without reading its whole body: drain the rest (cheap and
      // it keeps the connection), or close when there is too much of it.
      // Bytes already queued are in memory anyway: the budget is for what is still to come,
      // the same quantity the head-time Connection: close decision looked at.
      ex.body.discard();
      this.#drainLeft = this.#o.maxDrainSize;
      if (ex.body.error !== null) {
        this.#endTransport();
        return;
      }
      this.#resumeInput();
      return; // #onComplete starts the next request once the body is through.
    }
    this.#next();
  }

  /** The previous exchange is completely done (response written, body through): go on. */
  #next(): void {
    if (this.#queue.length > 0) {
      this.#startNext();
    } else if (this.#noMore) {
      this.#endTransport();
      return;
    } else {
      // Nothing more to do now: write what is buffered without waiting for the tick.
      this.#flush();
      if (this.#parsing === null && !this.#partial) this.#arm(TIMER_IDLE, this.#o.idleTimeout);
    }
    this.#resumeInput();
  }

  // ---- output --------------------------------------------------------------------------

  #send(bytes: Uint8Array): boolean {
    if (this.#closed) return false;
    this.#bytesCounter += bytes.length;
    const q = this.#queue[0];
    if (q !== undefined && q.headSent) q.bytes += bytes.length;
    if (bytes.length >= OUT_FLUSH_BYTES) {
      this.#flush();
      if (!this.#transport.write(bytes)) this.#full = true;
      return !this.#full;
    }
    this.#out.push(bytes);
    this.#outBytes += bytes.length;
    if (bytes.length >= GATHER_MIN_BYTES) this.#outLarge++;
    if (this.#outBytes >= OUT_FLUSH_BYTES) this.#flush();
    else if (!this.#holdFlush) this.#scheduleFlush();
    return !this.#full;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#closed) return;
    this.#flushScheduled = true;
    // After the microtasks of this read: responses produced from one read go out together.
    setImmediate(this.#flushTick);
  }

  readonly #flushTick = (): void => {
    this.#flushScheduled = false;
    try {
      this.#flush();
    } catch (error) {
      // A transport whose write throws must not become an uncaught exception in a timer.
      this.#fail(error);
    }
  };

  /** An internal failure outside any component: report it and drop the connection. */
  #fail(error: unknown): void {
    this.#report(error);
    if (this.#closed) return;
    this.#closed = true;
    this.#gone(error, true);
    try {
      this.#transport.destroy(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // Nothing more can be done for this connection.
    }
  }

  #flush(): void {
    const out = this.#out;
    if (out.length === 0 || this.#closed) return;
    const total = this.#outBytes;
    const large = this.#outLarge;
    this.#out = [];
    this.#outBytes = 0;
    this.#outLarge = 0;
    const t = this.#transport;
    if (out.length === 1) {
      if (!t.write(out[0]!)) this.#full = true;
    } else if (large === 0 || t.cork === undefined || t.uncork === undefined) {
      // Small parts only (pipelined whole responses): one copy, one write.
      if (!t.write(Buffer.concat(out, total))) this.#full = true;
    } else {
      this.#gather(t, out);
    }
  }

  /** Writes `out` in one corked batch: large parts by reference, runs of small ones joined. */
  #gather(t: Transport, out: Uint8Array[]): void {
    let ok = true;
    t.cork!();
    try {
      let runStart = 0;
      let runBytes = 0;
      for (let i = 0; i <= out.length; i++) {
        const part = i < out.length ? out[i]! : null;
        if (part !== null && part.length < GATHER_MIN_BYTES) {
          runBytes += part.length;
          continue;
        }
        const runLength = i - runStart;
        if (runLength === 1) ok = t.write(out[runStart]!) && ok;
        else if (runLength > 1) ok = t.write(Buffer.concat(out.slice(runStart, i), runBytes)) && ok;
        if (part !== null) ok = t.write(part) && ok;
        runStart = i + 1;
        runBytes = 0;
      }
    } finally {
      t.uncork!();
    }
    if (!ok) this.#full = true;
  }

  #waitDrain(): Promise<void> {
    if (!this.#full || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  onDrain(): void {
    this.#full = false;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
  }

  // ---- closing -------------------------------------------------------------------------

  shutdown(options?: ShutdownOptions): void {
    if (this.#closed) return;
    const keepIdle = options?.keepIdle === true;
    // A second call only matters to turn a keepIdle shutdown into a closing one.
    if (this.#shuttingDown && (keepIdle || !this.#keepIdle)) return;
    this.#shuttingDown = true;
    this.#keepIdle = keepIdle;
    if (keepIdle) {
      // Closing an idle keep-alive connection races with a request the peer may be sending
      // on it right now; a balancer cannot safely retry a POST lost that way (the classic
      // 502). Left open, such a request is answered, with Connection: close, and the peer
      // closes. Every later head carries Connection: close (#writeHead checks #shuttingDown).
      return;
    }
    this.#noMore = true;
    if (this.#queue.length === 0 && this.#parsing === null) {
      this.#endTransport();
      return;
    }
    // Waiting requests never start; the one in flight finishes with Connection: close.
    if (this.#queue.length > 1) {
      for (const ex of this.#queue.splice(1)) ex.abort.abort(new HttpError(503, "shutting down", { code: "ABORTED" }));
    }
  }

  /** Flushes and ends our side: the response arrives, then the connection closes. */
  #endTransport(): void {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    this.#gone(new HttpError(499, "connection closed", { code: "ABORTED" }), false);
    this.#transport.end();
  }

  #destroy(error: Error): void {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    this.#gone(error, true);
    this.#transport.destroy(error);
  }

  onClose(error?: Error): void {
    const wasClosed = this.#closed;
    this.#closed = true;
    if (!wasClosed) this.#input = null;
    this.#gone(error ?? new HttpError(499, "client went away", { code: "ABORTED" }), true);
  }

  /** Releases everything: timer, waiters; aborts requests whose response did not finish. */
  #gone(reason: unknown, abortActive: boolean): void {
    this.#clearTimer();
    this.#deadlineFor = null;
    if (this.#deadlineTimer !== null) {
      clearTimeout(this.#deadlineTimer);
      this.#deadlineTimer = null;
    }
    this.#input = null;
    this.#out = [];
    this.#outBytes = 0;
    this.#outLarge = 0;
    for (const ex of this.#queue) {
      if (ex.finished) continue;
      if (abortActive || ex !== this.#queue[0] || !ex.headSent) {
        if (!ex.abort.aborted) ex.abort.abort(reason);
        ex.body.fail(reason);
      }
    }
    if (abortActive) this.#queue.length = 0;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
  }

  // ---- timer ---------------------------------------------------------------------------

  /** Arms the head timer and notes when (the request deadline counts the head's time too). */
  #armHead(): void {
    if (this.#o.requestTimeout > 0) this.#headArmedAt = performance.now();
    this.#arm(TIMER_HEAD, this.#o.headMs);
  }

  #arm(kind: number, ms: number): void {
    if (this.#closed || !(ms > 0) || ms === Infinity) {
      this.#disarm();
      return;
    }
    this.#timerKind = kind;
    if (this.#timer !== null && this.#timerMs === ms) {
      this.#timer.refresh();
      return;
    }
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timerMs = ms;
    const timer = setTimeout(this.#onTimer, ms);
    timer.unref?.();
    this.#timer = timer;
  }

  /** Stops the timeout. The timer object is kept (it fires into nothing) and re-used by the next #arm. */
  #disarm(): void {
    this.#timerKind = TIMER_NONE;
  }

  /** Clears the timer for good (the connection is done): no timer outlives it. */
  #clearTimer(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#timerKind = TIMER_NONE;
  }

  readonly #onTimer = (): void => {
    try {
      this.#timeout();
    } catch (error) {
      this.#fail(error);
    }
  };

  #timeout(): void {
    const kind = this.#timerKind;
    this.#timer = null;
    this.#timerKind = TIMER_NONE;
    if (this.#closed) return;
    if (kind === TIMER_IDLE) {
      this.#endTransport();
    } else if (kind === TIMER_HEAD) {
      this.#noMore = true;
      this.#partial = false;
      this.#input = null;
      this.#queueError(new HttpError(408, "Request Timeout", { code: "TIMEOUT" }));
    } else if (kind === TIMER_BODY) {
      const ex = this.#parsing;
      if (ex === null) return;
      this.#expireBody(ex, new HttpError(408, "Request body timeout", { code: "TIMEOUT" }));
    }
  }

  /** The body being read took too long: 408 when no head went out yet, else the connection goes. */
  #expireBody(ex: Exchange, error: HttpError): void {
    if (this.#parsing !== ex) return;
    this.#parsing = null;
    this.#noMore = true;
    this.#input = null;
    this.#stopDeadline();
    if (this.#timerKind === TIMER_BODY) this.#disarm();
    ex.keepAlive = false;
    ex.bodyError = error;
    ex.abort.abort(error);
    ex.body.fail(error);
    if (ex.headSent || ex.finished) this.#destroy(error);
  }

  // ---- request deadline and body rate --------------------------------------------------
  //
  // The body timeout restarts with every byte, so a client sending one byte every few seconds
  // kept a request (and a connection slot) forever (issue 11). The deadline's clock runs only
  // while the server reads a body: never for a request whose body came with its head in one
  // read (the fast path reads no clock and arms no timer), never while reading is paused for
  // a slow component or while a 100-continue is not yet sent (then the client waits on us).

  /** Starts or stops the deadline clock to match what is being read now. */
  #syncDeadline(): void {
    const p = this.#parsing;
    const run = p !== null && p.hasBody && !this.#transportPaused && !this.#closed &&
      this.#o.requestTimeout > 0 && this.#bodyTimerAllowed(p);
    if (!run) {
      this.#stopDeadline();
      return;
    }
    if (this.#deadlineFor === p) return;
    this.#stopDeadline();
    const now = performance.now();
    if (p.budget < 0) {
      // The head's time counts when the head timer ran for it (else it came in one read).
      // After a 100-continue the wait since the head was ours: then only the body counts.
      p.budget = this.#o.requestTimeout - (p.headStart >= 0 && !p.continueSent ? now - p.headStart : 0);
      if (p.budget <= 0) {
        this.#expireDeadline(p);
        return;
      }
    }
    this.#deadlineFor = p;
    this.#deadlineAt = now;
    this.#rateMark = p.received;
    this.#armDeadline(p.budget);
  }

  /** Stops the clock, charging the time since the period started to the request's budget. */
  #stopDeadline(): void {
    const p = this.#deadlineFor;
    if (p === null) return;
    this.#deadlineFor = null;
    p.budget -= performance.now() - this.#deadlineAt;
  }

  #armDeadline(budget: number): void {
    // Periods of one bodyRateWindow (also when the rate check is off) and whole ms: the same
    // period every time lets refresh() re-use the connection's timer instead of a new one per
    // request; only a request's last period before its deadline is shorter.
    const ms = Math.max(1, Math.ceil(Math.min(budget, this.#o.bodyRateWindow)));
    if (this.#deadlineTimer !== null && this.#deadlineMs === ms) {
      this.#deadlineTimer.refresh();
      return;
    }
    if (this.#deadlineTimer !== null) clearTimeout(this.#deadlineTimer);
    this.#deadlineMs = ms;
    const timer = setTimeout(this.#onDeadline, ms);
    timer.unref?.();
    this.#deadlineTimer = timer;
  }

  readonly #onDeadline = (): void => {
    try {
      this.#checkDeadline();
    } catch (error) {
      this.#fail(error);
    }
  };

  #checkDeadline(): void {
    const p = this.#deadlineFor;
    if (p === null || this.#closed || this.#parsing !== p) return;
    const now = performance.now();
    const elapsed = now - this.#deadlineAt;
    p.budget -= elapsed;
    this.#deadlineAt = now;
    if (p.budget <= 0.5) {
      this.#deadlineFor = null;
      this.#expireDeadline(p);
      return;
    }
    const window = this.#o.bodyRateWindow;
    // A whole window of reading (a shorter last period before the deadline is not judged).
    if (this.#o.minBodyRate > 0 && elapsed >= window - 1) {
      const got = p.received - this.#rateMark;
      if (got * 1000 < this.#o.minBodyRate * elapsed) {
        this.#deadlineFor = null;
        this.#expireBody(p, new HttpError(
          408,
          `Request Timeout: the body arrived at ${Math.round((got * 1000) / elapsed)} bytes/s, below minBodyRate`,
          { code: "TIMEOUT" },
        ));
        return;
      }
    }
    this.#rateMark = p.received;
    this.#armDeadline(p.budget);
  }

  #expireDeadline(p: Exchange): void {
    this.#expireBody(p, new HttpError(
      408,
      `Request Timeout: the request took longer than requestTimeout (${this.#o.requestTimeout} ms)`,
      { code: "TIMEOUT" },
    ));
  }

  // ---- diagnostics_channel (see diagnostics.ts) -------------------------------------------

  #traceStart(ex: Exchange): void {
    const response = new DiagnosticsResponse();
    ex.diag = response;
    const request = ex.request!;
    if (responseCreatedChannel.hasSubscribers) responseCreatedChannel.publish({ request, response });
    if (requestStartChannel.hasSubscribers) {
      requestStartChannel.publish({ request, response, socket: this.#socket(), server: this.#o.diagnosticsServer });
    }
  }

  #traceFinish(ex: Exchange, response: DiagnosticsResponse): void {
    response.bytes = ex.bodyBytes;
    response.wireBytes = ex.bytes;
    response.finished = true;
    if (responseFinishChannel.hasSubscribers) {
      responseFinishChannel.publish({ request: ex.request!, response, socket: this.#socket(), server: this.#o.diagnosticsServer });
    }
  }

  #socket(): unknown {
    return this.#transport.socket ?? this.#transport;
  }

  #report(error: unknown, request?: HttpRequest): void {
    if (requestErrorChannel.hasSubscribers) {
      const ex = request === undefined ? undefined : this.#queue.find((e) => e.request === request);
      requestErrorChannel.publish({
        request,
        response: ex?.diag ?? undefined,
        socket: this.#socket(),
        server: this.#o.diagnosticsServer,
        error,
      });
    }
    const onError = this.#o.onError;
    if (onError === undefined) {
      // No hook: one rate-limited stderr entry, so a failing component never goes unseen.
      logError(error, request);
      return;
    }
    try {
      onError(error, request);
    } catch {
      // A failing error hook must not take the connection (or the process) down.
    }
  }
}

/**
 * Creates the request lifecycle for one transport. The transport calls `onData`, `onEnd`,
 * `onDrain` and `onClose`; the connection writes responses back through `transport.write`.
 * @example
 * ```ts
 * const connection = createConnection(transport, {
 *   handler: () => ({ status: 200, headers: { "content-type": "text/plain" }, body: "hi" }),
 * });
 * socket.on("data", (b) => connection.onData(b));
 * ```
 */
export function createConnection(transport: Transport, options: ConnectionOptions): Connection {
  return new HttpConnection(transport, options);
}

/** A timeout of 0 or Infinity is switched off. */
function enabled(ms: number): boolean {
  return ms > 0 && ms !== Infinity;
}

/** True when a comma-separated field value has at least one non-empty member. */
function hasListMember(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c !== 0x2c && c !== 0x20 && c !== 0x09) return true;
  }
  return false;
}
