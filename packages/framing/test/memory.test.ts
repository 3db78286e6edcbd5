// Memory bounds, asserted by heap checks after a forced GC: a framer and the encoder hold
// no reference to what they have written, so a long response costs no memory per byte.
import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { Utf8StreamEncoder, chunkedFraming, closeFraming, contentLengthFraming } from "@k/framing";
import type { FramerFactory } from "@k/framing";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

function retained(): number {
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

const TOTAL = 64 * 1024 * 1024;

describe("memory", () => {
  const cases: [FramerFactory, string, number][] = [
    [chunkedFraming, "chunked (copied parts)", 4096],
    [chunkedFraming, "chunked (uncopied parts)", 65536],
    [contentLengthFraming, "content-length", 4096],
    [closeFraming, "close", 4096],
  ];
  for (const [factory, label, size] of cases) {
    it(`keeps memory flat while ${label} frames 64 MiB of fresh ${size} B parts`, () => {
      let seen = 0;
      const framer = factory.create(
        { write: (bytes) => ((seen += bytes.length), true) },
        { head: { status: 200 }, request: { method: "GET", version: "1.1" }, length: TOTAL, noBody: false },
      );
      framer.start();
      const before = retained();
      for (let sent = 0; sent < TOTAL; sent += size) framer.write(Buffer.alloc(size, sent & 0xff));
      const after = retained();
      framer.end();
      expect(seen).toBeGreaterThanOrEqual(TOTAL);
      expect(after - before).toBeLessThan(8 * 1024 * 1024);
    });
  }

  it("keeps memory flat while the encoder encodes 64 MiB of text", () => {
    const encoder = new Utf8StreamEncoder();
    const piece = "\u00e9t\u00e9 \u{1F600} ".repeat(256) + "\ud83d";
    const before = retained();
    let out = 0;
    while (out < TOTAL) out += encoder.encode(piece).length;
    const after = retained();
    expect(after - before).toBeLessThan(8 * 1024 * 1024);
    expect(encoder.pending).toBe(true);
  });
});
