/**
 * InputPump: input pumping. Holds the bytes received but not yet parsed, pushes them to the
 * parser while the connection lets it, and pauses / resumes the transport so that unread input
 * never grows beyond one socket read (request-body and pipelining backpressure).
 *
 * Owns: the unparsed input, whether a push is running, whether a parser callback paused the
 * parser, whether we paused the transport, and the peer's EOF.
 * May touch: the parser (push, pause) and the transport's pause / resume. What may be parsed
 * now, what a parse error or EOF means, and what runs after a pump are the connection's
 * (connection.ts), asked through InputHost.
 * Buffers: the bytes given to `receive` are pushed as they are (the parser hands out views
 * into them); bytes arriving while paused are joined with the rest in one new Buffer.
 */
import type { Parser } from "@k/parser";
import type { Transport } from "./types.js";

const EMPTY = new Uint8Array(0);

/** `gate` answers: push the input, leave it for later, or throw it away. */
export const INPUT_PUSH: 0 = 0;
export const INPUT_WAIT: 1 = 1;
export const INPUT_DROP: 2 = 2;
/** @internal What `gate` returns. */
export type InputGate = typeof INPUT_PUSH | typeof INPUT_WAIT | typeof INPUT_DROP;

/** @internal What the pump asks of its connection. */
export interface InputHost {
  isClosed(): boolean;
  /** Before each push of `input` from `offset`: may the parser take it now? */
  gate(input: Uint8Array, offset: number): InputGate;
  /** The parser threw (the input was dropped). */
  onParseError(error: unknown): void;
  /** Every byte that could be pushed was (timers that depend on a partial head). */
  afterPush(): void;
  /** The peer's EOF, once every byte before it was parsed. */
  onEof(): void;
  /** The transport is about to be resumed (false) or was just paused (true) by us. */
  onPaused(paused: boolean): void;
  /** After every pause check (body deadline bookkeeping). */
  afterUpdate(): void;
  /** The pump is done: the pause state is settled, work may start. */
  afterPump(): void;
}

/** @internal The input side of one connection. */
export class InputPump {
  readonly #parser: Parser;
  readonly #transport: Transport;
  readonly #host: InputHost;
  /** Bytes received but not yet pushed to the parser (paused): #input from #offset on. */
  #input: Uint8Array | null = null;
  #offset = 0;
  #pumping = false;
  /** One of the connection's callbacks paused the parser during the current push. */
  #parserPaused = false;
  #transportPaused = false;
  #peerEnded = false;
  #eofHandled = false;

  constructor(parser: Parser, transport: Transport, host: InputHost) {
    this.#parser = parser;
    this.#transport = transport;
    this.#host = host;
  }

  /** Input is waiting (unparsed bytes, or a pending callback's marker). */
  get pending(): boolean {
    return this.#input !== null;
  }

  /** We paused the transport (our own backpressure). */
  get paused(): boolean {
    return this.#transportPaused;
  }

  /** The peer half-closed. */
  get peerEnded(): boolean {
    return this.#peerEnded;
  }

  /** Bytes from the transport. */
  receive(bytes: Uint8Array): void {
    const input = this.#input;
    if (input !== null && input.length > this.#offset) {
      // Data that was in flight when we paused: keep it behind the rest.
      this.#input = Buffer.concat([input.subarray(this.#offset), bytes]);
    } else {
      // Nothing waits, or only the empty marker of a pending callback: these bytes run it.
      this.#input = bytes;
    }
    this.#offset = 0;
    this.pump();
  }

  /** The peer's EOF. */
  end(): void {
    this.#peerEnded = true;
    this.pump();
  }

  /** Stops the current push after this callback (the connection wants to look first). */
  pauseParser(): void {
    this.#parserPaused = true;
    this.#parser.pause();
  }

  /** Throws the unparsed input away (no more requests are read). */
  drop(): void {
    this.#input = null;
  }

  /** Takes the unparsed input (an accepted upgrade's first bytes). */
  take(): Uint8Array | null {
    const input = this.#input;
    this.#input = null;
    return input === null || this.#offset === 0 ? input : input.subarray(this.#offset);
  }

  /** Room in a body queue, a finished response, a read: try to read again. */
  resume(): void {
    if (this.#input !== null) this.pump();
    else this.update();
  }

  /** Pushes buffered input to the parser while nothing blocks it. */
  pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    const host = this.#host;
    try {
      while (this.#input !== null && !host.isClosed()) {
        const gate = host.gate(this.#input, this.#offset);
        if (gate === INPUT_WAIT) break;
        if (gate === INPUT_DROP) {
          // Bytes after a request that ends the connection (or after an error) are not read.
          this.#input = null;
          break;
        }
        const input = this.#input;
        let n: number;
        this.#parserPaused = false;
        try {
          // From the offset a pause left, on the same array: no view per pipelined message.
          n = this.#parser.push(input, this.#offset);
        } catch (error) {
          this.#input = null;
          host.onParseError(error);
          break;
        }
        const end = this.#offset + n;
        // A pause can leave a callback pending with every byte consumed (onComplete after the
        // last body bytes): an empty push runs it later, so keep an empty input as a marker.
        if (end < input.length) {
          this.#offset = end;
        } else {
          this.#input = this.#parserPaused ? EMPTY : null;
          this.#offset = 0;
        }
      }
    } finally {
      this.#pumping = false;
    }
    host.afterPush();
    if (this.#input === null && this.#peerEnded && !this.#eofHandled) {
      this.#eofHandled = true;
      host.onEof();
    }
    this.update();
    host.afterPump();
  }

  /** Pauses the transport while input waits, resumes it when none does. */
  update(): void {
    if (this.#host.isClosed()) return;
    const blocked = this.#input !== null;
    if (blocked && !this.#transportPaused) {
      this.#transportPaused = true;
      this.#transport.pause();
      this.#host.onPaused(true);
    } else if (!blocked && this.#transportPaused) {
      this.#transportPaused = false;
      this.#host.onPaused(false);
      this.#transport.resume();
    }
    this.#host.afterUpdate();
  }
}
