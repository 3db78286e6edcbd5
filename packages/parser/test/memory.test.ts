// Memory stays bounded: a chunk-extension flood is cut off at the limit (CVE-2024-22019)
// and a 64 MiB chunked body streams through without being kept. Heap growth is measured
// (JS heap plus ArrayBuffer stores) around forced collections; the bounds are generous
// against noise and far below the data size.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { createParser, defaultMaxChunkExtensionSize, isParseError } from "@k/parser";

// The same trick Node's own tests use when --expose-gc is not on the command line.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** JS heap plus ArrayBuffer backing stores (where a retained copy of bytes would live). */
function heapUsed(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const MiB = 1024 * 1024;
const head = Buffer.from("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", "latin1");

/** 64 KiB of wire bytes made of 16 whole chunks of 4,089 data bytes (4,096 on the wire each). */
function chunkedPiece(): Buffer {
  const data = Buffer.alloc(0xff9, 0x61);
  const one = Buffer.concat([Buffer.from("ff9\r\n"), data, Buffer.from("\r\n")]);
  expect(one.length).toBe(4096);
  return Buffer.concat(Array.from({ length: 16 }, () => one));
}

describe("memory", () => {
  it("cuts a multi-megabyte chunk-extension flood off at the limit, without buffering it (CVE-2024-22019)", () => {
    const flood = Buffer.alloc(64 * 1024, 0x61); // 'a': a valid token byte, so only the limit can stop it
    const parser = createParser("request", { onHead() {}, onBody() {}, onComplete() {} });
    const before = heapUsed();
    parser.push(head);
    parser.push(Buffer.from("1;"));
    let pushed = 0;
    let code = "";
    for (let i = 0; i < 64 && code === ""; i++) {
      try {
        parser.push(flood);
        pushed += flood.length;
      } catch (error) {
        if (!isParseError(error)) throw error;
        code = error.code;
      }
    }
    const growth = heapUsed() - before;
    expect(code).toBe("CHUNK_EXTENSION_TOO_LARGE");
    // Stopped within the first pieces after the limit, not after megabytes.
    expect(pushed).toBeLessThanOrEqual(defaultMaxChunkExtensionSize + flood.length);
    expect(growth).toBeLessThan(2 * MiB);
  });

  it("cuts off a flood of small extensions spread over many chunks", () => {
    const piece = Buffer.from("1;ext=value\r\nx\r\n".repeat(4096), "latin1");
    const parser = createParser("request", { onHead() {}, onBody() {}, onComplete() {} });
    parser.push(head);
    let pushed = 0;
    let code = "";
    for (let i = 0; i < 128 && code === ""; i++) {
      try {
        parser.push(piece);
        pushed += piece.length;
      } catch (error) {
        if (!isParseError(error)) throw error;
        code = error.code;
      }
    }
    expect(code).toBe("CHUNK_EXTENSION_TOO_LARGE");
    expect(pushed).toBeLessThan(8 * MiB);
  });

  const streams: [string, number][] = [
    ["64 KiB", 64 * 1024],
    ["1,460-byte", 1460],
  ];
  for (const [label, size] of streams) {
    it(`streams a 64 MiB chunked body pushed in ${label} pieces with bounded heap`, () => {
      const piece = chunkedPiece();
      let bodyBytes = 0;
      let completes = 0;
      const parser = createParser("request", {
        onHead() {},
        onBody(bytes) {
          bodyBytes += bytes.length;
        },
        onComplete() {
          completes++;
        },
      });
      parser.push(head);
      const before = heapUsed();
      let peak = 0;
      const total = 64 * MiB;
      let offset = 0; // position in the endless repetition of `piece`
      for (let sent = 0; sent < total; ) {
        const at = offset % piece.length;
        const n = Math.min(size, piece.length - at, total - sent);
        expect(parser.push(piece.subarray(at, at + n))).toBe(n);
        sent += n;
        offset += n;
        if (sent % (8 * MiB) < n) {
          const m = process.memoryUsage();
          peak = Math.max(peak, m.heapUsed + m.arrayBuffers - before);
        }
      }
      parser.push(Buffer.from("0\r\n\r\n"));
      parser.finish();
      const growth = heapUsed() - before;
      expect(completes).toBe(1);
      expect(bodyBytes).toBe((total / 4096) * 0xff9);
      // Retaining the body would cost 64 MiB; garbage between collections stays well under that.
      expect(growth).toBeLessThan(4 * MiB);
      expect(peak).toBeLessThan(48 * MiB);
    });
  }
});
