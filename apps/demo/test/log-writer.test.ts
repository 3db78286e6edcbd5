import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLineWriter } from "k-demo";

/** A Writable with a 64-byte buffer whose writes complete only when the test says so. */
function slowSink() {
  const pending: (() => void)[] = [];
  const written: string[] = [];
  const sink = new Writable({
    highWaterMark: 64,
    decodeStrings: false,
    write(chunk: string, _enc, callback) {
      written.push(chunk);
      pending.push(callback);
    },
  });
  const release = () => {
    for (const cb of pending.splice(0)) cb();
  };
  return { sink, written, release };
}

describe("createLineWriter", () => {
  it("drops and counts lines while the sink is full, and reports the count once it drains", async () => {
    const { sink, written, release } = slowSink();
    const reports: number[] = [];
    const log = createLineWriter(sink, (n) => reports.push(n));
    for (let i = 0; i < 1000; i++) log.write(`line ${i} ${"x".repeat(40)}`);
    // The sink's buffer holds what it took before write() returned false; the rest was dropped.
    expect(sink.writableLength).toBeLessThan(200);
    expect(log.dropped).toBeGreaterThan(990);
    expect(reports).toEqual([]);
    while (sink.writableLength > 0) {
      release();
      await new Promise((r) => setImmediate(r));
    }
    expect(reports).toEqual([log.droppedTotal]);
    expect(log.dropped).toBe(0);
    // Writing goes on after the drain.
    log.write("after");
    expect(written.at(-1)).toBe("after\n");
    expect(written.length + log.droppedTotal).toBe(1001);
  });

  it("writes every line and reports nothing while the sink keeps up", () => {
    const lines: string[] = [];
    const sink = new Writable({ decodeStrings: false, write(chunk: string, _e, cb) { lines.push(chunk); cb(); } });
    const reports: number[] = [];
    const log = createLineWriter(sink, (n) => reports.push(n));
    for (let i = 0; i < 100; i++) log.write(String(i));
    expect(lines.length).toBe(100);
    expect(reports).toEqual([]);
  });
});
