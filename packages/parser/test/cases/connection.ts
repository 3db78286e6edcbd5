// Several messages on one stream: pipelining, data after close, limits (RFC 9112 §9.3,
// §9.6; RFC 9110 §15.5.15 (414), RFC 6585 §5 (431)).
import type { Case } from "../harness.ts";

const g = (path: string, extra = ""): string => `GET ${path} HTTP/1.1\r\nHost: a\r\n${extra}\r\n`;
const gHead = (path: string, fields = "Host: a", keepAlive = 1): string =>
  `head GET ${path} 1.1 [${fields}] cl=-1 chunked=0 keepAlive=${keepAlive} upgrade=0 expect=0`;

const bigValue = "v".repeat(17000);
const exactHead = (size: number): string => {
  // "GET / HTTP/1.1\r\nHost: a\r\nX: " + value + "\r\n\r\n" is `size` bytes long.
  const fixed = "GET / HTTP/1.1\r\nHost: a\r\nX: \r\n\r\n".length;
  return `GET / HTTP/1.1\r\nHost: a\r\nX: ${"x".repeat(size - fixed)}\r\n\r\n`;
};
const manyFields = (n: number): string =>
  `GET / HTTP/1.1\r\nHost: a\r\n${Array.from({ length: n - 1 }, (_, i) => `F${i}: ${i}\r\n`).join("")}\r\n`;

export const connectionCases: Case[] = [
  { name: "reads three pipelined requests from one buffer", reason: "RFC 9112 §9.3.2; llhttp test/request/pipelining.md", kind: "request", input: g("/1") + "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" + "PUT /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n", expect: [gHead("/1"), "complete []", "head POST /2 1.1 [Host: a, Content-Length: 3] cl=3 chunked=0 keepAlive=1 upgrade=0 expect=0", "body abc", "complete []", "head PUT /3 1.1 [Host: a, Transfer-Encoding: chunked] cl=-1 chunked=1 keepAlive=1 upgrade=0 expect=0", "body de", "complete []"] },
  { name: "reads a pipelined request cut mid-head as UNEXPECTED_EOF after the first completes", reason: "RFC 9112 §8", kind: "request", input: g("/1") + "GET /2 HTT", expect: { error: "UNEXPECTED_EOF", before: [gHead("/1"), "complete []"] } },
  { name: "rejects bytes after a Connection: close request", reason: "RFC 9112 §9.6 (a server MUST NOT process further requests after close)", kind: "request", input: g("/1", "Connection: close\r\n") + g("/2"), expect: { error: "DATA_AFTER_CLOSE", before: [gHead("/1", "Host: a, Connection: close", 0), "complete []"] } },
  { name: "rejects bytes after an HTTP/1.0 request without keep-alive", reason: "RFC 9112 §9.3", kind: "request", input: "GET /1 HTTP/1.0\r\n\r\n" + g("/2"), expect: { error: "DATA_AFTER_CLOSE", before: ["head GET /1 1.0 [] cl=-1 chunked=0 keepAlive=0 upgrade=0 expect=0", "complete []"] } },
  { name: "rejects bytes after a Connection: close response", reason: "RFC 9112 §9.6", kind: "response", input: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\n\r\n", expect: { error: "DATA_AFTER_CLOSE", before: ['head 200 "OK" 1.1 [Connection: close, Content-Length: 1] cl=1 chunked=0 keepAlive=0 upgrade=0', "body x", "complete []"] } },
  // limits
  { name: "reads a head of exactly maxHeadSize bytes", reason: "contract: maxHeadSize counts start line + fields + final CRLF", kind: "request", options: { maxHeadSize: 256 }, input: exactHead(256), expect: [gHead("/", `Host: a, X: ${"x".repeat(256 - 32)}`), "complete []"] },
  { name: "rejects a head one byte over maxHeadSize", reason: "RFC 6585 §5 (431)", kind: "request", options: { maxHeadSize: 256 }, input: exactHead(257), expect: { error: "HEAD_TOO_LARGE", before: [] } },
  { name: "rejects a head over the default 16 KiB", reason: "contract: defaultMaxHeadSize = 16384", kind: "request", input: `GET / HTTP/1.1\r\nHost: a\r\nX: ${bigValue}\r\n\r\n`, expect: { error: "HEAD_TOO_LARGE", before: [] } },
  { name: "rejects an endless head line before the head ends", reason: "RFC 6585 §5; bounded memory for a head that never ends", kind: "request", finish: false, input: `GET / HTTP/1.1\r\nHost: a\r\nX: ${bigValue}`, expect: { error: "HEAD_TOO_LARGE", before: [] } },
  { name: "reads exactly maxHeaderCount fields", reason: "contract: maxHeaderCount", kind: "request", options: { maxHeaderCount: 3 }, input: manyFields(3), expect: [gHead("/", "Host: a, F0: 0, F1: 1"), "complete []"] },
  { name: "rejects one field over maxHeaderCount", reason: "RFC 6585 §5 (431)", kind: "request", options: { maxHeaderCount: 3 }, input: manyFields(4), expect: { error: "TOO_MANY_HEADERS", before: [] } },
  { name: "rejects more than the default 2000 fields", reason: "contract: defaultMaxHeaderCount = 2000 (node:http's maxHeadersCount); a head large enough to hold them", kind: "request", options: { maxHeadSize: 65536 }, input: manyFields(2001), expect: { error: "TOO_MANY_HEADERS", before: [] } },
  { name: "reads 2000 fields under the default limit", reason: "contract: defaultMaxHeaderCount = 2000", kind: "request", options: { maxHeadSize: 65536 }, input: manyFields(2000), expect: [gHead("/", ["Host: a", ...Array.from({ length: 1999 }, (_, i) => `F${i}: ${i}`)].join(", ")), "complete []"] },
  { name: "reads a 102-field request within the default head size", reason: "issue 8: the old default of 100 refused a legitimate 102-field request with 431; node:http takes it", kind: "request", input: manyFields(102), expect: [gHead("/", ["Host: a", ...Array.from({ length: 101 }, (_, i) => `F${i}: ${i}`)].join(", ")), "complete []"] },
  { name: "stops a flood of the shortest fields at the default head size", reason: "contract: maxHeadSize bounds the field count's memory (16 KiB holds ~4,000 'a:' lines, more than the count limit)", kind: "request", input: `GET / HTTP/1.1\r\nHost: a\r\n${"a:\r\n".repeat(4100)}\r\n`, expect: { error: ["TOO_MANY_HEADERS", "HEAD_TOO_LARGE"], before: [] } },
  { name: "reads a target of exactly maxTargetLength bytes", reason: "contract: maxTargetLength", kind: "request", options: { maxTargetLength: 8 }, input: g("/1234567"), expect: [gHead("/1234567"), "complete []"] },
  { name: "rejects a target one byte over maxTargetLength", reason: "RFC 9110 §15.5.15 (414)", kind: "request", options: { maxTargetLength: 8 }, input: g("/12345678"), expect: { error: "TARGET_TOO_LONG", before: [] } },
  { name: "rejects a target over the default 8 KiB", reason: "contract: defaultMaxTargetLength = 8192", kind: "request", input: g(`/${"a".repeat(8192)}`), expect: { error: "TARGET_TOO_LONG", before: [] } },
  { name: "counts fields of a trailer section apart from the head limits", reason: "contract: maxTrailerSize bounds trailers; maxHeadSize the head", kind: "request", options: { maxHeadSize: 64 }, input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 0123456789\r\n\r\n", expect: ["head POST / 1.1 [Host: a, Transfer-Encoding: chunked] cl=-1 chunked=1 keepAlive=1 upgrade=0 expect=0", "complete [T: 0123456789]"] },
];
