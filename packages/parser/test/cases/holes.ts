// The holes a differential fuzz against llhttp found (issue 8): Upgrade in HTTP/1.0 and
// empty Upgrade, CONNECT with content, request-target bytes outside RFC 3986, non-http(s)
// absolute-form schemes, userinfo, and Host values that are not uri-host [":" port].
import type { Case, ErrorExpectation } from "../harness.ts";

const I8 = "issue 8 (differential fuzz against llhttp)";
const H = "Host: a\r\n\r\n";
const get = (target: string): string => `GET ${target} HTTP/1.1\r\n${H}`;
const ok = (target: string, method = "GET"): string[] => [
  `head ${method} ${target} 1.1 [Host: a] cl=-1 chunked=0 keepAlive=1 upgrade=0 expect=0`,
  "complete []",
];
const withHost = (host: string): string => `GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
const hostOk = (host: string): string[] => [
  `head GET / 1.1 [Host: ${host}] cl=-1 chunked=0 keepAlive=1 upgrade=0 expect=0`,
  "complete []",
];
const bad = (error: "INVALID_TARGET" | "INVALID_HOST"): ErrorExpectation => ({ error, before: [] });

const upgradeCases: Case[] = [
  { name: "ignores Upgrade in an HTTP/1.0 request", reason: `RFC 9110 §7.8 ("A server MUST ignore an Upgrade header field that is received in an HTTP/1.0 request"); ${I8}`, kind: "request", input: "GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n", expect: ["head GET / 1.0 [Connection: upgrade, Upgrade: websocket] cl=-1 chunked=0 keepAlive=0 upgrade=0 expect=0", "complete []"] },
  { name: "ignores Upgrade in an HTTP/1.0 keep-alive request and reads the next one", reason: "RFC 9110 §7.8; the bytes after it stay HTTP", kind: "request", input: "GET / HTTP/1.0\r\nConnection: upgrade, keep-alive\r\nUpgrade: websocket\r\n\r\nGET /2 HTTP/1.0\r\n\r\n", expect: ["head GET / 1.0 [Connection: upgrade, keep-alive, Upgrade: websocket] cl=-1 chunked=0 keepAlive=1 upgrade=0 expect=0", "complete []", "head GET /2 1.0 [] cl=-1 chunked=0 keepAlive=0 upgrade=0 expect=0", "complete []"] },
  { name: "offers no upgrade with an empty Upgrade value", reason: `RFC 9110 §7.8 (Upgrade = #protocol: an empty list offers nothing); ${I8}`, kind: "request", input: "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade:\r\n\r\n", expect: ["head GET / 1.1 [Host: a, Connection: upgrade, Upgrade: ] cl=-1 chunked=0 keepAlive=1 upgrade=0 expect=0", "complete []"] },
  { name: "offers no upgrade with an Upgrade list of empty members", reason: "RFC 9110 §5.6.1 (empty list members are ignored)", kind: "request", input: "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: , ,\r\n\r\n", expect: ["head GET / 1.1 [Host: a, Connection: upgrade, Upgrade: , ,] cl=-1 chunked=0 keepAlive=1 upgrade=0 expect=0", "complete []"] },
  { name: "offers no upgrade without Connection: upgrade", reason: "RFC 9110 §7.8 (a sender of Upgrade MUST send the upgrade connection option)", kind: "request", input: "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n", expect: ["head GET / 1.1 [Host: a, Upgrade: websocket] cl=-1 chunked=0 keepAlive=1 upgrade=0 expect=0", "complete []"] },
  { name: "flags a CONNECT in HTTP/1.0 as a tunnel", reason: "RFC 9110 §9.3.6 (CONNECT is not an Upgrade; HTTP/1.0 proxies tunnel too)", kind: "request", input: "CONNECT a.example:443 HTTP/1.0\r\n\r\n", expect: ["head CONNECT a.example:443 1.0 [] cl=-1 chunked=0 keepAlive=0 upgrade=1 expect=0", "complete []"] },
];

const connectCases: Case[] = [
  { name: "rejects a CONNECT with a Content-Length body", reason: `RFC 9110 §9.3.6 ("A CONNECT request message does not have content"); ${I8}: llhttp hands the bytes to the tunnel`, kind: "request", input: "CONNECT a:4 HTTP/1.1\r\nHost: a:4\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: a\r\n\r\n", expect: { error: "CONNECT_WITH_CONTENT", before: [] } },
  { name: "rejects a CONNECT with Transfer-Encoding", reason: "RFC 9110 §9.3.6", kind: "request", input: "CONNECT a:4 HTTP/1.1\r\nHost: a:4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", expect: { error: "CONNECT_WITH_CONTENT", before: [] } },
  { name: "rejects a CONNECT with Transfer-Encoding and Content-Length: 0", reason: "RFC 9110 §9.3.6 (any Transfer-Encoding)", kind: "request", input: "CONNECT a:4 HTTP/1.1\r\nHost: a:4\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n", expect: { error: ["CONNECT_WITH_CONTENT", "CONTENT_LENGTH_WITH_TRANSFER_ENCODING"], before: [] } },
  { name: "reads a CONNECT with Content-Length: 0 as having no content", reason: "RFC 9110 §9.3.6 (no content; a zero length says just that)", kind: "request", input: "CONNECT a:4 HTTP/1.1\r\nHost: a:4\r\nContent-Length: 0\r\n\r\n", expect: ["head CONNECT a:4 1.1 [Host: a:4, Content-Length: 0] cl=0 chunked=0 keepAlive=1 upgrade=1 expect=0", "complete []"] },
];

const targetCases: Case[] = [
  // Bytes RFC 3986 leaves out of URIs (the list), in origin-form.
  ...[
    ["\\", "/echo\\..\\x"],
    ['"', '/echo/"x"'],
    ["<", "/a<b"],
    [">", "/a>b"],
    ["^", "/a^b"],
    ["`", "/a`b"],
    ["{", "/a{b"],
    ["|", "/a|b"],
    ["}", "/a}b"],
  ].map(([ch, target]): Case => ({ name: `rejects '${ch}' in an origin-form target`, reason: `RFC 3986 §2 (not a URI character); RFC 9112 §3.2; ${I8}`, kind: "request", input: get(target!), expect: bad("INVALID_TARGET") })),
  { name: "rejects '|' in the query of a target", reason: "RFC 3986 §3.4 (query = *( pchar / \"/\" / \"?\" ))", kind: "request", input: get("/a?x=1|2"), expect: bad("INVALID_TARGET") },
  { name: "rejects '[' in the path of an origin-form target", reason: "RFC 3986 §3.3 ('[' ']' stand only in an IP-literal host)", kind: "request", input: get("/a[0]"), expect: bad("INVALID_TARGET") },
  { name: "rejects ']' in the query of an origin-form target", reason: "RFC 3986 §3.4", kind: "request", input: get("/a?x]=1"), expect: bad("INVALID_TARGET") },
  { name: "rejects '%' not followed by two hex digits", reason: "RFC 3986 §2.1 (pct-encoded = \"%\" HEXDIG HEXDIG)", kind: "request", input: get("/a%zzb"), expect: bad("INVALID_TARGET") },
  { name: "rejects a '%' one hex digit before the end of the target", reason: "RFC 3986 §2.1", kind: "request", input: get("/a%2"), expect: bad("INVALID_TARGET") },
  { name: "rejects a '%' at the end of the target", reason: "RFC 3986 §2.1", kind: "request", input: get("/a%"), expect: bad("INVALID_TARGET") },
  { name: "reads pct-encoded octets in either case", reason: "RFC 3986 §2.1 (HEXDIG is case-insensitive)", kind: "request", input: get("/a%2fb%2F?q=%e9%E9"), expect: ok("/a%2fb%2F?q=%e9%E9") },
  { name: "reads every pchar, '/' and '?' in an origin-form target", reason: "RFC 3986 §3.3-3.4 (pchar = unreserved / pct-encoded / sub-delims / \":\" / \"@\")", kind: "request", input: get("/AZaz09-._~!$&'()*+,;=:@/?/?"), expect: ok("/AZaz09-._~!$&'()*+,;=:@/?/?") },
  { name: "reads browser-only target bytes under allowUnsafeTargetChars", reason: "contract: allowUnsafeTargetChars admits [ ] { } | ^ ` in path and query (WHATWG URL leaves them unencoded)", kind: "request", options: { allowUnsafeTargetChars: true }, input: get("/a[0]{b}|^`?x[]=1"), expect: ok("/a[0]{b}|^`?x[]=1") },
  { name: "rejects '\\' even under allowUnsafeTargetChars", reason: "contract: never '\\' (WHATWG parsers read it as '/', host confusion)", kind: "request", options: { allowUnsafeTargetChars: true }, input: get("/a\\b"), expect: bad("INVALID_TARGET") },
  { name: "rejects '\"' even under allowUnsafeTargetChars", reason: "contract: never '\"' '<' '>'", kind: "request", options: { allowUnsafeTargetChars: true }, input: get('/a"b'), expect: bad("INVALID_TARGET") },
  // absolute-form: the authority is uri-host [":" port], no userinfo, no backslash.
  { name: "rejects '\\' in an absolute-form authority", reason: `RFC 3986 §3.2.2; ${I8} (GET http://a\\b/)`, kind: "request", input: get("http://a\\b/"), expect: bad("INVALID_TARGET") },
  { name: "rejects the host-confusion target http://good.example\\@evil.example/", reason: `${I8}: our scan saw host evil.example, new URL() sees good.example`, kind: "request", input: get("http://good.example\\@evil.example/"), expect: bad("INVALID_TARGET") },
  { name: "rejects userinfo in an http URI", reason: "RFC 9110 §4.2.4 (a recipient SHOULD treat userinfo as an error: it obscures the authority)", kind: "request", input: get("http://user@a.example/"), expect: bad("INVALID_TARGET") },
  { name: "rejects a non-digit port in an http URI", reason: "RFC 3986 §3.2.3 (port = *DIGIT)", kind: "request", input: get("http://a.example:8o/"), expect: bad("INVALID_TARGET") },
  { name: "rejects two ports in an http URI", reason: "RFC 3986 §3.2.3", kind: "request", input: get("http://a.example:80:81/"), expect: bad("INVALID_TARGET") },
  { name: "rejects '[' in the path of an http URI", reason: "RFC 3986 §3.3", kind: "request", input: get("http://a.example/[x]"), expect: bad("INVALID_TARGET") },
  { name: "rejects a bad pct-encoding in an http URI's host", reason: "RFC 3986 §3.2.2 (reg-name = *( unreserved / pct-encoded / sub-delims ))", kind: "request", input: get("http://a%zz/"), expect: bad("INVALID_TARGET") },
  { name: "reads an http URI with an IPv6 literal and a port", reason: "RFC 3986 §3.2.2 (IP-literal)", kind: "request", input: get("http://[2001:db8::1]:8080/x?y"), expect: ok("http://[2001:db8::1]:8080/x?y") },
  { name: "reads an http URI with an IPv4-mapped IPv6 literal", reason: "RFC 3986 §3.2.2 (ls32 as IPv4address)", kind: "request", input: get("http://[::ffff:192.0.2.1]/"), expect: ok("http://[::ffff:192.0.2.1]/") },
  { name: "rejects an IPv6 literal with two '::'", reason: "RFC 3986 §3.2.2 (one elision at most)", kind: "request", input: get("http://[1::2::3]/"), expect: bad("INVALID_TARGET") },
  { name: "rejects an IPv6 literal with nine groups", reason: "RFC 3986 §3.2.2", kind: "request", input: get("http://[1:2:3:4:5:6:7:8:9]/"), expect: bad("INVALID_TARGET") },
  { name: "rejects a non-hex IPv6 group", reason: "RFC 3986 §3.2.2 (h16 = 1*4HEXDIG)", kind: "request", input: get("http://[::g]/"), expect: bad("INVALID_TARGET") },
  { name: "rejects an IPv4 tail with a leading zero", reason: "RFC 3986 §3.2.2 (dec-octet has no leading zero)", kind: "request", input: get("http://[::1.2.3.04]/"), expect: bad("INVALID_TARGET") },
  { name: "reads an IPvFuture literal", reason: "RFC 3986 §3.2.2 (IPvFuture = \"v\" 1*HEXDIG \".\" 1*( unreserved / sub-delims / \":\" ))", kind: "request", input: get("http://[v1.fe80::a+b]/"), expect: ok("http://[v1.fe80::a+b]/") },
  // Schemes other than http(s).
  { name: "rejects an absolute-form target with a scheme other than http(s)", reason: `issue 8 (llhttp refuses them too); RFC 9112 §3.2.2 (a server is asked for its own resources)`, kind: "request", input: get("ftp://a.example/f"), expect: bad("INVALID_TARGET") },
  { name: "rejects a javascript: absolute-form target", reason: "issue 8: not an http(s) URI", kind: "request", input: get("javascript:alert(1)"), expect: bad("INVALID_TARGET") },
  { name: "reads a non-http scheme under allowNonHttpSchemes", reason: "contract: allowNonHttpSchemes, for forward proxies", kind: "request", options: { allowNonHttpSchemes: true }, input: get("ftp://a.example/f%20g"), expect: ok("ftp://a.example/f%20g") },
  { name: "still checks pct-encoding under allowNonHttpSchemes", reason: "RFC 3986 §2.1", kind: "request", options: { allowNonHttpSchemes: true }, input: get("ftp://a.example/f%g"), expect: bad("INVALID_TARGET") },
  // CONNECT's authority-form goes through the same host check.
  { name: "rejects a CONNECT target with '\\' in its host", reason: "RFC 9112 §3.2.3 (authority-form = uri-host \":\" port)", kind: "request", input: "CONNECT a\\b:443 HTTP/1.1\r\nHost: a\r\n\r\n", expect: bad("INVALID_TARGET") },
  { name: "rejects a CONNECT target with two colons outside brackets", reason: "RFC 9112 §3.2.3", kind: "request", input: "CONNECT a:b:443 HTTP/1.1\r\nHost: a\r\n\r\n", expect: bad("INVALID_TARGET") },
  { name: "rejects a CONNECT to an IPv6 literal without a port", reason: "RFC 9110 §9.3.6 (a port is required)", kind: "request", input: "CONNECT [::1] HTTP/1.1\r\nHost: a\r\n\r\n", expect: bad("INVALID_TARGET") },
];

const hostCases: Case[] = [
  { name: "rejects a Host with a space inside", reason: `RFC 9112 §3.2 (400 for an invalid Host); RFC 9110 §7.2 (Host = uri-host [":" port]); ${I8}`, kind: "request", input: withHost("a b"), expect: bad("INVALID_HOST") },
  { name: "rejects a Host with a path", reason: "RFC 9110 §7.2", kind: "request", input: withHost("a.example/x"), expect: bad("INVALID_HOST") },
  { name: "rejects a Host with userinfo", reason: "RFC 9110 §7.2 (no userinfo in Host)", kind: "request", input: withHost("u@a.example"), expect: bad("INVALID_HOST") },
  { name: "rejects a Host with a backslash", reason: "RFC 3986 §3.2.2; host confusion", kind: "request", input: withHost("good.example\\evil"), expect: bad("INVALID_HOST") },
  { name: "rejects a Host with a non-digit port", reason: "RFC 3986 §3.2.3 (port = *DIGIT)", kind: "request", input: withHost("a.example:http"), expect: bad("INVALID_HOST") },
  { name: "rejects a Host with an unclosed IPv6 literal", reason: "RFC 3986 §3.2.2", kind: "request", input: withHost("[::1"), expect: bad("INVALID_HOST") },
  { name: "rejects a Host with obs-text", reason: "RFC 3986 §3.2.2 (reg-name is ASCII; IDNs travel as punycode)", kind: "request", input: withHost("caf\xe9.example"), expect: bad("INVALID_HOST") },
  { name: "rejects an invalid Host in an HTTP/1.0 request too", reason: "RFC 9110 §7.2 (the grammar does not depend on the version)", kind: "request", input: "GET / HTTP/1.0\r\nHost: a b\r\n\r\n", expect: bad("INVALID_HOST") },
  { name: "reads a Host with a port", reason: "RFC 9110 §7.2", kind: "request", input: withHost("a.example:8080"), expect: hostOk("a.example:8080") },
  { name: "reads a Host with an empty port", reason: "RFC 3986 §3.2.3 (port = *DIGIT; URI producers SHOULD omit it, recipients accept it)", kind: "request", input: withHost("a.example:"), expect: hostOk("a.example:") },
  { name: "reads a Host with an IPv6 literal and a zone", reason: "RFC 6874 (ZoneID after %25)", kind: "request", input: withHost("[fe80::1%25eth0]:80"), expect: hostOk("[fe80::1%25eth0]:80") },
  { name: "reads a Host with sub-delims and pct-encoding", reason: "RFC 3986 §3.2.2 (reg-name)", kind: "request", input: withHost("a!$&'()*+,;=%41.example"), expect: hostOk("a!$&'()*+,;=%41.example") },
  { name: "reads a Host that is an IPv4 address", reason: "RFC 3986 §3.2.2", kind: "request", input: withHost("127.0.0.1:8080"), expect: hostOk("127.0.0.1:8080") },
  { name: "does not check Host in a response", reason: "RFC 9110 §7.2 (Host is a request field)", kind: "response", input: "HTTP/1.1 200 OK\r\nHost: a b\r\nContent-Length: 0\r\n\r\n", expect: ['head 200 "OK" 1.1 [Host: a b, Content-Length: 0] cl=0 chunked=0 keepAlive=1 upgrade=0', "complete []"] },
];

export const holeCases: Case[] = [...upgradeCases, ...connectCases, ...targetCases, ...hostCases];
