// A user's strategy plugged in through `first.framing`: the chooser hands it over as given,
// createFramer creates it on the caller's sink, and it can wrap a built-in strategy.
import { describe, expect, it } from "vitest";
import { chooseFraming, chunkedFraming, closeFraming, createFramer } from "@k/framing";
import type { Counter } from "./support/custom-framers.ts";
import { bufferedFraming, countingFraming } from "./support/custom-framers.ts";
import { decodeResponse, headerValues } from "./support/decode.ts";
import { RecordingSink } from "./support/sink.ts";

describe("a user's framing strategy", () => {
  it("is created by createFramer from first.framing and sees every byte its inner strategy writes", () => {
    const counter: Counter = { bytes: 0, writes: 0 };
    const sink = new RecordingSink();
    const framer = createFramer(sink, { status: 200, framing: countingFraming(chunkedFraming, counter) }, { method: "GET", version: "1.1" });
    expect(framer.name).toBe("chunked");
    framer.start(Buffer.from("one "));
    framer.write(Buffer.from("two"));
    framer.end({ "X-Count": "2" });
    expect(counter.writes).toBe(sink.writes.length);
    expect(counter.bytes).toBe(sink.bytes().length);
    const decoded = decodeResponse(sink.bytes());
    expect(decoded.body.toString()).toBe("one two");
    expect(decoded.trailers).toEqual([["X-Count", "2"]]);
  });

  it("is given the context the chooser computed", () => {
    const seen: unknown[] = [];
    const spy = {
      name: "spy",
      create(sink: RecordingSink, context: unknown) {
        seen.push(context);
        return closeFraming.create(sink, context as never);
      },
    };
    const first = { status: 201, length: 4, framing: spy };
    createFramer(new RecordingSink(), first, { method: "PUT", version: "1.0" });
    expect(seen).toEqual([{ head: first, request: { method: "PUT", version: "1.0" }, length: 4, noBody: false }]);
    expect(chooseFraming(first, { method: "PUT", version: "1.0" }).factory).toBe(spy);
  });

  it("turns an unknown length into Content-Length framing for an HTTP/1.0 client (buffering)", () => {
    const sink = new RecordingSink();
    const framer = createFramer(sink, { status: 200, framing: bufferedFraming }, { method: "GET", version: "1.0" });
    expect(framer.closeConnection).toBe(false);
    framer.start(Buffer.from("a"));
    framer.write(Buffer.from("bc"));
    expect(sink.writes.length).toBe(0);
    framer.end();
    expect(sink.writes.length).toBe(1);
    const decoded = decodeResponse(sink.bytes());
    expect(headerValues(decoded.headers, "content-length")).toEqual(["3"]);
    expect(decoded.body.toString()).toBe("abc");
  });

  it("is told there is no body for HEAD and stays silent about it", () => {
    const sink = new RecordingSink();
    const framer = createFramer(sink, { status: 200, framing: bufferedFraming, length: 3 }, { method: "HEAD", version: "1.1" });
    framer.start(Buffer.from("abc"));
    framer.end();
    expect(sink.text()).toBe("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
  });
});
