/*
 * get.mjs against the BUILT k-demo (the server of this repository, started as a user starts
 * it: `node bin/k-demo.js --port 0 --root DIR`): /hello, /echo, /stream (chunked, length
 * unknown), a static file, HEAD, 304 from If-None-Match, 404. Output is compared byte for
 * byte with `curl -s` (bodies) and `curl -sI` (heads, Date aside); /echo answers with the
 * request's own headers, where curl's User-Agent differs from ours, so it is compared as JSON.
 *
 * Does not: count k-demo's connections (node-http.test.ts counts them on node:http).
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CURL, curl, get, missingTools, withoutDate } from "./helpers.ts";

const K_DEMO_BIN = join(dirname(createRequire(import.meta.url).resolve("k-demo/package.json")), "bin", "k-demo.js");
/** 200,000 bytes, byte i = i mod 251. */
const DATA = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));

let demo: ChildProcess;
let base: string;
let dir: string;

function startDemo(root: string): Promise<string> {
  demo = spawn(process.execPath, [K_DEMO_BIN, "--port", "0", "--root", root], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`k-demo did not start within 15 s: ${output}`)), 15_000);
    demo.stderr!.setEncoding("utf8").on("data", (text: string) => (output += text));
    demo.stdout!.setEncoding("utf8").on("data", (text: string) => {
      output += text;
      const match = /k-demo listening on (http:\/\/\S+?)\/?$/m.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      resolve(match[1]!);
    });
    demo.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`k-demo exited (${code}) before listening: ${output}`));
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "http-get-k-demo-"));
  writeFileSync(join(dir, "data.bin"), DATA);
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>t</title><p>static\n");
  base = await startDemo(dir);
});

afterAll(async () => {
  if (demo?.exitCode === null) {
    const exited = new Promise((resolve) => demo.once("exit", resolve));
    demo.kill("SIGTERM");
    await exited;
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("k-demo, with no outside tool", () => {
  it("writes /hello's body and exits 0", async () => {
    const result = await get([`${base}/hello`]);
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toBe("Hello, World!");
  });

  it("writes a /stream body of unannounced length, de-chunked, byte for byte", async () => {
    const result = await get([`${base}/stream?bytes=300000&chunk=1000`]);
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBe(300_000);
  });

  it("writes a static file byte for byte, several URLs on one connection", async () => {
    const result = await get(["--pipeline", "3", `${base}/data.bin`, `${base}/hello`, `${base}/data.bin`]);
    expect(result.code).toBe(0);
    expect(result.stdout.equals(Buffer.concat([DATA, Buffer.from("Hello, World!"), DATA]))).toBe(true);
  });

  it("sends the request k-demo's /echo reports: method, target, version, our fields in order", async () => {
    const result = await get(["-H", "X-Test: one two", `${base}/echo/a%20b?q=1#fragment`]);
    expect(result.code).toBe(0);
    const echo = JSON.parse(result.stdout.toString()) as { method: string; target: string; version: string; headers: [string, string][]; body: string };
    expect(echo).toEqual({
      method: "GET",
      target: "/echo/a%20b?q=1",
      version: "1.1",
      headers: [["Host", new URL(base).host], ["User-Agent", "k-http-get/0.0.0"], ["Accept", "*/*"], ["X-Test", "one two"]],
      body: "",
    });
  });

  it("exits 1 for a 404, writing its body", async () => {
    const result = await get([`${base}/no-such-file`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`get: ${base}/no-such-file: status 404\n`);
    expect(result.stdout.length).toBeGreaterThan(0);
  });

  it("reads a 304 answer to If-None-Match and exits 0", async () => {
    const head = await get(["--head", `${base}/data.bin`]);
    const etag = /^ETag: (.+)\r$/im.exec(head.stdout.toString())?.[1];
    expect(etag).toBeDefined();
    const result = await get(["-H", `If-None-Match: ${etag}`, `${base}/data.bin`, `${base}/hello`]);
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toBe("Hello, World!");
    const heads = await get(["--head", "-H", `If-None-Match: ${etag}`, `${base}/data.bin`]);
    expect(heads.stdout.toString()).toMatch(/^HTTP\/1\.1 304 Not Modified\r\n/);
  });
});

const curlMissing = missingTools([CURL]);

describe.skipIf(curlMissing !== null)("k-demo, byte-exact with curl", () => {
  const paths = ["/hello", "/stream?bytes=300000&chunk=1000", "/data.bin", "/", "/index.html", "/no-such-file"];

  it.each(paths)("writes what curl -s writes for %s", async (path) => {
    const ours = await get([`${base}${path}`]);
    const theirs = await curl([`${base}${path}`]);
    expect(theirs.code).toBe(0);
    expect(ours.stdout.length).toBeGreaterThan(0);
    expect(ours.stdout.equals(theirs.stdout)).toBe(true);
  });

  it.each(paths)("writes the head curl -sI writes for %s (Date aside)", async (path) => {
    const ours = await get(["--head", `${base}${path}`]);
    const theirs = await curl(["-I", `${base}${path}`]);
    expect(withoutDate(ours.stdout)).toBe(withoutDate(theirs.stdout));
  });

  it("writes what curl writes for several URLs, pipelined", async () => {
    const urls = paths.map((path) => `${base}${path}`);
    const ours = await get(["--pipeline", "4", ...urls]);
    const theirs = await curl(urls);
    expect(ours.code).toBe(1); // the 404
    expect(ours.stdout.equals(theirs.stdout)).toBe(true);
  });

  it("writes what curl writes for a 304 (nothing) and the same head", async () => {
    const etag = /^ETag: (.+)\r$/im.exec((await curl(["-I", `${base}/data.bin`])).stdout.toString())![1]!;
    const ours = await get(["-H", `If-None-Match: ${etag}`, `${base}/data.bin`]);
    const theirs = await curl(["-H", `If-None-Match: ${etag}`, `${base}/data.bin`]);
    expect(ours.stdout.equals(theirs.stdout)).toBe(true);
    const ourHead = await get(["--head", "-H", `If-None-Match: ${etag}`, `${base}/data.bin`]);
    const theirHead = await curl(["-I", "-H", `If-None-Match: ${etag}`, `${base}/data.bin`]);
    expect(withoutDate(ourHead.stdout)).toBe(withoutDate(theirHead.stdout));
  });

  it("sends /echo the same request as curl, but for the User-Agent value", async () => {
    const ours = JSON.parse((await get([`${base}/echo?x=1`])).stdout.toString()) as { headers: [string, string][] };
    const theirs = JSON.parse((await curl([`${base}/echo?x=1`])).stdout.toString()) as { headers: [string, string][] };
    const agentless = (echo: { headers: [string, string][] }) => ({ ...echo, headers: echo.headers.map(([name, value]) => [name, name === "User-Agent" ? "<agent>" : value]) });
    expect(agentless(ours)).toEqual(agentless(theirs));
  });
});
