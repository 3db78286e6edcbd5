import { posix } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveStaticPath } from "k-demo";

describe("resolveStaticPath", () => {
  it("splits an origin-form target into decoded segments and keeps the query", () => {
    expect(resolveStaticPath("/css/site%20v2.css?x=1")).toEqual({
      ok: true,
      segments: ["css", "site v2.css"],
      rawSegments: ["css", "site%20v2.css"],
      trailingSlash: false,
      query: "?x=1",
    });
    expect(resolveStaticPath("/")).toMatchObject({ ok: true, segments: [], trailingSlash: true });
    expect(resolveStaticPath("/docs/")).toMatchObject({ ok: true, segments: ["docs"], trailingSlash: true });
  });

  it("takes the path of an absolute-form target", () => {
    expect(resolveStaticPath("http://example.test/a/b.txt?q")).toMatchObject({ ok: true, segments: ["a", "b.txt"], query: "?q" });
    expect(resolveStaticPath("http://example.test")).toMatchObject({ ok: true, segments: [], trailingSlash: true });
    expect(resolveStaticPath("http://example.test/../etc/passwd")).toMatchObject({ ok: false, status: 400 });
  });

  // Each case: a way to spell "outside the root" or "a file we must not serve".
  const refused: [string, number, string][] = [
    ["/../secret.txt", 400, "plain dot-dot"],
    ["/a/../../secret.txt", 400, "dot-dot after a segment"],
    ["/%2e%2e/secret.txt", 400, "percent-encoded dot-dot"],
    ["/%2E%2e/secret.txt", 400, "mixed-case percent-encoded dot-dot"],
    ["/.%2e/secret.txt", 400, "half-encoded dot-dot"],
    ["/..%2fsecret.txt", 400, "encoded slash"],
    ["/a%2F..%2F..%2Fsecret.txt", 400, "encoded slashes around dot-dot"],
    ["/..%5csecret.txt", 400, "encoded backslash"],
    ["/..\\secret.txt", 400, "raw backslash"],
    ["/secret.txt%00.html", 400, "encoded NUL"],
    ["/secret.txt\u0000.html", 400, "raw NUL"],
    ["/%e0%a4%a", 400, "malformed percent-encoding"],
    ["/./index.html", 400, "dot segment"],
    ["/.env", 404, "dotfile"],
    ["/.git/config", 404, "dot directory"],
    ["/%2eenv", 404, "encoded dotfile"],
    ["*", 400, "asterisk-form"],
    ["example.test:80", 400, "authority-form"],
    ["/a#b", 400, "fragment"],
  ];
  for (const [target, status, why] of refused) {
    it(`refuses ${JSON.stringify(target)} with ${status} (${why})`, () => {
      expect(resolveStaticPath(target)).toMatchObject({ ok: false, status });
    });
  }

  it("decodes exactly once, so a double-encoded dot-dot stays a literal name", () => {
    expect(resolveStaticPath("/%252e%252e/secret.txt")).toMatchObject({ ok: true, segments: ["%2e%2e", "secret.txt"] });
  });

  it("drops empty segments, so // cannot become a protocol-relative path", () => {
    expect(resolveStaticPath("//evil.example/")).toMatchObject({ ok: true, segments: ["evil.example"], rawSegments: ["evil.example"] });
  });
});

describe("resolveStaticPath, for any target", () => {
  // Targets built from the pieces that traversal attempts are made of.
  const piece = fc.constantFrom("/", "..", ".", "%2e", "%2E", "%2f", "%2F", "%5c", "\\", "%00", "%25", "a", "b.txt", "%", "?", "#", ".env", "%c0%ae", "http://h", "//");
  const target = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(""));

  it("never yields a segment that leaves or re-enters a directory, and stays under the root when joined", () => {
    const root = "/srv/root";
    fc.assert(
      fc.property(fc.oneof(target, fc.string({ maxLength: 40 })), (input) => {
        const result = resolveStaticPath(input);
        if (!result.ok) return [400, 404].includes(result.status);
        for (const segment of result.segments) {
          if (segment === "" || segment === "." || segment === ".." || segment.startsWith(".")) return false;
          if (/[\/\\\u0000]/.test(segment)) return false;
        }
        const joined = posix.join(root, ...result.segments);
        return joined === root || joined.startsWith(root + "/");
      }),
      { numRuns: 2000 },
    );
  });
});
