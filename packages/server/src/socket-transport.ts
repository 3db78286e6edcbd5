/**
 * Binds one `net.Socket` (or `tls.TLSSocket`) to one @k/handler Connection.
 *
 * The socket is adapted to the handler's Transport (write's boolean is the backpressure
 * signal, 'drain' resumes the writer) and socket events are forwarded to the Connection.
 * Socket errors are recorded and handed to `onClose`, never thrown: a 'close' always
 * follows an 'error', and one client must never bring the process down.
 *
 * It deliberately does not parse anything or own any timeout of the protocol (head, idle,
 * body timeouts live in @k/handler). It owns two socket-level timers:
 * - the lingering close (RFC 9112 §9.6): after the handler ends our side, unread input is
 *   discarded for at most `lingerTimeout` ms before the socket is destroyed, so a client
 *   still sending does not get a TCP RST that could wipe out the response it has not read;
 * - the send timeout: a client that reads nothing for `sendTimeout` ms while a write waits
 *   on it is dropped, since backpressure alone would make its handler wait forever.
 *
 * Upgrades: when a component accepts one, `detach()` hands the socket itself over (a
 * `net.Socket` or `tls.TLSSocket`, so socket libraries such as `ws` run on it): the data, end
 * and drain listeners are removed, both timers cleared and never armed again, and the socket
 * is left paused with `readableFlowing` null, so the new owner's first 'data' listener (or
 * read) starts the flow (node:http does the same for 'upgrade'). The 'error' and 'close'
 * listeners stay: errors are still reported to `onSocketError` and the server still counts
 * the socket until it closes.
 *
 * Bytes passed to `onData` are the socket's own Buffers; the handler may keep views into them.
 * A PROXY protocol header (read by the server before binding) gives the transport its
 * `remoteAddress` and `remotePort`.
 */
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { TLSSocket } from "node:tls";
import type { Connection, ConnectionOptions, Transport } from "@k/handler";
import { createConnection } from "@k/handler";
import type { ProxyHeader } from "./proxy-protocol.js";

/** Milliseconds a closing socket keeps reading (and discarding) before it is destroyed. */
export const defaultLingerTimeout: number = 5_000;
/** Milliseconds a client may read nothing while a response waits on it before it is dropped. */
export const defaultSendTimeout: number = 60_000;

/** One socket bound to one Connection, as tracked by the server. */
export interface SocketBinding {
  readonly socket: Socket;
  readonly connection: Connection;
  /** True once our side was ended (by the handler, or by a refusal). */
  readonly ending: boolean;
  /** True once the socket was handed to an upgrade's receiver. */
  readonly detached: boolean;
}

/** What {@link bindSocket} needs besides the socket. */
export interface BindOptions {
  connection: ConnectionOptions;
  lingerTimeout: number;
  /** Ms a refused write may wait for 'drain' without progress before the socket is destroyed; 0: never. */
  sendTimeout: number;
  /** Socket-level errors (resets, TLS alerts), for logging. Never thrown. */
  onSocketError?: ((error: Error) => void) | undefined;
}

class SocketTransport implements Transport, SocketBinding {
  readonly socket: Socket;
  readonly connection: Connection;
  // Not readonly: a PROXY protocol header replaces them before the first request byte.
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  readonly encrypted: boolean;
  /** Why we destroyed the socket ourselves (a send timeout), reported to onClose. */
  failure: Error | undefined = undefined;
  #ending = false;
  #lingerTimer: NodeJS.Timeout | undefined = undefined;
  #lingerTimeout: number;
  #sendTimer: NodeJS.Timeout | undefined = undefined;
  #sendTimeout: number;
  #queuedAtArm = 0;
  #onSocketError: ((error: Error) => void) | undefined;
  #detached = false;
  #lastError: Error | undefined = undefined;
  readonly #onGone: (binding: SocketBinding) => void;

  constructor(socket: Socket, options: BindOptions, proxy: ProxyHeader | undefined, onGone: (binding: SocketBinding) => void) {
    this.#onGone = onGone;
    this.socket = socket;
    // Read once: a closed socket reports undefined, and access logs run after close.
    this.remoteAddress = proxy?.proxied === true ? proxy.sourceAddress : socket.remoteAddress;
    this.remotePort = proxy?.proxied === true ? proxy.sourcePort : socket.remotePort;
    this.encrypted = socket instanceof TLSSocket;
    this.#lingerTimeout = options.lingerTimeout;
    this.#sendTimeout = options.sendTimeout;
    this.#onSocketError = options.onSocketError;
    this.connection = createConnection(this, options.connection);
  }

  get ending(): boolean {
    return this.#ending;
  }

  get detached(): boolean {
    return this.#detached;
  }

  /** Removes the listeners that feed the Connection ('error' and 'close' stay). */
  unbind(): void {
    const socket = this.socket;
    socket.off("data", onSocketData);
    socket.off("end", onSocketEnd);
    socket.off("drain", onSocketDrain);
  }

  /** 'error': recorded for onClose and reported, never thrown. */
  socketError(error: Error): void {
    this.#lastError = error;
    this.#onSocketError?.(error);
  }

  /** 'close': the Connection is told, then the server forgets the socket. */
  closed(): void {
    this.clearTimers();
    this.connection.onClose(this.failure ?? this.#lastError);
    this.#onGone(this);
  }

  detach(): Duplex {
    this.#detached = true;
    this.unbind();
    this.clearTimers();
    // Paused for the handler while it decided; null (neither paused nor flowing) lets the new
    // owner's first 'data' listener start the flow, as after node:http's 'upgrade'.
    (this.socket as { readableFlowing: boolean | null }).readableFlowing = null;
    return this.socket;
  }

  write(bytes: Uint8Array): boolean {
    // After a reset the close is already on its way; the handler learns it from onClose.
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    const ok = this.socket.write(bytes);
    if (!ok) this.#armSend();
    return ok;
  }

  end(): void {
    if (this.#ending) return;
    this.#ending = true;
    const socket = this.socket;
    if (socket.destroyed) return;
    socket.end();
    // What is still queued must reach a client that may have stopped reading.
    if (socket.writableLength > 0) this.#armSend();
    if (socket.readableEnded) return; // the peer half-closed already: autoDestroy completes it
    // Lingering close: keep reading so the peer's in-flight bytes do not trigger a RST that
    // would discard our response from its receive buffer. The clock starts once everything
    // is handed to the kernel, so a slow reader of a long response is not cut short.
    socket.resume();
    socket.once("finish", () => {
      if (socket.destroyed) return;
      this.#lingerTimer = setTimeout(() => socket.destroy(), this.#lingerTimeout);
      this.#lingerTimer.unref();
    });
  }

  // The handler's reason is not passed on: socket.destroy(error) would emit 'error' for a
  // decision the handler made itself, and the handler already knows why.
  destroy(): void {
    this.#ending = true;
    this.socket.destroy();
  }

  pause(): void {
    // While lingering, input is being discarded and must keep flowing.
    if (!this.#ending) this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  /** 'drain': the client read what was queued. */
  drained(): void {
    this.#clearSend();
  }

  clearTimers(): void {
    if (this.#lingerTimer !== undefined) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
    this.#clearSend();
  }

  // Send timeout (nginx's send_timeout): a client that stops reading would otherwise hold
  // its connection and its handler forever, since backpressure only makes the handler wait.
  #armSend(): void {
    if (this.#sendTimeout <= 0 || this.#sendTimer !== undefined || this.#detached) return;
    this.#queuedAtArm = this.socket.writableLength;
    this.#sendTimer = setTimeout(this.#onSendTimer, this.#sendTimeout);
    this.#sendTimer.unref();
  }

  #clearSend(): void {
    if (this.#sendTimer !== undefined) clearTimeout(this.#sendTimer);
    this.#sendTimer = undefined;
  }

  #onSendTimer = (): void => {
    this.#sendTimer = undefined;
    const socket = this.socket;
    const queued = socket.writableLength;
    if (socket.destroyed || queued === 0) return;
    // Some queued writes completed: the client is slow, not gone. Give it another period.
    if (queued < this.#queuedAtArm) {
      this.#armSend();
      return;
    }
    const error = Object.assign(
      new Error(`the client read nothing for ${this.#sendTimeout} ms; ${queued} bytes were waiting`),
      { code: "SEND_TIMEOUT" },
    );
    this.failure = error;
    this.#onSocketError?.(error);
    this.#ending = true;
    socket.destroy();
  };
}

// The socket's listeners are module-level functions that find their transport on the socket
// itself: six closures per connection were about 300 bytes of every idle connection's heap.
const kTransport: unique symbol = Symbol("k.socketTransport");
type BoundSocket = Socket & { [kTransport]?: SocketTransport };

function transportOf(socket: Socket): SocketTransport {
  return (socket as BoundSocket)[kTransport]!;
}

function onSocketData(this: Socket, bytes: Buffer): void {
  const transport = transportOf(this);
  // Once our side is closing, the handler is done with this connection: discard.
  if (transport.ending) return;
  transport.connection.onData(bytes);
}

function onSocketEnd(this: Socket): void {
  const transport = transportOf(this);
  if (!transport.ending) transport.connection.onEnd();
}

function onSocketDrain(this: Socket): void {
  const transport = transportOf(this);
  transport.drained();
  transport.connection.onDrain();
}

function onSocketError(this: Socket, error: Error): void {
  transportOf(this).socketError(error);
}

function onSocketClose(this: Socket): void {
  transportOf(this).closed();
}

/**
 * Creates the Connection for `socket` and wires the socket's events to it.
 * `onGone` runs once, after the socket closed and the Connection was told.
 */
export function bindSocket(
  socket: Socket,
  options: BindOptions,
  onGone: (binding: SocketBinding) => void,
  proxy?: ProxyHeader,
): SocketBinding {
  const transport = new SocketTransport(socket, options, proxy, onGone);
  (socket as BoundSocket)[kTransport] = transport;
  socket.on("data", onSocketData);
  socket.on("end", onSocketEnd);
  socket.on("drain", onSocketDrain);
  socket.on("error", onSocketError);
  socket.once("close", onSocketClose);
  return transport;
}
