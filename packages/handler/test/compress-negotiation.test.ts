// Accept-Encoding negotiation (RFC 9110 §12.5.3) as a table: each case carries its reason.
import { describe, expect, it } from "vitest";
import { isCodingAvailable, negotiateEncoding } from "@k/handler";
import type { ContentCoding } from "@k/handler";

const ALL: ContentCoding[] = ["br", "gzip", "deflate"];

// [Accept-Encoding, offered, expected, reason]
const cases: [string | null, ContentCoding[], ContentCoding | null, string][] = [
  [null, ALL, null, "no header: identity (nothing gained by guessing)"],
  ["", ALL, null, "empty header: only identity is acceptable (§12.5.3)"],
  ["gzip", ALL, "gzip", "the only listed coding"],
  ["gzip, br", ALL, "br", "equal weights: the server's preference decides"],
  ["gzip, br", ["gzip", "br"], "gzip", "another server preference"],
  ["br;q=0.5, gzip", ALL, "gzip", "higher q wins over server preference"],
  ["br;q=0.5, gzip;q=0.8, deflate;q=0.9", ALL, "deflate", "highest q among three"],
  ["br;q=0, gzip", ALL, "gzip", "q=0 means not acceptable"],
  ["br;q=0", ALL, null, "every listed coding refused: identity"],
  ["*", ALL, "br", "* accepts any coding: the server's first"],
  ["*;q=0.5, gzip", ALL, "gzip", "listed coding beats the * weight"],
  ["*, br;q=0", ALL, "gzip", "* but br refused: next preference"],
  ["*;q=0", ALL, null, "* refused and nothing listed"],
  ["*;q=0, identity;q=0", ALL, null, "nothing acceptable: identity anyway, never 406"],
  ["gzip, identity;q=0", ALL, "gzip", "identity refused, gzip chosen"],
  ["identity;q=0", ALL, null, "no coding acceptable and identity refused: identity (no 406/415)"],
  ["gzip;q=0.5, identity", ALL, null, "identity listed with a higher weight wins"],
  ["gzip;q=0.5, identity;q=0.5", ALL, "gzip", "identity tie: the coding"],
  ["gzip;q=0.5, *", ALL, "br", "* weight 1 beats listed gzip 0.5; br is offered first"],
  ["compress, x-foo", ALL, null, "unknown codings only: identity"],
  ["x-foo, gzip;q=0.1", ALL, "gzip", "unknown coding ignored"],
  ["x-gzip", ALL, "gzip", "x-gzip is gzip (§8.4.1.3)"],
  ["GZIP", ALL, "gzip", "codings are case-insensitive"],
  ["Br;Q=1, GZip;Q=0.9", ALL, "br", "q is case-insensitive too"],
  ["gzip;q=1, gzip;q=0", ALL, null, "duplicate member: the lowest weight applies"],
  ["gzip;q=0, gzip", ALL, null, "duplicate member, either order"],
  ["gzip;q=0.3, gzip;q=0.9, br;q=0.5", ALL, "br", "duplicate gzip takes 0.3, br 0.5 wins"],
  [", , gzip ,", ALL, "gzip", "empty list members are skipped (§5.6.1)"],
  [" ,", ALL, null, "only empty members: identity"],
  ["gzip;q=1.5", ALL, null, "q above 1 is invalid: member ignored"],
  ["gzip;q=0.1234", ALL, null, "more than three decimals is invalid"],
  ["gzip;q=abc, br;q=0.1", ALL, "br", "invalid q ignores only that member"],
  ["gzip;q=-1", ALL, null, "negative q is invalid"],
  ["gzip;q=", ALL, null, "empty q is invalid"],
  ["gzip;level=9", ALL, null, "a parameter other than q is invalid"],
  ["gzip;q=0.5;q=1", ALL, null, "two q parameters are invalid"],
  ["g zip, br", ALL, "br", "a coding that is not a token is ignored"],
  ["gzip ; q=0.5 , br ; q=0.4", ALL, "gzip", "whitespace around ; and = (OWS)"],
  ["gzip;q=0.001", ALL, "gzip", "the smallest positive weight is acceptable"],
  ["gzip;q=1.000, br;q=0.999", ALL, "gzip", "1.000 is 1"],
  ["br", ["gzip"], null, "a coding the server does not offer"],
];

describe("negotiateEncoding", () => {
  for (const [header, offered, expected, reason] of cases) {
    it(`chooses ${expected ?? "identity"} for ${JSON.stringify(header)} (${reason})`, () => {
      expect(negotiateEncoding(header, offered)).toBe(expected);
    });
  }

  it("offers zstd only where the running Node has it", () => {
    const available = isCodingAvailable("zstd");
    if (!available) console.log(`zstd: node ${process.version} has no zlib.createZstdCompress (Node 22.15+ / 23.8+ does): zstd is never chosen`);
    expect(negotiateEncoding("zstd", ["zstd", "gzip"])).toBe(available ? "zstd" : null);
    expect(negotiateEncoding("zstd, gzip", ["zstd", "gzip"])).toBe(available ? "zstd" : "gzip");
  });
});
