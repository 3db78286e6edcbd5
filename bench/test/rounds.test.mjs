// The round order and median of bench/http.mjs: every server gets the same share of early and
// late slots, and a missing figure (NaN) does not drag a median.
// Run: cd bench && npx vitest run
import { describe, expect, it } from "vitest";

import { median, roundOrder } from "../rounds.mjs";

describe("roundOrder", () => {
  it("is ABBA for two servers", () => {
    const order = [0, 1, 2, 3].map((r) => roundOrder(["A", "B"], r).join(""));
    expect(order).toEqual(["AB", "BA", "BA", "AB"]);
  });

  it("reverses each even round in the odd round after it", () => {
    const servers = ["A", "B", "C", "D", "E"];
    for (let r = 0; r < 10; r += 2) {
      expect(roundOrder(servers, r + 1)).toEqual([...roundOrder(servers, r)].reverse());
    }
  });

  it("runs every server exactly once per round", () => {
    const servers = ["A", "B", "C", "D", "E"];
    for (let r = 0; r < 12; r++) expect([...roundOrder(servers, r)].sort()).toEqual(servers);
  });

  it("gives every server the same mean position over 2N rounds", () => {
    const servers = ["A", "B", "C", "D", "E"];
    const sums = Object.fromEntries(servers.map((s) => [s, 0]));
    for (let r = 0; r < 2 * servers.length; r++) roundOrder(servers, r).forEach((s, i) => (sums[s] += i));
    expect(new Set(Object.values(sums)).size).toBe(1);
  });

  it("puts every server first and last in some round within 2N rounds, not only the outer ones", () => {
    const servers = ["A", "B", "C", "D", "E"];
    const rounds = Array.from({ length: 2 * servers.length }, (_, r) => roundOrder(servers, r));
    expect(new Set(rounds.map((o) => o[0]))).toEqual(new Set(servers));
    expect(new Set(rounds.map((o) => o.at(-1)))).toEqual(new Set(servers));
  });

  it("does not change its input", () => {
    const servers = ["A", "B", "C"];
    roundOrder(servers, 3);
    expect(servers).toEqual(["A", "B", "C"]);
  });
});

describe("median", () => {
  it("takes the middle value or the mean of the two middle values", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("leaves NaN out and is NaN only without any number", () => {
    expect(median([Number.NaN, 5, 1])).toBe(3);
    expect(Number.isNaN(median([Number.NaN]))).toBe(true);
  });
});
