/**
 * Helpers that turn what a component produced into what the framing layer takes: header
 * lists with the lifecycle's own headers appended, first parts, body sources as one async
 * iterator shape.
 *
 * It does not write anything; the connection does.
 */
import type { FirstPart, HeaderInit, ResponseHead } from "@k/framing";
import type { Readable } from "node:stream";
import type { ResponseBody, WholeResponse } from "./types.js";

/** Flat header pairs, the lifecycle's working form. */
export type HeaderPairs = [string, string | number][];

/** What the lifecycle learned from the handler's headers while copying them. */
export interface HeaderScan {
  /** The handler asked for `Connection: close` (the field itself is left out and rewritten). */
  close: boolean;
  /** The handler set its own Date. */
  date: boolean;
}

const isIterable = (v: object): v is Iterable<readonly [string, string | number]> =>
  typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";

/**
 * Notes Connection/Date; returns false for the fields the lifecycle owns (Connection and
 * Keep-Alive: it writes them from what it will really do, RFC 9112 §9.3 / §9.6), which are
 * left out. A handler's `Connection: close` is honoured by closing.
 */
function scanName(name: string, value: string | number, scan: HeaderScan | null): boolean {
  if (scan === null) return true;
  // A length check keeps the common case to one comparison.
  if (name.length === 10 && name.toLowerCase() === "connection") {
    if (/(^|,)\s*close\s*(,|$)/i.test(String(value))) scan.close = true;
    return false;
  }
  if (name.length === 10 && name.toLowerCase() === "keep-alive") return false;
  if (name.length === 4 && name.toLowerCase() === "date") scan.date = true;
  return true;
}

/**
 * Copies `init` into pairs (repeated values as repeated pairs). With a `scan` (a response),
 * notes Connection/Date and leaves out the fields the lifecycle owns; with null, copies all.
 */
export function copyHeaders(init: HeaderInit | undefined, scan: HeaderScan | null): HeaderPairs {
  const out: HeaderPairs = [];
  if (init === undefined || init === null) return out;
  if (isIterable(init)) {
    for (const pair of init) {
      const name = pair[0];
      const value = pair[1];
      // The handler's own pair array is passed on as it is (read only, downstream too): one
      // allocation less per field and response.
      if (scanName(name, value, scan)) out.push(Array.isArray(pair) && pair.length === 2 ? (pair as [string, string | number]) : [name, value]);
    }
    return out;
  }
  for (const name of Object.keys(init)) {
    const value = (init as Record<string, string | number | readonly string[] | undefined>)[name];
    if (value === undefined) continue;
    if (typeof value === "object") {
      for (const v of value) if (scanName(name, v, scan)) out.push([name, v]);
    } else if (scanName(name, value, scan)) {
      out.push([name, value]);
    }
  }
  return out;
}

/** A first part for the chooser: the head's own fields plus the bytes produced with it. */
export function firstPart(head: ResponseHead, headers: HeaderPairs, body: Uint8Array | undefined, done: boolean): FirstPart {
  const part: FirstPart = { status: head.status, headers, done };
  if (head.reason !== undefined) part.reason = head.reason;
  if (head.length !== undefined) part.length = head.length;
  if (head.framing !== undefined) part.framing = head.framing;
  if (body !== undefined) part.body = body;
  return part;
}

/** True for a whole response object (b), as opposed to an async iterable component (a). */
export function isWholeResponse(value: unknown): value is WholeResponse {
  return typeof value === "object" && value !== null && typeof (value as { status?: unknown }).status === "number";
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

/** The one iterator shape the body pump reads: next() and a cancel that releases the source. */
export interface PartSource {
  next(): Promise<IteratorResult<unknown, unknown>>;
  cancel(reason?: unknown): void;
}

/** Wraps a streamed body (web stream, Node Readable, async iterable) as a PartSource. */
export function bodySource(body: Exclude<ResponseBody, string | Uint8Array | null>): PartSource {
  if (typeof (body as ReadableStream<Uint8Array>).getReader === "function") {
    const reader = (body as ReadableStream<Uint8Array>).getReader();
    return {
      next: () => reader.read() as Promise<IteratorResult<unknown, unknown>>,
      cancel: (reason) => {
        reader.cancel(reason).catch(() => {});
      },
    };
  }
  const iterator = (body as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  return {
    next: () => iterator.next(),
    cancel: () => {
      // return() destroys a Node Readable and runs an async generator's finally blocks.
      const r = iterator.return?.();
      if (r !== undefined) r.then(undefined, () => {});
      const destroy = (body as Readable).destroy;
      if (typeof destroy === "function") (body as Readable).destroy();
    },
  };
}

/** Wraps a component's iterator (a) as a PartSource. */
export function iteratorSource(iterator: AsyncIterator<unknown, unknown>): PartSource {
  return {
    next: () => iterator.next(),
    cancel: () => {
      const r = iterator.return?.();
      if (r !== undefined) r.then(undefined, () => {});
    },
  };
}

/** What {@link settledSoon} gives for a promise that did not settle within this turn. */
export const LATER: unique symbol = Symbol("later");

/**
 * The promise's result if it settles within this turn of the event loop, else LATER: how the
 * writer (and the compressor) tell a part that is ready from a component that is waiting, so
 * that what is buffered goes out before the wait instead of after it.
 */
export function settledSoon<T>(promise: Promise<T>): Promise<T | typeof LATER> {
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
