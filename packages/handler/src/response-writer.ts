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

  constructor(host: WriterHost, options: Resolved, sink: Sink, output: OutputBuffer) {
    this.#host = host;
    this.#o = options;
    this.#sink = sink;
    this.#output = output;
  }

  /** A whole response whose body is a string, bytes or absent: written at once, never waits. */
  sendWholeNow(ex: Exchange, r: WholeResponse, body: string | Uint8Array | null | undefined): void {
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

  /** Chooses framing, adds the lifecycle's headers and writes the head (with `first`). */
  start(ex: Exchange, head: ResponseHead, first: Uint8Array | undefined, done: boolean): Framer {
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
