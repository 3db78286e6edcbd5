// A sink that records every write (as a copy, so later mutation by the framer would show)
// and answers with a chosen backpressure signal.
import type { Sink } from "@k/framing";

export class RecordingSink implements Sink {
  readonly writes: Uint8Array[] = [];
  /** What `write` returns. */
  full = false;

  write(bytes: Uint8Array): boolean {
    this.writes.push(Uint8Array.from(bytes));
    return !this.full;
  }

  /** Everything written, as one array. */
  bytes(): Uint8Array {
    return Buffer.concat(this.writes);
  }

  text(): string {
    return Buffer.from(this.bytes()).toString("latin1");
  }
}
