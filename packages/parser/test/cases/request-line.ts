// Request-line cases: methods, request-targets, versions (RFC 9112 §3, RFC 9110 §9).
import type { Case } from "../harness.ts";

const H = "Host: a\r\n\r\n";
const get = (line: string): string => `${line}\r\n${H}`;
const ok = (method: string, target: string, version = "1.1"): string[] => [
  `head ${method} ${target} ${version} [Host: a] cl=-1 chunked=0 keepAlive=${version === "1.1" ? 1 : 0} upgrade=0 expect=0`,
  "complete []",
];

export const requestLineCases: Case[] = [
  { name: "reads a minimal GET", reason: "RFC 9112 §3", kind: "request", input: get("GET / HTTP/1.1"), expect: ok("GET", "/") },
  { name: "keeps an extension method as received", reason: "RFC 9110 §9.1 (method = token)", kind: "request", input: get("M-SEARCH * HTTP/1.1"), expect: ok("M-SEARCH", "*") },
  { name: "keeps the case of a method (methods are case-sensitive)", reason: "RFC 9110 §9.1", kind: "request", input: get("get / HTTP/1.1"), expect: ok("get", "/") },
  { name: "reads every tchar in a method", reason: "RFC 9110 §5.6.2 tchar", kind: "request", input: get("!#$%&'*+-.^_`|~09AZaz / HTTP/1.1"), expect: ok("!#$%&'*+-.^_`|~09AZaz", "/") },
  { name: "reads PROPFIND (WebDAV)", reason: "llhttp test/request/method.md (PROPFIND)", kind: "request", input: get("PROPFIND /dav HTTP/1.1"), expect: ok("PROPFIND", "/dav") },
  { name: "reads a CONNECT with an authority-form target and flags it as an upgrade", reason: "RFC 9112 §3.2.3; RFC 9110 §9.3.6 (the connection becomes a tunnel; llhttp flags CONNECT as upgrade too)", kind: "request", input: get("CONNECT example.com:443 HTTP/1.1"), expect: ["head CONNECT example.com:443 1.1 [Host: a] cl=-1 chunked=0 keepAlive=1 upgrade=1 expect=0", "complete []"] },
  { name: "reads an OPTIONS with the asterisk-form target", reason: "RFC 9112 §3.2.4", kind: "request", input: get("OPTIONS * HTTP/1.1"), expect: ok("OPTIONS", "*") },
  { name: "reads an absolute-form target", reason: "RFC 9112 §3.2.2", kind: "request", input: get("GET http://a.example/p?q=1 HTTP/1.1"), expect: ok("GET", "http://a.example/p?q=1") },
  { name: "keeps the query and percent-encoding of a target as received", reason: "RFC 9112 §3.2.1; llhttp test/request/uri.md", kind: "request", input: get("GET /a%20b/c?x=1&y=%7E HTTP/1.1"), expect: ok("GET", "/a%20b/c?x=1&y=%7E") },
  { name: "reads HTTP/1.0 (no Host needed, not keep-alive)", reason: "RFC 9112 §9.3", kind: "request", input: "GET / HTTP/1.0\r\n\r\n", expect: ["head GET / 1.0 [] cl=-1 chunked=0 keepAlive=0 upgrade=0 expect=0", "complete []"] },
  { name: "reads HTTP/1.2 as 1.1", reason: "RFC 9110 §2.5 (a higher minor is read as the highest we speak)", kind: "request", input: get("GET / HTTP/1.2"), expect: ok("GET", "/") },
  { name: "reads HTTP/1.9 as 1.1", reason: "RFC 9110 §2.5", kind: "request", input: get("GET / HTTP/1.9"), expect: ok("GET", "/") },
  { name: "answers HTTP/2.0 with UNSUPPORTED_VERSION", reason: "RFC 9110 §15.6.6 (505)", kind: "request", input: get("GET / HTTP/2.0"), expect: { error: "UNSUPPORTED_VERSION" } },
  { name: "answers HTTP/3.1 with UNSUPPORTED_VERSION", reason: "RFC 9110 §15.6.6 (505)", kind: "request", input: get("GET / HTTP/3.1"), expect: { error: "UNSUPPORTED_VERSION" } },
  { name: "rejects HTTP/0.9", reason: "contract: INVALID_VERSION covers 0.9", kind: "request", input: get("GET / HTTP/0.9"), expect: { error: ["INVALID_VERSION", "UNSUPPORTED_VERSION"] } },
  { name: "rejects a lower-case protocol name", reason: "RFC 9112 §2.3 (HTTP-name is case-sensitive)", kind: "request", input: get("GET / http/1.1"), expect: { error: "INVALID_VERSION" } },
  { name: "rejects a two-digit minor version", reason: "RFC 9112 §2.3 (HTTP-version = HTTP-name / DIGIT . DIGIT)", kind: "request", input: get("GET / HTTP/1.10"), expect: { error: "INVALID_VERSION" } },
  { name: "rejects a version without a minor", reason: "RFC 9112 §2.3", kind: "request", input: get("GET / HTTP/1"), expect: { error: "INVALID_VERSION" } },
  { name: "rejects a garbage version", reason: "RFC 9112 §2.3; llhttp test/request/invalid.md", kind: "request", input: get("GET / FOO/1.1"), expect: { error: "INVALID_VERSION" } },
  { name: "rejects a request line without a version (HTTP/0.9 form)", reason: "RFC 9112 §3", kind: "request", input: "GET /\r\n\r\n", expect: { error: ["INVALID_REQUEST_LINE", "INVALID_VERSION", "INVALID_TARGET"] } },
  { name: "rejects two spaces between method and target", reason: "RFC 9112 §3 (exactly one SP)", kind: "request", input: get("GET  / HTTP/1.1"), expect: { error: ["INVALID_REQUEST_LINE", "INVALID_TARGET"] } },
  { name: "rejects a space inside the target", reason: "RFC 9112 §3.2 (no whitespace in request-target)", kind: "request", input: get("GET /a b HTTP/1.1"), expect: { error: ["INVALID_REQUEST_LINE", "INVALID_VERSION", "INVALID_TARGET"] } },
  { name: "rejects a trailing space after the version", reason: "RFC 9112 §3", kind: "request", input: get("GET / HTTP/1.1 "), expect: { error: ["INVALID_REQUEST_LINE", "INVALID_VERSION"] } },
  { name: "rejects HTAB as the request-line separator", reason: "RFC 9112 §3 (SP only)", kind: "request", input: get("GET\t/ HTTP/1.1"), expect: { error: ["INVALID_REQUEST_LINE", "INVALID_METHOD"] } },
  { name: "rejects a method with a non-token byte", reason: "RFC 9110 §9.1; llhttp test/request/invalid.md", kind: "request", input: get("G@T / HTTP/1.1"), expect: { error: "INVALID_METHOD" } },
  { name: "rejects a method with a non-ASCII byte", reason: "RFC 9110 §5.6.2", kind: "request", input: get("G\xe9T / HTTP/1.1"), expect: { error: "INVALID_METHOD" } },
  { name: "rejects an empty method", reason: "RFC 9112 §3", kind: "request", input: get(" / HTTP/1.1"), expect: { error: ["INVALID_REQUEST_LINE", "INVALID_METHOD"] } },
  { name: "rejects a target that is none of the four request-target forms", reason: "RFC 9112 §3.2 (origin-form starts with /; llhttp: HPE_INVALID_URL)", kind: "request", input: get("GET index.html?q=1 HTTP/1.1"), expect: { error: "INVALID_TARGET" } },
  { name: "rejects a relative target in a pipelined second request", reason: "RFC 9112 §3.2; found by the llhttp mutation test", kind: "request", input: "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET b HTTP/1.1\r\nHost: h\r\n\r\n", expect: { error: "INVALID_TARGET", before: ["head GET /a 1.1 [Host: h] cl=-1 chunked=0 keepAlive=1 upgrade=0 expect=0", "complete []"] } },
  { name: "rejects a CONNECT whose target is not authority-form", reason: "RFC 9112 §3.2.3; RFC 9110 §9.3.6 (CONNECT's target is host:port only); llhttp accepts it", kind: "request", input: get("CONNECT / HTTP/1.1"), expect: { error: "INVALID_TARGET" } },
  { name: "rejects an authority-form target without a port", reason: "RFC 9110 §9.3.6 (MUST reject an empty or invalid port)", kind: "request", input: get("CONNECT example.com HTTP/1.1"), expect: { error: "INVALID_TARGET" } },
  { name: "rejects the asterisk-form with a method other than OPTIONS", reason: "RFC 9112 §3.2.4 (asterisk-form is only used for a server-wide OPTIONS); llhttp accepts it", kind: "request", input: get("GET * HTTP/1.1"), expect: { error: "INVALID_TARGET" } },
  { name: "rejects an http URI with an empty host", reason: "RFC 9110 §4.2.1 (a recipient MUST reject an http URI with an empty host as invalid); llhttp accepts it", kind: "request", input: get("GET http:///x HTTP/1.1"), expect: { error: "INVALID_TARGET" } },
  { name: "reads an origin-form target that starts with two slashes", reason: "RFC 9112 §3.2.1 (absolute-path = 1*( \"/\" segment ), segments may be empty)", kind: "request", input: get("GET //a HTTP/1.1"), expect: ok("GET", "//a") },
  { name: "rejects a control byte in the target", reason: "RFC 9112 §3.2; RFC 3986 §2", kind: "request", input: get("GET /a\x01b HTTP/1.1"), expect: { error: "INVALID_TARGET" } },
  { name: "rejects DEL in the target", reason: "RFC 3986 §2", kind: "request", input: get("GET /a\x7fb HTTP/1.1"), expect: { error: "INVALID_TARGET" } },
  { name: "rejects a non-ASCII byte in the target", reason: "RFC 3986 §2 (URIs are ASCII)", kind: "request", input: get("GET /caf\xe9 HTTP/1.1"), expect: { error: "INVALID_TARGET" } },
  { name: "rejects a NUL in the target", reason: "llhttp test/request/invalid.md", kind: "request", input: get("GET /\x00 HTTP/1.1"), expect: { error: "INVALID_TARGET" } },
  { name: "rejects a bare CR ending the request line", reason: "RFC 9112 §2.2", kind: "request", input: "GET / HTTP/1.1\rHost: a\r\n\r\n", expect: { error: ["INVALID_LINE_ENDING", "INVALID_VERSION"] } },
  { name: "rejects a bare CR before a request line", reason: "RFC 9112 §2.2 (only an empty line, CRLF, may precede it); llhttp skips it", kind: "request", input: "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", expect: { error: ["INVALID_LINE_ENDING", "INVALID_METHOD", "INVALID_REQUEST_LINE"] } },
  { name: "ignores empty lines before a request line", reason: "RFC 9112 §2.2 (SHOULD ignore at least one empty line before the request-line)", kind: "request", input: "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", expect: ok("GET", "/") },
];
