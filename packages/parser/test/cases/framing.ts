// Message body framing: Content-Length, Transfer-Encoding, chunked coding, chunk
// extensions, trailers (RFC 9112 §6, §7; RFC 9110 §8.6).
import type { Case } from "../harness.ts";

const post = (fields: string, body = ""): string => `POST /u HTTP/1.1\r\nHost: a\r\n${fields}\r\n${body}`;
const te = (body: string): string => post("Transfer-Encoding: chunked\r\n", body);
const teHead = "head POST /u 1.1 [Host: a, Transfer-Encoding: chunked] cl=-1 chunked=1 keepAlive=1 upgrade=0 expect=0";
const clHead = (n: number, raw = String(n)): string =>
  `head POST /u 1.1 [Host: a, Content-Length: ${raw}] cl=${n} chunked=0 keepAlive=1 upgrade=0 expect=0`;

export const framingCases: Case[] = [
  // Content-Length (RFC 9110 §8.6, RFC 9112 §6.3)
  { name: "reads a Content-Length body", reason: "RFC 9112 §6.3 ¶6", kind: "request", input: post("Content-Length: 5\r\n", "hello"), expect: [clHead(5), "body hello", "complete []"] },
  { name: "reads Content-Length: 0 as an empty body", reason: "RFC 9110 §8.6", kind: "request", input: post("Content-Length: 0\r\n"), expect: [clHead(0), "complete []"] },
  { name: "reads leading zeros in Content-Length", reason: "RFC 9110 §8.6 (1*DIGIT)", kind: "request", input: post("Content-Length: 005\r\n", "hello"), expect: [clHead(5, "005"), "body hello", "complete []"] },
  { name: "reads a request without framing headers as having no body", reason: "RFC 9112 §6.3 ¶7", kind: "request", input: "POST /u HTTP/1.1\r\nHost: a\r\n\r\n", expect: ["head POST /u 1.1 [Host: a] cl=-1 chunked=0 keepAlive=1 upgrade=0 expect=0", "complete []"] },
  { name: "accepts repeated identical Content-Length fields", reason: "RFC 9110 §8.6 (MAY accept identical repeated values)", kind: "request", input: post("Content-Length: 3\r\nContent-Length: 3\r\n", "abc"), expect: ["head POST /u 1.1 [Host: a, Content-Length: 3, Content-Length: 3] cl=3 chunked=0 keepAlive=1 upgrade=0 expect=0", "body abc", "complete []"] },
  { name: "rejects repeated Content-Length fields that differ", reason: "RFC 9112 §6.3 ¶5; llhttp test/request/content-length.md (Duplicate header)", kind: "request", input: post("Content-Length: 3\r\nContent-Length: 4\r\n", "abcd"), expect: { error: "CONFLICTING_CONTENT_LENGTH" } },
  { name: "trims a trailing HTAB after a Content-Length value", reason: "RFC 9112 §5 (OWS = *( SP / HTAB )); llhttp refuses it", kind: "request", input: post("Content-Length: 5\t\r\n", "hello"), expect: [clHead(5), "body hello", "complete []"] },
  { name: "reads a Content-Length with twenty leading zeros", reason: "RFC 9110 §8.6 (1*DIGIT: leading zeros are not overflow)", kind: "request", input: post("Content-Length: 000000000000000000005\r\n", "hello"), expect: [clHead(5, "000000000000000000005"), "body hello", "complete []"] },
  { name: "rejects a signed Content-Length", reason: "RFC 9110 §8.6 (1*DIGIT)", kind: "request", input: post("Content-Length: +5\r\n", "hello"), expect: { error: "INVALID_CONTENT_LENGTH" } },
  { name: "rejects a negative Content-Length", reason: "RFC 9110 §8.6", kind: "request", input: post("Content-Length: -1\r\n"), expect: { error: "INVALID_CONTENT_LENGTH" } },
  { name: "rejects a hexadecimal Content-Length", reason: "RFC 9110 §8.6", kind: "request", input: post("Content-Length: 0x5\r\n", "hello"), expect: { error: "INVALID_CONTENT_LENGTH" } },
  { name: "rejects a Content-Length with trailing letters", reason: "RFC 9110 §8.6", kind: "request", input: post("Content-Length: 5a\r\n", "hello"), expect: { error: "INVALID_CONTENT_LENGTH" } },
  { name: "rejects a Content-Length with a space between digits", reason: "RFC 9110 §8.6; llhttp test/request/content-length.md (spaces in the middle)", kind: "request", input: post("Content-Length: 4 2\r\n"), expect: { error: "INVALID_CONTENT_LENGTH" } },
  { name: "rejects an empty Content-Length", reason: "RFC 9110 §8.6", kind: "request", input: post("Content-Length:\r\n"), expect: { error: "INVALID_CONTENT_LENGTH" } },
  { name: "rejects a Content-Length list", reason: "RFC 9110 §8.6 (a list is invalid unless every member is identical; we reject all lists)", kind: "request", input: post("Content-Length: 3, 4\r\n", "abcd"), expect: { error: ["INVALID_CONTENT_LENGTH", "CONFLICTING_CONTENT_LENGTH"] } },
  { name: "rejects a Content-Length that overflows", reason: "RFC 9110 §8.6 (anticipate large numbers, prevent overflow); llhttp test/request/content-length.md", kind: "request", input: post("Content-Length: 1000000000000000000000\r\n"), expect: { error: "INVALID_CONTENT_LENGTH" } },
  { name: "reads a Content-Length of 2^53-1 and waits for the body", reason: "contract: lengths up to Number.MAX_SAFE_INTEGER", kind: "request", input: post("Content-Length: 9007199254740991\r\n", "ab"), expect: { error: "UNEXPECTED_EOF", before: [clHead(9007199254740991), "body ab"] } },
  { name: "reports UNEXPECTED_EOF when a Content-Length body is cut short", reason: "RFC 9112 §8 (incomplete message)", kind: "request", input: post("Content-Length: 5\r\n", "hel"), expect: { error: "UNEXPECTED_EOF", before: [clHead(5), "body hel"] } },
  { name: "reports UNEXPECTED_EOF when the head is cut short", reason: "RFC 9112 §8", kind: "request", input: "GET / HTTP/1.1\r\nHost: a\r\n", expect: { error: "UNEXPECTED_EOF", before: [] } },
  { name: "reads nothing from an empty stream and finishes cleanly", reason: "contract: finish() between messages is not an error", kind: "request", input: "", expect: [] },

  // Transfer-Encoding in requests (RFC 9112 §6.1, §6.3)
  { name: "reads a chunked body", reason: "RFC 9112 §7.1", kind: "request", input: te("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), expect: [teHead, "body hello world", "complete []"] },
  { name: "reads upper- and lower-case hex chunk sizes with leading zeros", reason: "RFC 9112 §7.1 (chunk-size = 1*HEXDIG); llhttp test/request/transfer-encoding.md", kind: "request", input: te("000A\r\n0123456789\r\na\r\nabcdefghij\r\n0000\r\n\r\n"), expect: [teHead, "body 0123456789abcdefghij", "complete []"] },
  { name: "matches chunked case-insensitively", reason: "RFC 9112 §7 (transfer-coding names are case-insensitive)", kind: "request", input: post("Transfer-Encoding: ChUnKeD\r\n", "1\r\na\r\n0\r\n\r\n"), expect: ["head POST /u 1.1 [Host: a, Transfer-Encoding: ChUnKeD] cl=-1 chunked=1 keepAlive=1 upgrade=0 expect=0", "body a", "complete []"] },
  { name: "rejects Content-Length together with Transfer-Encoding in a request", reason: "RFC 9112 §6.3 ¶3 (MAY reject; we do, it is the classic CL.TE smuggle)", kind: "request", input: post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), expect: { error: "CONTENT_LENGTH_WITH_TRANSFER_ENCODING" } },
  { name: "rejects Transfer-Encoding together with Content-Length in either order", reason: "RFC 9112 §6.3 ¶3", kind: "request", input: post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"), expect: { error: "CONTENT_LENGTH_WITH_TRANSFER_ENCODING" } },
  { name: "rejects chunked applied twice", reason: "RFC 9112 §7 (MUST NOT apply chunked more than once)", kind: "request", input: post("Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n"), expect: { error: "INVALID_TRANSFER_ENCODING" } },
  { name: "rejects chunked applied twice across two fields", reason: "RFC 9112 §7; RFC 9110 §5.3 (repeated fields form one list)", kind: "request", input: post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), expect: { error: "INVALID_TRANSFER_ENCODING" } },
  { name: "ignores an empty list element after chunked", reason: "RFC 9110 §5.6.1.2 (MUST parse and ignore empty list elements); llhttp refuses it", kind: "request", input: post("Transfer-Encoding: chunked,\r\n", "1\r\na\r\n0\r\n\r\n"), expect: ["head POST /u 1.1 [Host: a, Transfer-Encoding: chunked,] cl=-1 chunked=1 keepAlive=1 upgrade=0 expect=0", "body a", "complete []"] },
  { name: "trims a trailing HTAB after chunked", reason: "RFC 9112 §5 (OWS); llhttp reads `chunked\\t` as another coding", kind: "request", input: post("Transfer-Encoding: chunked\t\r\n", "1\r\na\r\n0\r\n\r\n"), expect: [teHead, "body a", "complete []"] },
  { name: "rejects a request whose final coding is not chunked", reason: "RFC 9112 §6.3 ¶4 (MUST respond 400)", kind: "request", input: post("Transfer-Encoding: chunked, gzip\r\n", "0\r\n\r\n"), expect: { error: "CHUNKED_NOT_FINAL" } },
  { name: "rejects a request with a coding before chunked", reason: "contract: only exactly `chunked` is decoded (501)", kind: "request", input: post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"), expect: { error: "UNSUPPORTED_TRANSFER_CODING" } },
  { name: "rejects a request with only an unknown coding", reason: "RFC 9112 §6.3 ¶4; RFC 9110 §15.6.2 (501)", kind: "request", input: post("Transfer-Encoding: gzip\r\n", "abc"), expect: { error: ["CHUNKED_NOT_FINAL", "UNSUPPORTED_TRANSFER_CODING"] } },
  { name: "rejects Transfer-Encoding: identity", reason: "RFC 9112 §7 (identity was removed from the registry)", kind: "request", input: post("Transfer-Encoding: identity\r\n", "abc"), expect: { error: ["CHUNKED_NOT_FINAL", "UNSUPPORTED_TRANSFER_CODING", "INVALID_TRANSFER_ENCODING"] } },
  { name: "rejects an empty Transfer-Encoding", reason: "RFC 9112 §6.1 (1#transfer-coding)", kind: "request", input: post("Transfer-Encoding:\r\n", "0\r\n\r\n"), expect: { error: "INVALID_TRANSFER_ENCODING" } },
  { name: "rejects Transfer-Encoding in an HTTP/1.0 request", reason: "RFC 9112 §6.1 (MUST treat as faulty framing)", kind: "request", input: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", expect: { error: "TRANSFER_ENCODING_IN_HTTP10" } },

  // chunk-size (RFC 9112 §7.1)
  { name: "rejects a chunk size with a leading space", reason: "RFC 9112 §7.1 (chunk-size = 1*HEXDIG)", kind: "request", input: te(" 5\r\nhello\r\n0\r\n\r\n"), expect: { error: "INVALID_CHUNK_SIZE", before: [teHead] } },
  { name: "rejects a chunk size with a 0x prefix", reason: "RFC 9112 §7.1", kind: "request", input: te("0x5\r\nhello\r\n0\r\n\r\n"), expect: { error: "INVALID_CHUNK_SIZE", before: [teHead] } },
  { name: "rejects a chunk size with a plus sign", reason: "RFC 9112 §7.1", kind: "request", input: te("+5\r\nhello\r\n0\r\n\r\n"), expect: { error: "INVALID_CHUNK_SIZE", before: [teHead] } },
  { name: "rejects a chunk size with a minus sign", reason: "RFC 9112 §7.1", kind: "request", input: te("-5\r\nhello\r\n0\r\n\r\n"), expect: { error: "INVALID_CHUNK_SIZE", before: [teHead] } },
  { name: "rejects an empty chunk size", reason: "RFC 9112 §7.1", kind: "request", input: te("\r\nhello\r\n0\r\n\r\n"), expect: { error: "INVALID_CHUNK_SIZE", before: [teHead] } },
  { name: "rejects a non-hex chunk size", reason: "RFC 9112 §7.1", kind: "request", input: te("g\r\nhello\r\n0\r\n\r\n"), expect: { error: "INVALID_CHUNK_SIZE", before: [teHead] } },
  { name: "reads a chunk size with twenty leading zeros", reason: "RFC 9112 §7.1 (1*HEXDIG: leading zeros are digits, not overflow)", kind: "request", input: te("000000000000000000005\r\nhello\r\n0\r\n\r\n"), expect: [teHead, "body hello", "complete []"] },
  { name: "rejects a chunk size that overflows", reason: "RFC 9112 §7.1 (anticipate large hex numbers, prevent overflow); llhttp test/request/transfer-encoding.md", kind: "request", input: te("fffffffffffffffffff\r\nx\r\n"), expect: { error: "CHUNK_SIZE_OVERFLOW", before: [teHead] } },
  { name: "rejects a chunk size one past 2^53-1", reason: "contract: CHUNK_SIZE_OVERFLOW beyond 2^53-1", kind: "request", input: te("20000000000000\r\nx\r\n"), expect: { error: "CHUNK_SIZE_OVERFLOW", before: [teHead] } },
  { name: "rejects whitespace after a chunk size by default", reason: "RFC 9112 §7.1; llhttp test/response/transfer-encoding.md (Trailing space on chunked body)", kind: "request", input: te("5 \r\nhello\r\n0\r\n\r\n"), expect: { error: "INVALID_CHUNK_SIZE", before: [teHead] } },
  { name: "rejects whitespace between a chunk size and ; by default", reason: "RFC 9112 §7.1.1 (BWS) read strictly, as llhttp does", kind: "request", input: te("5\t;a=b\r\nhello\r\n0\r\n\r\n"), expect: { error: ["INVALID_CHUNK_SIZE", "INVALID_CHUNK_EXTENSION"], before: [teHead] } },
  { name: "accepts whitespace after a chunk size under allowChunkSizeWhitespace", reason: "llhttp lenient spaces after chunk size (opt-in)", kind: "request", options: { allowChunkSizeWhitespace: true }, input: te("5 \t\r\nhello\r\n0  \r\n\r\n"), expect: [teHead, "body hello", "complete []"] },
  { name: "accepts whitespace before ; under allowChunkSizeWhitespace", reason: "RFC 9112 §7.1.1 (BWS)", kind: "request", options: { allowChunkSizeWhitespace: true }, input: te("5 ;a=b\r\nhello\r\n0\r\n\r\n"), expect: [teHead, "body hello", "complete []"] },
  { name: "still rejects a leading space under allowChunkSizeWhitespace", reason: "the leniency covers whitespace after the size only", kind: "request", options: { allowChunkSizeWhitespace: true }, input: te(" 5\r\nhello\r\n0\r\n\r\n"), expect: { error: "INVALID_CHUNK_SIZE", before: [teHead] } },

  // chunk data (RFC 9112 §7.1)
  { name: "rejects chunk data longer than its size", reason: "RFC 9112 §7.1 (chunk-data CRLF)", kind: "request", input: te("5\r\nhelloXX\r\n0\r\n\r\n"), expect: { error: "INVALID_CHUNK_DATA", before: [teHead, "body hello"] } },
  { name: "rejects chunk data followed by a bare LF", reason: "RFC 9112 §7.1", kind: "request", input: te("5\r\nhello\n0\r\n\r\n"), expect: { error: ["INVALID_CHUNK_DATA", "INVALID_LINE_ENDING"], before: [teHead, "body hello"] } },
  { name: "rejects chunk data followed by a bare CR", reason: "RFC 9112 §7.1; §2.2", kind: "request", input: te("5\r\nhello\r0\r\n\r\n"), expect: { error: ["INVALID_CHUNK_DATA", "INVALID_LINE_ENDING"], before: [teHead, "body hello"] } },
  { name: "accepts bare LF in chunk framing under allowBareLF", reason: "RFC 9112 §2.2 (MAY recognise a single LF); contract: allowBareLF covers chunk framing", kind: "request", options: { allowBareLF: true }, input: te("5\nhello\n0\n\n"), expect: [teHead, "body hello", "complete []"] },
  { name: "rejects a bare LF ending a chunk-size line", reason: "RFC 9112 §7.1; CVE-2025-22871 (Go net/http)", kind: "request", input: te("5\nhello\r\n0\r\n\r\n"), expect: { error: ["INVALID_CHUNK_SIZE", "INVALID_LINE_ENDING"], before: [teHead] } },
  { name: "reports UNEXPECTED_EOF inside chunk data", reason: "RFC 9112 §8", kind: "request", input: te("5\r\nhel"), expect: { error: "UNEXPECTED_EOF", before: [teHead, "body hel"] } },
  { name: "reports UNEXPECTED_EOF before the last chunk", reason: "RFC 9112 §8 (a chunked message without its last-chunk is incomplete)", kind: "request", input: te("5\r\nhello\r\n"), expect: { error: "UNEXPECTED_EOF", before: [teHead, "body hello"] } },

  // chunk extensions (RFC 9112 §7.1.1)
  { name: "ignores chunk extensions with and without values", reason: "RFC 9112 §7.1.1 (MUST ignore unrecognised extensions)", kind: "request", input: te("5;a=b;c\r\nhello\r\n0;last=1\r\n\r\n"), expect: [teHead, "body hello", "complete []"] },
  { name: "ignores a quoted-string chunk extension with escapes and separators", reason: "RFC 9112 §7.1.1; RFC 9110 §5.6.4 (quoted-string, quoted-pair)", kind: "request", input: te('5;a="x; y=\\"z\\""\r\nhello\r\n0\r\n\r\n'), expect: [teHead, "body hello", "complete []"] },
  { name: "accepts whitespace after ; in a chunk extension", reason: "RFC 9112 §7.1.1 (chunk-ext = *( BWS \";\" BWS chunk-ext-name ... )); llhttp refuses it", kind: "request", input: te("5; a=b\r\nhello\r\n0\r\n\r\n"), expect: [teHead, "body hello", "complete []"] },
  { name: "accepts whitespace around = in a chunk extension", reason: "RFC 9112 §7.1.1 (BWS \"=\" BWS); llhttp refuses it", kind: "request", input: te("5;a =\tb\r\nhello\r\n0\r\n\r\n"), expect: [teHead, "body hello", "complete []"] },
  { name: "rejects an empty chunk extension name", reason: "RFC 9112 §7.1.1 (chunk-ext-name = token)", kind: "request", input: te("5;\r\nhello\r\n0\r\n\r\n"), expect: { error: "INVALID_CHUNK_EXTENSION", before: [teHead] } },
  { name: "rejects an empty chunk extension value", reason: "RFC 9112 §7.1.1 (chunk-ext-val = token / quoted-string)", kind: "request", input: te("5;a=\r\nhello\r\n0\r\n\r\n"), expect: { error: "INVALID_CHUNK_EXTENSION", before: [teHead] } },
  { name: "rejects a non-token byte in a chunk extension", reason: "RFC 9112 §7.1.1", kind: "request", input: te("5;a=b c\r\nhello\r\n0\r\n\r\n"), expect: { error: "INVALID_CHUNK_EXTENSION", before: [teHead] } },
  { name: "rejects an unterminated quoted chunk extension", reason: "RFC 9110 §5.6.4", kind: "request", input: te('5;a="abc\r\nhello\r\n0\r\n\r\n'), expect: { error: "INVALID_CHUNK_EXTENSION", before: [teHead] } },
  { name: "rejects a control byte in a quoted chunk extension", reason: "RFC 9110 §5.6.4 (qdtext excludes CTLs)", kind: "request", input: te('5;a="a\x01b"\r\nhello\r\n0\r\n\r\n'), expect: { error: "INVALID_CHUNK_EXTENSION", before: [teHead] } },
  { name: "rejects chunk extensions over maxChunkExtensionSize", reason: "CVE-2024-22019 (bounded extension bytes)", kind: "request", options: { maxChunkExtensionSize: 16 }, input: te("5;aaaaaaaaaa=bbbbbbbbbbbbbbbbbbbbb\r\nhello\r\n0\r\n\r\n"), expect: { error: "CHUNK_EXTENSION_TOO_LARGE", before: [teHead] } },
  { name: "counts chunk extensions across a message against maxChunkExtensionSize", reason: "contract: the limit applies per line and in total per message (CVE-2024-22019)", kind: "request", options: { maxChunkExtensionSize: 16 }, input: te("1;aaaaaa\r\nx\r\n1;bbbbbb\r\nx\r\n1;cccccc\r\nx\r\n0\r\n\r\n"), expect: { error: "CHUNK_EXTENSION_TOO_LARGE" } },

  // trailers (RFC 9112 §7.1.2)
  { name: "hands trailer fields to onComplete", reason: "RFC 9112 §7.1.2", kind: "request", input: te("1\r\nx\r\n0\r\nX-Sum: 1\r\nX-B:  2 \r\n\r\n"), expect: [teHead, "body x", "complete [X-Sum: 1, X-B: 2]"] },
  { name: "rejects a trailer field with a space before the colon", reason: "RFC 9112 §5.1, §7.1.2", kind: "request", input: te("0\r\nX-Sum : 1\r\n\r\n"), expect: { error: ["INVALID_TRAILER", "INVALID_HEADER_NAME"], before: [teHead] } },
  { name: "rejects a trailer field without a colon", reason: "RFC 9112 §7.1.2", kind: "request", input: te("0\r\nbogus\r\n\r\n"), expect: { error: ["INVALID_TRAILER", "INVALID_HEADER_NAME"], before: [teHead] } },
  { name: "rejects a control byte in a trailer value", reason: "RFC 9110 §5.5", kind: "request", input: te("0\r\nX: a\x01\r\n\r\n"), expect: { error: ["INVALID_TRAILER", "INVALID_HEADER_VALUE"], before: [teHead] } },
  { name: "rejects an obs-fold in the trailer section", reason: "RFC 9112 §5.2, §7.1.2", kind: "request", input: te("0\r\nX: a\r\n b\r\n\r\n"), expect: { error: ["OBS_FOLD", "INVALID_TRAILER"], before: [teHead] } },
  { name: "rejects a NUL in a chunk extension", reason: "RFC 9112 §7.1.1 (token / quoted-string)", kind: "request", input: te("5;a=b\x00\r\nhello\r\n0\r\n\r\n"), expect: { error: "INVALID_CHUNK_EXTENSION", before: [teHead] } },
  { name: "rejects a trailer section over maxTrailerSize", reason: "contract: TRAILER_TOO_LARGE (431)", kind: "request", options: { maxTrailerSize: 16 }, input: te("0\r\nX-Long: 0123456789abcdef\r\n\r\n"), expect: { error: "TRAILER_TOO_LARGE", before: [teHead] } },
  { name: "rejects a bare LF in the trailer section", reason: "RFC 9112 §2.2", kind: "request", input: te("0\r\nX: 1\n\r\n"), expect: { error: ["INVALID_LINE_ENDING", "INVALID_TRAILER"], before: [teHead] } },

  // maxBodySize
  { name: "rejects a Content-Length over maxBodySize before any body byte", reason: "contract: BODY_TOO_LARGE (413)", kind: "request", options: { maxBodySize: 4 }, input: post("Content-Length: 5\r\n", "hello"), expect: { error: "BODY_TOO_LARGE" } },
  { name: "reads a Content-Length body equal to maxBodySize", reason: "contract: the limit is inclusive", kind: "request", options: { maxBodySize: 5 }, input: post("Content-Length: 5\r\n", "hello"), expect: [clHead(5), "body hello", "complete []"] },
  { name: "rejects a chunked body that grows over maxBodySize", reason: "contract: BODY_TOO_LARGE applies to de-chunked bytes", kind: "request", options: { maxBodySize: 8 }, input: te("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"), expect: { error: "BODY_TOO_LARGE" } },
];
