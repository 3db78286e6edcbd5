/**
 * The PROXY protocol, versions 1 (text) and 2 (binary), as HAProxy and cloud TCP balancers
 * send it: one header at the very start of a connection saying who the client is
 * (https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt).
 *
 * The reader is incremental, like @k/parser: `push()` any split of the input and the result
 * is the same. It is strict and bounded: the first byte must start a v1 or a v2 signature, a v1
 * line is at most 107 bytes (§2.1), a v2 header at most 16 + {@link maxProxyV2Length} bytes;
 * anything else is a `ServerError` with code `PROXY_PROTOCOL` and the connection is closed by
 * the caller. It does not interpret TLVs (they are skipped, after checking that they tile the
 * rest of the header) and does not read anything after the header: those bytes are returned
 * as `rest`, a view into the last pushed chunk (valid as long as that chunk is).
 */
import { formatIP, parseIP } from "@k/handler";
import { ServerError } from "./errors.js";

/** Largest v1 header, "PROXY" to CRLF included (§2.1). */
export const maxProxyV1Length = 107;
/**
 * Largest v2 address-and-TLV block accepted (the 16-byte fixed part not counted). The
 * protocol allows 65 535; 4 KiB holds the addresses plus the TLVs balancers send (ALPN,
 * authority, unique id, AWS/Azure/GCP endpoint ids) and keeps a connection that never
 * completes its header from holding more.
 */
export const maxProxyV2Length = 4096;

/** What a PROXY header says. */
export interface ProxyHeader {
  /** 1 or 2. */
  readonly version: 1 | 2;
  /**
   * False for a v2 LOCAL command (the balancer's own health check), a v1 UNKNOWN line, and a
   * v2 UNSPEC or UNIX family: the connection's own addresses stand.
   */
  readonly proxied: boolean;
  /** The client's address (undefined when not proxied). */
  readonly sourceAddress: string | undefined;
  readonly sourcePort: number | undefined;
  /** The address the client connected to, on the balancer. */
  readonly destinationAddress: string | undefined;
  readonly destinationPort: number | undefined;
}

/** The result of one {@link ProxyHeaderReader.push}. */
export type ProxyReadResult =
  | { done: false }
  | { done: true; header: ProxyHeader; rest: Uint8Array };

/** Reads one PROXY header off the start of a byte stream. */
export interface ProxyHeaderReader {
  /** Feeds bytes; throws a `ServerError` (`PROXY_PROTOCOL`) when they cannot start or be a header. */
  push(chunk: Uint8Array): ProxyReadResult;
}

const V1_PREFIX = Buffer.from("PROXY ", "latin1");
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED = 16;

function fail(message: string): never {
  throw new ServerError("PROXY_PROTOCOL", `PROXY protocol: ${message}`);
}

class Reader implements ProxyHeaderReader {
  /** Bytes of the header received so far (bounded by the limits above). */
  #buffer = new Uint8Array(V2_FIXED + maxProxyV2Length);
  #length = 0;
  #finished = false;

  push(chunk: Uint8Array): ProxyReadResult {
    if (this.#finished) fail("the header was already read");
    // Only as many bytes as can still belong to a header are copied; the rest is handed back.
    let used = 0;
    while (used < chunk.length) {
      const need = this.#need();
      if (need === 0) break;
      const take = Math.min(need, chunk.length - used);
      this.#buffer.set(chunk.subarray(used, used + take), this.#length);
      this.#length += take;
      used += take;
      const header = this.#check();
      if (header !== null) {
        this.#finished = true;
        return { done: true, header, rest: chunk.subarray(used) };
      }
    }
    return { done: false };
  }

  /** How many more bytes to take before the next check. */
  #need(): number {
    const b = this.#buffer;
    const n = this.#length;
    if (n === 0) return 1;
    if (b[0] === 0x50) return 1; // v1: up to the LF, byte by byte (at most 107)
    if (n < V2_FIXED) return V2_FIXED - n;
    return V2_FIXED + ((b[14]! << 8) | b[15]!) - n;
  }

  /** Checks what was received; returns the header once it is complete. */
  #check(): ProxyHeader | null {
    const b = this.#buffer;
    const n = this.#length;
    const first = b[0];
    if (first === 0x50) {
      if (n <= V1_PREFIX.length) {
        if (!startsLike(b, n, V1_PREFIX)) fail("no PROXY header (v1 signature mismatch)");
        return null;
      }
      const c = b[n - 1]!;
      if (c === 0x0a) {
        if (b[n - 2] !== 0x0d) fail("v1 line ends in a bare LF");
        return parseV1(Buffer.from(b.buffer, b.byteOffset, n).toString("latin1", V1_PREFIX.length, n - 2));
      }
      if (n >= maxProxyV1Length) fail(`v1 line longer than ${maxProxyV1Length} bytes`);
      // Printable US-ASCII only, CR only before the LF (§2.1).
      if (c === 0x0d ? false : c < 0x20 || c > 0x7e) fail("v1 line has a control or non-ASCII byte");
      if (n >= 2 && b[n - 2] === 0x0d) fail("v1 line has a CR that is not followed by LF");
      return null;
    }
    if (first !== 0x0d) fail("no PROXY header (the connection did not start with a v1 or v2 signature)");
    // Bytes arrive in runs (up to the fixed part's end): the whole signature received so far.
    if (!startsLike(b, n, V2_SIGNATURE)) fail("no PROXY header (v2 signature mismatch)");
    if (n < V2_FIXED) return null;
    const length = (b[14]! << 8) | b[15]!;
    if (n === V2_FIXED) {
      if (b[12]! >> 4 !== 2) fail(`v2 version ${b[12]! >> 4} is not 2`);
      if (length > maxProxyV2Length) fail(`v2 header of ${length} bytes is over the ${maxProxyV2Length}-byte limit`);
    }
    if (n < V2_FIXED + length) return null;
    return parseV2(b.subarray(0, n));
  }
}

/**
 * Creates a reader for one connection's PROXY header (v1 or v2, detected from the first byte).
 *
 * @example
 * ```ts
 * const reader = createProxyHeaderReader();
 * const result = reader.push(Buffer.from("PROXY TCP4 203.0.113.7 10.0.0.1 51234 443\r\nGET / HTTP/1.1\r\n"));
 * if (result.done) console.log(result.header.sourceAddress, result.rest.length); // 203.0.113.7 16
 * ```
 */
export function createProxyHeaderReader(): ProxyHeaderReader {
  return new Reader();
}

/** True when the first min(n, signature length) bytes of `b` are the signature's. */
function startsLike(b: Uint8Array, n: number, signature: Uint8Array): boolean {
  const end = Math.min(n, signature.length);
  for (let i = 0; i < end; i++) if (b[i] !== signature[i]) return false;
  return true;
}

/** The text between "PROXY " and CRLF. */
function parseV1(line: string): ProxyHeader {
  if (line.startsWith("UNKNOWN")) {
    // §2.1: "UNKNOWN" may be followed by anything up to the CRLF, which the receiver ignores.
    if (line.length > 7 && line[7] !== " ") fail("v1 protocol is not TCP4, TCP6 or UNKNOWN");
    return unproxied(1);
  }
  const parts = line.split(" ");
  if (parts.length !== 5) fail("v1 line does not have 5 single-space separated fields after PROXY");
  const [family, src, dst, srcPort, dstPort] = parts as [string, string, string, string, string];
  const want = family === "TCP4" ? 4 : family === "TCP6" ? 16 : 0;
  if (want === 0) fail("v1 protocol is not TCP4, TCP6 or UNKNOWN");
  const source = parseIP(src);
  const destination = parseIP(dst);
  if (source === null || source.length !== want) fail(`v1 source ${JSON.stringify(src)} is not an ${family} address`);
  if (destination === null || destination.length !== want) fail(`v1 destination ${JSON.stringify(dst)} is not an ${family} address`);
  return {
    version: 1,
    proxied: true,
    sourceAddress: formatIP(source),
    sourcePort: parsePort(srcPort),
    destinationAddress: formatIP(destination),
    destinationPort: parsePort(dstPort),
  };
}

/** A decimal port, 0..65535, no sign, no leading zero (§2.1). */
function parsePort(text: string): number {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(text)) fail(`v1 port ${JSON.stringify(text)} is not a decimal port`);
  const port = Number(text);
  if (port > 65_535) fail(`v1 port ${text} is over 65535`);
  return port;
}

function parseV2(b: Uint8Array): ProxyHeader {
  const command = b[12]! & 0x0f;
  const family = b[13]! >> 4;
  const transport = b[13]! & 0x0f;
  const length = b.length - V2_FIXED;
  if (command > 1) fail(`v2 command ${command} is neither LOCAL (0) nor PROXY (1)`);
  if (family > 3) fail(`v2 address family ${family} is unknown`);
  if (transport > 2) fail(`v2 transport protocol ${transport} is unknown`);
  // Addresses of the family, then TLVs: type (1), length (2), value.
  const sizes = [0, 12, 36, 216];
  const addressBytes = sizes[family]!;
  if (length < addressBytes) fail(`v2 header of ${length} bytes is too short for its address family`);
  for (let at = V2_FIXED + addressBytes; at < b.length;) {
    if (at + 3 > b.length) fail("v2 TLV truncated");
    at += 3 + ((b[at + 1]! << 8) | b[at + 2]!);
    if (at > b.length) fail("v2 TLV longer than the header");
  }
  // LOCAL: the balancer's own connection (health checks); the addresses are ignored (§2.2).
  if (command === 0) return unproxied(2);
  // UNSPEC, or AF_UNIX (no IP address to give): the connection's own addresses stand.
  if (family === 0 || family === 3) return unproxied(2);
  // We serve TCP: a datagram flow cannot be the source of this stream.
  if (transport !== 1) fail("v2 proxied connection is not STREAM (TCP)");
  const size = family === 1 ? 4 : 16;
  const at = V2_FIXED;
  return {
    version: 2,
    proxied: true,
    sourceAddress: formatIP(b.slice(at, at + size)),
    destinationAddress: formatIP(b.slice(at + size, at + 2 * size)),
    sourcePort: (b[at + 2 * size]! << 8) | b[at + 2 * size + 1]!,
    destinationPort: (b[at + 2 * size + 2]! << 8) | b[at + 2 * size + 3]!,
  };
}

function unproxied(version: 1 | 2): ProxyHeader {
  return {
    version,
    proxied: false,
    sourceAddress: undefined,
    sourcePort: undefined,
    destinationAddress: undefined,
    destinationPort: undefined,
  };
}
