/**
 * createMemoryTransport: a Transport that lives in memory, for tests (ours, @k/server's, the
 * demo's and users'). It records what the connection writes, can play a slow reader (write
 * returns false until the test calls `drain()`) and a peer that goes away.
 *
 * It does not copy: recorded chunks are the arrays the connection wrote. Set `record: false`
 * and use `onWrite` to consume output without keeping it (large-body tests).
 */
import type { Connection, Transport } from "./types.js";

/** Options of `createMemoryTransport`. */
export interface MemoryTransportOptions {
  /** Bytes written since the last `drain()` after which `write` returns false. Default Infinity (never full). */
  highWaterMark?: number;
  /** Keep written chunks (for `output()` / `text()`). Default true. */
  record?: boolean;
  remoteAddress?: string;
  remotePort?: number;
  encrypted?: boolean;
  /** Called for every write. */
  onWrite?: (bytes: Uint8Array) => void;
  /** Called when the connection resumes reading (after a pause). */
  onResume?: () => void;
}

/** An in-memory transport plus the controls a test needs. */
export interface MemoryTransport extends Transport {
  /** Connects the lifecycle that this transport feeds (call once, right after createConnection). */
  attach(connection: Connection): void;
  /** Delivers bytes (a string is latin1) to the connection. */
  send(bytes: Uint8Array | string): void;
  /** The peer half-closes (EOF). */
  sendEnd(): void;
  /** The peer goes away (reset): the connection's onClose runs. */
  hangUp(error?: Error): void;
  /** The slow reader caught up: resets the backlog and calls onDrain if a write returned false. */
  drain(): void;
  /** Everything recorded, as one array. */
  output(): Uint8Array;
  /** Everything recorded, as latin1 text. */
  text(): string;
  /** Forgets recorded output. */
  clear(): void;
  readonly bytesWritten: number;
  /** Bytes written since the last drain(). */
  readonly backlog: number;
  readonly paused: boolean;
  /** end() was called (our side closed gracefully). */
  readonly ended: boolean;
  /** destroy() was called. */
  readonly destroyed: boolean;
  readonly destroyError: Error | undefined;
  /** Writes that arrived after end() or destroy() (always a bug). */
  readonly writesAfterClose: number;
  /** Resolves once the transport is ended or destroyed. */
  readonly closed: Promise<void>;
}

/**
 * Creates an in-memory transport.
 * @example
 * ```ts
 * const t = createMemoryTransport();
 * t.attach(createConnection(t, { handler }));
 * t.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
 * ```
 */
export function createMemoryTransport(options: MemoryTransportOptions = {}): MemoryTransport {
  const hwm = options.highWaterMark ?? Infinity;
  const record = options.record ?? true;
  let connection: Connection | null = null;
  let chunks: Uint8Array[] = [];
  let bytesWritten = 0;
  let backlog = 0;
  let needDrain = false;
  let paused = false;
  let ended = false;
  let destroyed = false;
  let destroyError: Error | undefined;
  let writesAfterClose = 0;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const conn = (): Connection => {
    if (connection === null) throw new Error("createMemoryTransport: attach(connection) first");
    return connection;
  };
  const t: MemoryTransport = {
    write(bytes) {
      if (ended || destroyed) {
        writesAfterClose++;
        return false;
      }
      bytesWritten += bytes.length;
      backlog += bytes.length;
      if (record) chunks.push(bytes);
      options.onWrite?.(bytes);
      if (backlog >= hwm) {
        needDrain = true;
        return false;
      }
      return true;
    },
    end() {
      if (ended || destroyed) return;
      ended = true;
      resolveClosed();
    },
    destroy(error) {
      if (destroyed) return;
      destroyed = true;
      destroyError = error;
      resolveClosed();
    },
    pause() {
      paused = true;
    },
    resume() {
      if (!paused) return;
      paused = false;
      options.onResume?.();
    },
    remoteAddress: options.remoteAddress ?? "127.0.0.1",
    remotePort: options.remotePort ?? 54321,
    encrypted: options.encrypted ?? false,
    attach(c) {
      connection = c;
    },
    send(bytes) {
      conn().onData(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes);
    },
    sendEnd() {
      conn().onEnd();
    },
    hangUp(error) {
      destroyed = true;
      resolveClosed();
      conn().onClose(error);
    },
    drain() {
      backlog = 0;
      if (needDrain) {
        needDrain = false;
        conn().onDrain();
      }
    },
    output() {
      return Buffer.concat(chunks);
    },
    text() {
      return Buffer.concat(chunks).toString("latin1");
    },
    clear() {
      chunks = [];
    },
    get bytesWritten() {
      return bytesWritten;
    },
    get backlog() {
      return backlog;
    },
    get paused() {
      return paused;
    },
    get ended() {
      return ended;
    },
    get destroyed() {
      return destroyed;
    },
    get destroyError() {
      return destroyError;
    },
    get writesAfterClose() {
      return writesAfterClose;
    },
    closed,
  };
  return t;
}
