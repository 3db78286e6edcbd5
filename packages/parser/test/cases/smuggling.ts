// Request-smuggling cases, one or more per Node.js/llhttp advisory. Inputs follow the
// advisories' reports and Node's regression tests (cited per case); each must be refused
// so that no proxy/back-end pair can disagree about where a request ends.
import type { Case } from "../harness.ts";

const crlf = (lines: string[]): string => lines.join("\r\n");
const SMUGGLED = "GET /admin HTTP/1.1\r\nHost: a\r\n\r\n";

export const smugglingCases: Case[] = [
  // CVE-2019-15605: Transfer-Encoding obfuscation (HackerOne #735748)
  {
    name: "CVE-2019-15605: rejects `Transfer-Encoding: eee, chunked` beside Content-Length",
    reason: "CVE-2019-15605, HackerOne #735748; nodejs/node test/parallel/test-http-invalid-te.js",
    kind: "request",
    input: crlf(["POST / HTTP/1.1", "Content-Type: text/plain; charset=utf-8", "Host: hacker.exploit.com", "Connection: keep-alive", "Content-Length: 10", "Transfer-Encoding: eee, chunked", "", "HELLOWORLDPOST / HTTP/1.1", "Content-Type: text/plain; charset=utf-8", "Host: hacker.exploit.com", "Connection: keep-alive", "Content-Length: 28", "", "I AM A SMUGGLED REQUEST!!!", ""]),
    expect: { error: ["CONTENT_LENGTH_WITH_TRANSFER_ENCODING", "UNSUPPORTED_TRANSFER_CODING"], before: [] },
  },
  { name: "CVE-2019-15605: rejects `Transfer-Encoding: chunked , identity`", reason: "CVE-2019-15605 (TE obfuscation; a coding after chunked)", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked , identity\r\n\r\n0\r\n\r\n", expect: { error: ["CHUNKED_NOT_FINAL", "UNSUPPORTED_TRANSFER_CODING", "INVALID_TRANSFER_ENCODING"], before: [] } },
  { name: "CVE-2019-15605: rejects `Transfer-Encoding: xchunked`", reason: "CVE-2019-15605 (a coding that only contains chunked)", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", expect: { error: ["CHUNKED_NOT_FINAL", "UNSUPPORTED_TRANSFER_CODING"], before: [] } },
  { name: "CVE-2019-15605: rejects `Transfer-Encoding : chunked` (space before the colon)", reason: "CVE-2019-15605; RFC 9112 §5.1", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", expect: { error: "INVALID_HEADER_NAME", before: [] } },
  { name: "CVE-2019-15605: rejects a space-prefixed Transfer-Encoding line", reason: "CVE-2019-15605; RFC 9112 §5.2 (it is an obs-fold of the line above)", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\n Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", expect: { error: "OBS_FOLD", before: [] } },

  // CVE-2020-8287: duplicate Transfer-Encoding fields
  { name: "CVE-2020-8287: rejects `Transfer-Encoding: chunked` followed by `Transfer-Encoding: eee`", reason: "CVE-2020-8287 (HackerOne #1002188); RFC 9112 §6.3 ¶4", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: eee\r\n\r\n1\r\nA\r\n0\r\n\r\n" + SMUGGLED, expect: { error: ["CHUNKED_NOT_FINAL", "UNSUPPORTED_TRANSFER_CODING"], before: [] } },
  { name: "CVE-2020-8287: rejects `Transfer-Encoding: chunked` followed by `Transfer-Encoding: chunked-false`", reason: "CVE-2020-8287; nodejs/node test/parallel/test-http-transfer-encoding-smuggling.js", kind: "request", input: "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked-false\r\nConnection: upgrade\r\n\r\n1\r\nA\r\n0\r\n\r\nGET /flag HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", expect: { error: ["CHUNKED_NOT_FINAL", "UNSUPPORTED_TRANSFER_CODING"], before: [] } },

  // CVE-2021-22959: spaces before the colon of a field name
  { name: "CVE-2021-22959: rejects `Content-Length : 5`", reason: "CVE-2021-22959 (HackerOne #1238099); RFC 9112 §5.1", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\nhello", expect: { error: "INVALID_HEADER_NAME", before: [] } },
  { name: "CVE-2021-22959: rejects `Content-Length\\t: 5`", reason: "CVE-2021-22959; RFC 9112 §5.1", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length\t: 5\r\n\r\nhello", expect: { error: "INVALID_HEADER_NAME", before: [] } },

  // CVE-2021-22960: chunk extensions and chunk lines ended by bare LF/CR
  { name: "CVE-2021-22960: rejects a chunk extension ended by a bare LF", reason: "CVE-2021-22960 (HackerOne #1238709); nodejs/node test/parallel/test-http-chunked-smuggling.js", kind: "request", input: "GET / HTTP/1.1\r\nHost: localhost:8080\r\nTransfer-Encoding: chunked\r\n\r\n2;\nxx\r\n4c\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: localhost:8080\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", expect: { error: ["INVALID_CHUNK_EXTENSION", "INVALID_LINE_ENDING"], before: ["head GET / 1.1 [Host: localhost:8080, Transfer-Encoding: chunked] cl=-1 chunked=1 keepAlive=1 upgrade=0 expect=0"] } },
  { name: "CVE-2021-22960: rejects a chunk extension ended by a bare CR", reason: "CVE-2021-22960; RFC 9112 §2.2", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2;a\rxx\r\n0\r\n\r\n", expect: { error: ["INVALID_CHUNK_EXTENSION", "INVALID_LINE_ENDING"] } },
  { name: "CVE-2021-22960: rejects a bare LF after chunk data, whatever follows", reason: "CVE-2021-22960; RFC 9112 §7.1", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxx\n0\r\n\r\n", expect: { error: ["INVALID_CHUNK_DATA", "INVALID_LINE_ENDING"] } },

  // CVE-2022-32213: flawed Transfer-Encoding parsing
  { name: "CVE-2022-32213: rejects `Transfer-Encoding: chunkedchunked`", reason: "CVE-2022-32213 (HackerOne #1524555); nodejs/node test/parallel/test-http-transfer-encoding-repeated-chunked.js", kind: "request", input: "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunkedchunked\r\n\r\n1\r\nA\r\n0\r\n\r\n", expect: { error: ["CHUNKED_NOT_FINAL", "UNSUPPORTED_TRANSFER_CODING"], before: [] } },
  { name: "CVE-2022-32213: rejects a Transfer-Encoding value continued by obs-fold", reason: "CVE-2022-32213; RFC 9112 §5.2", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", expect: { error: "OBS_FOLD", before: [] } },
  { name: "CVE-2022-32213: rejects a bare CR inside a Transfer-Encoding value", reason: "CVE-2022-32213; RFC 9112 §2.2", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\rX: y\r\n\r\n0\r\n\r\n", expect: { error: ["INVALID_LINE_ENDING", "INVALID_HEADER_VALUE"], before: [] } },

  // CVE-2022-32214: bare LF as a field-line delimiter
  { name: "CVE-2022-32214: rejects a bare LF hiding Content-Length in the previous field", reason: "CVE-2022-32214 (HackerOne #1524692); nodejs/node test/parallel/test-http-missing-header-separator-lf.js", kind: "request", input: "GET / HTTP/1.1\r\nHost: localhost\r\nDummy: x\nContent-Length: 23\r\n\r\nGET / HTTP/1.1\r\nDummy: GET /admin HTTP/1.1\r\nHost: localhost\r\n\r\n", expect: { error: "INVALID_LINE_ENDING", before: [] } },
  { name: "CVE-2022-32214: rejects `Transfer-Encoding: chunked` ended by a bare LF", reason: "CVE-2022-32214", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\nContent-Length: 5\r\n\r\n0\r\n\r\n", expect: { error: "INVALID_LINE_ENDING", before: [] } },

  // CVE-2022-32215: multi-line Transfer-Encoding
  { name: "CVE-2022-32215: rejects a multi-line Transfer-Encoding", reason: "CVE-2022-32215 (HackerOne #1501679); RFC 9112 §5.2", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n , identity\r\n\r\n0\r\n\r\n", expect: { error: "OBS_FOLD", before: [] } },
  { name: "CVE-2022-32215: rejects a multi-line Transfer-Encoding even under allowObsFold", reason: "CVE-2022-32215: folded, the value is `chunked , identity`, whose final coding is not chunked", kind: "request", options: { allowObsFold: true }, input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n , identity\r\n\r\n0\r\n\r\n", expect: { error: ["CHUNKED_NOT_FINAL", "UNSUPPORTED_TRANSFER_CODING", "INVALID_TRANSFER_ENCODING"], before: [] } },

  // CVE-2022-35256: field lines not terminated by CRLF
  { name: "CVE-2022-35256: rejects a field line ended by CR without LF", reason: "CVE-2022-35256 (HackerOne #1675191); nodejs/node test/parallel/test-http-missing-header-separator-cr.js", kind: "request", input: "GET / HTTP/1.1\r\nHost: localhost\r\nDummy: x\rContent-Length: 23\r\n\r\nGET / HTTP/1.1\r\nDummy: GET /admin HTTP/1.1\r\nHost: localhost\r\n\r\n", expect: { error: ["INVALID_LINE_ENDING", "INVALID_HEADER_VALUE"], before: [] } },
  { name: "CVE-2022-35256: rejects a head whose final CRLF is a lone CR", reason: "CVE-2022-35256", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r0\r\n\r\n", expect: { error: "INVALID_LINE_ENDING", before: [] } },

  // CVE-2023-30589: CR not followed by LF accepted as a delimiter
  { name: "CVE-2023-30589: rejects `X-Abc: \\rxTransfer-Encoding: chunked`", reason: "CVE-2023-30589 (HackerOne #2001873; aiohttp GHSA-45c4-8wx5-qw6w reproducer)", kind: "request", input: "POST / HTTP/1.1\r\nHost: localhost:8080\r\nX-Abc: \rxTransfer-Encoding: chunked\r\n\r\n1\r\nA\r\n0\r\n\r\n", expect: { error: ["INVALID_LINE_ENDING", "INVALID_HEADER_VALUE"], before: [] } },
  { name: "CVE-2023-30589: rejects `Content-Length: 10\\r\\r\\n`", reason: "CVE-2023-30589; RFC 9112 §2.2", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\r\n\r\n0123456789", expect: { error: ["INVALID_LINE_ENDING", "INVALID_HEADER_VALUE", "INVALID_CONTENT_LENGTH"], before: [] } },

  // CVE-2024-22019: unbounded chunk extensions
  { name: "CVE-2024-22019: rejects a 100 KB chunk extension before its line ends", reason: "CVE-2024-22019 (HackerOne #2233486): extension bytes were read without limit", kind: "request", finish: false, input: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;${"a".repeat(100_000)}`, expect: { error: "CHUNK_EXTENSION_TOO_LARGE" } },
  { name: "CVE-2024-22019: rejects many small chunk extensions that add up", reason: "CVE-2024-22019: the limit is per message, not only per line", kind: "request", finish: false, input: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${"1;ext=val\r\nx\r\n".repeat(20_000)}`, expect: { error: "CHUNK_EXTENSION_TOO_LARGE" } },

  // CVE-2024-27982: Content-Length obfuscated by leading whitespace
  { name: "CVE-2024-27982: rejects a space before Content-Length as the first field", reason: "CVE-2024-27982 (llhttp PR #351: no obs-fold by default); RFC 9112 §2.2", kind: "request", input: "POST / HTTP/1.1\r\n Content-Length: 5\r\nHost: a\r\n\r\nhello", expect: { error: ["OBS_FOLD", "INVALID_HEADER_NAME", "INVALID_REQUEST_LINE"], before: [] } },
  { name: "CVE-2024-27982: rejects a space before Content-Length after another field", reason: "CVE-2024-27982; RFC 9112 §5.2", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\n Content-Length: 5\r\n\r\nhello", expect: { error: "OBS_FOLD", before: [] } },
  { name: "CVE-2024-27982: under allowObsFold a folded Content-Length stays part of the previous value", reason: "CVE-2024-27982: the fold must never create a Content-Length", kind: "request", options: { allowObsFold: true }, input: "POST / HTTP/1.1\r\nHost: a\r\nX: a\r\n Content-Length: 5\r\n\r\n", expect: ["head POST / 1.1 [Host: a, X: a Content-Length: 5] cl=-1 chunked=0 keepAlive=1 upgrade=0 expect=0", "complete []"] },

  // CVE-2025-23167: head terminated by \r\n\rX
  { name: "CVE-2025-23167: rejects a head ended by `\\r\\n\\rX`", reason: "CVE-2025-23167 (llhttp 9.2.0: headers terminated by \\r\\n\\rX)", kind: "request", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\rXGET /admin HTTP/1.1\r\nHost: a\r\n\r\n", expect: { error: "INVALID_LINE_ENDING", before: [] } },
  { name: "CVE-2025-23167: rejects a response head ended by `\\r\\n\\rX`", reason: "CVE-2025-23167", kind: "response", input: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\rXHTTP/1.1 200 OK\r\n\r\n", expect: { error: "INVALID_LINE_ENDING", before: [] } },
];
