/**
 * `/echo` (and every path starting with it, any method): the request as the server received
 * it, as JSON: method, the request-target exactly as received, the version, the header fields
 * in received order with names as received, and the decoded (de-chunked) body in base64.
 *
 * The body is held in memory to be encoded, so it is capped (`maxEchoBodySize`, 16 MiB by
 * default) and a larger one is refused with 413 as soon as the cap is crossed.
 */
import { HttpError } from "@k/handler";
import type { HttpRequest, WholeResponse } from "@k/handler";
import { parseDecimal } from "./args.js";
import { whole } from "./responses.js";

/** Largest body `/echo` accepts: 16 MiB. */
export const defaultMaxEchoBodySize: number = 16 * 1024 * 1024;

/** The JSON `/echo` answers with. */
export interface EchoDocument {
  method: string;
  target: string;
  version: "1.0" | "1.1";
  headers: [string, string][];
  body: string;
}

/** Creates the `/echo` handler with a body cap in bytes. */
export function createEchoHandler(maxBodySize: number = defaultMaxEchoBodySize): (request: HttpRequest) => Promise<WholeResponse> {
  return async (request) => {
    // A declared length over the cap is refused before reading, so a client that sent
    // `Expect: 100-continue` is never invited to upload a body we would refuse (RFC 9110 §10.1.1).
    const declared = request.headers.get("content-length");
    if (declared !== null && parseDecimal(declared, Number.MAX_SAFE_INTEGER) > maxBodySize) {
      throw new HttpError(413, `the /echo body limit is ${maxBodySize} bytes`);
    }
    const parts: Buffer[] = [];
    let size = 0;
    for await (const part of request.body) {
      size += part.byteLength;
      if (size > maxBodySize) throw new HttpError(413, `the /echo body limit is ${maxBodySize} bytes`);
      // Copied: body parts may be views into the connection's input, valid only until the next read.
      parts.push(Buffer.from(part));
    }
    const raw = request.rawHeaders;
    const headers: [string, string][] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i]!, raw[i + 1]!]);
    const document: EchoDocument = {
      method: request.method,
      target: request.target,
      version: request.version,
      headers,
      body: Buffer.concat(parts, size).toString("base64"),
    };
    // Same head for HEAD: the connection drops the body and keeps Content-Length.
    return whole(200, "application/json", JSON.stringify(document));
  };
}
