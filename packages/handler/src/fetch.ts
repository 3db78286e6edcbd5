/**
 * fromFetch: runs a web-standard fetch handler (`(request: Request) => Response`, e.g. Hono's
 * `app.fetch`) as a component, without patching globals.
 *
 * Does: builds a real `Request` (a subclass of the native one: URL from Host + target, the
 * fields, the body as a pull-based ReadableStream with `duplex: "half"` that reads nothing
 * until the handler does, `signal` = the request's own AbortSignal, made on first use); reads
 * the Response body through its reader with backpressure. Of the Response's hop-by-hop and
 * framing fields, Transfer-Encoding, Upgrade and Proxy-Connection are dropped,
 * Connection/Keep-Alive handed to the lifecycle (it rewrites them and honours `close`), and
 * Content-Length becomes the response length.
 * Upgrades: a `Response` cannot carry one (there is no socket in fetch), so an Upgrade offer
 * reaches the fetch handler as a plain request and is answered as plain HTTP (RFC 9110 §7.8
 * lets a server ignore it), and a CONNECT is a 501 (`new Request` refuses the method). To
 * serve WebSocket or tunnels beside a fetch app, `options.onUpgrade` sees every request with
 * `request.upgrade` first and may take the connection with an UpgradeResponse.
 * Does not: pass a second argument unless `options.env` asks for one; make a derived Request (`clone()`, `new Request(request)`) follow the client's abort.
 * Lifetimes: request-body chunks handed to the stream are views into the transport's input
 * (as `HttpRequest.body`); the Request and Response are the handler's for as long as it wants.
 */
import { HttpError, isHttpError } from "./errors.js";
import type { HttpRequest } from "./request.js";
import type { RequestHandler, UpgradeResponse, WholeResponse } from "./types.js";

/** A web-standard handler. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

// RFC 9110 §7.6.1: connection-specific fields are not forwarded from the application.
// Connection and Keep-Alive go to the lifecycle, which owns them: it leaves them out and
// honours a `Connection: close` by closing after this response (as node:http does).
const HOP_BY_HOP = new Set(["transfer-encoding", "proxy-connection", "upgrade"]);
// Methods whose requests carry no body in fetch (`new Request` throws on a body for them).
const NO_BODY_METHODS = new Set(["GET", "HEAD"]);
// Methods that `new Request` upper-cases (Fetch "normalize a method"). HTTP methods are
// case-sensitive (RFC 9110 §9.1): "get" is an unknown method, not GET, and letting the
// handler see GET would route it as one (and "head" would get a body the lifecycle, which
// knows it is not HEAD, would frame as if it were sent).
const NORMALISED_METHODS = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);

/**
 * The Request given to the fetch handler: a real `Request` (a subclass, so `instanceof
 * Request` holds whatever the global is) whose `signal` is the HttpRequest's own, created on
 * first use. Passing `signal` in the init instead costs a second AbortSignal per request plus
 * the listener undici adds to follow it (in Node 20 each AbortSignal is a transferable object:
 * about a sixth of a small request's time in the profile); most handlers never read it.
 * Limit: a Request *derived* from this one (`new Request(request)`, `request.clone()`) follows
 * undici's internal signal, which never aborts; read `request.signal` for the client's.
 */
class IncomingFetchRequest extends Request {
  readonly #source: HttpRequest;
  constructor(source: HttpRequest, url: string, init: RequestInit) {
    super(url, init);
    this.#source = source;
  }
  static signalOf(request: IncomingFetchRequest): AbortSignal {
    return request.#source.signal;
  }
}
// An accessor on the prototype: TypeScript declares Request#signal as a property, which a
// class body cannot override with a getter.
Object.defineProperty(IncomingFetchRequest.prototype, "signal", {
  get(this: IncomingFetchRequest): AbortSignal {
    return IncomingFetchRequest.signalOf(this);
  },
  configurable: true,
  enumerable: true,
});

/** The request fields as `[name, value]` pairs, the init form undici copies without sorting. */
function fieldPairs(raw: readonly string[], validOnly: boolean): [string, string][] {
  const pairs: [string, string][] = [];
  const probe = validOnly ? new Headers() : null;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (probe !== null) {
      try {
        probe.append(name, value);
      } catch {
        // web Headers rejects some names/values that HTTP/1.1 allows; the handler cannot see
        // those through Request, the raw list stays on the HttpRequest.
        continue;
      }
    }
    pairs.push([name, value]);
  }
  return pairs;
}

function toWebRequest(request: HttpRequest): Request {
  const method = request.method;
  const upper = method.toUpperCase();
  if (upper !== method && NORMALISED_METHODS.has(upper)) {
    throw new HttpError(501, `${method} is not a method this handler supports (methods are case-sensitive)`);
  }
  // Pairs, not a Headers object: undici copies a Headers init by iterating it, which sorts
  // and combines every field a second time.
  const init: RequestInit & { duplex?: "half" } = { method, headers: fieldPairs(request.rawHeaders, false) };
  if (request.hasBody && !NO_BODY_METHODS.has(upper)) {
    let iterator: AsyncIterator<Uint8Array> | null = null;
    init.body = new ReadableStream<Uint8Array>({
      // pull-based: the next chunk is read from the client only when the handler wants it.
      async pull(controller) {
        iterator ??= request.body[Symbol.asyncIterator]();
        const step = await iterator.next();
        if (step.done === true) controller.close();
        else controller.enqueue(step.value);
      },
      cancel() {
        void iterator?.return?.();
      },
      // No read-ahead: with the default high-water mark of 1 the stream pulls once as soon as
      // it is made, which starts the body (sending `100 Continue` to a client that waits for
      // it) before the handler decided whether it wants the body at all.
    }, { highWaterMark: 0 });
    init.duplex = "half";
  }
  const url = request.url.href;
  try {
    return new IncomingFetchRequest(request, url, init);
  } catch (error) {
    // A field web Headers refuses (rare: the parser is strict too): retry without it. A
    // failure not caused by a field (a forbidden method) throws again below.
    const valid = fieldPairs(request.rawHeaders, true);
    if (valid.length === (init.headers as unknown[]).length) throw error;
    init.headers = valid;
    return new IncomingFetchRequest(request, url, init);
  }
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

/** Options of {@link fromFetch}. */
export interface FromFetchOptions<Env> {
  /**
   * The second argument of every call (Hono: `c.env`), made from the request: e.g. the
   * client's address, which a web `Request` cannot carry. Without it the handler is called
   * with the `Request` alone.
   */
  env?: ((request: HttpRequest) => Env) | undefined;
  /**
   * Runs before the fetch handler for a request that may be upgraded (`request.upgrade`: an
   * HTTP/1.1 Upgrade offer, or a CONNECT). Return an UpgradeResponse to take the connection
   * (e.g. hand it to `ws`), or undefined to let the fetch handler answer as plain HTTP.
   */
  onUpgrade?: ((request: HttpRequest) => UpgradeResponse | undefined | Promise<UpgradeResponse | undefined>) | undefined;
}

/**
 * Adapts a fetch handler to a RequestHandler.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * const app = new Hono().get("/", (c) => c.text("hi"));
 * const handler = fromFetch(app.fetch);
 * // the client's address as c.env.remoteAddress:
 * const withEnv = fromFetch(app.fetch, { env: (request) => ({ remoteAddress: request.remoteAddress }) });
 * // WebSocket beside the app (see the README's `ws` example):
 * const withWs = fromFetch(app.fetch, { onUpgrade: (request) => request.path === "/ws" ? wsUpgrade : undefined });
 * ```
 */
export function fromFetch(handler: FetchHandler): RequestHandler;
export function fromFetch<Env>(
  handler: (request: Request, env: Env) => Response | Promise<Response>,
  options: FromFetchOptions<Env>,
): RequestHandler;
export function fromFetch<Env>(
  handler: (request: Request, env?: Env) => Response | Promise<Response>,
  options?: FromFetchOptions<Env>,
): RequestHandler {
  const makeEnv = options?.env;
  const onUpgrade = options?.onUpgrade;
  return async (request: HttpRequest): Promise<WholeResponse | UpgradeResponse> => {
    if (onUpgrade !== undefined && request.upgrade) {
      const upgrade = await onUpgrade(request);
      if (upgrade !== undefined) return upgrade;
    }
    let webRequest: Request;
    try {
      webRequest = toWebRequest(request);
    } catch (cause) {
      if (isHttpError(cause)) throw cause; // a Host that forms no URL, a lower-case GET: 400/501
      // e.g. CONNECT/TRACE, which `new Request` refuses (Fetch §2.2.1 forbidden methods).
      throw new HttpError(501, `${request.method} is not supported by this handler`, { cause });
    }
    // One argument when no env is asked for: Hono then uses its own default `c.env`.
    const response = await (makeEnv === undefined ? handler(webRequest) : handler(webRequest, makeEnv(request)));
    if (!(response instanceof Response)) {
      throw new HttpError(500, "the fetch handler did not return a Response", { code: "BAD_RESPONSE" });
    }
    return toWholeResponse(response, request.method === "HEAD");
  };
}
