/*
 * Builds k-demo (and, through tsc project references, the @k packages it uses) before the
 * end-to-end tests start `node bin/k-demo.js`: the tests must run what a user runs, and a
 * stale dist/ would test old code. A no-op when dist/ is up to date (turbo builds first).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const demo = fileURLToPath(new URL("..", import.meta.url));
  const tsc = fileURLToPath(new URL("../../../node_modules/typescript/bin/tsc", import.meta.url));
  execFileSync(process.execPath, [tsc, "-b"], { cwd: demo, stdio: "inherit", timeout: 120_000 });
}
