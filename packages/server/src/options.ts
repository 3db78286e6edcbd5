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
  /**
   * TCP port; 0 (the default) picks a free one. A string of decimal digits is accepted too, so
   * `process.env.PORT` can be passed as it is.
   */
  port?: number | string;
  /** Address to bind. Default "127.0.0.1". */
  host?: string;
  /**
   * Listen on this Unix domain socket (or Windows named pipe) instead of TCP. Excludes `port`,
   * `host` and `workers` > 1. The file must not exist (a stale socket is not removed for you).
   */
  path?: string;
  /** Aborting it closes the server gracefully, as `close()` does. */
  signal?: AbortSignal;
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
const serverKeyList = [
  "port", "host", "path", "signal", "tls", "maxConnections", "gracePeriod", "workers", "backlog",
  "noDelay", "lingerTimeout", "sendTimeout", "onSocketError", "restartDelay", "maxRestartDelay",
  "proxyProtocol", "drainTimeout",
] as const satisfies readonly Exclude<keyof ServeOptions, keyof ConnectionOptions>[];
const serverKeys: ReadonlySet<string> = new Set(serverKeyList);

/** The @k/handler options serve() passes through; the compiler checks the list is complete. */
const connectionKeyList = [
  "handler", "headTimeout", "idleTimeout", "bodyTimeout", "requestTimeout", "minBodyRate",
  "bodyRateWindow", "maxPipelined", "maxDrainSize", "maxBodySize", "maxHeadSize", "maxHeaderCount",
  "maxTargetLength", "serverName", "onError", "onResponse", "diagnosticsServer", "trustProxy",
] as const satisfies readonly (keyof ConnectionOptions)[];
type MissingKeys =
  | Exclude<keyof ConnectionOptions, (typeof connectionKeyList)[number]>
  | Exclude<Exclude<keyof ServeOptions, keyof ConnectionOptions>, (typeof serverKeyList)[number]>;
// A new option added to ConnectionOptions or ServeOptions but not to the lists fails here.
const everyKeyListed: [MissingKeys] extends [never] ? true : MissingKeys = true;
void everyKeyListed;

/** Every option name serve() accepts. */
const validKeys: readonly string[] = [...serverKeyList, ...connectionKeyList];

/** The options of the Connection, without the server's own keys. */
export function connectionOptionsOf(options: ServeOptions): ConnectionOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!serverKeys.has(key)) out[key] = value;
  }
  return out as unknown as ConnectionOptions;
}

/** The options with `port` as a number: what every later step works with. */
export interface ResolvedServeOptions extends ServeOptions {
  port?: number;
}

/**
 * Throws a ServerError INVALID_OPTION for an unknown option name (naming the nearest valid
 * one) or the first option out of range; returns the options with a string port made a number.
 */
export function validateOptions(options: ServeOptions): ResolvedServeOptions {
  if (typeof options !== "object" || options === null) {
    throw new ServerError("INVALID_OPTION", "serve() needs options with a handler function");
  }
  for (const key of Object.keys(options)) {
    if (!validKeys.includes(key)) {
      throw new ServerError("INVALID_OPTION", `unknown option '${key}': did you mean '${nearest(key, validKeys)}'?`);
    }
  }
  if (typeof options.handler !== "function") {
    throw new ServerError("INVALID_OPTION", "serve() needs options with a handler function");
  }
  const port = portOf(options.port);
  const resolved: ResolvedServeOptions = port === undefined ? (options as ResolvedServeOptions) : { ...options, port };
  if (options.path !== undefined) {
    if (typeof options.path !== "string" || options.path === "") {
      throw new ServerError("INVALID_OPTION", `path must be a non-empty string, got ${describe(options.path)}`);
    }
    if (options.port !== undefined || options.host !== undefined) {
      throw new ServerError("INVALID_OPTION", "path (a Unix socket) excludes port and host: pass one or the other");
    }
    if ((options.workers ?? 0) > 1) {
      throw new ServerError("INVALID_OPTION", "path (a Unix socket) cannot be combined with workers > 1");
    }
  }
  if (options.signal !== undefined && !isAbortSignal(options.signal)) {
    throw new ServerError("INVALID_OPTION", `signal must be an AbortSignal, got ${describe(options.signal)}`);
  }
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
  checkNumber("requestTimeout", options.requestTimeout);
  checkNumber("minBodyRate", options.minBodyRate);
  checkNumber("bodyRateWindow", options.bodyRateWindow);
  if (options.bodyRateWindow !== undefined && options.bodyRateWindow < 1) {
    throw new ServerError("INVALID_OPTION", `bodyRateWindow must be at least 1 ms, got ${options.bodyRateWindow}`);
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
  return resolved;
}

function compileTrustProxy(option: readonly string[] | TrustProxy): void {
  if (Array.isArray(option)) createTrustProxy(option);
  else if (typeof (option as TrustProxy | null)?.trusts !== "function") {
    throw new TypeError("trustProxy must be an array of addresses or CIDR ranges");
  }
}

/** A port given as a number or as decimal digits (`process.env.PORT`); undefined stays undefined. */
function portOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") {
    let port = 0;
    let ok = value.length > 0 && value.length <= 5;
    for (let i = 0; ok && i < value.length; i++) {
      const digit = value.charCodeAt(i) - 0x30;
      if (digit < 0 || digit > 9) ok = false;
      else port = port * 10 + digit;
    }
    if (!ok || port > 65_535) {
      throw new ServerError("INVALID_OPTION", `port must be an integer from 0 to 65535 or a string of its decimal digits, got ${describe(value)}`);
    }
    return port;
  }
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new ServerError("INVALID_OPTION", `port must be an integer from 0 to 65535 or a string of its decimal digits, got ${describe(value)}`);
  }
  return value;
}

/** "string '80a'", "boolean true", "null": the type and the value, for error messages. */
function describe(value: unknown): string {
  if (typeof value === "string") return `string '${value}'`;
  if (value === null) return "null";
  if (typeof value === "object") return `${(value as object).constructor?.name ?? "Object"} object`;
  if (typeof value === "function") return "a function";
  return `${typeof value} ${String(value)}`;
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return typeof value === "object" && value !== null &&
    typeof (value as AbortSignal).aborted === "boolean" && typeof (value as AbortSignal).addEventListener === "function";
}

function checkNumber(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new ServerError("INVALID_OPTION", `${name} must be a number of at least 0 (Infinity or 0 for none), got ${describe(value)}`);
  }
}

/** The candidate closest to `key` by edit distance (with transpositions), ignoring case. */
export function nearest(key: string, candidates: readonly string[]): string {
  let best = candidates[0]!;
  let bestDistance = Infinity;
  const a = key.toLowerCase();
  for (const candidate of candidates) {
    const d = editDistance(a, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(i === 0 ? j : 0);
    rows.push(row);
  }
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

function checkInteger(name: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ServerError("INVALID_OPTION", `${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}
