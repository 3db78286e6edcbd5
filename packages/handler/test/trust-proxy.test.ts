// trustProxy: IP text, CIDR matching (IPv4, IPv6, IPv4-mapped), RFC 7239 Forwarded parsing, and
// the right-most-untrusted-hop selection, then the same through a connection (request fields
// and url). Provenance: RFC 7239 §4-§7, RFC 4291 §2.2/§2.5.5.2, RFC 5952 §4.
import { describe, expect, it } from "vitest";
import {
  createConnection, createMemoryTransport, createTrustProxy, formatIP, parseForwarded, parseIP, resolveForwarded,
} from "@k/handler";
import type { HttpRequest } from "@k/handler";

describe("parseIP and formatIP", () => {
  const valid: [string, string][] = [
    ["127.0.0.1", "127.0.0.1"],
    ["0.0.0.0", "0.0.0.0"],
    ["255.255.255.255", "255.255.255.255"],
    ["::", "::"],
    ["::1", "::1"],
    ["2001:DB8::1", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // RFC 5952 §4.2.3: the first of two equal runs
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // §4.2.2: one zero group is not compressed
    ["::ffff:10.1.2.3", "::ffff:10.1.2.3"],
    ["::FFFF:0a01:0203", "::ffff:10.1.2.3"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["1::", "1::"],
    ["fe80::1:2.3.4.5", "fe80::1:203:405"],
  ];
  for (const [text, formatted] of valid) {
    it(`reads ${text} and writes it back as ${formatted}`, () => {
      const bytes = parseIP(text);
      expect(bytes).not.toBeNull();
      expect(formatIP(bytes!)).toBe(formatted);
    });
  }
  const invalid = [
    "", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.04", "1.2.3.-4", " 1.2.3.4", "1.2.3.4 ",
    "1.2.3.", "::1::", ":1::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8", "12345::", "fe80::1%eth0", "g::1",
    "1:2:3:4:5:6:7:", "::ffff:1.2.3", "[::1]", "1:2:3:4:5:6:7:1.2.3.4",
  ];
  for (const text of invalid) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      expect(parseIP(text)).toBeNull();
    });
  }
});

describe("createTrustProxy", () => {
  it("matches single addresses and CIDR ranges of both families", () => {
    const trust = createTrustProxy(["127.0.0.1", "10.0.0.0/8", "192.168.1.128/25", "fd00::/8", "::1"]);
    expect(trust.trusts("127.0.0.1")).toBe(true);
    expect(trust.trusts("127.0.0.2")).toBe(false);
    expect(trust.trusts("10.255.0.1")).toBe(true);
    expect(trust.trusts("11.0.0.1")).toBe(false);
    expect(trust.trusts("192.168.1.128")).toBe(true);
    expect(trust.trusts("192.168.1.127")).toBe(false);
    expect(trust.trusts("fdab::1")).toBe(true);
    expect(trust.trusts("fe00::1")).toBe(false);
    expect(trust.trusts("::1")).toBe(true);
    expect(trust.trusts(undefined)).toBe(false);
    expect(trust.trusts("not an address")).toBe(false);
  });

  it("matches the IPv4-mapped IPv6 form of a trusted IPv4 address, as a dual-stack socket reports it", () => {
    const trust = createTrustProxy(["10.0.0.0/8"]);
    expect(trust.trusts("::ffff:10.1.2.3")).toBe(true);
    expect(trust.trusts("::ffff:11.1.2.3")).toBe(false);
    // Not mapped: the IPv4-compatible and NAT64 forms are other addresses.
    expect(trust.trusts("::10.1.2.3")).toBe(false);
    expect(trust.trusts("64:ff9b::10.1.2.3")).toBe(false);
  });

  it("trusts every address with 0.0.0.0/0 and ::/0 only", () => {
    const v4 = createTrustProxy(["0.0.0.0/0"]);
    expect(v4.trusts("203.0.113.9")).toBe(true);
    expect(v4.trusts("2001:db8::1")).toBe(false);
    expect(createTrustProxy(["::/0"]).trusts("2001:db8::1")).toBe(true);
  });

  it("trusts nobody with an empty list", () => {
    expect(createTrustProxy([]).trusts("127.0.0.1")).toBe(false);
  });

  for (const bad of ["10.0.0.0/33", "::/129", "10.1.2.3/8", "10.0.0.0/", "10.0.0.0/08", "localhost", "10.0.0.0/8/8", ""]) {
    it(`throws a TypeError naming ${JSON.stringify(bad)}`, () => {
      expect(() => createTrustProxy([bad])).toThrow(TypeError);
      expect(() => createTrustProxy([bad])).toThrow(JSON.stringify(bad));
    });
  }
});

describe("parseForwarded (RFC 7239 §4)", () => {
  it("reads elements left to right, parameters case-insensitive, values as tokens or quoted strings", () => {
    expect(parseForwarded('for=192.0.2.43, For="[2001:db8:cafe::17]:4711";proto=https;host="example.com:8443"')).toEqual([
      { for: "192.0.2.43", proto: undefined, host: undefined, by: undefined },
      { for: "[2001:db8:cafe::17]:4711", proto: "https", host: "example.com:8443", by: undefined },
    ]);
  });

  it("keeps a comma inside a quoted string and unescapes quoted pairs", () => {
    expect(parseForwarded('for="a,b";by="x\\"y", for=1.2.3.4')).toEqual([
      { for: "a,b", proto: undefined, host: undefined, by: 'x"y' },
      { for: "1.2.3.4", proto: undefined, host: undefined, by: undefined },
    ]);
  });

  const broken: [string, string][] = [
    ["a pair without '='", "for"],
    ["a repeated parameter (§4: at most once)", "for=1.2.3.4;for=5.6.7.8"],
    ["an unterminated quoted string", 'for="1.2.3.4'],
    ["a value that is not a token", "for=[::1]"],
    ["an empty value", "for="],
    ["junk after a value", "for=1.2.3.4 x"],
  ];
  for (const [why, value] of broken) {
    it(`marks an element with ${why} as null and keeps the next one`, () => {
      const elements = parseForwarded(`${value}, for=9.9.9.9`);
      expect(elements[0]).toBeNull();
      expect(elements.at(-1)).toEqual({ for: "9.9.9.9", proto: undefined, host: undefined, by: undefined });
    });
  }
});

describe("resolveForwarded: the right-most untrusted hop", () => {
  const trust = createTrustProxy(["10.0.0.0/8", "2001:db8:ffff::/48"]);
  const xff = (...values: string[]) => values.flatMap((v) => ["X-Forwarded-For", v]);

  it("reads nothing from an untrusted peer, however plausible its headers", () => {
    expect(resolveForwarded(trust, "203.0.113.5", xff("198.51.100.1"))).toBeNull();
    expect(resolveForwarded(trust, "203.0.113.5", ["Forwarded", "for=198.51.100.1"])).toBeNull();
  });

  it("takes the right-most entry when it is untrusted, ignoring a spoofed one left of it", () => {
    expect(resolveForwarded(trust, "10.0.0.1", xff("6.6.6.6, 198.51.100.7"))?.address).toBe("198.51.100.7");
  });

  it("walks past trusted hops to the first untrusted one", () => {
    expect(resolveForwarded(trust, "10.0.0.1", xff("6.6.6.6, 198.51.100.7, 10.2.3.4", "10.9.9.9"))?.address).toBe("198.51.100.7");
  });

  it("ends at the left-most entry when every hop is trusted", () => {
    expect(resolveForwarded(trust, "10.0.0.1", xff("10.1.1.1, 10.2.2.2"))?.address).toBe("10.1.1.1");
  });

  it("stops at a malformed entry and keeps the last address known good", () => {
    expect(resolveForwarded(trust, "10.0.0.1", xff("198.51.100.7, garbage, 10.2.3.4"))?.address).toBe("10.2.3.4");
    expect(resolveForwarded(trust, "10.0.0.1", xff("198.51.100.7, unknown"))).toBeNull();
    expect(resolveForwarded(trust, "10.0.0.1", xff("198.51.100.7:1234"))).toBeNull(); // ports are not XFF
  });

  it("takes X-Forwarded-Proto and -Host from their right-most value, valid ones only", () => {
    const raw = [...xff("198.51.100.7"), "X-Forwarded-Proto", "http, https", "X-Forwarded-Host", "evil.example, shop.example:8443"];
    expect(resolveForwarded(trust, "10.0.0.1", raw)).toEqual({ address: "198.51.100.7", port: undefined, protocol: "https", host: "shop.example:8443" });
    const junk = [...xff("198.51.100.7"), "X-Forwarded-Proto", "gopher", "X-Forwarded-Host", "a b"];
    expect(resolveForwarded(trust, "10.0.0.1", junk)).toEqual({ address: "198.51.100.7", port: undefined, protocol: undefined, host: undefined });
  });

  it("prefers Forwarded over X-Forwarded-For and takes proto and host from the chosen element", () => {
    const raw = [
      "X-Forwarded-For", "1.1.1.1",
      "Forwarded", 'for=6.6.6.6;proto=http, for="[2001:db8::7]:4711";proto=https;host=shop.example',
      "Forwarded", "for=10.3.3.3;proto=http",
    ];
    expect(resolveForwarded(trust, "::ffff:10.0.0.1", raw)).toEqual({ address: "2001:db8::7", port: 4711, protocol: "https", host: "shop.example" });
  });

  it("stops at an obfuscated or unknown node (RFC 7239 §6.2, §6.3)", () => {
    expect(resolveForwarded(trust, "10.0.0.1", ["Forwarded", "for=198.51.100.7, for=_hidden"])).toBeNull();
    expect(resolveForwarded(trust, "10.0.0.1", ["Forwarded", "for=198.51.100.7, for=10.1.1.1, for=unknown"])).toBeNull();
    expect(resolveForwarded(trust, "10.0.0.1", ["Forwarded", "for=198.51.100.7, for=_hidden, for=10.1.1.1"])?.address).toBe("10.1.1.1");
  });

  it("refuses an unbracketed IPv6 node (RFC 7239 §6)", () => {
    expect(resolveForwarded(trust, "10.0.0.1", ["Forwarded", "for=\"2001:db8::7\""])).toBeNull();
  });

  it("ignores requests that carry no forwarding header", () => {
    expect(resolveForwarded(trust, "10.0.0.1", ["Host", "x"])).toBeNull();
  });
});

describe("trustProxy on a connection", () => {
  async function seen(head: string, options: { peer: string; trustProxy?: string[] }): Promise<HttpRequest> {
    let request: HttpRequest | undefined;
    const transport = createMemoryTransport({ remoteAddress: options.peer });
    const connection = createConnection(transport, {
      handler: (r) => {
        request = r;
        return { status: 204 };
      },
      ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
    });
    transport.attach(connection);
    connection.onData(Buffer.from(head, "latin1"));
    for (let i = 0; i < 10 && request === undefined; i++) await new Promise((r) => setImmediate(r));
    connection.onClose();
    if (request === undefined) throw new Error("the handler was not called");
    return request;
  }
  const head = "GET /a?b HTTP/1.1\r\nHost: internal:8080\r\nX-Forwarded-For: 6.6.6.6, 198.51.100.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.example\r\n\r\n";

  it("describes the client behind a trusted peer: remoteAddress, protocol, url; the peer stays readable", async () => {
    const r = await seen(head, { peer: "127.0.0.1", trustProxy: ["127.0.0.1"] });
    expect(r.remoteAddress).toBe("198.51.100.7");
    expect(r.remotePort).toBeUndefined();
    expect(r.peerAddress).toBe("127.0.0.1");
    expect(r.protocol).toBe("https");
    expect(r.encrypted).toBe(false);
    expect(r.url.href).toBe("https://shop.example/a?b");
    expect(r.headers.get("x-forwarded-for")).toBe("6.6.6.6, 198.51.100.7"); // headers are not rewritten
  });

  it("ignores the same headers from an untrusted peer", async () => {
    const r = await seen(head, { peer: "127.0.0.2", trustProxy: ["127.0.0.1"] });
    expect(r.remoteAddress).toBe("127.0.0.2");
    expect(r.protocol).toBe("http");
    expect(r.url.href).toBe("http://internal:8080/a?b");
  });

  it("ignores them without trustProxy (the default)", async () => {
    const r = await seen(head, { peer: "127.0.0.1" });
    expect(r.remoteAddress).toBe("127.0.0.1");
    expect(r.peerAddress).toBe("127.0.0.1");
    expect(r.url.href).toBe("http://internal:8080/a?b");
  });

  it("throws at createConnection for an entry that is not an address", () => {
    expect(() => createConnection(createMemoryTransport(), { handler: () => ({ status: 204 }), trustProxy: ["10.0.0.0/40"] })).toThrow(TypeError);
  });
});
