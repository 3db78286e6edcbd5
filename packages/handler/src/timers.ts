/**
 * The connection's timers: the one re-armed protocol timer (head, idle, body) and the request
 * deadline with its body-rate check.
 *
 * Owns: both timer objects, which timeout is armed, and the deadline's clock (which exchange
 * it runs for, when its period started, the rate mark). It changes an Exchange's `budget` only.
 * May touch: nothing else. What a timeout means (408, close) is the connection's: it is told
 * through `onTimeout(kind)` and `expire(exchange, error)`.
 * Does not: read the clock on the fast path (a request whose body came with its head arms no
 * deadline), or keep anything alive (every timer is unref'd).
 */
import { HttpError } from "./errors.js";
import type { Exchange } from "./exchange.js";

export const TIMER_NONE: 0 = 0;
export const TIMER_HEAD: 1 = 1;
export const TIMER_IDLE: 2 = 2;
export const TIMER_BODY: 3 = 3;
/** @internal Which protocol timeout is armed. */
export type TimerKind = typeof TIMER_NONE | typeof TIMER_HEAD | typeof TIMER_IDLE | typeof TIMER_BODY;

/**
 * `timer` armed for `ms`: refreshed when its period `lastMs` is the same (no new timer object
 * per request), else cleared and replaced by a new unref'd one. Returns the timer to keep.
 */
function rearm(timer: NodeJS.Timeout | null, lastMs: number, ms: number, onTimer: () => void): NodeJS.Timeout {
  if (timer !== null && lastMs === ms) {
    timer.refresh();
    return timer;
  }
  if (timer !== null) clearTimeout(timer);
  const fresh = setTimeout(onTimer, ms);
  fresh.unref?.();
  return fresh;
}

/** @internal What the protocol timer asks of its connection. */
export interface TimerHost {
  isClosed(): boolean;
  /** The armed timeout fired. */
  onTimeout(kind: TimerKind): void;
  /** onTimeout threw: a bug of ours, never an uncaught exception in a timer. */
  onFail(error: unknown): void;
}

/** @internal The one protocol timer of a connection, re-armed (refresh) rather than re-created. */
export class ProtocolTimer {
  readonly #host: TimerHost;
  #timer: NodeJS.Timeout | null = null;
  kind: TimerKind = TIMER_NONE;
  #ms = 0;
  /** performance.now() when the head timer was last armed (the first byte of a head). */
  headArmedAt = 0;

  constructor(host: TimerHost) {
    this.#host = host;
  }

  /** Arms the head timer and notes when, if `clock` (the request deadline counts the head's time). */
  armHead(ms: number, clock: boolean): void {
    if (clock) this.headArmedAt = performance.now();
    this.arm(TIMER_HEAD, ms);
  }

  arm(kind: TimerKind, ms: number): void {
    if (this.#host.isClosed() || !(ms > 0) || ms === Infinity) {
      this.disarm();
      return;
    }
    this.kind = kind;
    this.#timer = rearm(this.#timer, this.#ms, ms, this.#onTimer);
    this.#ms = ms;
  }

  /** Restarts the body timeout (a body byte arrived). */
  refreshBody(): void {
    if (this.kind === TIMER_BODY) this.#timer!.refresh();
  }

  /** Stops the timeout. The timer object is kept (it fires into nothing) and re-used by the next arm. */
  disarm(): void {
    this.kind = TIMER_NONE;
  }

  /** Clears the timer for good (the connection is done): no timer outlives it. */
  clear(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.kind = TIMER_NONE;
  }

  readonly #onTimer = (): void => {
    const kind = this.kind;
    this.#timer = null;
    this.kind = TIMER_NONE;
    if (this.#host.isClosed() || kind === TIMER_NONE) return;
    try {
      this.#host.onTimeout(kind);
    } catch (error) {
      this.#host.onFail(error);
    }
  };
}

// ---- request deadline and body rate --------------------------------------------------
//
// The body timeout restarts with every byte, so a client sending one byte every few seconds
// kept a request (and a connection slot) forever (issue 11). The deadline's clock runs only
// while the server reads a body: never for a request whose body came with its head in one
// read (the fast path reads no clock and arms no timer), never while reading is paused for
// a slow component or while a 100-continue is not yet sent (then the client waits on us).

/** @internal What the deadline asks of its connection. */
export interface DeadlineHost {
  isClosed(): boolean;
  /** The exchange whose body the parser is in, or null. */
  parsing(): Exchange | null;
  /** The exchange ran out of time or rate: 408 or drop, the connection decides. */
  expire(ex: Exchange, error: HttpError): void;
  onFail(error: unknown): void;
}

/** @internal The request deadline (requestTimeout) and the minBodyRate check. */
export class RequestDeadline {
  readonly #host: DeadlineHost;
  readonly #requestTimeout: number;
  readonly #minBodyRate: number;
  readonly #window: number;
  #timer: NodeJS.Timeout | null = null;
  #ms = 0;
  /** The exchange whose deadline clock runs, or null. */
  #for: Exchange | null = null;
  /** performance.now() when the current period started. */
  #at = 0;
  /** `received` of #for when the current period started (the rate check). */
  #rateMark = 0;

  constructor(host: DeadlineHost, requestTimeout: number, minBodyRate: number, bodyRateWindow: number) {
    this.#host = host;
    this.#requestTimeout = requestTimeout;
    this.#minBodyRate = minBodyRate;
    this.#window = bodyRateWindow;
  }

  /** The clock runs for some exchange. */
  get running(): boolean {
    return this.#for !== null;
  }

  /** Starts the clock for `p` when `run`, else stops it. */
  sync(p: Exchange | null, run: boolean): void {
    if (!run || p === null) {
      this.stop();
      return;
    }
    if (this.#for === p) return;
    this.stop();
    const now = performance.now();
    if (p.budget < 0) {
      // The head's time counts when the head timer ran for it (else it came in one read).
      // After a 100-continue the wait since the head was ours: then only the body counts.
      p.budget = this.#requestTimeout - (p.headStart >= 0 && !p.continueSent ? now - p.headStart : 0);
      if (p.budget <= 0) {
        this.#expireDeadline(p);
        return;
      }
    }
    this.#for = p;
    this.#at = now;
    this.#rateMark = p.received;
    this.#arm(p.budget);
  }

  /** Stops the clock, charging the time since the period started to the request's budget. */
  stop(): void {
    const p = this.#for;
    if (p === null) return;
    this.#for = null;
    p.budget -= performance.now() - this.#at;
  }

  /** The connection is done: no timer outlives it. */
  clear(): void {
    this.#for = null;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  #arm(budget: number): void {
    // Periods of one bodyRateWindow (also when the rate check is off) and whole ms: the same
    // period every time lets refresh() re-use the connection's timer instead of a new one per
    // request; only a request's last period before its deadline is shorter.
    const ms = Math.max(1, Math.ceil(Math.min(budget, this.#window)));
    this.#timer = rearm(this.#timer, this.#ms, ms, this.#onTimer);
    this.#ms = ms;
  }

  readonly #onTimer = (): void => {
    try {
      this.#check();
    } catch (error) {
      this.#host.onFail(error);
    }
  };

  #check(): void {
    const p = this.#for;
    if (p === null || this.#host.isClosed() || this.#host.parsing() !== p) return;
    const now = performance.now();
    const elapsed = now - this.#at;
    p.budget -= elapsed;
    this.#at = now;
    if (p.budget <= 0.5) {
      this.#for = null;
      this.#expireDeadline(p);
      return;
    }
    const window = this.#window;
    // A whole window of reading (a shorter last period before the deadline is not judged).
    if (this.#minBodyRate > 0 && elapsed >= window - 1) {
      const got = p.received - this.#rateMark;
      if (got * 1000 < this.#minBodyRate * elapsed) {
        this.#for = null;
        this.#host.expire(p, new HttpError(
          408,
          `Request Timeout: the body arrived at ${Math.round((got * 1000) / elapsed)} bytes/s, below minBodyRate`,
          { code: "TIMEOUT" },
        ));
        return;
      }
    }
    this.#rateMark = p.received;
    this.#arm(p.budget);
  }

  #expireDeadline(p: Exchange): void {
    this.#host.expire(p, new HttpError(
      408,
      `Request Timeout: the request took longer than requestTimeout (${this.#requestTimeout} ms)`,
      { code: "TIMEOUT" },
    ));
  }
}
