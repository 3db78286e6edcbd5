// Decodes response bytes with @k/parser in response mode: the oracle the conformance
// suite checks framed bytes against.
import { createParser } from "@k/parser";

export interface DecodedResponse {
  version: string;
  status: number;
  reason: string;
  /** [name, value] as received. */
  headers: [string, string][];
  body: Buffer;
  trailers: [string, string][];
  complete: boolean;
}

function pairs(flat: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as string]);
  return out;
}

/**
 * Parses one response from `bytes`. `head: true` reads it as the answer to HEAD; `eof: true`
 * ends the input afterwards (needed for close-delimited bodies). Throws the parser's error.
 */
export function decodeResponse(bytes: Uint8Array, options: { head?: boolean; eof?: boolean } = {}): DecodedResponse {
  const result: DecodedResponse = {
    version: "",
    status: 0,
    reason: "",
    headers: [],
    body: Buffer.alloc(0),
    trailers: [],
    complete: false,
  };
  const body: Buffer[] = [];
  const parser = createParser("response", {
    onHead(head) {
      result.version = head.version;
      result.status = head.status;
      result.reason = head.reason;
      result.headers = pairs(head.rawHeaders);
      return options.head === true;
    },
    onBody(part) {
      // Views into the pushed buffer: copy, as the parser documents.
      body.push(Buffer.from(part));
    },
    onComplete(trailers) {
      result.trailers = pairs(trailers);
      result.complete = true;
    },
  });
  parser.push(bytes);
  if (options.eof === true && !result.complete) parser.finish();
  result.body = Buffer.concat(body);
  return result;
}

/** The values of `name` (case-insensitive) in decoded headers. */
export function headerValues(headers: readonly [string, string][], name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}
