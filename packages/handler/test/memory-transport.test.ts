import { describe, expect, it } from "vitest";
import { createMemoryTransport } from "@k/handler";
import type { Connection } from "@k/handler";

function recorder() {
  const log: string[] = [];
  const connection: Connection = {
    onData: (b) => log.push(`data ${Buffer.from(b).toString("latin1")}`),
    onEnd: () => log.push("end"),
    onDrain: () => log.push("drain"),
    onClose: (e) => log.push(`close ${e?.message ?? ""}`),
    shutdown: () => log.push("shutdown"),
    idle: true,
  };
  return { log, connection };
}

describe("createMemoryTransport", () => {
  it("records writes and reports them as bytes and text", () => {
    const t = createMemoryTransport();
    expect(t.write(Buffer.from("ab"))).toBe(true);
    t.write(Buffer.from("c"));
    expect(t.text()).toBe("abc");
    expect([...t.output()]).toEqual([97, 98, 99]);
    expect(t.bytesWritten).toBe(3);
    t.clear();
    expect(t.text()).toBe("");
  });

  it("returns false at the high-water mark and calls onDrain once the reader caught up", () => {
    const { log, connection } = recorder();
    const t = createMemoryTransport({ highWaterMark: 4 });
    t.attach(connection);
    expect(t.write(Buffer.alloc(3))).toBe(true);
    expect(t.write(Buffer.alloc(3))).toBe(false);
    expect(t.backlog).toBe(6);
    t.drain();
    expect(t.backlog).toBe(0);
    expect(log).toEqual(["drain"]);
    t.drain();
    expect(log).toEqual(["drain"]);
  });

  it("delivers data, EOF and a peer that goes away", async () => {
    const { log, connection } = recorder();
    const t = createMemoryTransport();
    t.attach(connection);
    t.send("hi");
    t.sendEnd();
    t.hangUp(new Error("reset"));
    await t.closed;
    expect(log).toEqual(["data hi", "end", "close reset"]);
    expect(t.destroyed).toBe(true);
  });

  it("counts writes after end or destroy and tracks pause and resume", () => {
    let resumed = 0;
    const t = createMemoryTransport({ onResume: () => resumed++ });
    t.pause();
    expect(t.paused).toBe(true);
    t.resume();
    t.resume();
    expect(resumed).toBe(1);
    t.end();
    expect(t.ended).toBe(true);
    expect(t.write(Buffer.from("x"))).toBe(false);
    expect(t.writesAfterClose).toBe(1);
  });

  it("keeps nothing with record: false but still calls onWrite", () => {
    const seen: number[] = [];
    const t = createMemoryTransport({ record: false, onWrite: (b) => seen.push(b.length) });
    t.write(Buffer.alloc(5));
    expect(seen).toEqual([5]);
    expect(t.output().length).toBe(0);
  });

  it("refuses to deliver before a connection is attached", () => {
    expect(() => createMemoryTransport().send("x")).toThrow(/attach/);
  });
});
