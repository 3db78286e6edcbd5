/*
 * The one rule for tests that need a program from outside the repository (Chromium, curl,
 * python3, nginx, wrk, ...), shared by every workspace's tests (import it by relative path,
 * like vitest.shared.ts):
 *
 * - found: the tests run, with the program's path;
 * - missing outside CI: the tests are skipped, and a line says what is missing and how to
 *   install it (also in the skipped suite's title, so a report lists the reason);
 * - missing under CI=true: the tests run and fail with that same line (CI must run everything).
 *
 * It finds programs itself (PATH and candidate paths); it does not install anything: the
 * project's own script does that where it can (scripts/ensure-test-tools.sh).
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { beforeAll, describe } from "vitest";

/** A program a test needs, and how a person gets it. */
export interface OutsideTool {
  /** The program's name as people know it ("curl", "Chromium"). */
  readonly name: string;
  /** The executable's path, or undefined when it was not found. */
  readonly path: string | undefined;
  /** Why it was not found (what was looked at), when it was not. */
  readonly missing: string | undefined;
  /** What to install, e.g. "apt-get install curl (Debian/Ubuntu), brew install curl (macOS)". */
  readonly install: string;
}

/** True when `path` is a file this process may execute. */
export function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `name` on PATH that is executable (with PATHEXT's extensions on Windows). */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const extensions = process.platform === "win32" ? ["", ...(env["PATHEXT"] ?? ".EXE;.CMD;.BAT").split(";")] : [""];
  for (const dir of (env["PATH"] ?? "").split(delimiter)) {
    if (dir === "") continue;
    for (const extension of extensions) {
      const candidate = join(dir, name + extension);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Looks a program up on PATH under any of `names`. */
export function findTool(options: { name: string; names?: readonly string[]; install: string }): OutsideTool {
  const names = options.names ?? [options.name];
  for (const name of names) {
    const path = findOnPath(name);
    if (path !== undefined) return { name: options.name, path, missing: undefined, install: options.install };
  }
  return { name: options.name, path: undefined, missing: `${names.join(", ")} not found on PATH`, install: options.install };
}

/** True when the run is CI's: every test must run there, so a missing tool is a failure. */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  return env["CI"] === "true";
}

/** The one line that says what is missing, what needs it and how to get it. */
export function missingToolMessage(tool: OutsideTool, usedBy: string): string {
  return `${usedBy} needs ${tool.name} (${tool.missing ?? "not found"}); install it: ${tool.install}`;
}

/**
 * `describe(title, body)` for tests that need the given programs. All found: the suite runs and
 * `body` gets their paths in order. One missing: outside CI the suite is skipped with a printed
 * reason; under CI=true it runs and each of its tests fails with that reason.
 *
 * @example
 * const curl = findTool({ name: "curl", install: "apt-get install curl" });
 * describeWithTools("curl against k-demo", [curl], ([curlPath]) => {
 *   it("gets /hello", async () => { ... execFile(curlPath, [...]) ... });
 * });
 */
export function describeWithTools(title: string, tools: readonly OutsideTool[], body: (paths: readonly string[]) => void): void {
  const missing = tools.filter((tool) => tool.path === undefined);
  if (missing.length === 0) {
    describe(title, () => body(tools.map((tool) => tool.path!)));
    return;
  }
  const reason = missing.map((tool) => missingToolMessage(tool, `"${title}"`)).join("; ");
  if (isCI()) {
    describe(title, () => {
      beforeAll(() => {
        throw new Error(`CI=true: every test must run, but ${reason}`);
      });
      // The paths are not there: the bodies never run, beforeAll fails each test first.
      body(tools.map((tool) => tool.path ?? tool.name));
    });
    return;
  }
  console.warn(`skipped: ${reason}`);
  describe.skip(`${title} [skipped: ${missing.map((tool) => `${tool.name} not installed`).join(", ")}]`, () =>
    body(tools.map((tool) => tool.path ?? tool.name)),
  );
}
