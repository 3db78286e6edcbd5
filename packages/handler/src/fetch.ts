/**
 * fromFetch: runs a web-standard fetch handler (`(request: Request) => Response`, e.g. Hono's
 * `app.fetch`) as a component, without patching globals.
 *
 * The Request is a real global `Request` (url from Host + target, headers, the body as a
 * flow-controlled ReadableStream with `duplex: "half"`, the request's AbortSignal). The
 * Response body is read through its reader with backpressure. Hop-by-hop and framing
 * fields of the Response (Connection, Keep-Alive, Transfer-Encoding) are the lifecycle's
 * business and are dropped; Content-Length becomes the response length.
 */
import { HttpError, isHttpError } from "./errors.js";
import type { HttpRequest } from "./request.js";
import type { RequestHandler, WholeResponse } from "./types.js";

/** A web-standard handler. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

// RFC 9110 §7.6.1: connection-specific fields are not forwarded from the application.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"]);
// Methods whose requests carry no body in fetch (`new Request` throws on a body for them).
const NO_BODY_METHODS = new Set(["GET", "HEAD"]);

function toWebRequest(request: HttpRequest): Request {
  const headers = new Headers();
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!);
    } catch {
      // web Headers rejects some names/values that HTTP/1.1 allows; the handler cannot see
      // those through Request, the raw list stays on the HttpRequest.
    }
  }
  const method = request.method;
  const init: RequestInit & { duplex?: "half" } = { method, headers, signal: request.signal };
  if (request.hasBody && !NO_BODY_METHODS.has(method.toUpperCase())) {
    const iterator = request.body[Symbol.asyncIterator]();
    init.body = new ReadableStream<Uint8Array>({
      // pull-based: the next chunk is read from the client only when the handler wants it.
      async pull(controller) {
        const step = await iterator.next();
        if (step.done === true) controller.close();
        else controller.enqueue(step.value);
      },
      cancel() {
        void iterator.return?.();
      },
    });
    init.duplex = "half";
  }
  return new Request(request.url.href, init);
}

function toWholeResponse(response: Response, isHead: boolean): WholeResponse {
  const headers: [string, string][] = [];
  let length: number | undefined;
  for (const [name, value] of response.headers) {
    if (name === "set-cookie") continue;
    if (name === "content-length") {
      // Digits only (RFC 9110 §8.6); anything else is left to chunked framing.
      if (/^[0-9]{1,15}$/.test(value)) length = Number(value);
      continue;
    }
    if (HOP_BY_HOP.has(name)) continue;
    headers.push([name, value]);
  }
  // Each Set-Cookie stays its own field (RFC 6265 §3): never joined with commas.
  for (const cookie of response.headers.getSetCookie()) headers.push(["set-cookie", cookie]);
  const whole: WholeResponse = { status: response.status, headers, body: response.body };
  if (response.statusText !== "") whole.reason = response.statusText;
  // A HEAD response has no body but keeps the GET's length (RFC 9110 §9.3.2).
  if (length !== undefined && (response.body !== null || isHead)) whole.length = length;
  return whole;
}

/**
 * Adapts a fetch handler to a RequestHandler.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * const app = new Hono().get("/", (c) => c.text("hi"));
 * const handler = fromFetch(app.fetch);
 * ```
 */
export function fromFetch(handler: FetchHandler): RequestHandler {
  return async (request: HttpRequest): Promise<WholeResponse> => {
    let webRequest: Request;
    try {
      webRequest = toWebRequest(request);
    } catch (cause) {
      if (isHttpError(cause)) throw cause; // a Host that forms no URL: 400
      // e.g. CONNECT/TRACE, which `new Request` refuses (Fetch §2.2.1 forbidden methods).
      throw new HttpError(501, `${request.method} is not supported by this handler`, { cause });
    }
    const response = await handler(webRequest);
    if (!(response instanceof Response)) {
      throw new HttpError(500, "the fetch handler did not return a Response", { code: "BAD_RESPONSE" });
    }
    return toWholeResponse(response, request.method === "HEAD");
  };
}
