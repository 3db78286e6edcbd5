/*
 * Heavy tests: the gigabyte memory runs, the browser and the load-balancer runs, which CI runs once per run rather than
 * on every Node major (issue 12: "run the heavy memory and browser tests once", to keep
 * `.ci/run` under 15 minutes).
 *
 * `.ci/run` runs the README's `npm test` in full on the machine's Node, then `npm test` on the
 * other supported majors with K_SKIP_HEAVY=1: there, and only there, these suites are skipped,
 * and a line says why and where they ran. Anywhere else (a developer's `npm test`, CI's first
 * run) they run like every other test: K_SKIP_HEAVY is never set by default.
 */
import { describe, it } from "vitest";
import { describeWithTools } from "./outside-tool.ts";
import type { OutsideTool } from "./outside-tool.ts";

/** True in `.ci/run`'s extra-major runs, which leave the heavy suites to the full run. */
export const skipHeavy: boolean = process.env["K_SKIP_HEAVY"] === "1";

const reported = new Set<string>();

function reason(title: string): string {
  const why = `heavy, run once per CI run on the README's Node; skipped on Node ${process.versions.node} (K_SKIP_HEAVY=1)`;
  if (!reported.has(title)) {
    reported.add(title);
    console.log(`skipped: "${title}": ${why}`);
  }
  return why;
}

/** `it`, except under K_SKIP_HEAVY=1, where the test is skipped with a printed reason. */
export function itHeavy(title: string, fn: () => Promise<void> | void, timeout?: number): void {
  if (!skipHeavy) it(title, fn, timeout);
  else it.skip(`${title} (${reason(title)})`, fn, timeout);
}

/**
 * `describe`, except under K_SKIP_HEAVY=1, where the suite is skipped with a printed reason
 * (it ran in the same CI run on the README's Node).
 */
export function describeHeavy(title: string, body: () => void): void {
  if (!skipHeavy) {
    describe(title, body);
    return;
  }
  describe.skip(`${title} (${reason(title)})`, body);
}

/**
 * `describeWithTools` for a heavy suite (the browser, the load balancers): skipped with a
 * printed reason under K_SKIP_HEAVY=1 (before looking for the tools), else the outside-tool rule.
 */
export function describeHeavyWithTools(title: string, tools: readonly OutsideTool[], body: (paths: readonly string[]) => void): void {
  if (!skipHeavy) {
    describeWithTools(title, tools, body);
    return;
  }
  describe.skip(`${title} (${reason(title)})`, () => {
    it("runs in CI's full run", () => {});
  });
}
