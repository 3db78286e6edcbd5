// Runs every data case in test/cases at every split (whole, every 2-way split, byte at a
// time, random partitions) and compares the logs: incrementality and the expected
// result in one pass.
import { describe, expect, it } from "vitest";
import { parseErrorStatus } from "@k/parser";
import type { ParseErrorCode } from "@k/parser";
import { caseGroups, allCases } from "./cases/index.ts";
import { checkExpectation, flagsOf, isErrorExpectation, runAllSplits } from "./harness.ts";

for (const [group, cases] of Object.entries(caseGroups)) {
  describe(group, () => {
    for (const c of cases) {
      it(c.name, () => {
        const report = runAllSplits(c.kind, c.input, flagsOf(c));
        const problem = checkExpectation(c, report.whole);
        expect(problem, `${c.name} (${c.reason})`).toBeNull();
        expect(report.mismatches, "a split of the input changed the log").toEqual([]);
      });
    }
  });
}

describe("leniency only widens", () => {
  const everyLeniency = { allowBareLF: true, allowObsFold: true, allowChunkSizeWhitespace: true, allowUnsafeTargetChars: true, allowNonHttpSchemes: true };
  const strictValid = allCases.filter((c) => c.options === undefined && !isErrorExpectation(c.expect));
  it.each(strictValid.map((c) => [c.name, c] as const))("reads %s the same with every leniency on", (_name, c) => {
    const report = runAllSplits(c.kind, c.input, { ...flagsOf(c), options: everyLeniency }, 5);
    expect(report.whole).toEqual(c.expect);
    expect(report.mismatches).toEqual([]);
  });
});

describe("the corpus itself", () => {
  it("gives every case a distinct name and a reason", () => {
    const names = new Set<string>();
    for (const c of allCases) {
      expect(names.has(c.name), c.name).toBe(false);
      names.add(c.name);
      expect(c.reason.length, c.name).toBeGreaterThan(4);
    }
  });

  it("expects every error code of the contract at least once", () => {
    const seen = new Set<string>();
    for (const c of allCases) {
      if (!isErrorExpectation(c.expect)) continue;
      for (const code of typeof c.expect.error === "string" ? [c.expect.error] : c.expect.error) seen.add(code);
    }
    const missing = (Object.keys(parseErrorStatus) as ParseErrorCode[]).filter((code) => !seen.has(code));
    expect(missing).toEqual([]);
  });

  it("names each advisory of the smuggling list in at least one case", () => {
    const advisories = ["CVE-2019-15605", "CVE-2020-8287", "CVE-2021-22959", "CVE-2021-22960", "CVE-2022-32213", "CVE-2022-32214", "CVE-2022-32215", "CVE-2022-35256", "CVE-2023-30589", "CVE-2024-22019", "CVE-2024-27982", "CVE-2025-23167"];
    for (const id of advisories) {
      expect(allCases.some((c) => c.name.includes(id) && c.reason.includes(id)), id).toBe(true);
    }
  });
});
