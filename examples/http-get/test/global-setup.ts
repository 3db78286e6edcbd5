/*
 * Builds @k/parser and k-demo (tsc project references build what k-demo uses, the parser
 * among them) before the tests run `node get.mjs` and `node k-demo.js`: both load dist/, and
 * a stale dist/ would test old code. A no-op when dist/ is up to date (turbo builds first).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const tsc = fileURLToPath(new URL("../../../node_modules/typescript/bin/tsc", import.meta.url));
  for (const project of ["../../../packages/parser", "../../../apps/demo"]) {
    const cwd = fileURLToPath(new URL(project, import.meta.url));
    execFileSync(process.execPath, [tsc, "-b"], { cwd, stdio: "inherit", timeout: 180_000 });
  }
}
