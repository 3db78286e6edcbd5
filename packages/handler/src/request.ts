/**
 * HttpRequest (what a component receives) and BodyQueue (the flow-controlled request body
 * between the connection and the component).
 *
 * The body queue holds at most a couple of chunks: the connection stops reading when it is
 * full and reads again when the component takes a chunk, so memory stays bounded for any body
 * size. Chunks are views into the bytes the transport delivered; a component may keep them
 * (the connection never reuses those buffers).
 * It does not decode: bodies are bytes; `text()` decodes UTF-8 once at the end.
 */
import { HttpError } from "./errors.js";
import { RequestHeaders } from "./headers.js";

// Shared, frozen empty lists: a queue gets its own chunk array with its first chunk, and its
// trailers from the parser when the body completes (two allocations less per request).
const NO_CHUNKS: Uint8Array[] = Object.freeze([]) as unknown as Uint8Array[];
const NO_TRAILERS: string[] = Object.freeze([]) as unknown as string[];

/** Chunks queued before the connection pauses reading (see ConnectionOptions). */
export const BODY_QUEUE_CHUNKS = 2;

/**
 * @internal What the connection learns from a body queue. One hooks object serves every queue
 * of a connection; `owner` says which request's queue it is (no closure per request).
 */
export interface BodyQueueHooks<Owner = unknown> {
  /** The component took a chunk (room in the queue) or waits for one. `waiting` on an empty queue. */
  onPull(owner: Owner, waiting: boolean): void;
}

/** @internal The request body between parser and component. */
export class BodyQueue implements AsyncIterable<Uint8Array> {
  /** Queued chunks (a shared empty array until the first one: most requests have no body). */
  chunks: Uint8Array[] = NO_CHUNKS;
  queuedBytes = 0;
  /** Every body byte was received. */
  done = false;
  error: unknown = null;
  /** Trailer fields (flat), set when the body completes. */
  trailers: string[] = NO_TRAILERS;
  /** Iteration started (the first read sends 100 Continue). */
  started = false;
  /** The response is done: later bytes are thrown away (drain). */
  discarding = false;
  #wake: (() => void) | null = null;
  #hooks: BodyQueueHooks | null;
  #owner: unknown;

  constructor(hooks: BodyQueueHooks<never> | null, owner?: unknown) {
    this.#hooks = hooks as BodyQueueHooks | null;
    this.#owner = owner;
  }

  push(chunk: Uint8Array): void {
    if (this.discarding) return;
    if (this.chunks === NO_CHUNKS) this.chunks = [chunk];
    else this.chunks.push(chunk);
    this.queuedBytes += chunk.length;
    this.#signal();
  }

  end(): void {
    this.done = true;
    this.#signal();
  }

  fail(error: unknown): void {
    if (this.done && this.chunks.length === 0) return;
    if (this.error === null) this.error = error;
    this.#signal();
  }

  /** Drops queued chunks; later pushes are ignored. Returns the bytes dropped. */
  discard(): number {
    const dropped = this.queuedBytes;
    this.discarding = true;
    this.chunks = NO_CHUNKS;
    this.queuedBytes = 0;
    return dropped;
  }

  #signal(): void {
    const wake = this.#wake;
    if (wake !== null) {
      this.#wake = null;
      wake();
    }
  }

  async *#iterate(): AsyncGenerator<Uint8Array, void, undefined> {
    for (;;) {
      if (this.chunks.length > 0) {
        const chunk = this.chunks.shift()!;
        this.queuedBytes -= chunk.length;
        this.#hooks?.onPull(this.#owner, false);
        yield chunk;
        continue;
      }
      if (this.error !== null) throw this.error;
      if (this.done) return;
      const wait = new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#hooks?.onPull(this.#owner, true);
      await wait;
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.started) {
      throw new HttpError(500, "the request body was already read", { code: "BODY_CONSUMED" });
    }
    this.started = true;
    return this.#iterate();
  }
}

/**
 * @internal An abort signal made on first use: an AbortController per request costs more than
 * the rest of a small request together (profile of the pipelined bench), and most
 * components never look at the signal.
 */
export class LazyAbort {
  #controller: AbortController | null = null;
  #aborted = false;
  #reason: unknown = undefined;

  get signal(): AbortSignal {
    if (this.#controller === null) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/** @internal How the connection builds a request. */
export interface HttpRequestInit {
  method: string;
  target: string;
  version: "1.0" | "1.1";
  rawHeaders: string[];
  body: BodyQueue;
  abort: LazyAbort;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  encrypted: boolean;
  /** True when the request carries a body (Content-Length > 0 or chunked). */
  hasBody: boolean;
  /** The transport's peer; differs from remoteAddress only behind a trusted proxy. */
  peerAddress: string | undefined;
  peerPort: number | undefined;
  protocol: "http" | "https";
  /** A trusted proxy's forwarded Host (null: the request's own Host header). */
  forwardedHost: string | null;
  /** The parser's `upgrade`: an HTTP/1.1 Upgrade offer or a CONNECT. */
  upgrade: boolean;
}

/**
 * One HTTP request as a component sees it. Everything beyond the raw fields is computed on
 * demand (URL, header index).
 */
export class HttpRequest {
  /** Method as received (case preserved). */
  readonly method: string;
  /** Request-target as received. */
  readonly target: string;
  readonly version: "1.0" | "1.1";
  /** Flat `[name, value, ...]`, received order, names as received. */
  readonly rawHeaders: string[];
  /**
   * The client's address: the transport's peer (the PROXY protocol's source address when
   * @k/server reads one), or, when that peer is in `trustProxy`, the right-most untrusted
   * hop of `Forwarded` / `X-Forwarded-For`.
   */
  readonly remoteAddress: string | undefined;
  /** The client's port: the peer's, a trusted `Forwarded` element's `for=` port, or undefined. */
  readonly remotePort: number | undefined;
  /** The transport's peer address, whatever the forwarding headers say. */
  readonly peerAddress: string | undefined;
  readonly peerPort: number | undefined;
  /** True over TLS on this connection (this hop only: see `protocol`). */
  readonly encrypted: boolean;
  /** The client's protocol: "https" over TLS or when a trusted proxy says so; the URL's scheme. */
  readonly protocol: "http" | "https";
  /** True when the request announced a body (Content-Length > 0 or chunked). */
  readonly hasBody: boolean;
  /**
   * True when this request may be answered with an UpgradeResponse: HTTP/1.1 with
   * `Connection: upgrade` and a non-empty `Upgrade` (RFC 9110 §7.8), or a CONNECT. An HTTP/1.0
   * Upgrade is never honoured (false). Which protocol: `headers.get("upgrade")`.
   */
  readonly upgrade: boolean;
  #body: BodyQueue;
  #abort: LazyAbort;
  #headers: RequestHeaders | null = null;
  #url: URL | null = null;
  #path: string | null = null;
  #forwardedHost: string | null;

  /** @internal Built by the connection (or `inject`); not meant to be called by users. */
  constructor(init: HttpRequestInit) {
    this.method = init.method;
    this.target = init.target;
    this.version = init.version;
    this.rawHeaders = init.rawHeaders;
    this.#abort = init.abort;
    this.remoteAddress = init.remoteAddress;
    this.remotePort = init.remotePort;
    this.peerAddress = init.peerAddress;
    this.peerPort = init.peerPort;
    this.encrypted = init.encrypted;
    this.protocol = init.protocol;
    this.#forwardedHost = init.forwardedHost;
    this.hasBody = init.hasBody;
    this.upgrade = init.upgrade;
    this.#body = init.body;
  }

  /** Case-insensitive lookup (its index is built on first use). */
  get headers(): RequestHeaders {
    return (this.#headers ??= new RequestHeaders(this.rawHeaders));
  }

  /**
   * The body, flow-controlled: the connection reads from the client only as fast as this is
   * iterated. The first iteration sends `100 Continue` when the client expects it. Readable once.
   */
  get body(): AsyncIterable<Uint8Array> {
    return this.#body;
  }

  /** Aborts when the client goes away or a timeout hits; never on normal completion. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /**
   * The target as a URL: `<protocol>://<Host><target>` (Host "localhost" when absent; a
   * trusted proxy's forwarded host and protocol when it gave them). Parsed on first use.
   */
  get url(): URL {
    if (this.#url === null) {
      const target = this.target;
      const scheme = this.protocol === "https" ? "https://" : "http://";
      const host = this.#forwardedHost ?? (this.headers.get("host") || "localhost");
      try {
        if (target.charCodeAt(0) === 0x2f /* / */) this.#url = new URL(scheme + host + target);
        else if (target === "*") this.#url = new URL(scheme + host + "/");
        else if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(target)) this.#url = new URL(target);
        else this.#url = new URL(scheme + target); // authority-form (CONNECT)
      } catch (cause) {
        // RFC 3986 allows hosts that WHATWG URL refuses (e.g. a percent-encoded space).
        throw new HttpError(400, "the request's Host and target do not form a URL", { cause });
      }
    }
    return this.#url;
  }

  /** The target's path without the query, undecoded ("*" for `OPTIONS *`). */
  get path(): string {
    if (this.#path === null) {
      const target = this.target;
      if (target.charCodeAt(0) === 0x2f || target === "*") {
        const q = target.indexOf("?");
        this.#path = q < 0 ? target : target.slice(0, q);
      } else {
        this.#path = this.url.pathname;
      }
    }
    return this.#path;
  }

  /** Trailer fields, flat like rawHeaders; filled once the body was received to its end. */
  get trailers(): string[] {
    return this.#body.trailers;
  }

  /** The whole body as bytes (bounded by the connection's maxBodySize → 413). */
  async bytes(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of this.#body) {
      parts.push(chunk);
      total += chunk.length;
    }
    if (parts.length === 1) return parts[0]!;
    return Buffer.concat(parts, total);
  }

  /** The whole body decoded as UTF-8. */
  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  /** The whole body parsed as JSON; malformed JSON is an HttpError(400). */
  async json(): Promise<unknown> {
    const text = await this.text();
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new HttpError(400, "malformed JSON body", { cause });
    }
  }
}
