// The optimised parser must stay optimised across full GCs (issue 8). V8 holds the shapes
// that optimised code embeds weakly: when a full GC finds no Head alive, Head's shape dies
// and #run, #endHead, #chooseBody and the caller's onHead are thrown away ("weak objects"
// in --trace-deopt) and run slow until V8 optimises them again. A server sees such GCs
// between bursts of requests. This runs the parser in a child Node with --trace-deopt,
// forces GCs between rounds with no Head alive, and reads the trace.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { weakObjectDeopts } from "../../../test-support/deopt-trace.ts";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "k-parser-gc-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const script = `
import { createParser } from "./dist/index.js";
const head = Buffer.from(
  "GET /articles/2024/http-parsing?utm_source=feed&page=2 HTTP/1.1\\r\\nHost: www.example.com\\r\\n" +
  "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\\r\\n" +
  "Accept: text/html,application/xhtml+xml\\r\\nAccept-Language: en-US,en;q=0.5\\r\\n" +
  "Accept-Encoding: gzip, deflate, br\\r\\nConnection: keep-alive\\r\\nCookie: a=b\\r\\n\\r\\n", "latin1");
let seen = 0;
class Server { onHead(h) { seen += h.rawHeaders.length; } onBody() {} onComplete() {} }
const parser = createParser("request", new Server());
const round = (n) => { for (let i = 0; i < n; i++) parser.push(head); };
round(30000); // warm: the hot functions get optimised
for (let r = 0; r < 3; r++) {
  console.log("== gc " + r);
  globalThis.gc(); // no Head is alive here: the parser forgets its head after each message
  round(30000);
}
console.log("== done " + seen);
`;

describe("optimised code across full GCs", () => {
  it("keeps the parser's optimised functions when a full GC finds no head alive", () => {
    // A private build (the package's own `tsc -b` output may be written by another test).
    execFileSync("npx", ["tsc", "-p", "tsconfig.json", "--outDir", join(out, "dist"), "--composite", "false", "--declaration", "false", "--declarationMap", "false", "--incremental", "false", "--sourceMap", "false", "--isolatedDeclarations", "false"], { cwd: packageDir, stdio: "pipe" });
    const { trace, dropped } = weakObjectDeopts(out, script);
    expect(trace).toContain("== done");
    expect(dropped).toEqual([]);
  }, 120_000);
});
