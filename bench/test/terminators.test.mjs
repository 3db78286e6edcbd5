// The terminator counter behind the raw-socket ceiling (bench/raw-net-server.mjs): the ceiling
// answers exactly as many requests as arrived, however the reads split them.
// Run: cd bench && npx vitest run
import { describe, expect, it } from "vitest";

import { createTerminatorCounter } from "../terminators.mjs";

const REQUEST = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

/** Feeds `text` split at `cuts` (ascending offsets) and returns the count per read. */
function feed(text, cuts) {
  const count = createTerminatorCounter();
  const bytes = Buffer.from(text, "latin1");
  const bounds = [0, ...cuts, bytes.length];
  return bounds.slice(1).map((end, i) => count(bytes.subarray(bounds[i], end)));
}

describe("createTerminatorCounter", () => {
  it("counts one terminator per request in a single read", () => {
    expect(feed(REQUEST, [])).toEqual([1]);
    expect(feed(REQUEST.repeat(16), [])).toEqual([16]);
  });

  it("counts nothing in a read without a complete terminator", () => {
    expect(feed("GET /hello HTTP/1.1\r\nHost: x\r\n", [])).toEqual([0]);
  });

  it("counts a terminator split at every position exactly once, in the read that completes it", () => {
    const text = REQUEST.repeat(3);
    for (let cut = 1; cut < text.length; cut++) {
      const counts = feed(text, [cut]);
      expect(counts[0] + counts[1]).toBe(3);
      const completedInFirst = (text.slice(0, cut).match(/\r\n\r\n/g) ?? []).length;
      expect(counts[0]).toBe(completedInFirst);
    }
  });

  it("counts the same in byte-at-a-time reads as in one read", () => {
    const text = REQUEST.repeat(4);
    const cuts = Array.from({ length: text.length - 1 }, (_, i) => i + 1);
    const counts = feed(text, cuts);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(counts.filter((n) => n > 0)).toEqual([1, 1, 1, 1]);
  });

  it("does not count overlapping matches: a stray CRLF after a terminator is not another one", () => {
    expect(feed("GET / HTTP/1.1\r\n\r\n\r\n", [])).toEqual([1]);
    for (let cut = 1; cut < 20; cut++) {
      const counts = feed("GET / HTTP/1.1\r\n\r\n\r\n", [cut]);
      expect(counts[0] + counts[1]).toBe(1);
    }
  });

  it("finds a terminator that starts right after a broken prefix across reads", () => {
    // "\r\n\r" then "\r\n\r\n": the first partial fails, the terminator lies in the second read.
    expect(feed("a\r\n\r\r\n\r\n", [4])).toEqual([0, 1]);
    // "\r\n" then "\r\r\n\r\n": the continuation fails at the second byte.
    expect(feed("a\r\n\r\r\n\r\n", [3])).toEqual([0, 1]);
  });

  it("keeps no more state than the partial match: every split of a long stream adds up", () => {
    const text = REQUEST.repeat(50);
    const cuts = [];
    for (let at = 7; at < text.length; at += 13) cuts.push(at);
    expect(feed(text, cuts).reduce((a, b) => a + b, 0)).toBe(50);
  });
});
