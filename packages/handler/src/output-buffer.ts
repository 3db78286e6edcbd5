/**
 * OutputBuffer: the connection's own output buffer and its flush. Responses produced from one
 * read go out in one transport write (the pipelined bench); small parts are copied into one
 * write, large ones go by reference between cork() and uncork() (one writev).
 *
 * Owns: the queued parts, the flush tick, the "transport is full" flag and the drain waiters.
 * May touch: the transport's write / cork / uncork, nothing else of the connection (it asks
 * `isClosed` and reports a failing write through `onFail`).
 * Does not: count bytes per response (the connection's sink does), frame or encode anything.
 * Buffers: parts are kept by reference until the flush; the caller must not reuse them.
 */
import type { Transport } from "./types.js";

// Queued bytes beyond which the buffer is written at once; parts this large bypass it.
const OUT_FLUSH_BYTES = 64 * 1024;
// Queued parts this large are not copied when the transport can cork: they go to it by
// reference between cork() and uncork() (one writev), with the small parts around them
// joined. Below it, a copy costs less than a write call (a chunk's size line, a head).
const GATHER_MIN_BYTES = 1024;

/** @internal What the output buffer asks of its connection. */
export interface OutputHost {
  /** True once the connection ended or destroyed the transport: nothing more is written. */
  isClosed(): boolean;
  /** A write threw inside the flush tick: the connection reports it and drops itself. */
  onFail(error: unknown): void;
}

/** @internal The output side of one connection. */
export class OutputBuffer {
  readonly #transport: Transport;
  readonly #host: OutputHost;
  #out: Uint8Array[] = [];
  /** A lone queued part, kept out of #out: one response per read then costs no array. */
  #single: Uint8Array | null = null;
  #outBytes = 0;
  /** Parts of at least GATHER_MIN_BYTES in #out. */
  #outLarge = 0;
  #flushScheduled = false;
  /** The sync whole-response path is writing: it flushes or schedules the tick itself. */
  holdFlush = false;
  /** A transport write returned false and no 'drain' came yet. */
  full = false;
  #drainWaiters: (() => void)[] = [];

  constructor(transport: Transport, host: OutputHost) {
    this.#transport = transport;
    this.#host = host;
  }

  /** Parts are queued and not yet written. */
  get pending(): boolean {
    return this.#single !== null || this.#out.length > 0;
  }

  /** Queues (or, when large, writes) `bytes`; false when the transport is full. */
  send(bytes: Uint8Array): boolean {
    if (bytes.length >= OUT_FLUSH_BYTES) {
      this.flush();
      if (!this.#transport.write(bytes)) this.full = true;
      return !this.full;
    }
    if (this.#single === null && this.#out.length === 0) {
      this.#single = bytes;
    } else {
      if (this.#single !== null) {
        this.#out.push(this.#single);
        this.#single = null;
      }
      this.#out.push(bytes);
    }
    this.#outBytes += bytes.length;
    if (bytes.length >= GATHER_MIN_BYTES) this.#outLarge++;
    if (this.#outBytes >= OUT_FLUSH_BYTES) this.flush();
    else if (!this.holdFlush) this.scheduleFlush();
    return !this.full;
  }

  scheduleFlush(): void {
    if (this.#flushScheduled || this.#host.isClosed()) return;
    this.#flushScheduled = true;
    // After the microtasks of this read: responses produced from one read go out together.
    setImmediate(this.#flushTick);
  }

  readonly #flushTick = (): void => {
    this.#flushScheduled = false;
    try {
      this.flush();
    } catch (error) {
      // A transport whose write throws must not become an uncaught exception in a timer.
      this.#host.onFail(error);
    }
  };

  flush(): void {
    const single = this.#single;
    if (single !== null) {
      if (this.#host.isClosed()) return;
      this.#single = null;
      this.#outBytes = 0;
      this.#outLarge = 0;
      if (!this.#transport.write(single)) this.full = true;
      return;
    }
    const out = this.#out;
    if (out.length === 0 || this.#host.isClosed()) return;
    const total = this.#outBytes;
    const large = this.#outLarge;
    this.#out = [];
    this.#outBytes = 0;
    this.#outLarge = 0;
    const t = this.#transport;
    if (out.length === 1) {
      if (!t.write(out[0]!)) this.full = true;
    } else if (large === 0 || t.cork === undefined || t.uncork === undefined) {
      // Small parts only (pipelined whole responses): one copy, one write.
      if (!t.write(Buffer.concat(out, total))) this.full = true;
    } else {
      this.#gather(t, out);
    }
  }

  /** Writes `out` in one corked batch: large parts by reference, runs of small ones joined. */
  #gather(t: Transport, out: Uint8Array[]): void {
    let ok = true;
    t.cork!();
    try {
      let runStart = 0;
      let runBytes = 0;
      for (let i = 0; i <= out.length; i++) {
        const part = i < out.length ? out[i]! : null;
        if (part !== null && part.length < GATHER_MIN_BYTES) {
          runBytes += part.length;
          continue;
        }
        const runLength = i - runStart;
        if (runLength === 1) ok = t.write(out[runStart]!) && ok;
        else if (runLength > 1) ok = t.write(Buffer.concat(out.slice(runStart, i), runBytes)) && ok;
        if (part !== null) ok = t.write(part) && ok;
        runStart = i + 1;
        runBytes = 0;
      }
    } finally {
      t.uncork!();
    }
    if (!ok) this.full = true;
  }

  /** Resolves when the transport is writable again (at once when it is, or when closed). */
  waitDrain(): Promise<void> {
    if (!this.full || this.#host.isClosed()) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Runs `callback` on the next drain (or release). */
  onNextDrain(callback: () => void): void {
    this.#drainWaiters.push(callback);
  }

  /** The transport drained: wake everyone waiting. */
  drained(): void {
    this.full = false;
    this.#wake();
  }

  /** The connection is done: drop queued parts and wake every waiter (they see it closed). */
  release(): void {
    this.#out = [];
    this.#single = null;
    this.#outBytes = 0;
    this.#outLarge = 0;
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
  }
}
