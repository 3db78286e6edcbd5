/**
 * The options of `serve()`, their defaults, and their validation.
 *
 * Connection-level options (timeouts, limits, hooks) belong to @k/handler and are passed
 * through untouched; this file only splits them from the server's own options.
 */
import type { TlsOptions } from "node:tls";
import { createTrustProxy } from "@k/handler";
import type { ConnectionOptions, RequestHandler, TrustProxy } from "@k/handler";
import { ServerError } from "./errors.js";

/** Default `maxConnections`: open sockets per process beyond which new ones are refused. */
export const defaultMaxConnections: number = 10_000;
/** Default `gracePeriod` (ms): how long `close()` lets in-flight responses finish. */
export const defaultGracePeriod: number = 10_000;
/** Default `host`: loopback only; pass "0.0.0.0" or "::" to accept remote clients. */
export const defaultHost: string = "127.0.0.1";
/** Default `port`: 0, which lets the OS pick a free port (read it back from `server.address`). */
export const defaultPort: number = 0;
/** Default TLS handshake timeout (ms) when neither `tls.handshakeTimeout` nor `headTimeout` is set. */
export const defaultHandshakeTimeout: number = 30_000;
/**
 * Default `drainTimeout` (ms): how long `close()` keeps idle keep-alive connections open,
 * answering what still arrives on them with `Connection: close`. Long enough for a request a
 * balancer already sent to arrive and for the balancer to see the shutdown (a refused
 * connect marks the backend down); short enough that a stop does not feel slow.
 */
export const defaultDrainTimeout: number = 1_000;

/** Options of {@link serve}: the server's own, plus every @k/handler connection option. */
export interface ServeOptions extends Omit<ConnectionOptions, "handler"> {
  /** Called once per request; returns that request's response component. */
  handler: RequestHandler;
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Address to bind. Default "127.0.0.1". */
  host?: string;
  /** Key, certificate, ... : serve HTTPS. Passed to `tls.createServer`. */
  tls?: TlsOptions;
  /** Open connections per process beyond which new sockets are refused. Default 10 000; `Infinity` for none. */
  maxConnections?: number;
  /** Ms `close()` waits for in-flight responses before destroying what is left. Default 10 000. */
  gracePeriod?: number;
  /** `node:cluster` worker processes; 0 or 1 serves in this process. Default 0. */
  workers?: number;
  /** listen() backlog (pending connections queued by the kernel). Default: Node's (511). */
  backlog?: number;
  /** Disable Nagle's algorithm (TCP_NODELAY). Default true. */
  noDelay?: boolean;
  /** Ms a closing socket keeps discarding input before it is destroyed (RFC 9112 §9.6). Default 5 000. */
  lingerTimeout?: number;
  /**
   * Ms a client may read nothing while a response waits on it (a refused write, no 'drain',
   * no queued write completing) before it is dropped. Default 60 000; 0 disables.
   */
  sendTimeout?: number;
  /** Socket-level errors (resets, failed TLS handshakes, accept errors), for logging. Never thrown. */
  onSocketError?: (error: Error) => void;
  /** Cluster: ms before a crashed worker is replaced; doubles per crash in a row. Default 100. */
  restartDelay?: number;
  /** Cluster: the longest replacement delay of a crash loop (ms). Default 10 000. */
  maxRestartDelay?: number;
  // ---- scale-out (issue 13) ----
  /**
   * Read a PROXY protocol header (v1 or v2) at the start of every connection, before TLS and
   * HTTP: its source address becomes the request's `remoteAddress`. A connection without a
   * valid header is closed. Only for listeners that a PROXY-speaking balancer alone can
   * reach. Default false.
   */
  proxyProtocol?: boolean;
  /**
   * Ms `close()` keeps idle keep-alive connections open, answering each request that still
   * arrives with `Connection: close`, before closing the rest. 0: close them at once.
   * Default 1 000 (bounded by `gracePeriod`).
   */
  drainTimeout?: number;
}

/** The keys of {@link ServeOptions} that the server consumes and the Connection never sees. */
const serverKeys: ReadonlySet<string> = new Set([
  "port", "host", "tls", "maxConnections", "gracePeriod", "workers", "backlog", "noDelay",
  "lingerTimeout", "sendTimeout", "onSocketError", "restartDelay", "maxRestartDelay",
  "proxyProtocol", "drainTimeout",
]);

/** The options of the Connection, without the server's own keys. */
export function connectionOptionsOf(options: ServeOptions): ConnectionOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!serverKeys.has(key)) out[key] = value;
  }
  return out as unknown as ConnectionOptions;
}

/** Throws a ServerError INVALID_OPTION for the first option out of range. */
export function validateOptions(options: ServeOptions): void {
  if (typeof options !== "object" || options === null || typeof options.handler !== "function") {
    throw new ServerError("INVALID_OPTION", "serve() needs options with a handler function");
  }
  checkInteger("port", options.port, 0, 65_535);
  // Infinity is an explicit "no limit" (then only the file-descriptor limit applies).
  if (options.maxConnections !== Infinity) {
    checkInteger("maxConnections", options.maxConnections, 1, Number.MAX_SAFE_INTEGER);
  }
  checkInteger("gracePeriod", options.gracePeriod, 0, 2_147_483_647);
  checkInteger("workers", options.workers, 0, 1_024);
  checkInteger("backlog", options.backlog, 0, 2_147_483_647);
  checkInteger("lingerTimeout", options.lingerTimeout, 0, 2_147_483_647);
  checkInteger("sendTimeout", options.sendTimeout, 0, 2_147_483_647);
  checkInteger("restartDelay", options.restartDelay, 0, 2_147_483_647);
  checkInteger("maxRestartDelay", options.maxRestartDelay, 0, 2_147_483_647);
  if (options.host !== undefined && (typeof options.host !== "string" || options.host === "")) {
    throw new ServerError("INVALID_OPTION", "host must be a non-empty string");
  }
  checkInteger("drainTimeout", options.drainTimeout, 0, 2_147_483_647);
  if (options.proxyProtocol !== undefined && typeof options.proxyProtocol !== "boolean") {
    throw new ServerError("INVALID_OPTION", `proxyProtocol must be true or false, got ${String(options.proxyProtocol)}`);
  }
  if (options.trustProxy !== undefined) {
    // Compiled here so that a bad entry stops serve(), not every connection.
    try {
      compileTrustProxy(options.trustProxy);
    } catch (error) {
      throw new ServerError("INVALID_OPTION", (error as Error).message, { cause: error });
    }
  }
}

function compileTrustProxy(option: readonly string[] | TrustProxy): void {
  if (Array.isArray(option)) createTrustProxy(option);
  else if (typeof (option as TrustProxy | null)?.trusts !== "function") {
    throw new TypeError("trustProxy must be an array of addresses or CIDR ranges");
  }
}

function checkInteger(name: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ServerError("INVALID_OPTION", `${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}
