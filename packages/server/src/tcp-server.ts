/**
 * One listening TCP or TLS server in this process: accepts sockets, binds each to one
 * @k/handler Connection, enforces `maxConnections`, and closes gracefully.
 *
 * It does not fork processes (see cluster.ts) and does not speak HTTP itself, except for
 * the fixed 503 it writes to a plain-TCP socket refused over `maxConnections`.
 */
import { createServer as createNetServer } from "node:net";
import type { AddressInfo, Server as NetServer, Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import type { TLSSocket } from "node:tls";
import { ServerError, toListenError } from "./errors.js";
import {
  connectionOptionsOf, defaultGracePeriod, defaultHandshakeTimeout, defaultHost,
  defaultMaxConnections, defaultPort,
} from "./options.js";
import type { ResolvedServeOptions } from "./options.js";
import { bindSocket, defaultLingerTimeout, defaultSendTimeout } from "./socket-transport.js";
import type { BindOptions, SocketBinding } from "./socket-transport.js";

/** Where a server listens. */
export interface ServerAddress {
  /** The bound address, e.g. "127.0.0.1" or "::". */
  readonly address: string;
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  /** "IPv4" or "IPv6". */
  readonly family: string;
}

/**
 * A running server, as returned by {@link serve}. `await using server = await serve(...)` closes
 * it (gracefully, as `close()`) when the scope ends.
 */
export interface Server extends AsyncDisposable {
  /** The bound address and port; for a Unix socket (`path`): the path, port 0, family "unix". */
  readonly address: ServerAddress;
  /**
   * "http://127.0.0.1:PORT" ("https" with `tls`); a wildcard host is shown as loopback. For a
   * Unix socket: "http+unix://" and the percent-encoded path ("https+unix" with `tls`).
   */
  readonly url: string;
  /** Open connections in this process (0 in a cluster primary, which serves none itself). */
  readonly connections: number;
  /**
   * Graceful shutdown: stop accepting, let in-flight responses finish (with
   * `Connection: close`), close idle keep-alive connections at once, destroy what is left
   * after `gracePeriod`. Resolves when every connection is gone. Idempotent.
   */
  close(): Promise<void>;
  /** The same as `close()`: `await using` support. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Closes through `close` when `signal` aborts (at once when it already has). Returns the
 * function that removes the listener, for when the server closes otherwise.
 */
export function closeOnAbort(signal: AbortSignal | undefined, close: () => Promise<void>): () => void {
  if (signal === undefined) return () => {};
  const onAbort = (): void => void close();
  if (signal.aborted) {
    queueMicrotask(onAbort);
    return () => {};
  }
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}

// Written whole to a plain-TCP socket over the limit: tells an HTTP client why, and how to
// frame the answer (Content-Length: 0) so it does not wait for more.
const REFUSAL: Buffer = Buffer.from(
  "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n",
  "latin1",
);
// A refused socket lingers only this long to let the 503 reach the client before the RST.
const REFUSAL_LINGER = 1_000;

/** Formats the URL of a bound address; wildcard addresses become the loopback of their family. */
export function urlOf(address: ServerAddress, secure: boolean): string {
  if (address.family === "unix") return `${secure ? "https" : "http"}+unix://${encodeURIComponent(address.address)}`;
  let host = address.address;
  if (host === "0.0.0.0") host = "127.0.0.1";
  else if (host === "::") host = "::1";
  if (host.includes(":")) host = `[${host}]`;
  return `${secure ? "https" : "http"}://${host}:${address.port}`;
}

// The raw socket and its TLSSocket share the peer's address and port, which are unique
// among open connections: this pairs them without reaching into TLSSocket internals.
function peerKey(socket: Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}

class TcpServer implements Server {
  readonly address: ServerAddress;
  readonly url: string;
  #server: NetServer;
  #secure: boolean;
  #maxConnections: number;
  #gracePeriod: number;
  #noDelay: boolean;
  #bind: BindOptions;
  /** Every accepted raw socket under the limit (TLS ones from before the handshake). */
  #sockets = new Set<Socket>();
  /** The sockets that reached a Connection (for TLS: the TLSSocket). */
  #bindings = new Set<SocketBinding>();
  /** TLS only: raw sockets whose handshake has not finished, by peer address and port. */
  #handshaking = new Map<string, Socket>();
  /** Sockets refused over the limit, lingering briefly. */
  #refused = new Set<Socket>();
  #closing: Promise<void> | undefined = undefined;
  #onEmpty: (() => void) | undefined = undefined;
  #unwatchSignal: () => void;

  constructor(server: NetServer, secure: boolean, options: ResolvedServeOptions) {
    this.#server = server;
    this.#secure = secure;
    this.#maxConnections = options.maxConnections ?? defaultMaxConnections;
    this.#gracePeriod = options.gracePeriod ?? defaultGracePeriod;
    this.#noDelay = options.noDelay ?? true;
    this.#bind = {
      // The diagnostics channels publish this Server as `server` (node:http publishes its own).
      connection: { ...connectionOptionsOf(options), diagnosticsServer: this },
      lingerTimeout: options.lingerTimeout ?? defaultLingerTimeout,
      sendTimeout: options.sendTimeout ?? defaultSendTimeout,
      onSocketError: options.onSocketError,
    };
    const info = server.address() as AddressInfo | string;
    this.address = typeof info === "string"
      ? { address: info, port: 0, family: "unix" }
      : { address: info.address, port: info.port, family: info.family };
    this.url = urlOf(this.address, secure);
    this.#unwatchSignal = closeOnAbort(options.signal, () => this.close());

    // Accept errors (EMFILE, ...) are emitted on the server; without a listener they would
    // crash the process, and the server keeps accepting once descriptors free up.
    server.on("error", (error: Error) => options.onSocketError?.(error));
    server.on("connection", (socket: Socket) => this.#accept(socket));
    if (secure) {
      server.on("secureConnection", (socket: TLSSocket) => this.#serve(socket));
      // A failed handshake (plain HTTP to the TLS port, bad certificate, timeout) only costs
      // that socket; the listener keeps the error from reaching 'uncaughtException'.
      server.on("tlsClientError", (error: Error, socket: TLSSocket) => {
        options.onSocketError?.(error);
        socket.destroy();
      });
    }
  }

  get connections(): number {
    return this.#sockets.size;
  }

  #accept(socket: Socket): void {
    if (this.#closing !== undefined) {
      socket.destroy();
      return;
    }
    if (this.#sockets.size >= this.#maxConnections) {
      this.#refuse(socket);
      return;
    }
    this.#sockets.add(socket);
    socket.once("close", () => {
      this.#sockets.delete(socket);
      if (this.#sockets.size === 0) this.#onEmpty?.();
    });
    if (this.#noDelay) socket.setNoDelay(true);
    // Probes find peers that vanished without a FIN while we stream to them; the handler's
    // own timeouts cover everything the peer does at the HTTP level.
    socket.setKeepAlive(true, 60_000);
    if (!this.#secure) {
      this.#serve(socket);
      return;
    }
    // The TLSSocket reports errors; this listener only keeps the raw one from crashing us.
    socket.on("error", () => {});
    const key = peerKey(socket);
    this.#handshaking.set(key, socket);
    socket.once("close", () => {
      if (this.#handshaking.get(key) === socket) this.#handshaking.delete(key);
    });
  }

  #serve(socket: Socket): void {
    if (this.#secure) this.#handshaking.delete(peerKey(socket));
    if (this.#closing !== undefined) {
      socket.destroy();
      return;
    }
    const binding = bindSocket(socket, this.#bind, (gone) => this.#bindings.delete(gone));
    this.#bindings.add(binding);
  }

  #refuse(socket: Socket): void {
    socket.on("error", () => {});
    if (this.#secure) {
      // Nothing readable can be said before a handshake, and a handshake is what costs.
      socket.destroy();
      return;
    }
    this.#refused.add(socket);
    socket.end(REFUSAL);
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), REFUSAL_LINGER);
    timer.unref();
    socket.once("close", () => {
      clearTimeout(timer);
      this.#refused.delete(socket);
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    this.#unwatchSignal();
    const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const empty = this.#sockets.size === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => { this.#onEmpty = resolve; });
    for (const socket of this.#refused) socket.destroy();
    for (const binding of this.#bindings) binding.connection.shutdown();
    // Still in the TLS handshake: no request has started, there is nothing to finish.
    for (const socket of this.#handshaking.values()) socket.destroy();
    const timer = setTimeout(() => {
      for (const socket of this.#sockets) socket.destroy();
      for (const binding of this.#bindings) binding.socket.destroy();
    }, this.#gracePeriod);
    await Promise.all([stopped, empty]);
    clearTimeout(timer);
  }
}

/**
 * Listens per `options` and resolves once bound; rejects with a {@link ServerError}.
 * Used directly in-process and by every cluster worker.
 */
export async function listen(options: ResolvedServeOptions): Promise<Server> {
  const host = options.host ?? defaultHost;
  const port = options.port ?? defaultPort;
  const path = options.path;
  let server: NetServer;
  const netOptions = { allowHalfOpen: true, pauseOnConnect: false };
  if (options.tls !== undefined) {
    try {
      server = createTlsServer({
        handshakeTimeout: options.headTimeout ?? defaultHandshakeTimeout,
        ...options.tls,
        ...netOptions,
      });
    } catch (error) {
      throw new ServerError("TLS_CONFIG", `invalid tls options: ${(error as Error).message}`, { cause: error, port, host });
    }
  } else {
    server = createNetServer(netOptions);
  }
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(toListenError(error, port, host, path));
    server.once("error", onError);
    const where = path === undefined ? { port, host } : { path };
    try {
      server.listen({ ...where, ...(options.backlog === undefined ? {} : { backlog: options.backlog }) }, () => {
        server.off("error", onError);
        resolve();
      });
    } catch (error) {
      server.off("error", onError);
      reject(toListenError(error, port, host, path));
    }
  });
  return new TcpServer(server, options.tls !== undefined, options);
}
