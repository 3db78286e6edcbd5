/**
 * ResponseWriter: writes one exchange's response. Chooses the framing from the first part and
 * the request, adds the lifecycle's own fields (Date, Server, Connection, Keep-Alive), and
 * streams a component's parts through the framer, waiting for drain when the transport is full.
 *
 * Owns: nothing across responses; per response it sets the Exchange's head-side fields
 * (status, noBody, closeAfter, headSent, framer, source, bytes, bodyBytes).
 * May touch: the sink (bytes go to the output buffer through it) and the output buffer's
 * `full` / `waitDrain`. It never reads input, starts a request or closes the transport: the
 * connection does that when a write fails or the response ends (connection.ts).
 * Buffers: body parts are passed to the framer by reference (see output-buffer.ts).
 */
import { chooseFraming, Utf8StreamEncoder } from "@k/framing";
import type { Framer, HeaderInit, Sink } from "@k/framing";
import { httpDate } from "./date.js";
import { HttpError } from "./errors.js";
import type { Exchange, Resolved } from "./exchange.js";
import type { OutputBuffer } from "./output-buffer.js";
import type { HttpRequest } from "./request.js";
import { bodySource, copyHeaders, firstPart, isWholeResponse, iteratorSource, LATER, settledSoon, type HeaderScan, type PartSource } from "./response.js";
import type { ResponseEnd, ResponseHead, WholeResponse } from "./types.js";

function partBytes(part: unknown, encoder: Utf8StreamEncoder | null): Uint8Array {
  if (part instanceof Uint8Array) return part;
  if (typeof part === "string") return encoder!.encode(part);
  throw new HttpError(500, "a body part is neither a string nor a Uint8Array", { code: "BAD_RESPONSE" });
}

/** @internal What the writer asks of its connection. */
export interface WriterHost {
  isClosed(): boolean;
  isShuttingDown(): boolean;
  /** Bytes given to the sink so far (the writer counts a head's bytes from it). */
  bytesSent(): number;
  report(error: unknown, request?: HttpRequest): void;
}

/** @internal Writes responses for one connection. */
export class ResponseWriter {
  readonly #host: WriterHost;
  readonly #o: Resolved;
  readonly #sink: Sink;
  readonly #output: OutputBuffer;
  /** The whole response object this connection answered with last (see HeadMemo). */
  #lastWhole: WholeResponse | null = null;

  constructor(host: WriterHost, options: Resolved, sink: Sink, output: OutputBuffer) {
    this.#host = host;
    this.#o = options;
    this.#sink = sink;
    this.#output = output;
  }

  /** A whole response whose body is a string, bytes or absent: written at once, never waits. */
  sendWholeNow(ex: Exchange, r: WholeResponse, body: string | Uint8Array | null | undefined): void {
    if (r === this.#lastWhole) {
      const memo = MEMOS.get(r);
      if (memo !== undefined && this.#sendMemo(ex, r, memo, body)) return;
      if (ex.diag === null && this.#memoize(ex, r, body)) return;
    }
    this.#lastWhole = r;
    if (body === undefined || body === null) {
      // HEAD: the body is not this empty one but the GET's, whose length is unknown here.
      const done = ex.head === null || ex.head.method !== "HEAD";
      this.start(ex, r, undefined, done).end();
    } else if (typeof body === "string") {
      this.start(ex, r, Buffer.from(body, "utf8"), true).end();
    } else {
      this.start(ex, r, body, true).end();
    }
  }

  async sendWhole(ex: Exchange, r: WholeResponse): Promise<void> {
    const body = r.body;
    if (body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array) {
      this.sendWholeNow(ex, r, body);
      return;
    }
    const source = bodySource(body);
    ex.source = source;
    if (r.length !== undefined || r.trailers !== undefined || r.framing !== undefined || ex.head === null || ex.head.method === "HEAD") {
      await this.#pipe(ex, this.start(ex, r, undefined, false), source, r.trailers, null, null);
      return;
    }
    // A stream that is complete within this turn (a web Response made from a string, as
    // fetch handlers return) goes out whole: Content-Length and one write instead of chunked.
    const encoder = new Utf8StreamEncoder();
    let pending: Promise<IteratorResult<unknown, unknown>> | null = source.next();
    const first = await settledSoon(pending);
    if (first === LATER) {
      await this.#pipe(ex, this.start(ex, r, undefined, false), source, undefined, encoder, pending);
      return;
    }
    if (this.#host.isClosed()) throw new HttpError(499, "client gone", { code: "ABORTED" });
    if (first.done === true) {
      this.start(ex, r, undefined, true).end();
      return;
    }
    const a = partBytes(first.value, encoder);
    pending = source.next();
    const second = await settledSoon(pending);
    if (this.#host.isClosed()) throw new HttpError(499, "client gone", { code: "ABORTED" });
    if (second !== LATER && second.done === true) {
      this.start(ex, r, encoder.pending ? Buffer.concat([a, encoder.end()]) : a, true).end();
      ex.source = null;
      return;
    }
    const framer = this.start(ex, r, a, false);
    if (second !== LATER) {
      pending = null;
      const b = partBytes(second.value, encoder);
      if (b.length > 0) {
        if (!ex.noBody) ex.bodyBytes += b.length;
        if (!framer.write(b) || this.#output.full) await this.#output.waitDrain();
      }
    }
    await this.#pipe(ex, framer, source, undefined, encoder, pending);
  }

  async sendIterable(ex: Exchange, iterator: AsyncIterator<unknown, unknown>): Promise<void> {
    ex.source = iteratorSource(iterator);
    const step = await iterator.next();
    if (this.#host.isClosed()) throw new HttpError(499, "client gone", { code: "ABORTED" });
    if (step.done === true || !isWholeResponse(step.value)) {
      throw new HttpError(500, "the component's first part is not a response head", { code: "BAD_RESPONSE" });
    }
    const head = step.value as ResponseHead;
    const framer = this.start(ex, head, undefined, false);
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
    const output = this.#output;
    for (;;) {
      const step = await (pending ?? source.next());
      pending = null;
      if (this.#host.isClosed()) throw new HttpError(499, "client gone", { code: "ABORTED" });
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
      if (!framer.write(bytes) || output.full) {
        await output.waitDrain();
        if (this.#host.isClosed()) throw new HttpError(499, "client gone", { code: "ABORTED" });
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

  /**
   * Writes `r` from its memo when nothing the head depends on changed; false (nothing
   * written) when something did, and the caller takes the general path.
   */
  #sendMemo(ex: Exchange, r: WholeResponse, m: HeadMemo, body: string | Uint8Array | null | undefined): boolean {
    const h = ex.head;
    if (h === null || ex.diag !== null || ex.error !== null || !ex.body.done) return false;
    if (m.method !== h.method || m.version !== h.version || m.headers !== r.headers || m.status !== r.status) return false;
    if (m.length !== r.length || m.reason !== r.reason || m.framing !== r.framing || m.trailers !== r.trailers) return false;
    if (m.serverName !== this.#o.serverName || m.keepAliveValue !== this.#o.keepAliveValue) return false;
    let bytes: Uint8Array | null;
    if (body === undefined || body === null) bytes = null;
    else if (typeof body === "string") {
      if (body !== m.text) return false;
      bytes = m.body;
    } else bytes = body;
    if ((bytes === null ? -1 : bytes.length) !== m.bodyLength) return false;
    const close = !ex.keepAlive || this.#host.isShuttingDown();
    if (close !== m.close || httpDate() !== m.date || !samePairs(r.headers, m.pairs)) return false;
    // Everything the general path would read is as it was: the same bytes follow.
    ex.closeAfter = close || m.handlerClose;
    ex.status = m.status;
    ex.noBody = m.noBody;
    ex.headSent = true;
    if (bytes === null || m.noBody || bytes.length === 0) {
      this.#sink.write(m.head);
      ex.bytes += m.head.length;
    } else if (m.whole !== null && sameBytes(bytes, m.whole, m.head.length)) {
      // The body's bytes are those the memo was made with: head and body are one array
      // already, and the write allocates nothing.
      this.#sink.write(m.whole);
      ex.bytes += m.whole.length;
      ex.bodyBytes += bytes.length;
    } else {
      this.#sink.write(m.head);
      this.#sink.write(bytes);
      ex.bytes += m.head.length + bytes.length;
      ex.bodyBytes += bytes.length;
    }
    return true;
  }

  /**
   * The second time in a row a connection answers with the same response object: writes it
   * through the general path and keeps its head bytes for the next time. False (nothing
   * written) when the response is not of a shape the memo covers.
   */
  #memoize(ex: Exchange, r: WholeResponse, body: string | Uint8Array | null | undefined): boolean {
    const h = ex.head;
    if (h === null || ex.error !== null || !ex.body.done || !ex.keepAlive) return false;
    if (r.framing !== undefined || r.trailers !== undefined) return false;
    const pairs = pairSnapshot(r.headers);
    if (pairs === null) return false;
    const bytes = body === undefined || body === null ? null : typeof body === "string" ? Buffer.from(body, "utf8") : body;
    let written: Uint8Array | null = null;
    let writes = 0;
    const sink = this.#sink;
    const capture: Sink = {
      write: (part) => {
        written = part;
        writes++;
        return sink.write(part);
      },
      gathers: sink.gathers,
    };
    const date = httpDate();
    const framer = this.start(ex, r, bytes ?? undefined, bytes !== null || h.method !== "HEAD", capture);
    framer.end();
    // One write, the head with the body after it, is what the built-in framers do for a whole
    // response; anything else is not memoised.
    const first = written as Uint8Array | null;
    const bodyLength = bytes === null ? 0 : ex.noBody ? 0 : bytes.length;
    if (first === null || writes !== 1 || first.length < bodyLength || framer.name === "close") return true;
    // Copies (never views into the written array, which may sit in a shared pool slab), and
    // Buffers: a socket turns any other Uint8Array into one on every write.
    const head = Buffer.allocUnsafeSlow(first.length - bodyLength);
    head.set(first.subarray(0, head.length));
    let whole: Buffer | null = null;
    if (bodyLength > 0 && bodyLength <= MEMO_BODY_MAX) {
      whole = Buffer.allocUnsafeSlow(first.length);
      whole.set(first);
    }
    MEMOS.set(r, {
      serverName: this.#o.serverName,
      keepAliveValue: this.#o.keepAliveValue,
      method: h.method,
      version: h.version,
      headers: r.headers,
      pairs,
      status: r.status,
      reason: r.reason,
      length: r.length,
      framing: r.framing,
      trailers: r.trailers,
      text: typeof body === "string" ? body : undefined,
      body: typeof body === "string" ? bytes : null,
      bodyLength: bytes === null ? -1 : bytes.length,
      close: !ex.keepAlive || this.#host.isShuttingDown(),
      handlerClose: ex.closeAfter,
      noBody: ex.noBody,
      date,
      head,
      whole,
    });
    return true;
  }

  /** Chooses framing, adds the lifecycle's headers and writes the head (with `first`). */
  start(ex: Exchange, head: ResponseHead, first: Uint8Array | undefined, done: boolean, sink: Sink = this.#sink): Framer {
    const status = head.status;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new HttpError(500, `invalid response status ${String(status)}`, { code: "BAD_RESPONSE" });
    }
    if (status < 300 && ex.head !== null && ex.head.method === "CONNECT") {
      // RFC 9110 §9.3.6: a 2xx to CONNECT turns the connection into a tunnel; answering 2xx
      // as plain HTTP and carrying on would desynchronise the client. A tunnel is accepted
      // with an UpgradeResponse ({ status, upgrade(tunnel) }), never with a plain response.
      throw new HttpError(501, "a 2xx to CONNECT must be an UpgradeResponse (upgrade(tunnel) takes the tunnel)", { code: "BAD_RESPONSE" });
    }
    const scan: HeaderScan = { close: false, date: false };
    const headers = copyHeaders(head.headers, scan);
    const h = ex.head;
    const request = { method: h?.method ?? "GET", version: h?.version ?? "1.1" } as const;
    const part = firstPart(head, headers, first, done);
    const choice = chooseFraming(part, request);
    let close = !ex.keepAlive || this.#host.isShuttingDown() || scan.close || choice.factory.name === "close" || ex.error !== null;
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
    const framer = choice.factory.create(sink, {
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
    const before = this.#host.bytesSent();
    ex.framer = framer;
    framer.start(first);
    if (first !== undefined && !choice.noBody) ex.bodyBytes += first.length;
    ex.headSent = true;
    ex.bytes += this.#host.bytesSent() - before;
    return framer;
  }

  /** Answers `error` as a small text/plain response (its own headers, when valid, added). */
  answerError(ex: Exchange, error: HttpError): void {
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
      this.start(ex, { status, headers: [...headers, ...extra] }, body, true).end();
    } catch (failure) {
      // The error's own headers were bad: answer without them.
      this.#host.report(failure, ex.request ?? undefined);
      this.start(ex, { status: 500, headers }, Buffer.from("Internal Server Error\n"), true).end();
    }
  }
}

/**
 * A response head as it was last written for one response object, with everything it was made
 * from. A handler that answers with one shared object (a static /hello, a health check) gets its
 * head bytes from here: no header copy, framing choice or serialisation per response (the
 * pipelined /hello profile spent a quarter of its time there). Every input is compared on use,
 * the header pairs by value, so a handler that changes its object in place still gets a fresh
 * head. Kept by response object, not by connection: an idle connection holds none of it.
 */
interface HeadMemo {
  /** The connection options that shape the head (Server, Keep-Alive). */
  serverName: string | undefined;
  keepAliveValue: string | null;
  method: string;
  version: string;
  headers: unknown;
  /** The header pairs' names and values, flat, when the memo was made. */
  pairs: unknown[];
  status: number;
  reason: string | undefined;
  length: number | undefined;
  framing: unknown;
  trailers: unknown;
  /** A string body and its UTF-8 bytes (undefined / null for a bytes body). */
  text: string | undefined;
  body: Uint8Array | null;
  /** Body bytes the response had (-1: no body given). */
  bodyLength: number;
  /** The connection was to close for its own reasons (not keep-alive, shutting down). */
  close: boolean;
  /** The response itself asked to close (`Connection: close` among its headers). */
  handlerClose: boolean;
  noBody: boolean;
  /** The Date value in the head. */
  date: string;
  head: Uint8Array;
  /** The head followed by the body it was made with (a small body only), else null. */
  whole: Uint8Array | null;
}

// The per-response literals of start(), one of each kept for the life of the module so that
// their shapes outlive full GCs (see exchangeShapeAnchors in connection.ts).
/** @internal Exported only so that no bundler drops it as unused. */
export const writerShapeAnchors: readonly unknown[] = [
  { close: false, date: false } satisfies HeaderScan,
  { method: "GET", version: "1.1" } as const,
];

/** Bodies up to this size are kept in the memo with their head (compared on use). */
const MEMO_BODY_MAX = 1024;

/** Head memos by response object: a memo lives as long as its handler keeps the object. */
const MEMOS = new WeakMap<WholeResponse, HeadMemo>();

/** The flat names and values of a pair-array header list; null for any other shape. */
function pairSnapshot(headers: unknown): unknown[] | null {
  if (headers === undefined) return [];
  if (!Array.isArray(headers)) return null;
  const out: unknown[] = [];
  for (let i = 0; i < headers.length; i++) {
    const pair: unknown = headers[i];
    if (!Array.isArray(pair) || pair.length !== 2) return null;
    out.push(pair[0], pair[1]);
  }
  return out;
}

/** True when `body` equals `whole` from `offset` to its end (a body may change in place). */
function sameBytes(body: Uint8Array, whole: Uint8Array, offset: number): boolean {
  if (whole.length - offset !== body.length) return false;
  for (let i = 0; i < body.length; i++) if (body[i] !== whole[offset + i]) return false;
  return true;
}

function samePairs(headers: unknown, pairs: unknown[]): boolean {
  if (headers === undefined) return pairs.length === 0;
  const list = headers as readonly (readonly unknown[])[];
  if (list.length * 2 !== pairs.length) return false;
  for (let i = 0; i < list.length; i++) {
    const pair = list[i]!;
    if (pair.length !== 2 || pair[0] !== pairs[2 * i] || pair[1] !== pairs[2 * i + 1]) return false;
  }
  return true;
}
