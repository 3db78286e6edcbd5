/**
 * The URI pieces a request head carries, checked against RFC 3986 as RFC 9110/9112 use it:
 * `uri-host [ ":" port ]` (the Host field, an http(s) authority, a CONNECT target) and the
 * path and query of a target (where '%' must start a pct-encoded triplet and '[' ']' may not
 * stand).
 *
 * Why here and not in a server: a proxy or a cache built on the parser alone must see the
 * same host as the server behind it; a Host or authority that two URL parsers read
 * differently is how host confusion starts (RFC 9112 §3.2, RFC 9110 §4.2.4).
 *
 * Does not: decode, normalise or resolve anything; keep references to what it reads. Every
 * function returns -1 when the input is valid, else the index of the first byte that is not
 * (so errors carry an exact offset).
 */
import { HEX, REG_NAME } from "./tables.js";

const COLON = 0x3a;
const DOT = 0x2e;
const PERCENT = 0x25;

function isHex(c: number): boolean {
  return c < 256 && HEX[c] !== 0;
}

/** A pct-encoded triplet starts at v[p] ('%'): both hex digits lie before e. */
function pctOk(v: string, p: number, e: number): boolean {
  return p + 2 < e && isHex(v.charCodeAt(p + 1)) && isHex(v.charCodeAt(p + 2));
}

/**
 * `uri-host [ ":" port ]` in v[s, e) (RFC 9110 §7.2 for Host, RFC 3986 §3.2.2-3). An empty
 * host is valid here (an empty Host is allowed, RFC 9112 §3.2); callers that need a host
 * check for one. port = *DIGIT.
 */
export function hostError(v: string, s: number, e: number): number {
  let p = s;
  if (p < e && v.charCodeAt(p) === 0x5b) {
    const close = v.indexOf("]", p);
    if (close < 0 || close >= e) return e;
    const bad = ipLiteralError(v, p + 1, close);
    if (bad >= 0) return bad;
    p = close + 1;
  } else {
    for (; p < e; p++) {
      const c = v.charCodeAt(p);
      if (c === PERCENT) {
        if (!pctOk(v, p, e)) return p;
        p += 2;
      } else if (c > 0xff || REG_NAME[c] === 0) break;
    }
  }
  if (p === e) return -1;
  if (v.charCodeAt(p) !== COLON) return p;
  for (p++; p < e; p++) {
    const c = v.charCodeAt(p);
    if (c < 0x30 || c > 0x39) return p;
  }
  return -1;
}

/**
 * True when `value` is a valid Host field value: `uri-host [ ":" port ]` (RFC 9110 §7.2,
 * RFC 3986 §3.2.2-3), empty included. The parser applies it to every request's Host
 * (`INVALID_HOST`); exported for proxies and clients that check a Host they build or relay.
 *
 * @example
 * isValidHost("example.com:8080"); // true
 * isValidHost("good.example\\@evil.example"); // false
 */
export function isValidHost(value: string): boolean {
  return hostError(value, 0, value.length) < 0;
}

/**
 * The inside of an IP-literal, v[s, e) between '[' and ']': IPv6address with an optional
 * zone (RFC 6874: "%25" 1*( unreserved / pct-encoded )) or IPvFuture (RFC 3986 §3.2.2).
 */
export function ipLiteralError(v: string, s: number, e: number): number {
  if (s === e) return e;
  const c0 = v.charCodeAt(s) | 0x20;
  if (c0 === 0x76) {
    // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
    let p = s + 1;
    while (p < e && isHex(v.charCodeAt(p))) p++;
    if (p === s + 1 || p === e || v.charCodeAt(p) !== DOT) return p;
    if (++p === e) return p;
    for (; p < e; p++) {
      const c = v.charCodeAt(p);
      if (c !== COLON && (c > 0xff || REG_NAME[c] === 0)) return p;
    }
    return -1;
  }
  let end = e;
  const pct = v.indexOf("%", s);
  if (pct >= 0 && pct < e) {
    end = pct;
    // ZoneID after "%25": unreserved / pct-encoded, at least one.
    if (!pctOk(v, pct, e) || v.charCodeAt(pct + 1) !== 0x32 || v.charCodeAt(pct + 2) !== 0x35) return pct;
    let p = pct + 3;
    if (p === e) return p;
    for (; p < e; p++) {
      const c = v.charCodeAt(p);
      if (c === PERCENT) {
        if (!pctOk(v, p, e)) return p;
        p += 2;
      } else if (!isUnreserved(c)) return p;
    }
  }
  return ipv6Error(v, s, end);
}

/** unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986 §2.3). */
function isUnreserved(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x7e
  );
}

/** IPv6address (RFC 3986 §3.2.2): eight h16 groups, one "::" for a run of zeros, an IPv4 tail. */
function ipv6Error(v: string, s: number, e: number): number {
  let p = s;
  let groups = 0;
  let elided = false;
  if (e - s >= 2 && v.charCodeAt(s) === COLON && v.charCodeAt(s + 1) === COLON) {
    elided = true;
    p = s + 2;
  } else if (p < e && v.charCodeAt(p) === COLON) return p;
  while (p < e) {
    const gs = p;
    while (p < e && p - gs < 5 && isHex(v.charCodeAt(p))) p++;
    if (p < e && v.charCodeAt(p) === DOT) {
      // ls32 as an IPv4address: the last two groups' worth, and nothing after it.
      const bad = ipv4Error(v, gs, e);
      if (bad >= 0) return bad;
      groups += 2;
      p = e;
      break;
    }
    if (p === gs || p - gs > 4) return p;
    groups++;
    if (p === e) break;
    if (v.charCodeAt(p) !== COLON) return p;
    p++;
    if (p < e && v.charCodeAt(p) === COLON) {
      if (elided) return p;
      elided = true;
      p++;
    } else if (p === e) return p;
  }
  if (elided ? groups > 7 : groups !== 8) return e;
  return -1;
}

/** IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet, no leading zeros. */
function ipv4Error(v: string, s: number, e: number): number {
  let p = s;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (p === e || v.charCodeAt(p) !== DOT) return p;
      p++;
    }
    const ds = p;
    let n = 0;
    while (p < e && p - ds < 3) {
      const d = v.charCodeAt(p) - 0x30;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
      p++;
    }
    if (p === ds || n > 255 || (p - ds > 1 && v.charCodeAt(ds) === 0x30)) return ds;
  }
  return p === e ? -1 : p;
}

/**
 * The path and query of a target in buf[s, e) (bytes already within the target's byte
 * class): every '%' starts a pct-encoded triplet (RFC 3986 §2.1), and '[' ']' stand only
 * in an IP-literal host, never here (RFC 3986 §3.3-3.4) unless `brackets` allows them.
 */
export function pathQueryError(buf: Uint8Array, s: number, e: number, brackets: boolean): number {
  for (let p = s; p < e; p++) {
    const c = buf[p]!;
    if (c === PERCENT) {
      if (p + 2 >= e || HEX[buf[p + 1]!] === 0 || HEX[buf[p + 2]!] === 0) return p;
      p += 2;
    } else if ((c === 0x5b || c === 0x5d) && !brackets) return p;
  }
  return -1;
}
