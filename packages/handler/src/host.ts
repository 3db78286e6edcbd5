/**
 * Validates a Host field value as `uri-host [ ":" port ]` (RFC 9110 §7.2, RFC 3986 §3.2.2).
 *
 * It does not resolve or normalise names, and accepts an empty host (RFC 9110 §7.2 allows an
 * empty Host when the target URI has no authority).
 */
import { isIPv6 } from "node:net";

// unreserved / sub-delims / "%" (pct-encoded is checked separately): RFC 3986 reg-name.
const REG_NAME = new Uint8Array(256);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=") {
  REG_NAME[c.charCodeAt(0)] = 1;
}
const HEX = new Uint8Array(256);
for (const c of "0123456789abcdefABCDEF") HEX[c.charCodeAt(0)] = 1;

function isPort(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function isRegName(s: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= end || !HEX[s.charCodeAt(i + 1)] || !HEX[s.charCodeAt(i + 2)]) return false;
      i += 2;
    } else if (c > 0xff || !REG_NAME[c]) {
      return false;
    }
  }
  return true;
}

/** True when `value` is a valid `uri-host[:port]`. */
export function isValidHost(value: string): boolean {
  if (value.charCodeAt(0) === 0x5b /* [ */) {
    const close = value.indexOf("]");
    if (close < 0) return false;
    const inner = value.slice(1, close);
    const rest = close + 1;
    if (rest < value.length && (value.charCodeAt(rest) !== 0x3a || !isPort(value, rest + 1))) return false;
    if (inner.charCodeAt(0) === 0x76 || inner.charCodeAt(0) === 0x56) {
      // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
      const dot = inner.indexOf(".");
      if (dot < 2) return false;
      for (let i = 1; i < dot; i++) if (!HEX[inner.charCodeAt(i)]) return false;
      if (dot === inner.length - 1) return false;
      for (let i = dot + 1; i < inner.length; i++) {
        const c = inner.charCodeAt(i);
        if (c !== 0x3a && (c === 0x25 || c > 0xff || !REG_NAME[c])) return false;
      }
      return true;
    }
    return isIPv6(inner);
  }
  const colon = value.lastIndexOf(":");
  if (colon >= 0) {
    if (!isPort(value, colon + 1)) return false;
    return isRegName(value, colon);
  }
  return isRegName(value, value.length);
}
