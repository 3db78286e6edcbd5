/**
 * inject: runs a request handler in memory (no socket) and returns the parsed response, for
 * users' tests. The request goes through the same lifecycle as on a socket: it is
 * serialised to bytes, parsed, served, framed, and the response bytes are parsed back.
 *
 * Upgrades: when the handler accepts an Upgrade or CONNECT (a 101, a 2xx to CONNECT, or a
 * receiver that writes its own 101 on the stream), the response resolves at its head and
 * `tunnel` is the client's end of the connection: write to it to send the new protocol's
 * bytes, read what the receiver sends, end it to half-close.
 *
 * It does not follow redirects or keep cookies; one request per call.
 */
import { Duplex } from "node:stream";
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
  /** The exact bytes written by the server (up to the response's end, or the tunnel's start). */
  raw: Uint8Array;
  /**
   * After a 101, or a 2xx to CONNECT: the client's end of the upgraded connection (bytes the
   * server sent after the head come first), else null. End or destroy it when done.
   */
  tunnel: Duplex | null;
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
    // The client's end once the connection was upgraded: server bytes go to it, not the parser.
    let tunnel: Duplex | null = null;
    const connect = method.toUpperCase() === "CONNECT";
    const transport = createMemoryTransport({ onWrite: (bytes) => feed(bytes) });
    const parser = createParser("response", {
      onHead(h) {
        status = h.status;
        reason = h.reason;
        rawHeaders = h.rawHeaders;
        // 1xx (100 Continue) is interim: the real response follows. HEAD has no body, and
        // neither has a 2xx to CONNECT (RFC 9110 §9.3.6).
        return method.toUpperCase() === "HEAD" || h.status < 200 || (connect && h.status < 300);
      },
      onBody(bytes) {
        if (status >= 200) parts.push(Buffer.from(bytes));
      },
      onComplete(trailers) {
        if (status < 200 && status !== 101) return;
        settled = true;
        const bytes = Buffer.concat(parts);
        if (status === 101 || (connect && status < 300)) {
          // The bytes after this head belong to the tunnel.
          parser.pause();
          tunnel = clientEnd();
        } else {
          connection.onClose();
        }
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
          tunnel,
        });
      },
    });
    const clientEnd = (): Duplex => {
      const end = new Duplex({
        allowHalfOpen: true,
        read() {},
        write(chunk: Buffer, _encoding, callback) {
          transport.send(chunk);
          callback();
        },
        final(callback) {
          transport.sendEnd();
          callback();
        },
        destroy(error, callback) {
          if (!transport.destroyed) transport.hangUp();
          callback(error);
        },
      });
      void transport.closed.then(() => {
        if (transport.ended) end.push(null);
        else end.destroy();
      });
      return end;
    };
    const feed = (bytes: Uint8Array): void => {
      if (tunnel !== null) {
        tunnel.push(Buffer.from(bytes));
        return;
      }
      if (settled) return;
      try {
        const n = parser.push(bytes);
        // The tunnel started inside this write: the rest is its first bytes.
        if (tunnel !== null && n < bytes.length) (tunnel as Duplex).push(Buffer.from(bytes.subarray(n)));
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
