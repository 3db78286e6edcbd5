/**
 * Trusted proxy headers: which peers may speak for the client, and what the client address,
 * protocol and host are when one does (`trustProxy`, off by default).
 *
 * The rule is the right-most untrusted hop. The TCP peer must be trusted, or nothing is read
 * from any header. Then the forwarding list (`Forwarded`, RFC 7239, when the request has one;
 * else `X-Forwarded-For`) is walked from its right end, the entry the trusted peer appended:
 * while the address in hand is trusted, the next entry to the left is the one that spoke to
 * it. The first untrusted address is the client. Everything left of it was written by the
 * client (or someone it spoke to) and is never believed, so a spoofed `X-Forwarded-For` from
 * the client is ignored. An entry that does not parse (an obfuscated `for=_hidden`, "unknown",
 * a malformed element) ends the walk at the last address known good, which is then a
 * trusted proxy's: we do not guess further.
 *
 * Protocol and host come from the same hop as the address: the `proto=`/`host=` of the chosen
 * `Forwarded` element, or, with X-Forwarded-*, the right-most `X-Forwarded-Proto` and
 * `X-Forwarded-Host` value (the one the trusted peer wrote). Values that are not `http`/
 * `https` or not a valid Host are ignored. Headers are never rewritten: `rawHeaders` stays
 * as received.
 */
import { isValidHost } from "@k/parser";
import { formatIP, isMapped, parseIP } from "./ip.js";

/** A compiled `trustProxy` list: does it trust this peer address? */
export interface TrustProxy {
  /** True when `address` (as Node reports it, IPv4-mapped IPv6 included) is in the list. */
  trusts(address: string | undefined): boolean;
  /** The list as given. */
  readonly entries: readonly string[];
}

/** What the forwarding headers of a request from a trusted peer say. */
export interface ForwardedClient {
  /** The client address (the right-most untrusted hop, or the last one known good). */
  address: string;
  /** `for=` port of the chosen Forwarded element, when it had one. */
  port: number | undefined;
  /** "http" or "https" when a trusted hop said so; undefined: the connection's own. */
  protocol: "http" | "https" | undefined;
  /** The Host the client asked the proxy for, when a trusted hop said so. */
  host: string | undefined;
}

interface Range {
  bytes: Uint8Array;
  bits: number;
}

/**
 * Compiles a list of addresses and CIDR ranges ("10.0.0.0/8", "127.0.0.1", "::1",
 * "fd00::/8"). An IPv4 entry also matches the IPv4-mapped IPv6 form of its addresses
 * (::ffff:10.1.2.3), which a dual-stack socket reports. Throws a TypeError naming the entry
 * that is not an address or a range.
 *
 * @example
 * ```ts
 * const trust = createTrustProxy(["127.0.0.1", "10.0.0.0/8"]);
 * trust.trusts("::ffff:10.1.2.3"); // true
 * ```
 */
export function createTrustProxy(entries: readonly string[]): TrustProxy {
  if (!Array.isArray(entries)) throw new TypeError("trustProxy must be an array of addresses or CIDR ranges");
  const ranges: Range[] = [];
  for (const entry of entries) {
    const range = typeof entry === "string" ? parseRange(entry) : null;
    if (range === null) {
      throw new TypeError(`trustProxy: ${JSON.stringify(entry)} is not an IPv4/IPv6 address or CIDR range`);
    }
    ranges.push(range);
  }
  const list = Object.freeze([...entries]);
  return {
    entries: list,
    trusts(address: string | undefined): boolean {
      if (address === undefined || ranges.length === 0) return false;
      const bytes = parseIP(address);
      if (bytes === null) return false;
      return matches(ranges, bytes);
    },
  };
}

function parseRange(entry: string): Range | null {
  const slash = entry.indexOf("/");
  const bytes = parseIP(slash < 0 ? entry : entry.slice(0, slash));
  if (bytes === null) return null;
  const max = bytes.length * 8;
  if (slash < 0) return { bytes, bits: max };
  const text = entry.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(text)) return null;
  const bits = Number(text);
  if (bits > max) return null;
  // Host bits set ("10.1.2.3/8") are a typo more often than not: refuse rather than guess.
  if (!prefixOnly(bytes, bits)) return null;
  return { bytes, bits };
}

function prefixOnly(bytes: Uint8Array, bits: number): boolean {
  for (let bit = bits; bit < bytes.length * 8; bit++) {
    if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) return false;
  }
  return true;
}

function matches(ranges: readonly Range[], address: Uint8Array): boolean {
  // An IPv4-mapped IPv6 peer is the IPv4 host it maps (RFC 4291 §2.5.5.2).
  const v4 = isMapped(address) ? address.subarray(12) : null;
  for (const range of ranges) {
    if (range.bytes.length === address.length && inRange(range, address)) return true;
    if (v4 !== null && range.bytes.length === 4 && inRange(range, v4)) return true;
  }
  return false;
}

function inRange(range: Range, address: Uint8Array): boolean {
  const full = range.bits >> 3;
  for (let i = 0; i < full; i++) if (range.bytes[i] !== address[i]) return false;
  const rest = range.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (range.bytes[full]! & mask) === (address[full]! & mask);
}

// ---- header parsing --------------------------------------------------------------------

/** One `Forwarded` element (RFC 7239 §4), or null for one that does not parse. */
export interface ForwardedElement {
  for: string | undefined;
  proto: string | undefined;
  host: string | undefined;
  by: string | undefined;
}

const TCHAR = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Splits `Forwarded` field values (the lines joined with ", ") into elements, left to right.
 * An element that breaks the grammar (RFC 7239 §4: `pair *( ";" pair )`, a token or a quoted
 * string per value, each parameter at most once) is null in its place, so that a caller
 * walking from the right stops there.
 */
export function parseForwarded(value: string): (ForwardedElement | null)[] {
  const elements: (ForwardedElement | null)[] = [];
  let i = 0;
  const n = value.length;
  for (;;) {
    let element: ForwardedElement | null = { for: undefined, proto: undefined, host: undefined, by: undefined };
    // pairs of this element, up to the next top-level comma
    for (;;) {
      while (i < n && (value[i] === " " || value[i] === "\t")) i++;
      const eq = value.indexOf("=", i);
      const stop = nextStop(value, i);
      if (eq < 0 || eq > stop) {
        element = null;
        i = stop;
        break;
      }
      const name = value.slice(i, eq).toLowerCase();
      i = eq + 1;
      let parsed: string | null;
      if (value[i] === '"') {
        const q = readQuoted(value, i);
        if (q === null) {
          element = null;
          i = nextStop(value, i + 1);
          break;
        }
        parsed = q.text;
        i = q.end;
      } else {
        let end = i;
        while (end < n && value[end] !== ";" && value[end] !== "," && value[end] !== " " && value[end] !== "\t") end++;
        const token = value.slice(i, end);
        parsed = TCHAR.test(token) ? token : null;
        i = end;
      }
      while (i < n && (value[i] === " " || value[i] === "\t")) i++;
      if (parsed === null || !TCHAR.test(name) || element === null) {
        element = null;
      } else if (name === "for" || name === "proto" || name === "host" || name === "by") {
        if (element[name] !== undefined) element = null; // RFC 7239 §4: at most once
        else element[name] = parsed;
      }
      if (i < n && value[i] === ";") {
        i++;
        continue;
      }
      if (i < n && value[i] !== ",") {
        element = null;
        i = nextStop(value, i);
      }
      break;
    }
    elements.push(element);
    if (i >= n) break;
    i++; // the comma
  }
  return elements;
}

/** The index of the next "," outside a quoted string (or the end). */
function nextStop(value: string, from: number): number {
  let quoted = false;
  for (let i = from; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ",") {
      return i;
    }
  }
  return value.length;
}

function readQuoted(value: string, start: number): { text: string; end: number } | null {
  let text = "";
  for (let i = start + 1; i < value.length; i++) {
    const c = value[i]!;
    if (c === '"') return { text, end: i + 1 };
    if (c === "\\") {
      i++;
      if (i >= value.length) return null;
      text += value[i];
      continue;
    }
    text += c;
  }
  return null;
}

/**
 * A `for=` node (RFC 7239 §6): an IPv4 address, a bracketed IPv6 address, either with an
 * optional ":port". Returns null for "unknown", obfuscated identifiers ("_hidden") and
 * anything malformed: those end the walk.
 */
export function parseNode(node: string): { address: string; port: number | undefined } | null {
  let host = node;
  let portText: string | undefined;
  if (node.startsWith("[")) {
    const close = node.indexOf("]");
    if (close < 0) return null;
    host = node.slice(1, close);
    const rest = node.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return null;
      portText = rest.slice(1);
    }
    if (!host.includes(":")) return null;
  } else {
    const colon = node.indexOf(":");
    if (colon >= 0) {
      host = node.slice(0, colon);
      portText = node.slice(colon + 1);
    }
    if (host.includes(":")) return null; // RFC 7239 §6: IPv6 must be bracketed
  }
  const bytes = parseIP(host);
  if (bytes === null) return null;
  let port: number | undefined;
  if (portText !== undefined) {
    // RFC 7239 §6.3 allows an obfuscated port ("_abc"); we keep none then.
    if (/^(0|[1-9][0-9]{0,4})$/.test(portText) && Number(portText) <= 65_535) port = Number(portText);
    else if (!/^_[A-Za-z0-9._-]+$/.test(portText)) return null;
  }
  return { address: formatIP(bytes), port };
}

/** Splits comma-separated list values (X-Forwarded-*), trimming optional whitespace. */
function listValues(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    for (const part of value.split(",")) out.push(part.trim());
  }
  return out;
}

function fieldValues(rawHeaders: readonly string[], lowerName: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) out.push(rawHeaders[i + 1]!);
  }
  return out;
}

function protocolOf(text: string | undefined): "http" | "https" | undefined {
  if (text === undefined) return undefined;
  const lower = text.toLowerCase();
  return lower === "http" || lower === "https" ? lower : undefined;
}

function hostOf(text: string | undefined): string | undefined {
  return text !== undefined && text !== "" && isValidHost(text) ? text : undefined;
}

/**
 * What a request's forwarding headers say about its client, for a request whose TCP peer
 * `peer` is trusted by `trust` (null when the peer is not trusted, or when the request has no
 * forwarding header at all). See the file comment for the rule.
 *
 * @example
 * ```ts
 * const trust = createTrustProxy(["10.0.0.1"]);
 * resolveForwarded(trust, "10.0.0.1", ["X-Forwarded-For", "6.6.6.6, 203.0.113.7"]);
 * // { address: "203.0.113.7", port: undefined, protocol: undefined, host: undefined }
 * ```
 */
export function resolveForwarded(
  trust: TrustProxy,
  peer: string | undefined,
  rawHeaders: readonly string[],
): ForwardedClient | null {
  if (!trust.trusts(peer)) return null;
  const forwarded = fieldValues(rawHeaders, "forwarded");
  if (forwarded.length > 0) {
    const elements = parseForwarded(forwarded.join(", "));
    let chosen: ForwardedClient | null = null;
    for (let i = elements.length - 1; i >= 0; i--) {
      const element = elements[i]!;
      const node = element?.for === undefined ? null : parseNode(element.for);
      if (element === null || node === null) break;
      chosen = { address: node.address, port: node.port, protocol: protocolOf(element.proto), host: hostOf(element.host) };
      if (!trust.trusts(node.address)) break;
    }
    return chosen;
  }
  const xff = fieldValues(rawHeaders, "x-forwarded-for");
  if (xff.length === 0) return null;
  const hops = listValues(xff);
  let address: string | null = null;
  for (let i = hops.length - 1; i >= 0; i--) {
    const bytes = parseIP(hops[i]!);
    if (bytes === null) break;
    address = formatIP(bytes);
    if (!trust.trusts(address)) break;
  }
  if (address === null) return null;
  const protos = listValues(fieldValues(rawHeaders, "x-forwarded-proto"));
  const hosts = listValues(fieldValues(rawHeaders, "x-forwarded-host"));
  return {
    address,
    port: undefined,
    protocol: protocolOf(protos[protos.length - 1]),
    host: hostOf(hosts[hosts.length - 1]),
  };
}
