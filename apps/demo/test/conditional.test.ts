import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createETag, evaluatePreconditions, formatHttpDate, ifRangeAllows, parseHttpDate, parseRange } from "k-demo";
import type { ConditionalRequest } from "k-demo";

const mtimeMs = Date.UTC(2026, 10, 24, 12, 0, 0) + 250; // sub-second part, as file systems give
const etag = createETag({ size: 1000, mtimeMs });
const lastModified = formatHttpDate(mtimeMs);

function request(fields: Partial<ConditionalRequest>): ConditionalRequest {
  return { method: "GET", ifMatch: null, ifNoneMatch: null, ifModifiedSince: null, ifUnmodifiedSince: null, ...fields };
}

describe("validators", () => {
  it("makes a weak ETag from size and mtime", () => {
    expect(etag).toBe(`W/"3e8-${Math.floor(mtimeMs).toString(16)}"`);
    expect(createETag({ size: 1001, mtimeMs })).not.toBe(etag);
    expect(createETag({ size: 1000, mtimeMs: mtimeMs + 1 })).not.toBe(etag);
  });

  it("formats and parses IMF-fixdate, refusing other forms", () => {
    expect(lastModified).toBe("Tue, 24 Nov 2026 12:00:00 GMT");
    expect(parseHttpDate(lastModified)).toBe(Date.UTC(2026, 10, 24, 12, 0, 0));
    expect(parseHttpDate("Tuesday, 24-Nov-26 12:00:00 GMT")).toBeNaN();
    expect(parseHttpDate("2026-11-24T12:00:00Z")).toBeNaN();
    expect(parseHttpDate("Tue, 24 Nov 2026 25:00:00 GMT")).toBeNaN();
  });
});

describe("evaluatePreconditions (RFC 9110 §13.2.2)", () => {
  it("proceeds without conditions", () => {
    expect(evaluatePreconditions(request({}), etag, mtimeMs)).toBe("proceed");
  });

  it("answers 304 to a matching If-None-Match, comparing weakly, and to *", () => {
    expect(evaluatePreconditions(request({ ifNoneMatch: etag }), etag, mtimeMs)).toBe(304);
    expect(evaluatePreconditions(request({ ifNoneMatch: etag.slice(2) }), etag, mtimeMs)).toBe(304);
    expect(evaluatePreconditions(request({ ifNoneMatch: `"other", ${etag}` }), etag, mtimeMs)).toBe(304);
    expect(evaluatePreconditions(request({ ifNoneMatch: "*" }), etag, mtimeMs)).toBe(304);
    expect(evaluatePreconditions(request({ method: "HEAD", ifNoneMatch: etag }), etag, mtimeMs)).toBe(304);
    expect(evaluatePreconditions(request({ ifNoneMatch: '"other"' }), etag, mtimeMs)).toBe("proceed");
  });

  it("answers 304 to If-Modified-Since at or after Last-Modified, to the second", () => {
    expect(evaluatePreconditions(request({ ifModifiedSince: lastModified }), etag, mtimeMs)).toBe(304);
    expect(evaluatePreconditions(request({ ifModifiedSince: formatHttpDate(mtimeMs + 3600_000) }), etag, mtimeMs)).toBe(304);
    expect(evaluatePreconditions(request({ ifModifiedSince: formatHttpDate(mtimeMs - 1000) }), etag, mtimeMs)).toBe("proceed");
    expect(evaluatePreconditions(request({ ifModifiedSince: "yesterday" }), etag, mtimeMs)).toBe("proceed");
  });

  it("lets If-None-Match take precedence over If-Modified-Since", () => {
    expect(evaluatePreconditions(request({ ifNoneMatch: '"other"', ifModifiedSince: lastModified }), etag, mtimeMs)).toBe("proceed");
  });

  it("ignores If-Modified-Since on methods other than GET and HEAD", () => {
    expect(evaluatePreconditions(request({ method: "POST", ifModifiedSince: lastModified }), etag, mtimeMs)).toBe("proceed");
  });

  it("answers 412 when If-Match or If-Unmodified-Since fail, and weak tags never match If-Match", () => {
    expect(evaluatePreconditions(request({ ifMatch: etag }), etag, mtimeMs)).toBe(412);
    expect(evaluatePreconditions(request({ ifMatch: "*" }), etag, mtimeMs)).toBe("proceed");
    expect(evaluatePreconditions(request({ ifUnmodifiedSince: formatHttpDate(mtimeMs - 1000) }), etag, mtimeMs)).toBe(412);
    expect(evaluatePreconditions(request({ ifUnmodifiedSince: lastModified }), etag, mtimeMs)).toBe("proceed");
  });
});

describe("parseRange (RFC 9110 §14.1.2)", () => {
  it("parses the three single-range forms", () => {
    expect(parseRange("bytes=0-99", 1000)).toEqual({ kind: "range", range: { start: 0, end: 99 } });
    expect(parseRange("bytes=900-", 1000)).toEqual({ kind: "range", range: { start: 900, end: 999 } });
    expect(parseRange("bytes=-100", 1000)).toEqual({ kind: "range", range: { start: 900, end: 999 } });
    expect(parseRange("Bytes = 5-5", 1000)).toEqual({ kind: "range", range: { start: 5, end: 5 } });
  });

  it("clamps an end or a suffix beyond the representation", () => {
    expect(parseRange("bytes=990-5000", 1000)).toEqual({ kind: "range", range: { start: 990, end: 999 } });
    expect(parseRange("bytes=-5000", 1000)).toEqual({ kind: "range", range: { start: 0, end: 999 } });
  });

  it("finds a range starting at or past the end, a zero suffix, or any range of an empty file unsatisfiable", () => {
    expect(parseRange("bytes=1000-", 1000)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=1000-1001", 1000)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=-0", 1000)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=0-", 0)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=-1", 0)).toEqual({ kind: "unsatisfiable" });
  });

  it("ignores invalid syntax, other units and multiple ranges", () => {
    for (const header of ["bytes=5-1", "bytes=a-b", "bytes=-", "bytes 0-1", "items=0-1", "bytes=0-1,5-6", "bytes=+1-2", "bytes=0x1-2"]) {
      expect(parseRange(header, 1000), header).toEqual({ kind: "none" });
    }
    expect(parseRange(null, 1000)).toEqual({ kind: "none" });
  });
});

describe("ifRangeAllows (RFC 9110 §13.1.5)", () => {
  it("allows the range without If-Range or with the exact Last-Modified date", () => {
    expect(ifRangeAllows(null, etag, mtimeMs)).toBe(true);
    expect(ifRangeAllows(lastModified, etag, mtimeMs)).toBe(true);
  });

  it("refuses the range for another date, and for any entity-tag because ours are weak", () => {
    expect(ifRangeAllows(formatHttpDate(mtimeMs + 1000), etag, mtimeMs)).toBe(false);
    expect(ifRangeAllows(etag, etag, mtimeMs)).toBe(false);
    expect(ifRangeAllows(etag.slice(2), etag, mtimeMs)).toBe(false);
  });
});

describe("parseRange, for any header and size", () => {
  it("returns only ranges inside the representation", () => {
    const spec = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.tuple(fc.option(fc.nat({ max: 3000 })), fc.option(fc.nat({ max: 3000 }))).map(([a, b]) => `bytes=${a ?? ""}-${b ?? ""}`),
    );
    fc.assert(
      fc.property(spec, fc.nat({ max: 2000 }), (header, size) => {
        const result = parseRange(header, size);
        if (result.kind !== "range") return true;
        const { start, end } = result.range;
        return Number.isSafeInteger(start) && Number.isSafeInteger(end) && 0 <= start && start <= end && end < size;
      }),
      { numRuns: 3000 },
    );
  });
});
