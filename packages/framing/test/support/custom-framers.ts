// Two user-written strategies, built only on the public API, as a user would write them:
// - bufferedFraming: buffers the whole body and sends it with a Content-Length at end()
//   (turns an unknown length into Content-Length framing, at the cost of memory);
// - countingFraming(inner): delegates to another strategy and counts the bytes it writes.
import { FramingError, noBodyFraming, serializeHead } from "@k/framing";
import type { Framer, FramerContext, FramerFactory, HeaderInit, Sink } from "@k/framing";

class BufferedFramer implements Framer {
  readonly name = "buffered";
  readonly closeConnection = false;
  #sink: Sink;
  #context: FramerContext;
  #parts: Uint8Array[] = [];
  #size = 0;
  #state: "idle" | "open" | "ended" | "aborted" = "idle";
  #abortReason: unknown;

  constructor(sink: Sink, context: FramerContext) {
    this.#sink = sink;
    this.#context = context;
  }

  #check(call: string): void {
    if (this.#state === "aborted") {
      throw new FramingError("ABORTED", `buffered: ${call} after abort`, { cause: this.#abortReason });
    }
    if (this.#state === "ended") throw new FramingError("WRITE_AFTER_END", `buffered: ${call} after end`);
    if (this.#state === "idle" && call !== "start") throw new FramingError("INVALID_STATE", `buffered: ${call} before start`);
    if (this.#state === "open" && call === "start") throw new FramingError("INVALID_STATE", "buffered: start twice");
  }

  #add(part: Uint8Array): void {
    const limit = this.#context.length;
    if (limit >= 0 && this.#size + part.length > limit) {
      throw new FramingError("LENGTH_MISMATCH", `buffered: more than ${limit} bytes`);
    }
    this.#parts.push(Uint8Array.from(part));
    this.#size += part.length;
  }

  start(first?: Uint8Array): boolean {
    this.#check("start");
    if (first !== undefined && first.length > 0) this.#add(first);
    this.#state = "open";
    return true;
  }

  write(part: Uint8Array): boolean {
    this.#check("write");
    if (part.length > 0) this.#add(part);
    return true;
  }

  end(trailers?: HeaderInit): boolean {
    this.#check("end");
    const limit = this.#context.length;
    if (limit >= 0 && this.#size !== limit) {
      throw new FramingError("LENGTH_MISMATCH", `buffered: ${this.#size} of ${limit} bytes`);
    }
    if (trailers !== undefined && Object.keys(trailers).length > 0) {
      throw new FramingError("ILLEGAL_FRAMING", "buffered: no trailers");
    }
    const { status, reason, headers } = this.#context.head;
    const head = serializeHead(status, reason, headers, [["Content-Length", this.#size]]);
    this.#state = "ended";
    return this.#sink.write(Buffer.concat([head, ...this.#parts]));
  }

  abort(reason?: unknown): void {
    if (this.#state === "aborted") return;
    this.#state = "aborted";
    this.#abortReason = reason;
    this.#parts = [];
  }
}

export const bufferedFraming: FramerFactory = {
  name: "buffered",
  create(sink: Sink, context: FramerContext): Framer {
    // Bodiless responses are the built-in "none" strategy's job.
    return context.noBody ? noBodyFraming.create(sink, context) : new BufferedFramer(sink, context);
  },
};

export interface Counter {
  bytes: number;
  writes: number;
}

export function countingFraming(inner: FramerFactory, counter: Counter): FramerFactory {
  return {
    name: `counting(${inner.name})`,
    create(sink: Sink, context: FramerContext): Framer {
      const counted: Sink = {
        write(bytes: Uint8Array): boolean {
          counter.bytes += bytes.length;
          counter.writes++;
          return sink.write(bytes);
        },
      };
      return inner.create(counted, context);
    },
  };
}
