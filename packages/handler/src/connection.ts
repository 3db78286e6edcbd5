/**
 * createConnection: the request lifecycle on one byte stream. Parses requests with
 * @k/parser, runs one component per request strictly in order (pipelined requests wait),
 * frames responses with @k/framing, and applies backpressure both ways.
 *
 * This file owns the connection's state machine: the parser callbacks, the exchange queue and
 * its scheduling (which component runs when, finishing, draining an unread body), what may be
 * parsed when, and closing. It delegates, and the other files touch only what their headers say:
 * - input.ts: input pumping (bytes to the parser, pausing and resuming the transport);
 * - exchange.ts: the Exchange record, resolved options and defaults, parse-error statuses;
 * - response-writer.ts: writing one response (framing choice, lifecycle headers, streaming);
 * - output-buffer.ts: the output buffer, its flush, drain waiters;
 * - timers.ts: the head/idle/body timer and the request deadline;
 * - upgrade.ts: what an accepted upgrade writes, and the Duplex a tunnel gets over a Transport.
 *
 * Upgrades: after a request that asks for one (`head.upgrade`: an HTTP/1.1 Upgrade or a
 * CONNECT) nothing more is parsed until its component answered. A plain answer lets parsing
 * go on (the offer is ignored, RFC 9110 §7.8); an UpgradeResponse makes the connection step
 * aside for good: bytes already read go to the receiver as `head`, the stream is its own.
 * What it does not do: sockets, TLS, accept limits (that is @k/server).
 * Buffers: request-body chunks handed to components are views into the bytes given to
 * `onData`; they stay valid as long as the transport does not reuse those buffers (Node
 * sockets never do).
 */
import type { Duplex } from "node:stream";
import { CONTINUE_100 } from "@k/framing";
import type { Sink } from "@k/framing";
import { createParser, isParseError } from "@k/parser";
import type { MessageHead, Parser, ParserHandler } from "@k/parser";
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
import { hasListMember, newExchange, parseErrorToHttp, resolveOptions } from "./exchange.js";
import type { Exchange, Resolved } from "./exchange.js";
import { INPUT_DROP, INPUT_PUSH, INPUT_WAIT, InputPump } from "./input.js";
import type { InputGate, InputHost } from "./input.js";
import { OutputBuffer } from "./output-buffer.js";
import type { OutputHost } from "./output-buffer.js";
import { BODY_QUEUE_CHUNKS, BodyQueue, HttpRequest, LazyAbort } from "./request.js";
import type { BodyQueueHooks } from "./request.js";
import { bodySource, firstPart, isAsyncIterable, isWholeResponse, iteratorSource } from "./response.js";
import { ResponseWriter } from "./response-writer.js";
import type { WriterHost } from "./response-writer.js";
import { ProtocolTimer, RequestDeadline, TIMER_BODY, TIMER_HEAD, TIMER_IDLE, TIMER_NONE } from "./timers.js";
import type { DeadlineHost, TimerHost, TimerKind } from "./timers.js";
import { resolveForwarded } from "./trust-proxy.js";
import type { Connection, ConnectionOptions, ShutdownOptions, Transport, UpgradeResponse } from "./types.js";
import { endTunnel, isUpgradeResponse, TransportStream, upgradeHead } from "./upgrade.js";

const EMPTY_BUFFER: Buffer = Buffer.alloc(0);

// V8 holds the object shapes that optimised code embeds weakly: when a full GC finds no object
// of a shape alive, the shape dies and every optimised function built on it (#onHead, #run,
// #finish, the writer) is thrown away ("weak objects" in --trace-deopt) and runs slow until it
// is optimised again. Between bursts of requests a server sees exactly such GCs. One request's
// objects, built as #onHead builds them and kept for the life of the module, keep the shapes
// (test/gc-deopt.test.ts; @k/parser does the same for its Head).
const shapeAnchor: Exchange = (() => {
  const abort = new LazyAbort();
  const ex = newExchange(null, null as unknown as BodyQueue, abort, true, false, -1, null);
  ex.body = new BodyQueue({ onPull: () => {} }, ex);
  ex.request = new HttpRequest({
    method: "GET",
    target: "/",
    version: "1.1",
    rawHeaders: [],
    body: ex.body,
    abort,
    remoteAddress: "127.0.0.1",
    remotePort: 1,
    encrypted: false,
    hasBody: false,
    peerAddress: "127.0.0.1",
    peerPort: 1,
    protocol: "http",
    forwardedHost: null,
    upgrade: false,
  });
  // The writer's per-response objects (first part, framer, its context), made by its own code:
  // the framer stays reachable from the exchange.
  const writer = new ResponseWriter(
    { isClosed: () => false, isShuttingDown: () => false, bytesSent: () => 0, report: () => {} },
    resolveOptions({ handler: () => ({ status: 200 }) }),
    { write: () => true, gathers: true },
    null as unknown as OutputBuffer,
  );
  writer.start(ex, { status: 200, headers: [["content-type", "text/plain"]] }, new Uint8Array(1), true);
  return ex;
})();
/** @internal Exported only so that no bundler drops it as unused. */
export const exchangeShapeAnchors: readonly unknown[] = [
  shapeAnchor,
  // The writer's first parts, as it builds them for the common responses (see firstPart).
  firstPart({ status: 200 }, [], new Uint8Array(1), true),
  firstPart({ status: 200, length: 1 }, [], new Uint8Array(1), true),
  firstPart({ status: 200 }, [], undefined, false),
];

class HttpConnection implements Connection {
  readonly #transport: Transport;
  readonly #o: Resolved;
  readonly #parser: Parser;
  readonly #sink: Sink;
  readonly #output: OutputBuffer;
  readonly #writer: ResponseWriter;
  readonly #timer: ProtocolTimer;
  readonly #deadline: RequestDeadline;
  readonly #queue: Exchange[] = [];
  /** The exchange whose head or body the parser is in, or null between messages. */
  #parsing: Exchange | null = null;
  readonly #in: InputPump;
  /** Bytes of a next head were pushed but its head is not complete. */
  #partial = false;
  /** No new request is parsed (a non-persistent request, shutdown, a parse error). */
  #noMore = false;
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
  /** A component's synchronous part is running (see #afterPump). */
  #inRun = false;
  /** Every body queue's hooks (the queue says whose it is). */
  readonly #bodyHooks: BodyQueueHooks<Exchange>;

  /**
   * The connection's side of every collaborator's interface, in one object: its methods reach
   * the connection's private members (they are written inside its class body).
   */
  static readonly #Host = class Host
    implements ParserHandler, Sink, OutputHost, WriterHost, TimerHost, InputHost, DeadlineHost, BodyQueueHooks<Exchange>
  {
    readonly #c: HttpConnection;
    readonly gathers = true;
    constructor(c: HttpConnection) {
      this.#c = c;
    }
    // parser
    onHead(head: MessageHead): void {
      this.#c.#onHead(head);
    }
    onBody(bytes: Uint8Array): void {
      this.#c.#onBody(bytes);
    }
    onComplete(trailers: string[]): void {
      this.#c.#onComplete(trailers);
    }
    // sink, output buffer, writer, timers
    write(bytes: Uint8Array): boolean {
      return this.#c.#send(bytes);
    }
    isClosed(): boolean {
      return this.#c.#closed;
    }
    onFail(error: unknown): void {
      this.#c.#fail(error);
    }
    isShuttingDown(): boolean {
      return this.#c.#shuttingDown;
    }
    bytesSent(): number {
      return this.#c.#bytesCounter;
    }
    report(error: unknown, request?: HttpRequest): void {
      this.#c.#report(error, request);
    }
    onTimeout(kind: TimerKind): void {
      this.#c.#timeout(kind);
    }
    // input
    gate(input: Uint8Array, offset: number): InputGate {
      return this.#c.#gate(input, offset);
    }
    onParseError(error: unknown): void {
      this.#c.#onParseError(error);
    }
    afterPush(): void {
      this.#c.#afterPush();
    }
    onEof(): void {
      this.#c.#onEof();
    }
    onPaused(paused: boolean): void {
      this.#c.#onPaused(paused);
    }
    afterUpdate(): void {
      this.#c.#afterUpdate();
    }
    afterPump(): void {
      this.#c.#afterPump();
    }
    // request deadline, body queues
    parsing(): Exchange | null {
      return this.#c.#parsing;
    }
    expire(ex: Exchange, error: HttpError): void {
      this.#c.#expireBody(ex, error);
    }
    onPull(ex: Exchange, waiting: boolean): void {
      this.#c.#onPull(ex, waiting);
    }
  };
  /** The next exchange, marked serving while a component ran synchronously: #runGuarded starts it. */
  #runNext: Exchange | null = null;
  #nextOnDrain = false;
  /** Bytes given to the sink (head, framing, body) over the connection's life. */
  #bytesCounter = 0;
  /** An upgrade request whose component has not answered: nothing after it is parsed. */
  #upgradeWait: Exchange | null = null;
  /** The accepted upgrade and the stream its receiver got (the lifecycle stepped aside). */
  #upgraded: UpgradeResponse | null = null;
  #tunnelStream: Duplex | null = null;
  /** The Duplex this connection feeds when the transport could not hand over its own. */
  #tunnel: TransportStream | null = null;

  constructor(transport: Transport, options: ConnectionOptions) {
    this.#transport = transport;
    const o = resolveOptions(options);
    this.#o = o;
    const parserOptions: { maxBodySize?: number; maxHeadSize?: number; maxHeaderCount?: number; maxTargetLength?: number } = {};
    if (options.maxBodySize !== undefined) parserOptions.maxBodySize = options.maxBodySize;
    if (options.maxHeadSize !== undefined) parserOptions.maxHeadSize = options.maxHeadSize;
    if (options.maxHeaderCount !== undefined) parserOptions.maxHeaderCount = options.maxHeaderCount;
    if (options.maxTargetLength !== undefined) parserOptions.maxTargetLength = options.maxTargetLength;
    // One object answers every collaborator (parser, sink, output, writer, timers, input,
    // body queues): a closure per callback cost about 1.5 KiB per idle connection.
    const host = new HttpConnection.#Host(this);
    this.#bodyHooks = host;
    this.#parser = createParser("request", host, parserOptions);
    this.#output = new OutputBuffer(transport, host);
    // gathers: the output buffer queues every write, so the chunked framer need not copy a
    // part to join it with its size line (the flush gathers them instead).
    this.#sink = host;
    this.#writer = new ResponseWriter(host, o, host, this.#output);
    this.#timer = new ProtocolTimer(host);
    this.#in = new InputPump(this.#parser, transport, host);
    this.#deadline = new RequestDeadline(host, o.requestTimeout, o.minBodyRate, o.bodyRateWindow);
    // Slowloris: a fresh connection has headTimeout from accept to its first complete head.
    this.#partial = false;
    this.#armHead();
  }

  get idle(): boolean {
    return this.#upgraded === null && this.#queue.length === 0 && this.#parsing === null && !this.#partial && !this.#in.pending;
  }

  // ---- input (the pump itself: input.ts) -------------------------------------------------

  onData(bytes: Uint8Array): void {
    if (this.#closed || bytes.length === 0) {
      if (this.#tunnel !== null && bytes.length > 0) this.#tunnel.deliver(bytes);
      return;
    }
    this.#in.receive(bytes);
  }

  onEnd(): void {
    if (this.#closed) {
      this.#tunnel?.deliverEnd();
      return;
    }
    this.#in.end();
  }

  /** The input pump's question before each push (see input.ts). */
  #gate(input: Uint8Array, offset: number): InputGate {
    const p = this.#parsing;
    if (p === null) {
      // Whether the bytes after an upgrade request are HTTP is its component's answer.
      if (this.#upgradeWait !== null) return INPUT_WAIT;
      if (this.#noMore) return INPUT_DROP;
      if (this.#queue.length > this.#o.maxPipelined) return INPUT_WAIT;
      if (!this.#partial && input.length > offset) this.#partial = true;
      return INPUT_PUSH;
    }
    return this.#bodyFull(p) ? INPUT_WAIT : INPUT_PUSH;
  }

  #afterPush(): void {
    // A head still incomplete after all bytes were pushed: the slowloris clock runs (a fresh
    // connection keeps the one it got at accept). Pipelined heads that complete within the
    // push never arm it (a timer per request showed in the pipelined profile).
    if (this.#partial && !this.#fresh && this.#timer.kind !== TIMER_HEAD && !this.#closed) {
      this.#armHead();
    }
  }

  #afterPump(): void {
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

  /** We paused the transport, or are about to resume it: the body timeout follows. */
  #onPaused(paused: boolean): void {
    if (paused) {
      // Our own backpressure is not the client's delay: no body timeout while paused.
      if (this.#timer.kind === TIMER_BODY) this.#timer.disarm();
      return;
    }
    const p = this.#parsing;
    if (p !== null && this.#timer.kind === TIMER_NONE && this.#bodyTimerAllowed(p)) {
      this.#timer.arm(TIMER_BODY, this.#o.bodyTimeout);
    }
  }

  #afterUpdate(): void {
    // Costs two field reads when no body is being read (every request without one).
    if (this.#parsing !== null || this.#deadline.running) this.#syncDeadline();
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
    // Only the head timer's own clock (already read when it was armed): no clock read here.
    const headStart = this.#timer.kind === TIMER_HEAD ? this.#timer.headArmedAt : -1;
    const ex = newExchange(head, null as unknown as BodyQueue, abort, head.keepAlive && !this.#shuttingDown, hasBody, headStart, null);
    ex.body = new BodyQueue(this.#bodyHooks, ex);
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
      upgrade: head.upgrade,
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
    if (head.upgrade) this.#upgradeWait = ex;
    if (hasBody && this.#bodyTimerAllowed(ex)) this.#timer.arm(TIMER_BODY, this.#o.bodyTimeout);
    else this.#timer.disarm();
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
    this.#timer.refreshBody();
    if (ex.body.discarding) {
      this.#drainLeft -= bytes.length;
      if (this.#drainLeft < 0) {
        // More unread body than we drain: closing is cheaper than reading it (maxDrainSize).
        this.#in.pauseParser();
        this.#endTransport();
      }
      return;
    }
    ex.body.push(bytes);
    if (this.#bodyFull(ex)) this.#in.pauseParser();
  }

  #onComplete(trailers: string[]): void {
    const ex = this.#parsing!;
    this.#parsing = null;
    ex.body.trailers = trailers;
    ex.body.end();
    if (this.#timer.kind === TIMER_BODY) this.#timer.disarm();
    if (!ex.keepAlive) this.#noMore = true;
    // Stop after each message so the pump sees where the next one starts (head timer).
    this.#in.pauseParser();
    if (ex.finished) {
      // It was being drained after its response: the connection is in sync again. (Not
      // re-entering the pump here: the pump loop itself goes on with the next bytes.)
      if (this.#noMore) this.#endTransport();
      else if (this.#queue.length > 0) this.#startNext();
      else this.#timer.arm(TIMER_IDLE, this.#o.idleTimeout); // a next head in these bytes re-arms
    }
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
    this.#timer.disarm();
    this.#queueError(httpError);
  }

  /** Answers with `error` after the requests before it, then closes. */
  #queueError(error: HttpError): void {
    const ex = newExchange(null, new BodyQueue(null), new LazyAbort(), false, false, -1, error);
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
      this.#output.flush();
      if (this.#parsing === ex && !this.#in.paused) this.#timer.arm(TIMER_BODY, this.#o.bodyTimeout);
    }
    if (this.#parsing === ex) {
      this.#in.resume();
      this.#syncDeadline();
    }
  }

  // ---- serving -------------------------------------------------------------------------

  #startNext(now = false): void {
    const ex = this.#queue[0];
    if (ex === undefined || this.#serving || this.#closed) return;
    if (this.#output.full) {
      // The previous response still fills the transport: a pipelined whole response would
      // queue behind it without bound (16 x a large body), so the next one waits for drain.
      if (!this.#nextOnDrain) {
        this.#nextOnDrain = true;
        this.#output.onNextDrain(() => {
          this.#nextOnDrain = false;
          this.#startNext();
        });
      }
      return;
    }
    this.#serving = true;
    if (now) this.#runGuarded(ex);
    // Inside a component's synchronous run (a pipelined request after one answered at once):
    // the outermost #runGuarded starts it when that run returns, so the stack stays flat and
    // no microtask is queued per request (the pipelined /hello profile).
    else if (this.#inRun) this.#runNext = ex;
    // A microtask later: the component never runs inside a parser callback, and a pipelined
    // request does not start inside the previous one's #finish.
    else queueMicrotask(() => this.#runGuarded(ex));
  }

  #runGuarded(ex: Exchange): void {
    const outer = this.#inRun;
    this.#inRun = true;
    let next: Exchange | null = ex;
    try {
      while (next !== null) {
        const current: Exchange = next;
        try {
          this.#run(current);
        } catch (error) {
          // #run handles every component failure itself; this is for our own bugs, which must
          // not become an uncaught exception that takes the process down.
          this.#report(error, current.request ?? undefined);
          this.#destroy(error instanceof Error ? error : new Error(String(error)));
        }
        // Only the outermost run starts the next one (a nested one leaves it queued here).
        next = outer ? null : this.#runNext;
        if (!outer) this.#runNext = null;
      }
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
      this.#writer.answerError(ex, ex.error);
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
    if (isUpgradeResponse(result)) {
      if (this.#closed) return;
      try {
        this.#acceptUpgrade(ex, result);
      } catch (error) {
        this.#failBeforeHead(ex, error);
      }
      return;
    }
    if (!this.#closed && isWholeResponse(result) && typeof (result as { then?: unknown }).then !== "function") {
      const body = result.body;
      if (body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array) {
        // No flush tick for these writes: #finish flushes at once when nothing follows,
        // and schedules the tick itself when a pipelined request does (the /hello profile
        // had one empty setImmediate per request).
        this.#output.holdFlush = true;
        try {
          this.#writer.sendWholeNow(ex, result, body);
        } catch (error) {
          this.#output.holdFlush = false;
          if (this.#closed) return;
          if (!ex.headSent) this.#failBeforeHead(ex, error);
          else this.#failAfterHead(ex, error);
          return;
        }
        this.#output.holdFlush = false;
        if (!this.#closed) this.#finish(ex);
        if (this.#output.pending) this.#output.scheduleFlush();
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
      if (isUpgradeResponse(result)) {
        this.#acceptUpgrade(ex, result);
        return;
      }
      if (isWholeResponse(result)) await this.#writer.sendWhole(ex, result);
      else if (isAsyncIterable(result)) await this.#writer.sendIterable(ex, result[Symbol.asyncIterator]());
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
    this.#writer.answerError(ex, answer);
    this.#finish(ex);
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
    // Not accepted: the offer is ignored and what follows is HTTP again (RFC 9110 §7.8).
    if (this.#upgradeWait === ex) this.#upgradeWait = null;
    this.#answered(ex);
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
      this.#in.resume();
      return; // #onComplete starts the next request once the body is through.
    }
    this.#next();
  }

  /**
   * An UpgradeResponse: write its head, step aside for good, hand over the stream. Throws
   * (before anything is written) when the request cannot be upgraded or the head is invalid.
   */
  #acceptUpgrade(ex: Exchange, r: UpgradeResponse): void {
    const h = ex.head;
    if (h === null || !h.upgrade || this.#upgradeWait !== ex) {
      throw new HttpError(500, "an upgrade response to a request that cannot be upgraded (HTTP/1.0, no Connection: upgrade, no Upgrade): check request.upgrade", { code: "BAD_RESPONSE" });
    }
    if (ex.hasBody) throw new HttpError(500, "a request with a body cannot be upgraded", { code: "BAD_RESPONSE" });
    if (this.#shuttingDown) throw new HttpError(503, "shutting down", { code: "ABORTED" });
    const head = upgradeHead(r, h.method === "CONNECT", this.#o.serverName);
    // Nothing throws from here on.
    this.#upgradeWait = null;
    ex.status = r.status ?? 0;
    ex.headSent = true;
    if (ex.diag !== null) {
      ex.diag.statusCode = ex.status;
      ex.diag.headersSent = head !== null;
    }
    if (head !== null) this.#send(head);
    this.#output.flush();
    const rest = this.#in.take();
    const tunnelHead = rest === null || rest.length === 0 ? EMPTY_BUFFER : Buffer.from(rest.buffer, rest.byteOffset, rest.length);
    // The lifecycle steps aside: no parsing, framing, timers or writes of its own from here on.
    this.#closed = true;
    this.#upgraded = r;
    this.#timer.clear();
    this.#deadline.clear();
    ex.finished = true;
    this.#queue.shift();
    this.#serving = false;
    this.#answered(ex);
    const t = this.#transport;
    let stream: Duplex;
    if (t.detach !== undefined) {
      stream = t.detach();
    } else {
      const own = new TransportStream(t);
      this.#tunnel = own;
      stream = own;
      if (this.#in.peerEnded) own.deliverEnd();
    }
    this.#tunnelStream = stream;
    try {
      r.upgrade({ stream, head: tunnelHead, request: ex.request! });
    } catch (error) {
      // A failed hand-over leaves no half-open connection behind.
      this.#report(error, ex.request ?? undefined);
      stream.destroy();
    }
  }

  /** The exchange got its answer: onResponse, diagnostics. */
  #answered(ex: Exchange): void {
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
      this.#output.flush();
      if (this.#parsing === null && !this.#partial) this.#timer.arm(TIMER_IDLE, this.#o.idleTimeout);
    }
    this.#in.resume();
  }

  // ---- output (the buffer itself: output-buffer.ts) -----------------------------------------

  /** The framers' sink: counts the bytes, then queues them in the output buffer. */
  #send(bytes: Uint8Array): boolean {
    if (this.#closed) return false;
    this.#bytesCounter += bytes.length;
    const q = this.#queue[0];
    if (q !== undefined && q.headSent) q.bytes += bytes.length;
    return this.#output.send(bytes);
  }

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

  onDrain(): void {
    if (this.#tunnel !== null) this.#tunnel.drained();
    else this.#output.drained();
  }

  // ---- closing -------------------------------------------------------------------------

  shutdown(options?: ShutdownOptions): void {
    const upgraded = this.#upgraded;
    if (upgraded !== null) {
      if (this.#shuttingDown) return;
      this.#shuttingDown = true;
      try {
        if (upgraded.onShutdown !== undefined) upgraded.onShutdown();
        else endTunnel(this.#tunnelStream!);
      } catch (error) {
        this.#report(error);
        this.#tunnelStream!.destroy();
      }
      return;
    }
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
    this.#output.flush();
    this.#closed = true;
    this.#gone(new HttpError(499, "connection closed", { code: "ABORTED" }), false);
    this.#transport.end();
  }

  #destroy(error: Error): void {
    if (this.#closed) return;
    this.#output.flush();
    this.#closed = true;
    this.#gone(error, true);
    this.#transport.destroy(error);
  }

  onClose(error?: Error): void {
    this.#tunnel?.gone();
    const wasClosed = this.#closed;
    this.#closed = true;
    if (!wasClosed) this.#in.drop();
    this.#gone(error ?? new HttpError(499, "client went away", { code: "ABORTED" }), true);
  }

  /** Releases everything: timer, waiters; aborts requests whose response did not finish. */
  #gone(reason: unknown, abortActive: boolean): void {
    this.#timer.clear();
    this.#deadline.clear();
    this.#in.drop();
    for (const ex of this.#queue) {
      if (ex.finished) continue;
      if (abortActive || ex !== this.#queue[0] || !ex.headSent) {
        if (!ex.abort.aborted) ex.abort.abort(reason);
        ex.body.fail(reason);
      }
    }
    if (abortActive) this.#queue.length = 0;
    this.#output.release();
  }

  // ---- timeouts (the timers themselves: timers.ts) ------------------------------------------

  /** Arms the head timer (the request deadline counts the head's time too). */
  #armHead(): void {
    this.#timer.armHead(this.#o.headMs, this.#o.requestTimeout > 0);
  }

  #timeout(kind: TimerKind): void {
    if (kind === TIMER_IDLE) {
      this.#endTransport();
    } else if (kind === TIMER_HEAD) {
      this.#noMore = true;
      this.#partial = false;
      this.#in.drop();
      this.#queueError(new HttpError(408, "Request Timeout", { code: "TIMEOUT" }));
    } else if (kind === TIMER_BODY) {
      const ex = this.#parsing;
      if (ex === null) return;
      this.#expireBody(ex, new HttpError(408, "Request body timeout", { code: "TIMEOUT" }));
    }
  }

  /** Starts or stops the request deadline's clock to match what is being read now. */
  #syncDeadline(): void {
    const p = this.#parsing;
    const run = p !== null && p.hasBody && !this.#in.paused && !this.#closed &&
      this.#o.requestTimeout > 0 && this.#bodyTimerAllowed(p);
    this.#deadline.sync(p, run);
  }

  /** The body being read took too long: 408 when no head went out yet, else the connection goes. */
  #expireBody(ex: Exchange, error: HttpError): void {
    if (this.#parsing !== ex) return;
    this.#parsing = null;
    this.#noMore = true;
    this.#in.drop();
    this.#deadline.stop();
    if (this.#timer.kind === TIMER_BODY) this.#timer.disarm();
    ex.keepAlive = false;
    ex.bodyError = error;
    ex.abort.abort(error);
    ex.body.fail(error);
    if (ex.headSent || ex.finished) this.#destroy(error);
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
