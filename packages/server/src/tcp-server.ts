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
  connectionOptionsOf, defaultDrainTimeout, defaultGracePeriod, defaultHandshakeTimeout, defaultHost,
  defaultMaxConnections, defaultPort,
} from "./options.js";
import type { ResolvedServeOptions } from "./options.js";
import { createProxyHeaderReader } from "./proxy-protocol.js";
import type { ProxyHeader } from "./proxy-protocol.js";
import { defaultHeadTimeout } from "@k/handler";
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
  /** A closed socket's binding leaves the set (one function for every socket). */
  readonly #forget = (gone: SocketBinding): void => {
    this.#bindings.delete(gone);
  };
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
  #drainTimeout: number;
  /** close() was called and its drainTimeout has not run out. */
  #draining = false;
  /** Ms a PROXY header may take to arrive; 0 when proxyProtocol is off. */
  #proxyTimeout: number;
  #onSocketError: ((error: Error) => void) | undefined;

  /**
   * proxyProtocol with tls: the tls.Server that is not listening itself; sockets are handed to
   * it ('connection') once their PROXY header is read. Otherwise the listening server.
   */
  #tls: NetServer;
  /** proxyProtocol with tls: the header of each raw socket in its handshake, by peer. */
  #proxied = new Map<string, ProxyHeader>();

  #unwatchSignal: () => void;

  constructor(server: NetServer, secure: boolean, options: ResolvedServeOptions, tlsServer: NetServer = server) {
    this.#server = server;
    this.#secure = secure;
    this.#tls = tlsServer;
    this.#maxConnections = options.maxConnections ?? defaultMaxConnections;
    this.#gracePeriod = options.gracePeriod ?? defaultGracePeriod;
    this.#noDelay = options.noDelay ?? true;
    this.#drainTimeout = options.drainTimeout ?? defaultDrainTimeout;
    // The PROXY header is the first thing of the first head: the head timeout bounds it.
    this.#proxyTimeout = options.proxyProtocol === true ? (options.headTimeout ?? defaultHeadTimeout) : 0;
    this.#onSocketError = options.onSocketError;
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
      tlsServer.on("secureConnection", (socket: TLSSocket) => this.#serve(socket, this.#takeProxied(socket)));
      // A failed handshake (plain HTTP to the TLS port, bad certificate, timeout) only costs
      // that socket; the listener keeps the error from reaching 'uncaughtException'.
      tlsServer.on("tlsClientError", (error: Error, socket: TLSSocket) => {
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
      if (this.#proxyTimeout > 0) this.#readProxyHeader(socket);
      else this.#serve(socket);
      return;
    }
    // The TLSSocket reports errors; this listener only keeps the raw one from crashing us.
    socket.on("error", () => {});
    const key = peerKey(socket);
    this.#handshaking.set(key, socket);
    socket.once("close", () => {
      if (this.#handshaking.get(key) === socket) this.#handshaking.delete(key);
      this.#proxied.delete(key);
    });
    // The PROXY header comes before the TLS handshake (the balancer does not decrypt).
    if (this.#proxyTimeout > 0) this.#readProxyHeader(socket);
  }

  #takeProxied(socket: Socket): ProxyHeader | undefined {
    if (this.#proxied.size === 0) return undefined;
    const key = peerKey(socket);
    const header = this.#proxied.get(key);
    this.#proxied.delete(key);
    return header;
  }

  #serve(socket: Socket, proxy?: ProxyHeader): void {
    if (this.#secure) this.#handshaking.delete(peerKey(socket));
    if (this.#closing !== undefined && proxy === undefined) {
      socket.destroy();
      return;
    }
    const binding = bindSocket(socket, this.#bind, this.#forget, proxy);
    this.#bindings.add(binding);
    // Accepted before close() but its PROXY header completed after: the request that follows
    // the header is already on its way, so it is answered (Connection: close) like any other.
    if (this.#closing !== undefined) binding.connection.shutdown({ keepIdle: this.#draining });
  }

  /**
   * proxyProtocol: reads the PROXY header off the socket, then serves it with the bytes after
   * the header put back. A missing, malformed or late header closes the socket (reported to
   * onSocketError): whoever reached a PROXY listener without the header is not our balancer.
   */
  #readProxyHeader(socket: Socket): void {
    const reader = createProxyHeaderReader();
    const done = (): void => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", onEnd);
    };
    const refuse = (error: Error): void => {
      done();
      this.#onSocketError?.(error);
      socket.destroy();
    };
    const onData = (chunk: Buffer): void => {
      let result;
      try {
        result = reader.push(chunk);
      } catch (error) {
        refuse(error as Error);
        return;
      }
      if (!result.done) return;
      done();
      socket.pause();
      if (result.rest.length > 0) socket.unshift(result.rest);
      if (this.#secure) {
        // The TLS layer reads the bytes put back (a ClientHello often shares the header's
        // segment); the header waits for 'secureConnection'.
        this.#proxied.set(peerKey(socket), result.header);
        this.#tls.emit("connection", socket);
        return;
      }
      this.#serve(socket, result.header);
      socket.resume();
    };
    const onEnd = (): void => refuse(new ServerError("PROXY_PROTOCOL", "PROXY protocol: the connection ended before its header"));
    const timer = setTimeout(
      () => refuse(new ServerError("PROXY_PROTOCOL", `PROXY protocol: no complete header within ${this.#proxyTimeout} ms`)),
      this.#proxyTimeout,
    );
    timer.unref();
    socket.on("error", () => {}); // the binding reports errors once it exists; before, 'close' is enough
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("close", () => clearTimeout(timer));
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
    // Idle keep-alive connections stay open for drainTimeout: a request a balancer already
    // sent on one is answered (with Connection: close) instead of meeting a close it may not
    // retry (a POST). Then the rest are closed; busy ones finish their response.
    const drain = Math.min(this.#drainTimeout, this.#gracePeriod);
    this.#draining = drain > 0;
    for (const binding of this.#bindings) binding.connection.shutdown({ keepIdle: this.#draining });
    const drainTimer = this.#draining
      ? setTimeout(() => {
          this.#draining = false;
          for (const binding of this.#bindings) binding.connection.shutdown();
        }, drain)
      : undefined;
    // Still in the TLS handshake: no request has started, there is nothing to finish.
    for (const socket of this.#handshaking.values()) socket.destroy();
    const timer = setTimeout(() => {
      for (const socket of this.#sockets) socket.destroy();
      for (const binding of this.#bindings) binding.socket.destroy();
    }, this.#gracePeriod);
    await Promise.all([stopped, empty]);
    clearTimeout(timer);
    clearTimeout(drainTimer);
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
  let tlsServer: NetServer | undefined;
  const netOptions = { allowHalfOpen: true, pauseOnConnect: false };
  if (options.tls !== undefined) {
    try {
      server = tlsServer = createTlsServer({
        handshakeTimeout: options.headTimeout ?? defaultHandshakeTimeout,
        ...options.tls,
        ...netOptions,
      });
    } catch (error) {
      throw new ServerError("TLS_CONFIG", `invalid tls options: ${(error as Error).message}`, { cause: error, port, host });
    }
    // The PROXY header precedes the handshake: plain TCP listens, TLS starts after the header.
    if (options.proxyProtocol === true) server = createNetServer(netOptions);
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
  return new TcpServer(server, options.tls !== undefined, options, tlsServer);
}
