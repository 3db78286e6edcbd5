// The lifecycle's optimised code must stay optimised across full GCs. V8 holds the object
// shapes that optimised code embeds weakly: when a full GC finds no object of a shape alive
// (between bursts of requests, no exchange, request, framer or first part is), the shape dies
// and every function built on it (#onHead, #run, #finish, the writer, the framers, the
// chooser) is thrown away ("weak objects" in --trace-deopt) and runs slow until V8 optimises it
// again. This runs a connection in a child Node with --trace-deopt, forces GCs between rounds
// with no request alive, and reads the trace. The responses are long-lived objects, so any
// shape that dies is the lifecycle's own, not the test's.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { weakObjectDeopts } from "../../../test-support/deopt-trace.ts";

const packagesDir = fileURLToPath(new URL("../..", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "k-handler-gc-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const script = `
import { createConnection } from "@k/handler";
const BODY = new TextEncoder().encode("Hello, World!");
const plain = Object.freeze([Object.freeze(["content-type", "text/plain"])]);
const HELLO = Object.freeze({ status: 200, length: BODY.length, headers: plain, body: BODY });
const A = Object.freeze({ status: 200, headers: plain, body: "hi" });
const B = Object.freeze({ status: 404, headers: plain, body: BODY });
let flip = 0;
const transport = { write: () => true, end() {}, destroy() {}, pause() {}, resume() {} };
// One shared response (the head memo's path) and two alternating ones (the general path:
// framing choice, framers, serialisation on every response).
const memo = createConnection(transport, { handler: () => HELLO });
const general = createConnection(transport, { handler: () => (flip++ & 1 ? A : B) });
const input = Buffer.from("GET /hello HTTP/1.1\\r\\nHost: localhost\\r\\nAccept: */*\\r\\n\\r\\n".repeat(16));
function round(n) {
  for (let i = 0; i < n; i++) {
    memo.onData(Buffer.from(input));
    general.onData(Buffer.from(input));
  }
}
const turn = () => new Promise((resolve) => setImmediate(resolve));
for (let i = 0; i < 20; i++) { round(100); await turn(); } // warm: the hot functions get optimised
for (let r = 0; r < 3; r++) {
  console.log("== gc " + r);
  globalThis.gc(); // no request is alive here: every exchange was answered and dropped
  for (let i = 0; i < 10; i++) { round(100); await turn(); }
}
console.log("== done " + flip);
`;

/** A private JS build of `pkg` under out/node_modules (the packages' own dist may be stale or being written). */
function build(pkg: string): void {
  const dir = join(out, "node_modules", "@k", pkg);
  mkdirSync(dir, { recursive: true });
  const flags = ["--noCheck", "--composite", "false", "--declaration", "false", "--declarationMap", "false", "--incremental", "false", "--sourceMap", "false", "--isolatedDeclarations", "false"];
  execFileSync("npx", ["tsc", "-p", join(packagesDir, pkg, "tsconfig.json"), "--rootDir", join(packagesDir, pkg, "src"), "--outDir", join(dir, "dist"), ...flags], { cwd: packagesDir, stdio: "pipe" });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `@k/${pkg}`, type: "module", exports: "./dist/index.js" }));
}

describe("optimised code across full GCs", () => {
  it("keeps the lifecycle's and the framers' optimised functions when a full GC finds no request alive", () => {
    for (const pkg of ["parser", "framing", "handler"]) build(pkg);
    const { trace, dropped } = weakObjectDeopts(out, script);
    expect(trace).toContain("== done 80000");
    expect(dropped).toEqual([]);
  }, 180_000);
});
