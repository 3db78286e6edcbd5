/**
 * ServerError: the one error class of @k/server, with a stable SCREAMING `code`.
 *
 * It turns the errors `listen()` reports (EADDRINUSE, EACCES, ...) into one clear line
 * (`port 8080 on 127.0.0.1 is already in use`) with the original error kept as `cause`.
 * It does not cover errors of single connections: those are handled per socket and
 * never reject `serve()`.
 */

/** Every code a {@link ServerError} can carry. */
export const ServerErrorCode = {
  /** The port is already bound by another socket (EADDRINUSE). */
  ADDRESS_IN_USE: "ADDRESS_IN_USE",
  /** Binding needs privileges the process lacks, e.g. a port below 1024 (EACCES). */
  PERMISSION_DENIED: "PERMISSION_DENIED",
  /** The host is not an address of this machine (EADDRNOTAVAIL). */
  ADDRESS_NOT_AVAILABLE: "ADDRESS_NOT_AVAILABLE",
  /** The host name did not resolve (ENOTFOUND / EAI_AGAIN). */
  HOST_NOT_FOUND: "HOST_NOT_FOUND",
  /** An option is out of range (a port above 65535, a negative limit, ...). */
  INVALID_OPTION: "INVALID_OPTION",
  /** The TLS options were rejected (a bad key or certificate). */
  TLS_CONFIG: "TLS_CONFIG",
  /** A cluster worker exited before it was listening. */
  WORKER_FAILED: "WORKER_FAILED",
  /** Any other listen failure; see `cause`. */
  LISTEN_FAILED: "LISTEN_FAILED",
  /** A connection's PROXY protocol header was missing or malformed (`proxyProtocol`); it was closed. */
  PROXY_PROTOCOL: "PROXY_PROTOCOL",
} as const;

/** The string-literal union of {@link ServerErrorCode}. */
export type ServerErrorCode = (typeof ServerErrorCode)[keyof typeof ServerErrorCode];

const brand: unique symbol = Symbol.for("@k/server.ServerError");

/**
 * Why `serve()` could not start listening.
 *
 * @example
 * ```ts
 * try { await serve({ handler, port: 8080 }); }
 * catch (e) { if (isServerError(e) && e.code === "ADDRESS_IN_USE") console.error(e.message); }
 * ```
 */
export class ServerError extends Error {
  /** What went wrong, as a stable code. */
  readonly code: ServerErrorCode;
  /** The port that was asked for (0 = any), when the error concerns one. */
  readonly port: number | undefined;
  /** The host that was asked for, when the error concerns one. */
  readonly host: string | undefined;

  constructor(
    code: ServerErrorCode,
    message: string,
    options?: { cause?: unknown; port?: number; host?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ServerError";
    this.code = code;
    this.port = options?.port;
    this.host = options?.host;
    // A registered symbol, not instanceof: two copies of this package (a hoisting accident)
    // must still recognise each other's errors.
    Object.defineProperty(this, brand, { value: true });
  }
}

/** True when `e` is a {@link ServerError} (also across copies of this package). */
export function isServerError(e: unknown): e is ServerError {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[brand] === true;
}

/** Maps an error from `net.Server#listen` to a {@link ServerError} with a one-line message. */
export function toListenError(error: unknown, port: number, host: string, path?: string): ServerError {
  const sysCode = (error as { code?: unknown } | null)?.code;
  const where = path === undefined ? `port ${port} on ${host}` : `socket ${path}`;
  const options = { cause: error, port, host };
  switch (sysCode) {
    case "EADDRINUSE":
      return new ServerError("ADDRESS_IN_USE", `${where} is already in use`, options);
    case "EACCES":
    case "EPERM":
      return new ServerError(
        "PERMISSION_DENIED",
        path === undefined ? `${where}: permission denied (ports below 1024 need privileges)` : `${where}: permission denied`,
        options,
      );
    case "EADDRNOTAVAIL":
      return new ServerError("ADDRESS_NOT_AVAILABLE", `${host} is not an address of this machine`, options);
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return new ServerError("HOST_NOT_FOUND", `host ${host} could not be resolved`, options);
    case "ERR_SOCKET_BAD_PORT":
    case "ERR_INVALID_ARG_VALUE":
    case "ERR_INVALID_ARG_TYPE":
    case "ERR_OUT_OF_RANGE":
      return new ServerError("INVALID_OPTION", `cannot listen on ${where}: ${firstLine(error)}`, options);
    default:
      return new ServerError("LISTEN_FAILED", `cannot listen on ${where}: ${firstLine(error)}`, options);
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const nl = text.indexOf("\n");
  return nl === -1 ? text : text.slice(0, nl);
}
