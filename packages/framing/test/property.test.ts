// A property over the whole package: for any first part and request, the chooser either
// throws a FramingError or picks a framing whose bytes @k/parser reads back as exactly the
// status and body that were written (none for HEAD/1xx/204/304), never with both framing fields.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createFramer, isFramingError } from "@k/framing";
import type { FirstPart, FramingName, RequestInfo } from "@k/framing";
import { decodeResponse, headerValues } from "./support/decode.ts";
import { RecordingSink } from "./support/sink.ts";

const bytes = fc.uint8Array({ maxLength: 40 });
const scenario = fc.record({
  status: fc.constantFrom(101, 103, 200, 201, 204, 206, 301, 304, 404, 500, 599),
  method: fc.constantFrom("GET", "HEAD", "POST"),
  version: fc.constantFrom<"1.0" | "1.1">("1.0", "1.1"),
  first: fc.option(bytes, { nil: undefined }),
  parts: fc.array(bytes, { maxLength: 5 }),
  announce: fc.constantFrom("none", "length", "header", "done"),
  framing: fc.constantFrom<FramingName | undefined>(undefined, undefined, "chunked", "close", "content-length", "none"),
  teHeader: fc.boolean(),
});

describe("chooser and framers together", () => {
  it("either refuse with a FramingError or produce bytes that read back as written", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const total = (s.first?.length ?? 0) + (s.announce === "done" ? 0 : s.parts.reduce((n, p) => n + p.length, 0));
        const headers: [string, string][] = [["X-Case", "1"]];
        if (s.announce === "header") headers.push(["Content-Length", String(total)]);
        if (s.teHeader) headers.push(["Transfer-Encoding", "chunked"]);
        const first: FirstPart = { status: s.status, headers };
        if (s.first !== undefined) first.body = s.first;
        if (s.announce === "length") first.length = total;
        if (s.announce === "done") first.done = true;
        if (s.framing !== undefined) first.framing = s.framing;
        const request: RequestInfo = { method: s.method, version: s.version };

        const sink = new RecordingSink();
        let framer;
        try {
          framer = createFramer(sink, first, request);
        } catch (error) {
          expect(isFramingError(error), String(error)).toBe(true);
          expect(sink.writes.length).toBe(0);
          return;
        }
        framer.start(first.body);
        const parts = s.announce === "done" ? [] : s.parts;
        const noBody = s.method === "HEAD" || s.status < 200 || s.status === 204 || s.status === 304;
        const bodyOnBodiless = noBody && s.method !== "HEAD" && parts.some((p) => p.length > 0);
        try {
          for (const part of parts) framer.write(part);
        } catch (error) {
          // The one refusal left after a successful choice: body bytes for 1xx/204/304.
          expect(isFramingError(error) && error.code).toBe("ILLEGAL_FRAMING");
          expect(bodyOnBodiless).toBe(true);
          return;
        }
        expect(bodyOnBodiless).toBe(false);
        framer.end();

        const decoded = decodeResponse(sink.bytes(), { head: s.method === "HEAD", eof: framer.closeConnection });
        expect(decoded.status).toBe(s.status);
        expect(decoded.complete).toBe(true);
        const expected = noBody ? Buffer.alloc(0) : Buffer.concat([s.first ?? new Uint8Array(0), ...parts]);
        expect(decoded.body.equals(expected)).toBe(true);
        const lengths = headerValues(decoded.headers, "content-length");
        const codings = headerValues(decoded.headers, "transfer-encoding");
        expect(lengths.length + codings.length).toBeLessThanOrEqual(1);
        if (s.status < 200 || s.status === 204) expect(lengths.length + codings.length).toBe(0);
        if (s.version === "1.0") expect(codings).toEqual([]);
        expect(framer.closeConnection).toBe(headerValues(decoded.headers, "connection").includes("close"));
      }),
      { numRuns: 1500 },
    );
  });
});
