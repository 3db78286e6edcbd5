// The streaming UTF-8 encoder: fixed cases and a property over every split of any string,
// including lone surrogates, against TextEncoder.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Utf8StreamEncoder } from "@k/framing";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

function encodeParts(parts: readonly string[]): Uint8Array {
  const encoder = new Utf8StreamEncoder();
  const out = parts.map((part) => encoder.encode(part));
  out.push(encoder.end());
  return Buffer.concat(out);
}

// Any UTF-16 unit sequence: code points from the whole range plus lone surrogate halves.
const unit = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)),
);
const anyString = fc.string({ unit, maxLength: 40 });

describe("Utf8StreamEncoder", () => {
  it("encodes ASCII, 2-, 3- and 4-byte sequences", () => {
    const encoder = new Utf8StreamEncoder();
    expect(hex(encoder.encode("A\u00e9\u20ac\u{1F600}"))).toBe("41c3a9e282acf09f9880");
    expect(encoder.end().length).toBe(0);
  });

  it("holds a high surrogate at the end of a part and joins it with the next part's low surrogate", () => {
    const encoder = new Utf8StreamEncoder();
    expect(hex(encoder.encode("a\ud83d"))).toBe("61");
    expect(encoder.pending).toBe(true);
    expect(hex(encoder.encode("\ude00b"))).toBe("f09f988062");
    expect(encoder.pending).toBe(false);
  });

  it("carries a high surrogate across empty parts", () => {
    const encoder = new Utf8StreamEncoder();
    expect(encoder.encode("\ud83d").length).toBe(0);
    expect(encoder.encode("").length).toBe(0);
    expect(hex(encoder.encode("\ude00"))).toBe("f09f9880");
  });

  it("writes U+FFFD for a held high surrogate not followed by a low one", () => {
    const encoder = new Utf8StreamEncoder();
    encoder.encode("\ud83d");
    expect(hex(encoder.encode("x"))).toBe("efbfbd78");
  });

  it("writes U+FFFD for lone surrogates inside a part", () => {
    expect(hex(new Utf8StreamEncoder().encode("\ude00a\ud800b"))).toBe("efbfbd61efbfbd62");
  });

  it("flushes a held high surrogate as U+FFFD at end() and is reusable after", () => {
    const encoder = new Utf8StreamEncoder();
    encoder.encode("\udbff");
    expect(hex(encoder.end())).toBe("efbfbd");
    expect(encoder.end().length).toBe(0);
    expect(hex(encoder.encode("ok"))).toBe("6f6b");
  });

  it("returns arrays the caller owns (later calls do not change earlier results)", () => {
    const encoder = new Utf8StreamEncoder();
    const a = encoder.encode("first");
    encoder.encode("second");
    expect(Buffer.from(a).toString()).toBe("first");
  });

  it("gives TextEncoder's bytes for any string split anywhere", () => {
    const reference = new TextEncoder();
    fc.assert(
      fc.property(anyString, fc.array(fc.nat(), { maxLength: 6 }), (text, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((x, y) => x - y);
        const parts: string[] = [];
        let from = 0;
        for (const p of points) {
          parts.push(text.slice(from, p));
          from = p;
        }
        parts.push(text.slice(from));
        expect(hex(encodeParts(parts))).toBe(hex(reference.encode(text)));
      }),
      { numRuns: 2000 },
    );
  });

  it("gives TextEncoder's bytes for every 2-way split of a string dense in surrogates", () => {
    const text = "\ud83d\ude00\ud83d\ud83d\ude00\ude00x\udbff\udfff\ud800";
    const expected = hex(new TextEncoder().encode(text));
    for (let cut = 0; cut <= text.length; cut++) {
      expect(hex(encodeParts([text.slice(0, cut), text.slice(cut)]))).toBe(expected);
    }
    expect(hex(encodeParts([...text]))).toBe(expected);
  });
});
