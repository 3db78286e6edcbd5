/**
 * compress: a wrapper around a component that compresses its response body as it streams
 * (RFC 9110 §8.4 content codings: br, gzip, deflate, and zstd where the running Node has it),
 * chosen from the request's Accept-Encoding (RFC 9110 §12.5.3), plus that negotiation alone.
 *
 * A content coding changes the representation, not the message framing: the wrapper drops the
 * length and lets @k/framing choose chunked or close-delimited as for any unknown length. A
 * body whose length is known and at most 64 KiB is compressed in one piece and keeps a
 * Content-Length. It never sends 406/415 (an unusable Accept-Encoding means identity), never
 * compresses HEAD (which gets the headers a GET would), 204, 206, 304, a response that already
 * has a Content-Encoding or `Cache-Control: no-transform`, a small known length, or a type the
 * `compressible` predicate refuses. Compressed parts are fresh buffers owned by the wrapper.
 */
import { Utf8StreamEncoder } from "@k/framing";
import * as zlib from "node:zlib";
import type { Transform } from "node:stream";
import type { HttpRequest } from "./request.js";
import { bodySource, copyHeaders, isAsyncIterable, isWholeResponse, iteratorSource, LATER, settledSoon } from "./response.js";
import type { HeaderPairs, PartSource } from "./response.js";
import type { BodyPart, HandlerResult, RequestHandler, ResponseEnd, ResponseHead, WholeResponse } from "./types.js";

/** A content coding this wrapper can produce. */
export type ContentCoding = "br" | "zstd" | "gzip" | "deflate";

/** Compression levels per coding (zlib's and brotli's own scales). */
export interface CompressionLevels {
  /** gzip level 1–9. Default 6. */
  gzip?: number | undefined;
  /** deflate (zlib format) level 1–9. Default 6. */
  deflate?: number | undefined;
  /** brotli quality 0–11. Default 4 (dynamic content: 11 costs ~50x the time for a few % less). */
  br?: number | undefined;
  /** zstd level 1–19. Default 3. */
  zstd?: number | undefined;
}

type Levels = { [K in keyof CompressionLevels]-?: number };

/** Options of {@link compress}. */
export interface CompressOptions {
  /** Codings the server offers, most preferred first (ties in the client's q-values go to the earlier one). Codings the running Node lacks (zstd before 22.15) are left out. Default `defaultEncodings`. */
  encodings?: readonly ContentCoding[] | undefined;
  /** Bodies with a known length below this many bytes are sent as they are. Default `defaultCompressThreshold` (1 KiB). */
  threshold?: number | undefined;
  /** Whether a Content-Type (as sent, parameters included, never empty) is worth compressing. Default `defaultCompressible`. A response without Content-Type is not compressed. */
  compressible?: ((contentType: string) => boolean) | undefined;
  /** "auto" (default): flush the output whenever the component's next part is not ready within the current event-loop turn, and after every part of `text/event-stream`. "part": flush after every part. */
  flush?: "auto" | "part" | undefined;
  /** Compression levels; see {@link CompressionLevels}. */
  levels?: CompressionLevels | undefined;
}

/** Bodies with a known length below this are not compressed: 1 KiB (a gzip header and a TCP packet outweigh the saving). */
export const defaultCompressThreshold: number = 1024;

/** The server's preference without `encodings`: brotli, zstd, gzip, deflate. */
export const defaultEncodings: readonly ContentCoding[] = Object.freeze(["br", "zstd", "gzip", "deflate"] as const);

/** True when the running Node can produce `coding` (zstd needs `zlib.createZstdCompress`, Node 22.15+/23.8+). */
export function isCodingAvailable(coding: ContentCoding): boolean {
  if (coding === "zstd") return typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === "function";
  return coding === "br" || coding === "gzip" || coding === "deflate";
}

// Types that are already compressed or binary formats that do not shrink. An allow-list, so
// an unknown type (application/octet-stream included) is left alone: compressing a zip or a
// JPEG costs CPU and adds bytes.
const TEXT_APPLICATION = new Set([
  "application/javascript",
  "application/ecmascript",
  "application/x-javascript",
  "application/json",
  "application/xml",
  "application/xhtml+xml",
  "application/rss+xml",
  "application/atom+xml",
  "application/x-ndjson",
  "application/graphql-response+json",
  "application/wasm",
  "application/x-sh",
  "application/x-www-form-urlencoded",
  "application/vnd.ms-fontobject",
  "application/x-font-ttf",
  "application/x-font-otf",
  "font/ttf",
  "font/otf",
  "image/svg+xml",
  "image/x-icon",
  "image/vnd.microsoft.icon",
  "image/bmp",
]);

/**
 * The default `compressible` predicate: `text/*` (`text/event-stream` included), JSON and XML
 * (`+json`, `+xml` suffixes too), JavaScript, wasm, svg, ico/bmp, ttf/otf fonts. Not images,
 * audio, video, archives, woff/woff2 or `application/octet-stream`.
 */
export function defaultCompressible(contentType: string): boolean {
  let end = contentType.indexOf(";");
  if (end === -1) end = contentType.length;
  const type = contentType.slice(0, end).trim().toLowerCase();
  if (type.startsWith("text/")) return true;
  if (TEXT_APPLICATION.has(type)) return true;
  return type.startsWith("application/") && (type.endsWith("+json") || type.endsWith("+xml"));
}

/** One member of Accept-Encoding after parsing: a lower-case coding and its weight (0–1000). */
interface Member {
  coding: string;
  weight: number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 §12.4.2 qvalue: 0[.ddd] or 1[.000]. Matched on the whole value, so "0.5x", "1.5",
// "-1" and "" are invalid.
const QVALUE = /^(?:0(?:\.(\d{0,3}))?|1(?:\.0{0,3})?)$/;

/** Parses one member; null when it is malformed (ignored, RFC 9110 §5.6.1 lists allow empties). */
function parseMember(text: string): Member | null {
  const parts = text.split(";");
  const coding = parts[0]!.trim().toLowerCase();
  if (!TOKEN.test(coding)) return null;
  let weight = 1000;
  let seenQ = false;
  for (let i = 1; i < parts.length; i++) {
    const parameter = parts[i]!.trim();
    const eq = parameter.indexOf("=");
    if (eq === -1) return null;
    const name = parameter.slice(0, eq).trim().toLowerCase();
    if (name !== "q") return null; // §12.5.3: a coding takes only a weight
    if (seenQ) return null;
    seenQ = true;
    const value = parameter.slice(eq + 1).trim();
    const match = QVALUE.exec(value);
    if (match === null) return null;
    if (value.charCodeAt(0) === 0x31) weight = 1000;
    else weight = Number(((match[1] ?? "") + "000").slice(0, 3));
  }
  return { coding, weight };
}

/**
 * Chooses a content coding for a response from the request's Accept-Encoding value (RFC 9110
 * §12.5.3), or null for identity. `offered` is the server's preference order.
 *
 * - No header, or an empty one: identity (an absent header allows any coding, but nothing is
 *   gained by guessing what a client that did not ask can decode).
 * - Codings and `q` are case-insensitive; `x-gzip` is gzip (§8.4.1.3). A member with a
 *   malformed weight or a parameter other than `q` is ignored; empty members are skipped.
 * - A coding listed twice gets its lowest weight (a client that refuses it anywhere is never
 *   sent it).
 * - An offered coding not listed takes the weight of `*`, if present; weight 0 means "not
 *   acceptable". The highest weight wins, ties by `offered` order.
 * - identity wins only when listed (or covered by `*`) with a higher weight than every
 *   acceptable coding. `identity;q=0` with no acceptable coding still gives identity: a 406
 *   is never sent (§12.5.3 allows either).
 * @example
 * ```ts
 * negotiateEncoding("gzip;q=0.8, br", ["br", "gzip"]); // "br"
 * ```
 */
export function negotiateEncoding(acceptEncoding: string | null | undefined, offered: readonly ContentCoding[] = defaultEncodings): ContentCoding | null {
  if (acceptEncoding === null || acceptEncoding === undefined) return null;
  const weights = new Map<string, number>();
  for (const text of acceptEncoding.split(",")) {
    if (text.trim() === "") continue;
    const member = parseMember(text);
    if (member === null) continue;
    const coding = member.coding === "x-gzip" ? "gzip" : member.coding;
    const before = weights.get(coding);
    weights.set(coding, before === undefined ? member.weight : Math.min(before, member.weight));
  }
  if (weights.size === 0) return null;
  const star = weights.get("*");
  let best: ContentCoding | null = null;
  let bestWeight = 0;
  for (const coding of offered) {
    if (!isCodingAvailable(coding)) continue;
    const weight = weights.get(coding) ?? star ?? 0;
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  if (best === null) return null;
  const identity = weights.get("identity") ?? star;
  if (identity !== undefined && identity > bestWeight) return null;
  return best;
}

/** What the head says about whether its body may be compressed. */
interface Verdict {
  /** Accept-Encoding could change this response: add Vary (and weaken a strong ETag when compressing). */
  varies: boolean;
  /** The body is compressed (GET and the like) or described as compressed (HEAD). */
  compress: boolean;
}

function headerValue(pairs: HeaderPairs, lower: string): string | null {
  let found: string | null = null;
  for (const [name, value] of pairs) {
    if (name.length === lower.length && name.toLowerCase() === lower) found = found === null ? String(value) : `${found}, ${String(value)}`;
  }
  return found;
}

function hasNoTransform(cacheControl: string | null): boolean {
  return cacheControl !== null && /(^|,)\s*no-transform\s*(,|=|$)/i.test(cacheControl);
}

/**
 * The new header list: Vary merged, and for a compressed body Content-Encoding set, a strong
 * ETag weakened (RFC 9110 §8.8.3: the compressed bytes differ, so "a", the identity
 * representation's strong tag, must not describe them; a weak W/"a" still matches
 * If-None-Match, which compares weakly, so 304s keep working), Content-Length and
 * Accept-Ranges dropped (ranges are served from the identity representation only).
 */
function rewriteHeaders(pairs: HeaderPairs, coding: ContentCoding | null, compressed: boolean): HeaderPairs {
  const out: HeaderPairs = [];
  let vary = false;
  for (const pair of pairs) {
    const lower = pair[0].toLowerCase();
    if (lower === "vary") {
      const value = String(pair[1]);
      if (/(^|,)\s*(\*|accept-encoding)\s*(,|$)/i.test(value)) vary = true;
    } else if (compressed) {
      if (lower === "content-length" || lower === "accept-ranges") continue;
      if (lower === "etag") {
        const tag = String(pair[1]);
        out.push([pair[0], tag.startsWith("W/") ? tag : `W/${tag}`]);
        continue;
      }
    } else if (coding !== null) {
      // A 304 standing for a compressed 200 (RFC 9110 §15.4.5): that 200's ETag, and no
      // Content-Length, which would have to equal the compressed length (§8.6).
      if (lower === "content-length" || lower === "accept-ranges") continue;
      if (lower === "etag") {
        const tag = String(pair[1]);
        out.push([pair[0], tag.startsWith("W/") ? tag : `W/${tag}`]);
        continue;
      }
    }
    out.push(pair);
  }
  if (!vary) out.push(["Vary", "Accept-Encoding"]);
  if (compressed) out.push(["Content-Encoding", coding!]);
  return out;
}

/** Compresses one whole body (async, on the thread pool). */
function compressBuffer(coding: ContentCoding, bytes: Uint8Array, levels: Levels): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, result: Buffer): void => (error === null ? resolve(result) : reject(error));
    switch (coding) {
      case "gzip":
        zlib.gzip(bytes, { level: levels.gzip }, done);
        break;
      case "deflate":
        zlib.deflate(bytes, { level: levels.deflate }, done);
        break;
      case "br":
        zlib.brotliCompress(bytes, brotliOptions(levels.br, bytes.length), done);
        break;
      case "zstd":
        (zlib as unknown as ZstdZlib).zstdCompress(bytes, zstdOptions(levels.zstd), done);
        break;
    }
  });
}

interface ZstdZlib {
  zstdCompress(bytes: Uint8Array, options: object, callback: (error: Error | null, result: Buffer) => void): void;
  createZstdCompress(options: object): Transform;
}

function brotliOptions(quality: number, size?: number): zlib.BrotliOptions {
  const params: Record<number, number> = { [zlib.constants.BROTLI_PARAM_QUALITY]: quality };
  if (size !== undefined) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = size;
  return { params, chunkSize: 64 * 1024 };
}

function zstdOptions(level: number): object {
  const constants = zlib.constants as unknown as Record<string, number>;
  return { params: { [constants["ZSTD_c_compressionLevel"]!]: level }, chunkSize: 64 * 1024 };
}

function createCompressor(coding: ContentCoding, levels: Levels): { stream: Transform; flushKind: number } {
  switch (coding) {
    case "gzip":
      return { stream: zlib.createGzip({ level: levels.gzip, chunkSize: 64 * 1024 }), flushKind: zlib.constants.Z_SYNC_FLUSH };
    case "deflate":
      return { stream: zlib.createDeflate({ level: levels.deflate, chunkSize: 64 * 1024 }), flushKind: zlib.constants.Z_SYNC_FLUSH };
    case "br":
      return { stream: zlib.createBrotliCompress(brotliOptions(levels.br)), flushKind: zlib.constants.BROTLI_OPERATION_FLUSH };
    case "zstd":
      return {
        stream: (zlib as unknown as ZstdZlib).createZstdCompress(zstdOptions(levels.zstd)),
        flushKind: (zlib.constants as unknown as Record<string, number>)["ZSTD_e_flush"]!,
      };
  }
}

/**
 * One zlib stream driven strictly one step at a time: write a part, wait until zlib has
 * consumed it, take the output. Never more than one part is inside zlib, so memory is one
 * part and its output, and the caller (which yields the output before it asks for the next
 * part) carries the transport's backpressure back to the component.
 */
class Compressor {
  readonly #stream: Transform;
  readonly #flushKind: number;
  #output: Buffer[] = [];
  #error: Error | null = null;
  #ended: Promise<void> | null = null;
  /** Bytes written since the last flush. */
  #dirty = false;

  constructor(coding: ContentCoding, levels: Levels) {
    const { stream, flushKind } = createCompressor(coding, levels);
    this.#stream = stream;
    this.#flushKind = flushKind;
    stream.on("data", (chunk: Buffer) => this.#output.push(chunk));
    stream.on("error", (error: Error) => {
      this.#error = error;
    });
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  write(bytes: Uint8Array): Promise<void> {
    this.#dirty = true;
    return new Promise((resolve, reject) => {
      this.#stream.write(bytes, (error) => (error ? reject(error) : this.#error ? reject(this.#error) : resolve()));
    });
  }

  /** Ends a deflate block / brotli metablock so that everything written so far can be decoded. */
  flush(): Promise<void> {
    this.#dirty = false;
    return new Promise((resolve, reject) => {
      (this.#stream as unknown as { flush(kind: number, callback: () => void): void }).flush(this.#flushKind, () =>
        this.#error ? reject(this.#error) : resolve(),
      );
    });
  }

  end(): Promise<void> {
    this.#ended ??= new Promise((resolve, reject) => {
      this.#stream.once("end", resolve);
      this.#stream.once("error", reject);
      this.#stream.end();
    });
    return this.#ended;
  }

  /** The output produced so far (and forgets it). */
  take(): Buffer[] {
    const out = this.#output;
    this.#output = [];
    return out;
  }

  /** Frees the zlib handle now (idempotent). */
  destroy(): void {
    if (!this.#stream.destroyed) this.#stream.destroy();
  }
}

function partBytes(part: unknown, encoder: Utf8StreamEncoder): Uint8Array {
  if (part instanceof Uint8Array) return part;
  if (typeof part === "string") return encoder.encode(part);
  // The connection reports the same mistake for an uncompressed body.
  throw new TypeError("a body part is neither a string nor a Uint8Array");
}

// Known lengths up to this are gathered and compressed in one piece: the result gets a
// Content-Length, and one zlib call replaces a stream (the static-file bench path).
const WHOLE_LIMIT = 64 * 1024;

interface Settings {
  offered: readonly ContentCoding[];
  threshold: number;
  compressible: (contentType: string) => boolean;
  flushEachPart: boolean;
  levels: Levels;
}

/** The compressed body as an async iterator whose return() frees zlib at once, in every state. */
function compressedParts(
  request: HttpRequest,
  source: PartSource,
  coding: ContentCoding,
  settings: Settings,
  eventStream: boolean,
): AsyncIterable<BodyPart> & AsyncIterator<BodyPart, ResponseEnd | undefined> {
  const compressor = new Compressor(coding, settings.levels);
  const flushEachPart = settings.flushEachPart || eventStream;
  const encoder = new Utf8StreamEncoder();
  let closed = false;
  const signal = request.signal;
  const close = (): void => {
    if (closed) return;
    closed = true;
    signal.removeEventListener("abort", close);
    compressor.destroy();
    source.cancel();
  };
  // The connection ends a component with return() only once its pending part settles; a
  // component waiting for an event that never comes would keep zlib's memory (~300 KiB for
  // brotli) until then. The request's signal says at once that the client is gone.
  signal.addEventListener("abort", close);
  async function* pump(): AsyncGenerator<Uint8Array, ResponseEnd | undefined, undefined> {
    try {
      let pending = source.next();
      for (;;) {
        let step = flushEachPart ? await pending : await settledSoon(pending);
        if (step === LATER) {
          // The component is waiting (a timer, I/O, an event): what it produced so far goes
          // out now, decodable, instead of sitting in zlib's window (SSE, /stream).
          if (compressor.dirty) {
            await compressor.flush();
            yield* compressor.take();
          }
          step = await pending;
        }
        if (closed) return undefined;
        if (step.done === true) {
          if (encoder.pending) await compressor.write(encoder.end());
          await compressor.end();
          yield* compressor.take();
          const end = step.value as ResponseEnd | undefined;
          return end !== null && typeof end === "object" && end.trailers !== undefined ? { trailers: end.trailers } : undefined;
        }
        const bytes = partBytes(step.value, encoder);
        if (bytes.length > 0) {
          await compressor.write(bytes);
          if (flushEachPart) await compressor.flush();
          yield* compressor.take();
        }
        pending = source.next();
      }
    } finally {
      close();
    }
  }
  const generator = pump();
  const finished: IteratorReturnResult<undefined> = { done: true, value: undefined };
  const iterator: AsyncIterable<BodyPart> & AsyncIterator<BodyPart, ResponseEnd | undefined> = {
    next: () => generator.next(),
    return() {
      // A generator suspended at an await would run its finally only after that await; the
      // client is gone now, so zlib and the component are released now.
      close();
      generator.return(undefined).catch(() => {});
      return Promise.resolve(finished);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * Gathers a body of a known `length` (at most WHOLE_LIMIT bytes) into one array. A body of
 * another length fails, as it would uncompressed (the connection refuses it): compressing it
 * under a new, correct length would hide the component's mistake from the client.
 */
async function gather(source: PartSource, length: number): Promise<{ bytes: Uint8Array; end: ResponseEnd | undefined }> {
  const encoder = new Utf8StreamEncoder();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const step = await source.next();
      if (step.done === true) {
        if (encoder.pending) {
          const tail = encoder.end();
          size += tail.length;
          parts.push(tail);
        }
        if (size !== length) throw new RangeError(`the body has ${size} bytes, not its announced length ${length}`);
        const end = step.value as ResponseEnd | undefined;
        return {
          bytes: parts.length === 1 ? parts[0]! : Buffer.concat(parts),
          end: end !== null && typeof end === "object" && end.trailers !== undefined ? { trailers: end.trailers } : undefined,
        };
      }
      const bytes = partBytes(step.value, encoder);
      size += bytes.length;
      if (size > length) throw new RangeError(`the body is longer than its announced length ${length}`);
      parts.push(bytes);
    }
  } catch (error) {
    source.cancel();
    throw error;
  }
}

function knownLength(head: ResponseHead, pairs: HeaderPairs, body: unknown): number | undefined {
  if (head.length !== undefined) return head.length;
  if (typeof body === "string") return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.length;
  const header = headerValue(pairs, "content-length");
  if (header !== null && /^\d{1,15}$/.test(header.trim())) return Number(header.trim());
  return undefined;
}

/** Decides, from the head alone, whether Accept-Encoding matters and whether to compress. */
function judge(request: HttpRequest, head: ResponseHead, pairs: HeaderPairs, length: number | undefined, settings: Settings): Verdict & { coding: ContentCoding | null } {
  const no = { varies: false, compress: false, coding: null };
  const status = head.status;
  if (status === 204 || status === 206 || status < 200) return no;
  if (head.framing === "content-length" || head.framing === "none") return no;
  if (headerValue(pairs, "content-encoding") !== null) return no;
  if (headerValue(pairs, "content-range") !== null) return no;
  if (hasNoTransform(headerValue(pairs, "cache-control"))) return no;
  const type = headerValue(pairs, "content-type");
  // A 304 usually carries no Content-Type; it is described like the 200 it stands for.
  if (status === 304) {
    if (type !== null && !settings.compressible(type)) return no;
  } else if (type === null || type.trim() === "" || !settings.compressible(type)) {
    return no;
  }
  if (length !== undefined && length < settings.threshold && status !== 304) return no;
  const coding = negotiateEncoding(request.headers.get("accept-encoding"), settings.offered);
  if (status === 304) return { varies: true, compress: false, coding };
  return { varies: true, compress: coding !== null, coding };
}

function withoutLength(head: ResponseHead, headers: HeaderPairs): ResponseHead {
  const out: ResponseHead = { ...head, headers };
  delete out.length;
  return out;
}

function isEventStream(pairs: HeaderPairs): boolean {
  const type = headerValue(pairs, "content-type");
  return type !== null && /^\s*text\/event-stream\s*(;|$)/i.test(type);
}

async function wrapWhole(request: HttpRequest, response: WholeResponse, settings: Settings): Promise<HandlerResult> {
  const pairs = copyHeaders(response.headers, null);
  const body = response.body;
  const verdict = judge(request, response, pairs, knownLength(response, pairs, body), settings);
  if (!verdict.varies) return response;
  if (!verdict.compress) {
    const headers = rewriteHeaders(pairs, verdict.coding, false);
    return verdict.coding === null ? { ...response, headers } : withoutLength(response, headers);
  }
  const coding = verdict.coding!;
  const headers = rewriteHeaders(pairs, coding, true);
  if (typeof body === "string" || body instanceof Uint8Array) {
    // HEAD included: compressing the body it came with gives the Content-Length a GET gets.
    const compressed = await compressBuffer(coding, typeof body === "string" ? Buffer.from(body, "utf8") : body, settings.levels);
    return { ...response, headers, length: compressed.length, body: compressed };
  }
  if (body === undefined || body === null || request.method === "HEAD") {
    const { body: _stream, ...head } = response;
    if (body !== undefined && body !== null) bodySource(body).cancel();
    return withoutLength(head, headers);
  }
  const { body: _stream, ...head } = response;
  const source = bodySource(body as Exclude<typeof body, string | Uint8Array | null | undefined>);
  if (response.length !== undefined && response.length <= WHOLE_LIMIT) {
    const { bytes } = await gather(source, response.length);
    const compressed = await compressBuffer(coding, bytes, settings.levels);
    return { ...head, headers, length: compressed.length, body: compressed };
  }
  return { ...withoutLength(head, headers), body: compressedParts(request, source, coding, settings, isEventStream(pairs)) };
}

/** Wraps an iterable component: reads its head, then passes its parts through or compresses them. */
function wrapIterable(request: HttpRequest, component: AsyncIterable<unknown>, settings: Settings): AsyncIterable<ResponseHead | BodyPart> {
  const inner = component[Symbol.asyncIterator]();
  const source = iteratorSource(inner);
  let rest: (AsyncIterator<unknown, unknown> & { return?(): Promise<IteratorResult<unknown, unknown>> }) | null = null;
  let started = false;
  let closed = false;
  const finished: IteratorReturnResult<undefined> = { done: true, value: undefined };
  const iterator: AsyncIterator<ResponseHead | BodyPart, unknown> = {
    // After the head, parts come straight from `rest`: no async frame and await of ours per
    // part (a /stream of 16 parts paid two extra promise hops for each).
    next() {
      if (closed) return Promise.resolve(finished);
      if (rest !== null) return rest.next() as Promise<IteratorResult<ResponseHead | BodyPart, unknown>>;
      return first();
    },
    return() {
      closed = true;
      if (rest !== null && rest !== inner && typeof rest.return === "function") rest.return().catch(() => {});
      else source.cancel();
      return Promise.resolve(finished);
    },
  };
  const first = async (): Promise<IteratorResult<ResponseHead | BodyPart, unknown>> => {
    if (started) return finished;
    started = true;
    const step = await inner.next();
    // Not a head: the connection reports the component's mistake as it would without us.
    if (step.done === true || !isWholeResponse(step.value)) {
      rest = inner;
      return step as IteratorResult<ResponseHead | BodyPart, unknown>;
    }
    const head = step.value as ResponseHead;
    const pairs = copyHeaders(head.headers, null);
    const verdict = judge(request, head, pairs, knownLength(head, pairs, undefined), settings);
    if (!verdict.varies) {
      rest = inner;
      return step as IteratorResult<ResponseHead, unknown>;
    }
    if (!verdict.compress) {
      rest = inner;
      const headers = rewriteHeaders(pairs, verdict.coding, false);
      return { done: false, value: verdict.coding === null ? { ...head, headers } : withoutLength(head, headers) };
    }
    const coding = verdict.coding!;
    const headers = rewriteHeaders(pairs, coding, true);
    if (request.method === "HEAD") {
      // The headers a GET would get; no body goes out for HEAD, so none is compressed.
      rest = inner;
      return { done: false, value: withoutLength(head, headers) };
    }
    if (head.length !== undefined && head.length <= WHOLE_LIMIT) {
      const { bytes, end } = await gather(source, head.length);
      if (closed) return finished;
      const compressed = await compressBuffer(coding, bytes, settings.levels);
      const parts: (ResponseHead | BodyPart)[] = [compressed];
      let index = 0;
      rest = {
        next: () => Promise.resolve(index < parts.length ? { done: false, value: parts[index++] } : { done: true, value: end }),
      };
      return { done: false, value: { ...head, headers, length: compressed.length } };
    }
    rest = compressedParts(request, source, coding, settings, isEventStream(pairs));
    return { done: false, value: withoutLength(head, headers) };
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

function wrap(request: HttpRequest, result: HandlerResult, settings: Settings): HandlerResult | Promise<HandlerResult> {
  if (isWholeResponse(result)) {
    const response: WholeResponse = result;
    const status = response.status;
    // The common small responses leave at once and unchanged: no header copy, no promise.
    if (status === 204 || status === 206) return response;
    const body = response.body;
    const length = response.length ?? (typeof body === "string" ? Buffer.byteLength(body) : body instanceof Uint8Array ? body.length : undefined);
    if (length !== undefined && length < settings.threshold && status !== 304) return response;
    return wrapWhole(request, response, settings);
  }
  if (isAsyncIterable(result)) return wrapIterable(request, result, settings);
  return result;
}

/**
 * Wraps `component` so that its response bodies are compressed with the coding the client
 * prefers among `options.encodings` (RFC 9110 §8.4, §12.5.3).
 *
 * Every response that Accept-Encoding could change gets `Vary: Accept-Encoding` (merged with
 * an existing Vary), compressed or not. A compressed one gets `Content-Encoding`, loses its
 * length (framing then chooses chunked, or close-delimited for HTTP/1.0) and `Accept-Ranges`,
 * and a strong ETag becomes weak. Each part is flushed when the component's next part is not
 * ready at once, so streams and Server-Sent Events arrive live; the component is resumed only
 * when the compressed output was taken by the connection (backpressure); a client that goes
 * away destroys the zlib stream and ends the component.
 * @example
 * ```ts
 * const handler = compress(createRouter(routes), { encodings: ["br", "gzip"] });
 * ```
 */
export function compress(component: RequestHandler, options: CompressOptions = {}): RequestHandler {
  const levels = options.levels ?? {};
  const offered = (options.encodings ?? defaultEncodings).filter(isCodingAvailable);
  for (const coding of options.encodings ?? []) {
    if (coding !== "br" && coding !== "gzip" && coding !== "deflate" && coding !== "zstd") {
      throw new TypeError(`compress: unknown coding ${JSON.stringify(coding)} (br, zstd, gzip, deflate)`);
    }
  }
  const threshold = options.threshold ?? defaultCompressThreshold;
  if (!(threshold >= 0)) throw new RangeError("compress: threshold must be a number >= 0");
  const settings: Settings = {
    offered,
    threshold,
    compressible: options.compressible ?? defaultCompressible,
    flushEachPart: options.flush === "part",
    levels: {
      gzip: levels.gzip ?? 6,
      deflate: levels.deflate ?? 6,
      br: levels.br ?? 4,
      zstd: levels.zstd ?? 3,
    },
  };
  return (request) => {
    const result = component(request);
    if (typeof (result as { then?: unknown }).then === "function") {
      return (result as Promise<HandlerResult>).then((value) => wrap(request, value, settings));
    }
    return wrap(request, result as HandlerResult, settings);
  };
}
