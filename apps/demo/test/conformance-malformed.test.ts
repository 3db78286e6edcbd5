/*
 * RFC 9110/9112 conformance and request smuggling, black-box, against the BUILT k-demo over
 * raw `net` sockets: every malformed or ambiguous request is a data row (with its RFC section
 * or CVE) that must get exactly one response with the expected status, `Connection: close`,
 * and the connection closed by the server, with NO second response: each row is followed on
 * the same write by a well-formed request for /hello, so a server that mis-frames the bad
 * request answers that "smuggled" request too, and the row fails.
 *
 * Does not: test valid requests (conformance-valid.test.ts) or real clients
 * (conformance-clients.test.ts). Every socket is bounded by a timeout.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemo } from "./helpers.ts";
import type { RunningDemo } from "./helpers.ts";

let demo: RunningDemo;

beforeAll(async () => {
  demo = await startDemo(["--port", "0"]);
});

afterAll(async () => {
  await demo?.stop();
});

const CASE_TIMEOUT_MS = 4_000;
/** Appended to every malformed request: answering it means the server was desynchronised. */
const SMUGGLED = "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n";

interface Talk {
  raw: Buffer;
  /** The server ended the connection (FIN or RST) before the timeout. */
  closed: boolean;
  reset: boolean;
}

/**
 * Writes `data` on a fresh connection and collects what comes back until the server ends
 * the connection or `timeoutMs` passes (then `closed` is false: a finding, not a throw).
 * A reset after the server's answer counts as closed: RFC 9112 §9.6 allows it.
 */
function talk(port: number, data: string | Uint8Array, timeoutMs = CASE_TIMEOUT_MS): Promise<Talk> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let reset = false;
    const socket = connect({ port, host: "127.0.0.1" });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ raw: Buffer.concat(chunks), closed: false, reset });
    }, timeoutMs);
    socket.on("connect", () => socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNRESET" || error.code === "EPIPE") reset = true;
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ raw: Buffer.concat(chunks), closed: true, reset });
    });
  });
}

interface Response {
  statusLine: string;
  status: number;
  /** [name, value] as received. */
  fields: [string, string][];
  body: Buffer;
}

function field(response: Response, name: string): string[] {
  return response.fields.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
}

/**
 * Reads one response from raw[offset...]: Content-Length framing only (every error
 * response must announce its length). Returns it and the offset after it.
 */
function readResponse(raw: Buffer, offset: number): { response: Response; end: number } {
  const headEnd = raw.indexOf("\r\n\r\n", offset, "latin1");
  if (headEnd === -1) throw new Error(`no complete response head in ${JSON.stringify(raw.toString("latin1", offset, offset + 300))}`);
  const [statusLine, ...lines] = raw.toString("latin1", offset, headEnd).split("\r\n");
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(`${statusLine} `);
  if (match === null) throw new Error(`bad status line ${JSON.stringify(statusLine)}`);
  const fields = lines.map((line): [string, string] => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  const response: Response = { statusLine: statusLine!, status: Number(match[1]), fields, body: Buffer.alloc(0) };
  const lengths = field(response, "content-length");
  if (lengths.length !== 1 || !/^\d+$/.test(lengths[0]!)) throw new Error(`expected one Content-Length, got ${JSON.stringify(lengths)}`);
  const start = headEnd + 4;
  const end = start + Number(lengths[0]);
  if (end > raw.length) throw new Error(`short body: ${raw.length - start} of ${lengths[0]} bytes`);
  response.body = raw.subarray(start, end);
  return { response, end };
}

interface BadCase {
  name: string;
  reason: string;
  request: string;
  /** The status the server must answer, or the acceptable ones. */
  status: number | readonly number[];
  /** Do not append the smuggled request (the row is about the size of the request itself). */
  alone?: boolean;
}

const TE_CHUNKED_BODY = "3\r\nabc\r\n0\r\n\r\n";
const post = (fields: string, body = ""): string => `POST /echo HTTP/1.1\r\nHost: a\r\n${fields}\r\n${body}`;
const get = (line: string, fields = "Host: a\r\n"): string => `${line}\r\n${fields}\r\n`;

const badCases: BadCase[] = [
  // --- Content-Length / Transfer-Encoding framing (RFC 9112 §6) ---
  { name: "Content-Length with Transfer-Encoding", reason: "RFC 9112 §6.1 ¶15, §6.3 ¶3 (request smuggling)", request: post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), status: 400 },
  { name: "Transfer-Encoding before Content-Length", reason: "RFC 9112 §6.1 ¶15", request: post("Transfer-Encoding: chunked\r\nContent-Length: 13\r\n", TE_CHUNKED_BODY), status: 400 },
  { name: "Transfer-Encoding: xchunked", reason: "RFC 9112 §6.1 (unknown coding); CVE-2019-15605", request: post("Transfer-Encoding: xchunked\r\n", TE_CHUNKED_BODY), status: [400, 501] },
  { name: "Transfer-Encoding: chunked, identity (chunked not final)", reason: "RFC 9112 §6.3 ¶4 (final coding must be chunked)", request: post("Transfer-Encoding: chunked, identity\r\n", TE_CHUNKED_BODY), status: 400 },
  { name: "Transfer-Encoding: identity, chunked", reason: "RFC 9112 §6.1 (identity is no registered coding: 501), §7", request: post("Transfer-Encoding: identity, chunked\r\n", TE_CHUNKED_BODY), status: [400, 501] },
  { name: "Transfer-Encoding: gzip, chunked", reason: "RFC 9112 §6.1 ¶11 (a server that does not understand a coding answers 501)", request: post("Transfer-Encoding: gzip, chunked\r\n", TE_CHUNKED_BODY), status: 501 },
  { name: "Transfer-Encoding: chunkedchunked", reason: "CVE-2022-32213", request: post("Transfer-Encoding: chunkedchunked\r\n", TE_CHUNKED_BODY), status: [400, 501] },
  { name: "two Transfer-Encoding: chunked lines (chunked applied twice)", reason: "RFC 9112 §6.1 ¶8 (MUST NOT apply chunked more than once)", request: post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", TE_CHUNKED_BODY), status: 400 },
  { name: "Transfer-Encoding: chunked then Transfer-Encoding: eee", reason: "CVE-2020-8287; RFC 9110 §5.3 (one list)", request: post("Transfer-Encoding: chunked\r\nTransfer-Encoding: eee\r\n", TE_CHUNKED_BODY), status: [400, 501] },
  { name: "Transfer-Encoding : chunked (space before the colon)", reason: "CVE-2019-15605; RFC 9112 §5.1", request: post("Transfer-Encoding : chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"), status: 400 },
  { name: "Transfer-Encoding in HTTP/1.0", reason: "RFC 9112 §6.1 ¶16 (MUST treat the framing as faulty)", request: `POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n${TE_CHUNKED_BODY}`, status: 400 },
  { name: "Transfer-Encoding continued by obs-fold", reason: "CVE-2022-32215; RFC 9112 §5.2", request: post("Transfer-Encoding: chunked\r\n , identity\r\n", "0\r\n\r\n"), status: 400 },
  { name: "Transfer-Encoding with an empty value", reason: "RFC 9112 §6.1 (1#transfer-coding)", request: post("Transfer-Encoding: \r\n", TE_CHUNKED_BODY), status: [400, 501] },
  { name: "Transfer-Encoding: \"chunked\" (quoted)", reason: "RFC 9112 §7 (transfer-coding = token)", request: post('Transfer-Encoding: "chunked"\r\n', TE_CHUNKED_BODY), status: [400, 501] },
  { name: "Transfer-Encoding: chunked;foo=bar", reason: "RFC 9112 §7.1 (chunked takes no parameters)", request: post("Transfer-Encoding: chunked;foo=bar\r\n", TE_CHUNKED_BODY), status: [400, 501] },
  { name: "Transfer-Encoding: chunked followed by VT", reason: "RFC 9110 §5.6.3 (OWS is SP/HTAB only); RFC 9110 §5.5", request: post("Transfer-Encoding: chunked\x0b\r\n", TE_CHUNKED_BODY), status: [400, 501] },
  { name: "Transfer-Encoding: identity alone", reason: "RFC 9112 §6.3 ¶4 (final coding not chunked in a request: 400)", request: post("Transfer-Encoding: identity\r\n", "abc"), status: [400, 501] },
  { name: "Transfer-Encoding: identity with Content-Length", reason: "RFC 9112 §6.1 ¶15", request: post("Content-Length: 3\r\nTransfer-Encoding: identity\r\n", "abc"), status: [400, 501] },
  { name: "Transfer-Encoding: chunked plus an empty Transfer-Encoding line", reason: "RFC 9112 §6.1 (1#transfer-coding)", request: post("Transfer-Encoding: chunked\r\nTransfer-Encoding: \r\n", TE_CHUNKED_BODY), status: [400, 501] },
  { name: "Content-Length: 1e3", reason: "RFC 9110 §8.6 (1*DIGIT)", request: post("Content-Length: 1e3\r\n"), status: 400 },
  { name: "Content-Length: 3.0", reason: "RFC 9110 §8.6", request: post("Content-Length: 3.0\r\n", "abc"), status: 400 },
  { name: "Content-Length preceded by VT", reason: "RFC 9110 §5.6.3 (VT is not OWS)", request: post("Content-Length: \x0b3\r\n", "abc"), status: 400 },
  { name: "Content-Length then an empty Content-Length", reason: "RFC 9110 §8.6", request: post("Content-Length: 3\r\nContent-Length: \r\n", "abc"), status: 400 },
  { name: "duplicate differing Content-Length", reason: "RFC 9112 §6.3 ¶5 (MUST treat as unrecoverable error)", request: post("Content-Length: 3\r\nContent-Length: 4\r\n", "abcd"), status: 400 },
  { name: "Content-Length with a plus sign", reason: "RFC 9110 §8.6 (1*DIGIT)", request: post("Content-Length: +3\r\n", "abc"), status: 400 },
  { name: "Content-Length with a minus sign", reason: "RFC 9110 §8.6", request: post("Content-Length: -1\r\n"), status: 400 },
  { name: "Content-Length with an inner space", reason: "RFC 9110 §8.6; llhttp content-length.md", request: post("Content-Length: 1 3\r\n", "abc"), status: 400 },
  { name: "Content-Length as a comma list", reason: "RFC 9112 §6.3 ¶5 (a list is invalid unless a recipient collapses identical values; we refuse)", request: post("Content-Length: 3, 3\r\n", "abc"), status: 400 },
  { name: "Content-Length as a differing list", reason: "RFC 9112 §6.3 ¶5", request: post("Content-Length: 3, 4\r\n", "abcd"), status: 400 },
  { name: "Content-Length in hex", reason: "RFC 9110 §8.6", request: post("Content-Length: 0x3\r\n", "abc"), status: 400 },
  { name: "empty Content-Length", reason: "RFC 9110 §8.6", request: post("Content-Length: \r\n"), status: 400 },
  { name: "Content-Length beyond 2^64", reason: "RFC 9110 §8.6 (MUST anticipate overflow)", request: post("Content-Length: 99999999999999999999999\r\n", "abc"), status: [400, 413] },
  { name: "Content-Length over the /echo body limit", reason: "RFC 9110 §15.5.14 (413); demo contract: /echo body limit", request: post("Content-Length: 17000000\r\n", "abc"), status: 413 },
  { name: "Content-Length : 5 (space before the colon)", reason: "CVE-2021-22959; RFC 9112 §5.1", request: post("Content-Length : 5\r\n", "hello"), status: 400 },
  { name: "Content-Length<TAB>: 5", reason: "CVE-2021-22959", request: post("Content-Length\t: 5\r\n", "hello"), status: 400 },
  { name: "space-prefixed Content-Length after another field (obs-fold)", reason: "CVE-2024-27982; RFC 9112 §5.2", request: post(" Content-Length: 5\r\n", "hello"), status: 400 },
  { name: "space-prefixed Content-Length as the first field", reason: "CVE-2024-27982; RFC 9112 §2.2", request: "POST /echo HTTP/1.1\r\n Content-Length: 5\r\nHost: a\r\n\r\nhello", status: 400 },

  // --- chunked framing (RFC 9112 §7.1) ---
  { name: "chunk size with 0x", reason: "RFC 9112 §7.1 (chunk-size = 1*HEXDIG)", request: post("Transfer-Encoding: chunked\r\n", "0x3\r\nabc\r\n0\r\n\r\n"), status: 400 },
  { name: "chunk size with a leading space", reason: "RFC 9112 §7.1", request: post("Transfer-Encoding: chunked\r\n", " 3\r\nabc\r\n0\r\n\r\n"), status: 400 },
  { name: "chunk size with a trailing space before CRLF", reason: "RFC 9112 §7.1 (no BWS without an extension)", request: post("Transfer-Encoding: chunked\r\n", "3 \r\nabc\r\n0\r\n\r\n"), status: 400 },
  { name: "negative chunk size", reason: "RFC 9112 §7.1", request: post("Transfer-Encoding: chunked\r\n", "-3\r\nabc\r\n0\r\n\r\n"), status: 400 },
  { name: "empty chunk size line", reason: "RFC 9112 §7.1", request: post("Transfer-Encoding: chunked\r\n", "\r\nabc\r\n0\r\n\r\n"), status: 400 },
  { name: "chunk extension `;` without a name", reason: "RFC 9112 §7.1.1 (chunk-ext-name = token)", request: post("Transfer-Encoding: chunked\r\n", "3;\r\nabc\r\n0\r\n\r\n"), status: 400 },
  { name: "chunk size overflow (21 hex digits)", reason: "RFC 9112 §7.1 (MUST anticipate overflow)", request: post("Transfer-Encoding: chunked\r\n", "FFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n"), status: [400, 413] },
  { name: "chunk size 2^64 + 3 that wraps to 3", reason: "RFC 9112 §7.1 (an integer overflow would read 3)", request: post("Transfer-Encoding: chunked\r\n", "10000000000000003\r\nabc\r\n0\r\n\r\n"), status: [400, 413] },
  { name: "chunk data not followed by CRLF", reason: "RFC 9112 §7.1 (chunk = size CRLF data CRLF)", request: post("Transfer-Encoding: chunked\r\n", "3\r\nabcX0\r\n\r\n"), status: 400 },
  { name: "chunk data followed by a bare LF", reason: "CVE-2021-22960; RFC 9112 §7.1", request: post("Transfer-Encoding: chunked\r\n", "3\r\nabc\n0\r\n\r\n"), status: 400 },
  { name: "more chunk data than the size says", reason: "RFC 9112 §7.1", request: post("Transfer-Encoding: chunked\r\n", "2\r\nabc\r\n0\r\n\r\n"), status: 400 },
  { name: "chunk size line ended by a bare LF", reason: "CVE-2021-22960; RFC 9112 §2.2", request: post("Transfer-Encoding: chunked\r\n", "3\nabc\r\n0\r\n\r\n"), status: 400 },
  { name: "chunk extension ended by a bare LF", reason: "CVE-2021-22960 (nodejs test-http-chunked-smuggling.js)", request: post("Transfer-Encoding: chunked\r\n", "2;\nxx\r\n4c\r\n0\r\n\r\n"), status: 400 },
  { name: "chunk extension ended by a bare CR", reason: "CVE-2021-22960; RFC 9112 §2.2", request: post("Transfer-Encoding: chunked\r\n", "2;a\rxx\r\n0\r\n\r\n"), status: 400 },
  { name: "100 KB chunk extension", reason: "CVE-2024-22019 (unbounded extension bytes)", request: post("Transfer-Encoding: chunked\r\n", `1;${"a".repeat(100_000)}\r\nx\r\n0\r\n\r\n`), status: [400, 413] },
  { name: "trailer line ended by a bare LF", reason: "RFC 9112 §7.1.2, §2.2", request: post("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\nX: a\nY: b\r\n\r\n"), status: 400 },
  { name: "obs-fold in a trailer", reason: "RFC 9112 §5.2, §7.1.2", request: post("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\nX: a\r\n b\r\n\r\n"), status: 400 },

  // --- line endings and field syntax (RFC 9112 §2.2, §5) ---
  { name: "bare LF line endings", reason: "RFC 9112 §2.2 (bare LF is a MAY; strict servers refuse); CVE-2022-32214", request: "GET /echo HTTP/1.1\nHost: a\n\n", status: 400 },
  { name: "bare LF hiding a Content-Length", reason: "CVE-2022-32214 (nodejs test-http-missing-header-separator-lf.js)", request: "GET /echo HTTP/1.1\r\nHost: a\r\nDummy: x\nContent-Length: 23\r\n\r\nGET / HTTP/1.1\r\nDummy: GET /admin HTTP/1.1\r\nHost: a\r\n\r\n", status: 400 },
  { name: "bare CR ending the request line", reason: "RFC 9112 §2.2 (bare CR MUST be rejected or replaced)", request: "GET /echo HTTP/1.1\rHost: a\r\n\r\n", status: 400 },
  { name: "bare CR hiding a Content-Length", reason: "CVE-2022-35256", request: "GET /echo HTTP/1.1\r\nHost: a\r\nDummy: x\rContent-Length: 23\r\n\r\nGET / HTTP/1.1\r\nDummy: GET /admin HTTP/1.1\r\nHost: a\r\n\r\n", status: 400 },
  { name: "CR then x before Transfer-Encoding", reason: "CVE-2023-30589", request: post("X-Abc: \rxTransfer-Encoding: chunked\r\n", "1\r\nA\r\n0\r\n\r\n"), status: 400 },
  { name: "Content-Length: 10 CR CR LF", reason: "CVE-2023-30589; RFC 9112 §2.2", request: post("Content-Length: 10\r\r\n", "0123456789"), status: 400 },
  { name: "head ended by CRLF CR X", reason: "CVE-2025-23167 (llhttp: headers terminated by \\r\\n\\rX)", request: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\rXGET /admin HTTP/1.1\r\nHost: a\r\n\r\n", status: 400 },
  { name: "obs-fold continuation line", reason: "RFC 9112 §5.2 (a server MUST reject or replace with SP; we reject)", request: get("GET /echo HTTP/1.1", "Host: a\r\nX: a\r\n b\r\n"), status: 400 },
  { name: "space before the colon", reason: "RFC 9112 §5.1 (MUST reject with 400)", request: get("GET /echo HTTP/1.1", "Host: a\r\nX : a\r\n"), status: 400 },
  { name: "NUL in a field value", reason: "RFC 9110 §5.5 (NUL MUST be rejected or replaced)", request: get("GET /echo HTTP/1.1", "Host: a\r\nX: a\x00b\r\n"), status: 400 },
  { name: "CTL 0x01 in a field value", reason: "RFC 9110 §5.5 (field-vchar)", request: get("GET /echo HTTP/1.1", "Host: a\r\nX: a\x01b\r\n"), status: 400 },
  { name: "DEL in a field value", reason: "RFC 9110 §5.5 (field-vchar excludes DEL)", request: get("GET /echo HTTP/1.1", "Host: a\r\nX: a\x7fb\r\n"), status: 400 },
  { name: "NUL in a field name", reason: "RFC 9110 §5.1 (field-name = token)", request: get("GET /echo HTTP/1.1", "Host: a\r\n\x00X: a\r\n"), status: 400 },
  { name: "form feed in a field value", reason: "RFC 9110 §5.5 (field-vchar)", request: get("GET /echo HTTP/1.1", "Host: a\r\nX: a\x0cb\r\n"), status: 400 },
  { name: "form feed in a field name", reason: "RFC 9110 §5.1 (token)", request: get("GET /echo HTTP/1.1", "Host: a\r\nX\x0c: ab\r\n"), status: 400 },
  { name: "UTF-8 in a field name", reason: "RFC 9110 §5.1 (token is ASCII)", request: get("GET /echo HTTP/1.1", "Host: a\r\nX\xc3\xa9: ab\r\n"), status: 400 },
  { name: "NUL in a chunk extension value", reason: "RFC 9112 §7.1.1 (token / quoted-string)", request: post("Transfer-Encoding: chunked\r\n", "3;a=\x00\r\nabc\r\n0\r\n\r\n"), status: 400 },
  { name: "CR CR LF ending the request line", reason: "RFC 9112 §2.2 (bare CR)", request: "GET /echo HTTP/1.1\r\r\nHost: a\r\n\r\n", status: 400 },
  { name: "CR CR LF ending the head", reason: "RFC 9112 §2.2 (bare CR)", request: "GET /echo HTTP/1.1\r\nHost: a\r\n\r\r\n", status: 400 },
  { name: "a 20 KB method", reason: "RFC 9112 §3 (a server SHOULD limit the request line; 400, 414, 431 or 501 are all honest)", request: `${"A".repeat(20_000)} /echo HTTP/1.1\r\nHost: a\r\n\r\n`, status: [400, 414, 431, 501], alone: true },
  { name: "empty field name", reason: "RFC 9110 §5.1", request: get("GET /echo HTTP/1.1", "Host: a\r\n: novalue\r\n"), status: 400 },
  { name: "field line without a colon", reason: "RFC 9112 §5", request: get("GET /echo HTTP/1.1", "Host: a\r\nNoColon\r\n"), status: 400 },
  { name: "non-token byte in a field name", reason: "RFC 9110 §5.1; llhttp invalid.md", request: get("GET /echo HTTP/1.1", "Host: a\r\nFo@: x\r\n"), status: 400 },
  { name: "whitespace line between the request line and the first field", reason: "RFC 9112 §2.2 ¶8 (MUST reject or consume each whitespace-preceded line)", request: get("GET /echo HTTP/1.1", " Host: a\r\nHost: a\r\n"), status: 400 },

  // --- request line (RFC 9112 §3) ---
  { name: "double SP between method and target", reason: "RFC 9112 §3 (single SP)", request: get("GET  /echo HTTP/1.1"), status: 400 },
  { name: "double SP between target and version", reason: "RFC 9112 §3", request: get("GET /echo  HTTP/1.1"), status: 400 },
  { name: "HTAB separators", reason: "RFC 9112 §3 (SP only)", request: get("GET\t/echo\tHTTP/1.1"), status: 400 },
  { name: "leading SP before the method", reason: "RFC 9112 §3", request: get(" GET /echo HTTP/1.1"), status: 400 },
  { name: "trailing SP after the version", reason: "RFC 9112 §3", request: get("GET /echo HTTP/1.1 "), status: 400 },
  { name: "lower-case version", reason: "RFC 9112 §2.3 (HTTP-name is case-sensitive)", request: get("GET /echo http/1.1"), status: 400 },
  { name: "HTTP/1.10", reason: "RFC 9112 §2.3 (one digit each)", request: get("GET /echo HTTP/1.10"), status: 400 },
  { name: "HTTP/1 without a minor", reason: "RFC 9112 §2.3", request: get("GET /echo HTTP/1"), status: 400 },
  { name: "HTTP/2.0 request line", reason: "RFC 9110 §15.6.6 (505)", request: get("GET /echo HTTP/2.0"), status: 505 },
  { name: "HTTP/3.0 request line", reason: "RFC 9110 §15.6.6 (505)", request: get("GET /echo HTTP/3.0"), status: 505 },
  { name: "the HTTP/2 connection preface", reason: "RFC 9113 §3.4; RFC 9110 §15.6.6", request: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", status: [400, 505] },
  { name: "HTTP/0.9 request line (no version)", reason: "RFC 9112 §3 (HTTP/0.9 is not supported)", request: "GET /echo\r\n\r\n", status: 400 },
  { name: "method with a non-token byte", reason: "RFC 9110 §9.1 (method = token)", request: get("G@T /echo HTTP/1.1"), status: 400 },
  { name: "asterisk-form with GET", reason: "RFC 9112 §3.2.4 (asterisk-form is only for OPTIONS)", request: get("GET * HTTP/1.1"), status: 400 },
  { name: "fragment in the target", reason: "RFC 9112 §3.2 (request-target has no fragment); RFC 9110 §4.2.5", request: get("GET /echo#frag HTTP/1.1"), status: 400 },
  { name: "non-ASCII byte in the target", reason: "RFC 9112 §3.2; RFC 3986 §2", request: get("GET /echo\xe9 HTTP/1.1"), status: 400 },
  { name: "CTL in the target", reason: "RFC 9112 §3.2", request: get("GET /echo\x01 HTTP/1.1"), status: 400 },
  { name: "SP inside the target", reason: "RFC 9112 §3.2 (no whitespace in request-target)", request: get("GET /echo?a b HTTP/1.1"), status: 400 },
  { name: "relative target", reason: "RFC 9112 §3.2 (none of the four forms)", request: get("GET echo HTTP/1.1"), status: 400 },
  { name: "http URI with an empty host", reason: "RFC 9110 §4.2.1 (MUST reject as invalid)", request: get("GET http:///echo HTTP/1.1"), status: 400 },
  { name: "CONNECT with an origin-form target", reason: "RFC 9112 §3.2.3 (authority-form only)", request: get("CONNECT /echo HTTP/1.1"), status: 400 },
  { name: "backslashes in the target", reason: "RFC 3986 §2 (not a URI character); issue 8", request: get("GET /echo\\..\\x HTTP/1.1"), status: 400 },
  { name: "a double quote in the target", reason: "RFC 3986 §2; issue 8", request: get('GET /echo/"x" HTTP/1.1'), status: 400 },
  { name: "'|' '{' '}' '^' '`' '<' '>' in the target", reason: "RFC 3986 §2; issue 8", request: get("GET /echo?a|b{c}^`<> HTTP/1.1"), status: 400 },
  { name: "a malformed percent-encoding in the target", reason: "RFC 3986 §2.1", request: get("GET /echo%zz HTTP/1.1"), status: 400 },
  { name: "host confusion: http://good.example\\@evil.example/", reason: "issue 8 (our scan and new URL() read different hosts); RFC 9110 §4.2.4", request: get("GET http://good.example\\@evil.example/echo HTTP/1.1"), status: 400 },
  { name: "userinfo in an absolute-form target", reason: "RFC 9110 §4.2.4 (SHOULD treat as an error)", request: get("GET http://u@a/echo HTTP/1.1"), status: 400 },
  { name: "an ftp: absolute-form target", reason: "issue 8: only http(s) by default (llhttp too)", request: get("GET ftp://a/echo HTTP/1.1"), status: 400 },
  { name: "CONNECT with a body and a request hidden after it", reason: "RFC 9110 §9.3.6 (a CONNECT request has no content); issue 8", request: "CONNECT a:4 HTTP/1.1\r\nHost: a:4\r\nContent-Length: 3\r\n\r\nabcGET /echo HTTP/1.1\r\nHost: a\r\n\r\n", status: 400 },
  { name: "CONNECT with Transfer-Encoding", reason: "RFC 9110 §9.3.6", request: "CONNECT a:4 HTTP/1.1\r\nHost: a:4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400 },

  // --- Host (RFC 9112 §3.2, RFC 9110 §7.2) ---
  { name: "HTTP/1.1 without Host", reason: "RFC 9112 §3.2 (MUST respond 400)", request: get("GET /echo HTTP/1.1", ""), status: 400 },
  { name: "absolute-form HTTP/1.1 without Host", reason: "RFC 9112 §3.2 (Host is required whatever the form)", request: get("GET http://a/echo HTTP/1.1", ""), status: 400 },
  { name: "duplicate Host", reason: "RFC 9112 §3.2 (more than one Host: 400)", request: get("GET /echo HTTP/1.1", "Host: a\r\nHost: a\r\n"), status: 400 },
  { name: "duplicate differing Host", reason: "RFC 9112 §3.2", request: get("GET /echo HTTP/1.1", "Host: a\r\nHost: b\r\n"), status: 400 },
  { name: "Host: a b", reason: "RFC 9112 §3.2 (invalid field value: 400); RFC 9110 §7.2", request: get("GET /echo HTTP/1.1", "Host: a b\r\n"), status: 400 },
  { name: "Host: exa mple.com", reason: "RFC 9110 §7.2 (uri-host)", request: get("GET /echo HTTP/1.1", "Host: exa mple.com\r\n"), status: 400 },
  { name: "Host: [::1 (unclosed IP literal)", reason: "RFC 3986 §3.2.2", request: get("GET /echo HTTP/1.1", "Host: [::1\r\n"), status: 400 },
  { name: "Host: host:port (non-numeric port)", reason: "RFC 9110 §7.2 (port = *DIGIT)", request: get("GET /echo HTTP/1.1", "Host: host:port\r\n"), status: 400 },
  { name: "Host with userinfo", reason: "RFC 9110 §7.2 (Host = uri-host [ \":\" port ]; no userinfo)", request: get("GET /echo HTTP/1.1", "Host: user@a\r\n"), status: 400 },
  { name: "Host with a path", reason: "RFC 9110 §7.2", request: get("GET /echo HTTP/1.1", "Host: a/b\r\n"), status: 400 },

  // --- limits (RFC 9110 §15.5.15, RFC 6585 §5) ---
  { name: "target over 8 KiB", reason: "RFC 9112 §3 ¶5 (414 URI Too Long)", request: get(`GET /echo?${"a".repeat(9_000)} HTTP/1.1`), status: 414, alone: true },
  { name: "a 20 KB field", reason: "RFC 6585 §5 (431)", request: get("GET /echo HTTP/1.1", `Host: a\r\nX-Big: ${"b".repeat(20_000)}\r\n`), status: 431, alone: true },
  { name: "2,001 fields", reason: "RFC 6585 §5 (431: too many fields; the default count is node:http's 2,000)", request: get("GET /echo HTTP/1.1", `Host: a\r\n${"X:\r\n".repeat(2001)}`), status: 431, alone: true },
  { name: "unknown Expect", reason: "RFC 9110 §10.1.1 (417 for an expectation it cannot meet)", request: post("Expect: something-else\r\nContent-Length: 3\r\n", "abc"), status: 417 },
];

describe("malformed and ambiguous requests get one error response, Connection: close, and the connection closed", () => {
  it.each(badCases.map((c) => [`${c.name} (${c.reason})`, c] as const))("%s", async (_title, c) => {
    const wire = c.alone === true ? c.request : c.request + SMUGGLED;
    const result = await talk(demo.port, wire);
    const shown = `request ${JSON.stringify(wire.length > 300 ? `${wire.slice(0, 300)}...` : wire)}\nanswer ${JSON.stringify(result.raw.toString("latin1"))}`;
    expect(result.raw.length, `no answer at all\n${shown}`).toBeGreaterThan(0);
    const { response, end } = readResponse(result.raw, 0);
    const expected = typeof c.status === "number" ? [c.status] : c.status;
    expect(expected, `status ${response.status}\n${shown}`).toContain(response.status);
    expect(field(response, "connection").join(",").toLowerCase(), `Connection field\n${shown}`).toContain("close");
    // RFC 9110 §6.6.1: an origin server with a clock MUST send Date in 4xx/5xx responses too.
    expect(field(response, "date"), `one Date field\n${shown}`).toHaveLength(1);
    // Exactly one response: anything after it is the smuggled request being answered.
    expect(result.raw.toString("latin1", end), `bytes after the error response\n${shown}`).toBe("");
    expect(result.closed, `the server kept the connection open after ${response.status}\n${shown}`).toBe(true);
  });
});

describe("an error response is not lost to a reset when the client is still sending (RFC 9112 §9.6: close in stages)", () => {
  // The server must half-close and keep reading for a while: closing a socket with unread
  // bytes sends RST, and a client that receives RST may drop the response it has not read.
  const BIG = "x".repeat(4 * 1024 * 1024);
  it.each([
    ["Content-Length with Transfer-Encoding", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4194304\r\nTransfer-Encoding: chunked\r\n\r\n", 400],
    ["a Content-Length over the /echo limit", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 20000000\r\n\r\n", 413],
    ["an invalid chunk size", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400],
  ] as const)("delivers the answer to %s followed by 4 MiB", async (_name, head, status) => {
    const result = await talk(demo.port, head + BIG, 8_000);
    expect(result.raw.length, `nothing received (reset: ${result.reset})`).toBeGreaterThan(0);
    const { response } = readResponse(result.raw, 0);
    expect(response.status).toBe(status);
    expect(result.closed).toBe(true);
  });
});
