import { describe, expect, it } from "vitest";
import { defaultStreamBytes, defaultStreamChunk, generatePattern, maxStreamBytes, parseStreamQuery } from "k-demo";

describe("parseStreamQuery", () => {
  it("uses 1 MiB in 16 KiB parts by default", () => {
    expect(parseStreamQuery("")).toEqual({ bytes: defaultStreamBytes, chunk: defaultStreamChunk });
    expect(defaultStreamBytes).toBe(1_048_576);
    expect(defaultStreamChunk).toBe(16_384);
  });

  it("reads bytes and chunk within their limits", () => {
    expect(parseStreamQuery("?bytes=0&chunk=1")).toEqual({ bytes: 0, chunk: 1 });
    expect(parseStreamQuery("bytes=1099511627776&chunk=1048576")).toEqual({ bytes: maxStreamBytes, chunk: 1_048_576 });
    expect(parseStreamQuery("?chunk=7&other=x")).toEqual({ bytes: defaultStreamBytes, chunk: 7 });
  });

  it("refuses values that are not digits or out of range, and repeated parameters", () => {
    for (const query of ["?bytes=1099511627777", "?bytes=-1", "?bytes=1e3", "?bytes=", "?bytes=0x10", "?chunk=0", "?chunk=1048577", "?bytes=%2B5", "?bytes=1&bytes=2"]) {
      expect(typeof parseStreamQuery(query), query).toBe("string");
    }
  });
});

describe("generatePattern", () => {
  it("produces byte i as i mod 256 in parts of the chunk size, the last one shorter", async () => {
    const parts: Uint8Array[] = [];
    for await (const part of generatePattern(1000, 300)) parts.push(Uint8Array.from(part));
    expect(parts.map((p) => p.length)).toEqual([300, 300, 300, 100]);
    const all = Buffer.concat(parts);
    for (let i = 0; i < all.length; i++) if (all[i] !== i % 256) throw new Error(`byte ${i} is ${all[i]}`);
  });

  it("produces nothing for zero bytes", async () => {
    const parts: Uint8Array[] = [];
    for await (const part of generatePattern(0, 16)) parts.push(part);
    expect(parts).toEqual([]);
  });
});
