// Test helpers: drive a connection over the in-memory transport and read its output back
// with @k/parser's response parser (a real parser, not string matching).
import { createConnection, createMemoryTransport, RequestHeaders } from "@k/handler";
import type { Connection, ConnectionOptions, MemoryTransport, MemoryTransportOptions } from "@k/handler";
import { createParser } from "@k/parser";

export interface ParsedResponse {
  status: number;
  reason: string;
  headers: RequestHeaders;
  rawHeaders: string[];
  body: Buffer;
  text: string;
  trailers: string[];
}

/** Parses every complete response in `bytes`; `methods[i]` is the method of request i (HEAD has no body). */
export function readResponses(bytes: Uint8Array, methods: string[] = []): { responses: ParsedResponse[]; interim: number[] } {
  return parseResponses(bytes, methods, false);
}

/** Like readResponses, then finish(): completes a close-delimited body. */
export function readClosedResponses(bytes: Uint8Array, methods: string[] = []): ParsedResponse[] {
  return parseResponses(bytes, methods, true).responses;
}

function parseResponses(
  bytes: Uint8Array,
  methods: string[],
  finish: boolean,
): { responses: ParsedResponse[]; interim: number[] } {
  const responses: ParsedResponse[] = [];
  const interim: number[] = [];
  let head: { status: number; reason: string; rawHeaders: string[] } | null = null;
  let parts: Buffer[] = [];
  const parser = createParser("response", {
    onHead(h) {
      head = { status: h.status, reason: h.reason, rawHeaders: h.rawHeaders };
      parts = [];
      return methods[responses.length] === "HEAD" || h.status < 200;
    },
    onBody(b) {
      parts.push(Buffer.from(b));
    },
    onComplete(trailers) {
      const h = head!;
      if (h.status < 200) {
        interim.push(h.status);
        return;
      }
      const body = Buffer.concat(parts);
      responses.push({
        status: h.status,
        reason: h.reason,
        headers: new RequestHeaders(h.rawHeaders),
        rawHeaders: h.rawHeaders,
        body,
        text: body.toString("utf8"),
        trailers,
      });
    },
  });
  parser.push(bytes);
  if (finish) parser.finish();
  return { responses, interim };
}

export interface Harness {
  transport: MemoryTransport;
  connection: Connection;
  errors: unknown[];
}

/** A connection on a memory transport; errors reported through onError are collected. */
export function connect(
  options: Omit<ConnectionOptions, "onError"> & { onError?: ConnectionOptions["onError"] },
  transportOptions: MemoryTransportOptions = {},
): Harness {
  const errors: unknown[] = [];
  const transport = createMemoryTransport(transportOptions);
  const connection = createConnection(transport, {
    ...options,
    onError: options.onError ?? ((e) => errors.push(e)),
  });
  transport.attach(connection);
  return { transport, connection, errors };
}

/** Lets queued microtasks and one setImmediate round (the output flush) run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Waits until `predicate` holds, checking after each event-loop turn (bounded, not timed). */
export async function until(predicate: () => boolean, turns = 2000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (predicate()) return;
    // First turns are immediate; later ones yield to timers the code under test set.
    if (i < 200) await tick();
    else await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error("condition not reached");
}

export const get = (target = "/", extra = ""): string => `GET ${target} HTTP/1.1\r\nHost: example.com\r\n${extra}\r\n`;
