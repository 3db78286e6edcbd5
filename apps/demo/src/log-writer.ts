/**
 * A line writer for the access log that never queues without bound: when the stream's
 * write returns false (its reader is slower than the server, or stopped), lines are dropped
 * and counted until the stream emits 'drain'; then `onResume(dropped)` reports the count.
 *
 * Why drop instead of wait: an access log must not slow down or stall serving, and a stdout
 * pipe whose reader stalled took k-demo from 60 to 918 MiB over 1.1 M requests (issue 11).
 * The memory a blocked log holds is the stream's own buffer: at most its highWaterMark plus
 * one line. It does not format lines, and it does not own the stream (errors are the CLI's).
 */

/** The part of a Writable the writer uses (process.stdout in k-demo). */
export interface LineSink {
  write(chunk: string): boolean;
  on(event: "drain", listener: () => void): unknown;
}

/** Writes lines, dropping them while the sink is full. */
export interface LineWriter {
  /** Writes `line` plus a newline, or counts it as dropped while the sink is full. */
  write(line: string): void;
  /** Lines dropped since the last report. */
  readonly dropped: number;
  /** Lines dropped in total. */
  readonly droppedTotal: number;
}

/**
 * Creates a {@link LineWriter} on `sink`; `onResume(dropped)` runs once per blocked spell in
 * which lines were dropped, when the sink drains.
 * @example
 * const log = createLineWriter(process.stdout, (n) => process.stderr.write(`${n} lines dropped\n`));
 * log.write("GET / 200");
 */
export function createLineWriter(sink: LineSink, onResume: (dropped: number) => void): LineWriter {
  let blocked = false;
  let dropped = 0;
  let droppedTotal = 0;
  sink.on("drain", () => {
    blocked = false;
    if (dropped === 0) return;
    const n = dropped;
    dropped = 0;
    onResume(n);
  });
  return {
    write(line: string): void {
      if (blocked) {
        dropped++;
        droppedTotal++;
        return;
      }
      if (!sink.write(line + "\n")) blocked = true;
    },
    get dropped() {
      return dropped;
    },
    get droppedTotal() {
      return droppedTotal;
    },
  };
}
