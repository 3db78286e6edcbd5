/**
 * `/stream?bytes=N&chunk=M`: N bytes in parts of M, length not announced, so the framing
 * chooser picks chunked for HTTP/1.1 and close-delimited for HTTP/1.0.
 *
 * Content: byte i of the body is `i mod 256` (0x00 0x01 ... 0xff 0x00 ...), so a client can
 * check any byte at any offset. Parts are views into one shared, never-written pattern buffer:
 * nothing is allocated per part, and memory stays bounded for any N because the generator
 * produces the next part only when the connection asks for it (after drain).
 */
import type { HttpRequest, ResponseHead } from "@k/handler";
import { parseDecimal } from "./args.js";
import { plainText } from "./responses.js";
import type { DemoResult } from "./responses.js";

/** Body size without `bytes=`: 1 MiB. */
export const defaultStreamBytes: number = 1_048_576;
/** Part size without `chunk=`: 16 KiB. */
export const defaultStreamChunk: number = 16_384;
/** Largest `bytes=`: 2^40 (1 TiB). */
export const maxStreamBytes: number = 2 ** 40;
/** Largest `chunk=`: 1 MiB. */
export const maxStreamChunk: number = 1_048_576;

/** Validated `/stream` parameters. */
export interface StreamParameters {
  bytes: number;
  chunk: number;
}

/**
 * Reads `bytes` and `chunk` from a query string (with or without its `?`). Values must be
 * digits only, each parameter at most once; other parameters are ignored.
 * Returns the parameters or a short message for a 400.
 */
export function parseStreamQuery(query: string): StreamParameters | string {
  const params = new URLSearchParams(query.startsWith("?") ? query.slice(1) : query);
  const result: StreamParameters = { bytes: defaultStreamBytes, chunk: defaultStreamChunk };
  for (const [name, min, max] of [["bytes", 0, maxStreamBytes], ["chunk", 1, maxStreamChunk]] as const) {
    const values = params.getAll(name);
    if (values.length === 0) continue;
    if (values.length > 1) return `${name} given more than once`;
    const value = parseDecimal(values[0]!, max);
    if (value < min) return `${name} must be digits only, from ${min} to ${max}`;
    result[name] = value;
  }
  return result;
}

let pattern: Uint8Array | undefined;

/** The shared pattern: byte j is j mod 256, long enough for any part at any phase. */
function getPattern(): Uint8Array {
  if (pattern === undefined) {
    pattern = new Uint8Array(maxStreamChunk + 256);
    for (let j = 0; j < pattern.length; j++) pattern[j] = j & 0xff;
  }
  return pattern;
}

/** Yields `bytes` pattern bytes in parts of `chunk`, starting at offset 0. */
export async function* generatePattern(bytes: number, chunk: number): AsyncGenerator<Uint8Array, void, undefined> {
  const source = getPattern();
  for (let offset = 0; offset < bytes; offset += chunk) {
    const phase = offset % 256;
    const size = Math.min(chunk, bytes - offset);
    yield source.subarray(phase, phase + size);
  }
}

function queryOf(target: string): string {
  const at = target.indexOf("?");
  return at === -1 ? "" : target.slice(at);
}

/** The `/stream` handler (GET and HEAD). */
export function handleStream(request: HttpRequest): DemoResult {
  const parameters = parseStreamQuery(queryOf(request.target));
  if (typeof parameters === "string") return plainText(400, parameters + "\n");
  return streamResponse(request, parameters);
}

async function* streamResponse(request: HttpRequest, parameters: StreamParameters): AsyncGenerator<ResponseHead | Uint8Array, void, undefined> {
  // No `length`: announcing none is the point of this endpoint. No Cache-Control either:
  // `no-store` makes Chromium report large streamed bodies as aborted (net::ERR_ABORTED)
  // to its DevTools even though they arrived whole, and without Last-Modified caches do not
  // give it heuristic freshness (RFC 9111 §4.2.2).
  yield {
    status: 200,
    headers: { "content-type": "application/octet-stream" },
  };
  if (request.method === "HEAD") return;
  yield* generatePattern(parameters.bytes, parameters.chunk);
}
