// The optimised-code-across-GC tests of @k/parser and @k/handler: runs a script in a child Node
// with --trace-deopt and names every function V8 threw away for "weak objects" after the
// script's first forced GC (the line "== gc 0" it prints).
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface DeoptTrace {
  /** The child's whole output. */
  trace: string;
  /** Functions deoptimised for "weak objects" after "== gc 0", by name. */
  dropped: string[];
}

/** Writes `script` as `dir`/main.js (an ES module) and runs it with --expose-gc --trace-deopt. */
export function weakObjectDeopts(dir: string, script: string): DeoptTrace {
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }');
  writeFileSync(join(dir, "main.js"), script);
  const trace = execFileSync(process.execPath, ["--expose-gc", "--trace-deopt", "main.js"], { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const afterFirstGc = trace.slice(trace.indexOf("== gc 0"));
  // e.g. "[marking dependent code ... (... <SharedFunctionInfo #run>) ... reason: weak objects]"
  const dropped = afterFirstGc
    .split("\n")
    .filter((line) => line.includes("weak objects"))
    .map((line) => /<SharedFunctionInfo ([^>]*)>/.exec(line)?.[1] ?? line);
  return { trace, dropped };
}
