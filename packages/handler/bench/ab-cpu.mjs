// A/B of two builds of @k/handler on the in-memory paths, in requests per CPU-second.
//
// Each measurement runs in a fresh child process (no JIT state shared between builds) and
// divides requests by that process's own CPU time (user + system), so load from other processes
// moves the figure less than a wall-clock rate; builds alternate (ABBA) and medians are reported
// with their ranges. On a shared machine the ranges stay wide: re-run on a quiet one.
//
// Usage (from packages/handler, after `npx tsc -b`):
//   git stash / checkout the old code; npx tsc -b; cp -r dist ../../node_modules/.ab-old
//   back to the new code;              npx tsc -b; cp -r dist ../../node_modules/.ab-new
//   node bench/ab-cpu.mjs ../../node_modules/.ab-old ../../node_modules/.ab-new [--rounds 7]
// The copies must sit under the repository (node_modules/ is ignored by git) so that their
// imports of @k/parser and @k/framing resolve to the workspace packages.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: "string", default: "7" }, child: { type: "string" }, case: { type: "string" } },
});
const BODY = "Hello, World!";
const whole = () => ({ status: 200, headers: { "content-type": "text/plain" }, body: BODY });
async function* generator() {
  yield { status: 200, headers: { "content-type": "text/plain" }, length: BODY.length };
  yield BODY;
}
// k-demo's /hello: one frozen response object for every request (the head memo's case).
const HELLO_BODY = new TextEncoder().encode(BODY);
const HELLO = Object.freeze({
  status: 200,
  length: HELLO_BODY.length,
  headers: Object.freeze([Object.freeze(["content-type", "text/plain; charset=utf-8"])]),
  body: HELLO_BODY,
});
const shared = () => HELLO;
const CASES = {
  "whole, 1/read": [whole, 1],
  "whole, 16/read": [whole, 16],
  "shared whole, 1/read": [shared, 1],
  "shared whole, 16/read": [shared, 16],
  "generator, 16/read": [generator, 16],
};

if (values.child !== undefined) {
  // Child: one build, one case; prints requests per CPU-second after a warm-up.
  const { createConnection } = await import(pathToFileURL(resolve(values.child, "index.js")).href);
  const [handler, perRead] = CASES[values.case];
  const transport = { write: () => true, end() {}, destroy() {}, pause() {}, resume() {} };
  const conn = createConnection(transport, { handler });
  const input = Buffer.from("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(perRead));
  const loop = async (cpuMs) => {
    const start = process.cpuUsage();
    let requests = 0;
    for (;;) {
      for (let i = 0; i < 50; i++) {
        conn.onData(Buffer.from(input));
        requests += perRead;
      }
      await new Promise((r) => setImmediate(r));
      const used = process.cpuUsage(start);
      const ms = (used.user + used.system) / 1000;
      if (ms >= cpuMs) return (requests / ms) * 1000;
    }
  };
  await loop(800);
  console.log(Math.round(await loop(1_500)));
} else {
  if (positionals.length !== 2) {
    console.error("usage: node bench/ab-cpu.mjs <old dist dir> <new dist dir> [--rounds N]");
    process.exit(2);
  }
  const builds = positionals.map((p) => resolve(p));
  const rounds = Number(values.rounds);
  const results = {};
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? builds : [...builds].reverse();
    for (const name of Object.keys(CASES)) {
      for (const build of order) {
        const out = execFileSync(process.execPath, [new URL(import.meta.url).pathname, "--child", build, "--case", name], { encoding: "utf8" });
        ((results[name] ??= {})[build] ??= []).push(Number(out.trim()));
      }
    }
  }
  const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const fmt = (n) => Math.round(n).toLocaleString("en");
  console.log("| case | old (median, range) | new (median, range) | new/old |\n| --- | --- | --- | --- |");
  for (const name of Object.keys(CASES)) {
    const [a, b] = builds.map((x) => results[name][x]);
    console.log(`| ${name} | ${fmt(median(a))} (${fmt(Math.min(...a))}–${fmt(Math.max(...a))}) | ${fmt(median(b))} (${fmt(Math.min(...b))}–${fmt(Math.max(...b))}) | ${(median(b) / median(a)).toFixed(3)} |`);
  }
}
