/**
 * Upgrades and tunnels: recognising a component's UpgradeResponse, the head written for it,
 * and TransportStream, the Duplex a tunnel gets when the transport cannot hand over a stream
 * of its own (the memory transport, `inject`, a user's Transport without `detach`).
 *
 * Owns: the TransportStream's flow state (a write waiting for drain).
 * May touch: the Transport (write, end, destroy, pause, resume) once the connection stepped
 * aside; never the connection's parser, queue or output buffer (connection.ts decides when to
 * step aside and forwards transport events here).
 * Buffers: bytes pushed into the stream are the transport's own (views, not copies); the
 * receiver may keep them. Bytes written to it go to `transport.write` by reference.
 */
import { Duplex } from "node:stream";
import { serializeHead } from "@k/framing";
import { httpDate } from "./date.js";
import { HttpError } from "./errors.js";
import type { Transport, UpgradeResponse } from "./types.js";

/** @internal True for a component result that takes the connection over. */
export function isUpgradeResponse(value: unknown): value is UpgradeResponse {
  return typeof value === "object" && value !== null && typeof (value as { upgrade?: unknown }).upgrade === "function";
}

/**
 * @internal The head for an accepted upgrade (null when the receiver answers itself). Throws
 * HttpError 500 BAD_RESPONSE for a status that does not switch (101 for an Upgrade, 2xx for
 * CONNECT), and @k/framing's errors for invalid fields, before anything is written.
 */
export function upgradeHead(r: UpgradeResponse, connect: boolean, serverName: string | undefined): Uint8Array | null {
  const status = r.status;
  if (status === undefined) return null;
  if (connect ? !(Number.isInteger(status) && status >= 200 && status <= 299) : status !== 101) {
    throw new HttpError(
      500,
      connect ? `a CONNECT is accepted with a 2xx status, got ${String(status)}` : `an upgrade is accepted with status 101, got ${String(status)}`,
      { code: "BAD_RESPONSE" },
    );
  }
  // RFC 9110 §7.8: a 101 names the upgrade in Connection; §9.3.6: a 2xx to CONNECT has no
  // Content-Length or Transfer-Encoding (serializeHead always leaves those two out).
  const own: [string, string][] = connect ? [] : [["Connection", "upgrade"]];
  own.push(["Date", httpDate()]);
  if (serverName !== undefined) own.push(["Server", serverName]);
  return serializeHead(status, r.reason, r.headers, own);
}

/**
 * @internal A Duplex over a Transport: writes go to `transport.write` (a false return holds
 * the write callback until the connection forwards `onDrain`), reads come from the bytes the
 * connection forwards (`push` returning false pauses the transport, `_read` resumes it).
 * Half-open: the peer's EOF ends the readable side only.
 */
export class TransportStream extends Duplex {
  readonly #transport: Transport;
  #pendingWrite: ((error?: Error | null) => void) | null = null;

  constructor(transport: Transport) {
    super({ allowHalfOpen: true });
    this.#transport = transport;
  }

  override _read(): void {
    this.#transport.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#transport.write(chunk)) callback();
    else this.#pendingWrite = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#transport.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const pending = this.#pendingWrite;
    this.#pendingWrite = null;
    pending?.(error ?? new Error("the tunnel was destroyed"));
    this.#transport.destroy(error ?? undefined);
    callback(error);
  }

  /** Bytes from the peer. */
  deliver(bytes: Uint8Array): void {
    if (this.destroyed) return;
    if (!this.push(bytes)) this.#transport.pause();
  }

  /** The peer half-closed. */
  deliverEnd(): void {
    if (!this.destroyed) this.push(null);
  }

  /** The transport is writable again. */
  drained(): void {
    const pending = this.#pendingWrite;
    this.#pendingWrite = null;
    pending?.();
  }

  /** The transport is gone: the stream closes (without an 'error', which nobody may listen to). */
  gone(): void {
    if (!this.destroyed) this.destroy();
  }
}

/** The shutdown of a tunnel without an onShutdown hook: end our side. */
export function endTunnel(stream: Duplex): void {
  if (!stream.destroyed && !stream.writableEnded) stream.end();
}
