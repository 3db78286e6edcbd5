/**
 * IP address text ⇄ bytes, strict, for `trustProxy` (addresses and CIDR ranges) and for the
 * PROXY protocol reader in @k/server.
 *
 * IPv4 is dotted-quad only (four decimal parts 0..255, no leading zeros: "010.0.0.1" is an
 * octal trap in inet_aton and is refused, as glibc's inet_pton refuses it). IPv6 is RFC 4291
 * §2.2 text, with an embedded dotted quad allowed in the last 32 bits; zone ids ("%eth0") are
 * refused. Formatting follows RFC 5952 (lower case, longest zero run compressed), which is what
 * Node's `socket.remoteAddress` shows. Returned byte arrays are fresh and owned by the caller.
 */

/** Parses a dotted-quad IPv4 address into 4 bytes, or null when it is not one. */
export function parseIPv4(text: string): Uint8Array | null {
  const out = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e; // a virtual final dot
    if (c === 0x2e) {
      if (digits === 0 || part > 3) return null;
      out[part++] = value;
      value = 0;
      digits = 0;
      continue;
    }
    const d = c - 0x30;
    if (d < 0 || d > 9) return null;
    if (digits === 1 && value === 0) return null; // leading zero
    value = value * 10 + d;
    digits++;
    if (value > 255) return null;
  }
  return part === 4 ? out : null;
}

/** Parses RFC 4291 IPv6 text into 16 bytes, or null when it is not one. */
export function parseIPv6(text: string): Uint8Array | null {
  if (text.length < 2 || text.length > 45) return null;
  const out = new Uint8Array(16);
  let gap = -1; // byte offset where "::" stands
  let o = 0;
  let i = 0;
  if (text.startsWith("::")) {
    gap = 0;
    i = 2;
    if (i === text.length) return out; // "::"
  } else if (text.charCodeAt(0) === 0x3a) {
    return null; // a single leading colon
  }
  for (;;) {
    // One group: 1..4 hex digits, or a dotted quad in the last 32 bits.
    const start = i;
    let value = 0;
    while (i < text.length && i - start < 5) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      value = value * 16 + h;
      i++;
    }
    if (i < text.length && text.charCodeAt(i) === 0x2e) {
      if (o > 12) return null;
      const v4 = parseIPv4(text.slice(start));
      if (v4 === null) return null;
      out.set(v4, o);
      o += 4;
      i = text.length;
      break;
    }
    const length = i - start;
    if (length === 0 || length > 4 || o > 14) return null;
    out[o++] = value >> 8;
    out[o++] = value & 0xff;
    if (i === text.length) break;
    if (text.charCodeAt(i) !== 0x3a) return null;
    i++;
    if (i < text.length && text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return null; // a second "::"
      gap = o;
      i++;
      if (i === text.length) break;
    } else if (i === text.length) {
      return null; // a single trailing colon
    }
  }
  if (gap < 0) return o === 16 ? out : null;
  if (o === 16) return null; // "::" must stand for at least one group
  const tail = out.slice(gap, o);
  out.fill(0, gap);
  out.set(tail, 16 - tail.length);
  return out;
}

/** Parses an IPv4 (dotted quad, no leading zeros) or IPv6 (RFC 4291 text, no zone) address; null when neither. */
export function parseIP(text: string): Uint8Array | null {
  return text.includes(":") ? parseIPv6(text) : parseIPv4(text);
}

/**
 * Formats 4 or 16 address bytes: dotted quad, or RFC 5952 IPv6 (an IPv4-mapped address as
 * "::ffff:a.b.c.d", as Node shows it).
 */
export function formatIP(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== 16) throw new TypeError(`an IP address has 4 or 16 bytes, got ${bytes.length}`);
  if (isMapped(bytes)) return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  const groups: number[] = [];
  for (let g = 0; g < 8; g++) groups.push((bytes[2 * g]! << 8) | bytes[2 * g + 1]!);
  // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let g = 0; g < 8;) {
    if (groups[g] !== 0) {
      g++;
      continue;
    }
    let end = g;
    while (end < 8 && groups[end] === 0) end++;
    if (end - g > bestLength) {
      bestStart = g;
      bestLength = end - g;
    }
    g = end;
  }
  const hex = groups.map((n) => n.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** True for 16 bytes of the form ::ffff:a.b.c.d (RFC 4291 §2.5.5.2). */
export function isMapped(bytes: Uint8Array): boolean {
  if (bytes.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
