/**
 * inject: runs a request handler in memory (no socket) and returns the parsed response, for
 * users' tests. The request goes through the same lifecycle as on a socket: it is
 * serialised to bytes, parsed, served, framed, and the response bytes are parsed back.
 *
 * It does not follow redirects or keep cookies; one request per call.
 */
import { createParser } from "@k/parser";
import type { HeaderInit } from "@k/framing";
import { createConnection } from "./connection.js";
import { RequestHeaders } from "./headers.js";
import { createMemoryTransport } from "./memory-transport.js";
import { copyHeaders } from "./response.js";
import type { ConnectionOptions, RequestHandler } from "./types.js";

/** The request `inject` sends. */
export interface InjectRequest {
  /** Default "GET". */
  method?: string;
  /** Default "/". */
  target?: string;
  /** Default "1.1". */
  version?: "1.0" | "1.1";
  /** `Host: localhost` is added for HTTP/1.1 when absent; Content-Length for a body. */
  headers?: HeaderInit;
  body?: string | Uint8Array;
}

/** The response `inject` returns. */
export interface InjectResponse {
  status: number;
  reason: string;
  headers: RequestHeaders;
  rawHeaders: string[];
  /** The decoded body (de-chunked). */
  body: Uint8Array;
  text(): string;
  json(): unknown;
  trailers: string[];
  /** The exact bytes written by the server. */
  raw: Uint8Array;
}

/**
 * Sends one request through a fresh in-memory connection and resolves with the response.
 * @example
 * ```ts
 * const res = await inject(handler, { method: "POST", target: "/echo", body: "hi" });
 * expect(res.status).toBe(200);
 * ```
 */
export function inject(
  handler: RequestHandler,
  request: InjectRequest = {},
  options: Partial<ConnectionOptions> = {},
): Promise<InjectResponse> {
  const method = request.method ?? "GET";
  const version = request.version ?? "1.1";
  const body = typeof request.body === "string" ? Buffer.from(request.body, "utf8") : request.body;
  const headers = copyHeaders(request.headers, null);
  const names = new Set(headers.map(([name]) => name.toLowerCase()));
  if (version === "1.1" && !names.has("host")) headers.unshift(["Host", "localhost"]);
  if (body !== undefined && !names.has("content-length") && !names.has("transfer-encoding")) {
    headers.push(["Content-Length", body.length]);
  }
  let head = `${method} ${request.target ?? "/"} HTTP/${version}\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  head += "\r\n";

  return new Promise<InjectResponse>((resolve, reject) => {
    const parts: Uint8Array[] = [];
    let status = 0;
    let reason = "";
    let rawHeaders: string[] = [];
    let settled = false;
    const transport = createMemoryTransport({ onWrite: (bytes) => feed(bytes) });
    const parser = createParser("response", {
      onHead(h) {
        status = h.status;
        reason = h.reason;
        rawHeaders = h.rawHeaders;
        // 1xx (100 Continue) is interim: the real response follows. HEAD has no body.
        return method.toUpperCase() === "HEAD" || h.status < 200;
      },
      onBody(bytes) {
        if (status >= 200) parts.push(Buffer.from(bytes));
      },
      onComplete(trailers) {
        if (status < 200) return;
        settled = true;
        const bytes = Buffer.concat(parts);
        connection.onClose();
        resolve({
          status,
          reason,
          headers: new RequestHeaders(rawHeaders),
          rawHeaders,
          body: bytes,
          text: () => bytes.toString("utf8"),
          json: () => JSON.parse(bytes.toString("utf8")) as unknown,
          trailers,
          raw: transport.output(),
        });
      },
    });
    const feed = (bytes: Uint8Array): void => {
      if (settled) return;
      try {
        parser.push(bytes);
      } catch (error) {
        settled = true;
        reject(error);
      }
    };
    const connection = createConnection(transport, { ...options, handler });
    transport.attach(connection);
    void transport.closed.then(() => {
      if (settled) return;
      if (transport.destroyed) {
        settled = true;
        reject(transport.destroyError ?? new Error("inject: the connection was destroyed"));
        return;
      }
      try {
        parser.finish(); // completes a close-delimited (HTTP/1.0) body
      } catch (error) {
        settled = true;
        reject(error);
        return;
      }
      if (!settled) {
        settled = true;
        reject(new Error("inject: the connection closed without a complete response"));
      }
    });
    connection.onData(Buffer.from(head, "latin1"));
    if (body !== undefined && body.length > 0) connection.onData(body);
  });
}
