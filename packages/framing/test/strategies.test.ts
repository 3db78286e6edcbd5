// Runs the one Framer conformance suite against every strategy: the three built-in body
// framings and a user-written one.
import { expect } from "vitest";
import { chunkedFraming, closeFraming, contentLengthFraming } from "@k/framing";
import { runFramerConformance } from "./conformance.ts";
import { bufferedFraming } from "./support/custom-framers.ts";
import { headerValues } from "./support/decode.ts";

runFramerConformance("content-length", {
  factory: contentLengthFraming,
  version: "1.1",
  usesLength: true,
  closeDelimited: false,
  buffersBody: false,
  expectFraming(decoded, length) {
    expect(headerValues(decoded.headers, "content-length")).toEqual([String(length)]);
    expect(headerValues(decoded.headers, "transfer-encoding")).toEqual([]);
  },
});

runFramerConformance("content-length to an HTTP/1.0 client", {
  factory: contentLengthFraming,
  version: "1.0",
  usesLength: true,
  closeDelimited: false,
  buffersBody: false,
  expectFraming(decoded, length) {
    expect(headerValues(decoded.headers, "content-length")).toEqual([String(length)]);
  },
});

runFramerConformance("chunked", {
  factory: chunkedFraming,
  version: "1.1",
  usesLength: false,
  closeDelimited: false,
  buffersBody: false,
  expectFraming(decoded) {
    expect(headerValues(decoded.headers, "transfer-encoding")).toEqual(["chunked"]);
    expect(headerValues(decoded.headers, "content-length")).toEqual([]);
  },
});

runFramerConformance("close", {
  factory: closeFraming,
  version: "1.0",
  usesLength: false,
  closeDelimited: true,
  buffersBody: false,
  expectFraming(decoded) {
    expect(headerValues(decoded.headers, "connection")).toEqual(["close"]);
    expect(headerValues(decoded.headers, "content-length")).toEqual([]);
    expect(headerValues(decoded.headers, "transfer-encoding")).toEqual([]);
  },
});

runFramerConformance("buffered (user)", {
  factory: bufferedFraming,
  version: "1.1",
  usesLength: true,
  closeDelimited: false,
  buffersBody: true,
  expectFraming(decoded, length) {
    expect(headerValues(decoded.headers, "content-length")).toEqual([String(length)]);
  },
});
