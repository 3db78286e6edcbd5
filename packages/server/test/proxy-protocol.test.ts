// The PROXY protocol reader (v1 text, v2 binary) at every split of its input, like the
// parser's cases: whole, every 2-way split, byte at a time, and seeded random partitions.
// Cases carry their reason: sections of HAProxy's proxy-protocol.txt (2.9).
import { describe, expect, it } from "vitest";
import { createProxyHeaderReader, isServerError, maxProxyV1Length, maxProxyV2Length } from "@k/server";
import type { ProxyHeader } from "@k/server";

const SIG = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/** A v2 header: version 2, command, family/transport byte, address block, TLVs. */
function v2(command: number, famProto: number, addresses: number[], tlvs: number[] = []): Buffer {
  const length = addresses.length + tlvs.length;
  return Buffer.from([...SIG, 0x20 | command, famProto, length >> 8, length & 0xff, ...addresses, ...tlvs]);
}
const inet = (src: number[], dst: number[], sport: number, dport: number): number[] =>
  [...src, ...dst, sport >> 8, sport & 0xff, dport >> 8, dport & 0xff];

/** Every way the tests cut the input. */
function splits(bytes: Buffer): { name: string; chunks: Buffer[] }[] {
  const out = [{ name: "whole", chunks: [bytes] }];
  for (let i = 1; i < bytes.length; i++) out.push({ name: `split at ${i}`, chunks: [bytes.subarray(0, i), bytes.subarray(i)] });
  out.push({ name: "byte at a time", chunks: [...bytes].map((b) => Buffer.from([b])) });
  let seed = 13;
  for (let round = 0; round < 5; round++) {
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length;) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const size = 1 + (seed % 9);
      chunks.push(bytes.subarray(at, at + size));
      at += size;
    }
    out.push({ name: `random partition ${round}`, chunks });
  }
  return out;
}

type Outcome = { header: ProxyHeader; rest: string } | { error: string };

function run(chunks: Buffer[]): Outcome {
  const reader = createProxyHeaderReader();
  let rest = "";
  let header: ProxyHeader | undefined;
  for (const chunk of chunks) {
    if (header !== undefined) {
      rest += chunk.toString("latin1");
      continue;
    }
    try {
      const result = reader.push(chunk);
      if (result.done) {
        header = result.header;
        rest += Buffer.from(result.rest).toString("latin1");
      }
    } catch (error) {
      if (!isServerError(error) || error.code !== "PROXY_PROTOCOL") throw error;
      return { error: error.message };
    }
  }
  return header === undefined ? { error: "incomplete" } : { header, rest };
}

/** Runs the case at every split; every split must give the whole input's outcome. */
function atEverySplit(bytes: Buffer): Outcome {
  const whole = run([bytes]);
  for (const { name, chunks } of splits(bytes)) {
    expect(run(chunks), name).toEqual(whole);
  }
  return whole;
}

const REQUEST = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
const proxied = (version: 1 | 2, src: string, sport: number, dst: string, dport: number): ProxyHeader => ({
  version, proxied: true, sourceAddress: src, sourcePort: sport, destinationAddress: dst, destinationPort: dport,
});
const unproxied = (version: 1 | 2): ProxyHeader => ({
  version, proxied: false, sourceAddress: undefined, sourcePort: undefined, destinationAddress: undefined, destinationPort: undefined,
});

describe("PROXY v1 (§2.1)", () => {
  const valid: [string, string, ProxyHeader][] = [
    ["TCP4", "PROXY TCP4 203.0.113.7 10.0.0.1 51234 80\r\n", proxied(1, "203.0.113.7", 51234, "10.0.0.1", 80)],
    ["TCP6, addresses in RFC 5952 form", "PROXY TCP6 2001:DB8:0:0::7 ::1 65535 0\r\n", proxied(1, "2001:db8::7", 65535, "::1", 0)],
    ["UNKNOWN: the connection's own addresses stand", "PROXY UNKNOWN\r\n", unproxied(1)],
    ["UNKNOWN with the rest of the line ignored", "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n", unproxied(1)],
  ];
  for (const [why, header, expected] of valid) {
    it(`reads ${why}, handing back the bytes after it`, () => {
      expect(atEverySplit(Buffer.from(header + REQUEST, "latin1"))).toEqual({ header: expected, rest: REQUEST });
    });
  }

  it("reads the longest line allowed (107 bytes)", () => {
    const line = `PROXY UNKNOWN ${"x".repeat(maxProxyV1Length - 16)}\r\n`;
    expect(line.length).toBe(maxProxyV1Length);
    expect(atEverySplit(Buffer.from(line + REQUEST))).toEqual({ header: unproxied(1), rest: REQUEST });
  });

  const invalid: [string, string][] = [
    ["a request without a header (missing header)", REQUEST],
    ["a lower-case signature", "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n"],
    ["an unknown protocol", "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n"],
    ["a TCP6 line with IPv4 addresses", "PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n"],
    ["a TCP4 line with IPv6 addresses", "PROXY TCP4 ::1 ::1 1 2\r\n"],
    ["a port over 65535", "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n"],
    ["a port with a leading zero", "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n"],
    ["a signed port", "PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n"],
    ["an address with a leading zero", "PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n"],
    ["two spaces between fields", "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n"],
    ["a missing field", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"],
    ["an extra field", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"],
    ["a bare LF", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"],
    ["a CR inside the line", "PROXY TCP4 1.2.3.4\r5.6.7.8 1 2\r\n"],
    ["a tab", "PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n"],
    ["a non-ASCII byte", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\xe9\r\n"],
    ["UNKNOWNX", "PROXY UNKNOWNX\r\n"],
    ["a line over 107 bytes", `PROXY UNKNOWN ${"x".repeat(maxProxyV1Length - 15)}\r\n`],
    ["an empty line", "PROXY \r\n"],
  ];
  for (const [why, input] of invalid) {
    it(`refuses ${why}`, () => {
      const outcome = atEverySplit(Buffer.from(input + REQUEST, "latin1"));
      expect(outcome).toMatchObject({ error: expect.stringContaining("PROXY protocol:") });
    });
  }

  it("refuses a line that never ends once it passes 107 bytes, without reading further", () => {
    const reader = createProxyHeaderReader();
    expect(reader.push(Buffer.from("PROXY TCP4 "))).toEqual({ done: false });
    expect(() => reader.push(Buffer.alloc(200, 0x31))).toThrow(/longer than 107/);
  });
});

describe("PROXY v2 (§2.2)", () => {
  const addresses4 = inet([203, 0, 113, 7], [10, 0, 0, 1], 51234, 443);
  const addresses6 = [
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, // src 2001:db8::7
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3, // dst ::ffff:10.1.2.3
    0xc8, 0x22, 0x00, 0x50, // ports 51234, 80
  ];
  const valid: [string, Buffer, ProxyHeader][] = [
    ["PROXY over TCP/IPv4", v2(1, 0x11, addresses4), proxied(2, "203.0.113.7", 51234, "10.0.0.1", 443)],
    ["PROXY over TCP/IPv6", v2(1, 0x21, addresses6), proxied(2, "2001:db8::7", 51234, "::ffff:10.1.2.3", 80)],
    ["TLVs after the addresses (ALPN, authority), skipped", v2(1, 0x11, addresses4, [0x01, 0, 2, 0x68, 0x32, 0x02, 0, 3, 0x61, 0x2e, 0x62]), proxied(2, "203.0.113.7", 51234, "10.0.0.1", 443)],
    ["LOCAL (a health check): the connection's own addresses stand", v2(0, 0x00, []), unproxied(2)],
    ["LOCAL with addresses, which are ignored", v2(0, 0x11, addresses4), unproxied(2)],
    ["PROXY with UNSPEC family", v2(1, 0x00, []), unproxied(2)],
    ["PROXY over AF_UNIX (no IP to give)", v2(1, 0x31, new Array<number>(216).fill(0)), unproxied(2)],
  ];
  for (const [why, header, expected] of valid) {
    it(`reads ${why}, handing back the bytes after it`, () => {
      expect(atEverySplit(Buffer.concat([header, Buffer.from(REQUEST)]))).toEqual({ header: expected, rest: REQUEST });
    });
  }

  const bad = (mutate: (b: Buffer) => void, base = v2(1, 0x11, addresses4)): Buffer => {
    const copy = Buffer.from(base);
    mutate(copy);
    return copy;
  };
  const invalid: [string, Buffer][] = [
    ["a damaged signature", bad((b) => (b[7] = 0x50))],
    ["version 1 in the binary form", bad((b) => (b[12] = 0x11))],
    ["an unknown command", bad((b) => (b[12] = 0x22))],
    ["an unknown family", bad((b) => (b[13] = 0x41))],
    ["an unknown transport", bad((b) => (b[13] = 0x13))],
    ["a proxied datagram flow (we serve TCP)", bad((b) => (b[13] = 0x12))],
    ["a length too short for IPv4 addresses", v2(1, 0x11, addresses4.slice(0, 8))],
    ["a length too short for IPv6 addresses", v2(1, 0x21, addresses4)],
    ["a truncated TLV", v2(1, 0x11, addresses4, [0x01, 0])],
    ["a TLV longer than the header", v2(1, 0x11, addresses4, [0x01, 0, 9, 0x68])],
    ["a length over the limit", bad((b) => { b[14] = (maxProxyV2Length + 1) >> 8; b[15] = (maxProxyV2Length + 1) & 0xff; })],
  ];
  for (const [why, header] of invalid) {
    it(`refuses ${why}`, () => {
      const outcome = atEverySplit(Buffer.concat([header, Buffer.from(REQUEST)]));
      expect(outcome).toMatchObject({ error: expect.stringContaining("PROXY protocol:") });
    });
  }

  it("refuses an oversized header from its fixed part, before any of its body arrives", () => {
    const reader = createProxyHeaderReader();
    const fixed = bad((b) => { b[14] = 0xff; b[15] = 0xff; }).subarray(0, 16);
    expect(() => reader.push(fixed)).toThrow(/over the 4096-byte limit/);
  });

  it("refuses any byte that starts neither signature, at once", () => {
    for (const first of [0x00, 0x16 /* a TLS ClientHello */, 0x47 /* "G" */, 0x0a]) {
      expect(() => createProxyHeaderReader().push(Buffer.from([first])), String(first)).toThrow(/no PROXY header/);
    }
  });
});
