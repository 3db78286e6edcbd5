/*
 * createDemoHandler as a library, run in memory through @k/handler's inject (no socket, no
 * build): dispatch rules, the /echo limit and contract, and the static handler's answers.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "@k/handler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDemoHandler, targetPath } from "k-demo";
import type { RequestHandler } from "@k/handler";

let scratch: string;
let handler: RequestHandler;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "k-demo-app-"));
  await mkdir(join(scratch, "site"));
  await writeFile(join(scratch, "site", "index.html"), "<!doctype html><title>in memory</title>");
  await writeFile(join(scratch, "site", "hello.json"), "{}");
  await writeFile(join(scratch, "site", "stream.txt"), "a file, not the endpoint");
  handler = createDemoHandler({ root: join(scratch, "site"), maxEchoBodySize: 10 });
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("targetPath", () => {
  it("takes the path of origin-form and absolute-form targets as received", () => {
    expect(targetPath("/echo%2Fx?y=1")).toBe("/echo%2Fx");
    expect(targetPath("http://example.test/echo?x")).toBe("/echo");
    expect(targetPath("http://example.test")).toBe("");
    expect(targetPath("*")).toBe("");
  });
});

describe("createDemoHandler", () => {
  it("dispatches /echo by prefix and the other endpoints by exact path", async () => {
    expect((await inject(handler, { target: "/echoes/1" })).json()).toMatchObject({ target: "/echoes/1" });
    expect((await inject(handler, { target: "/hello" })).text()).toBe("Hello, World!");
    expect((await inject(handler, { target: "/hello.json" })).text()).toBe("{}");
    expect((await inject(handler, { target: "/stream.txt" })).text()).toBe("a file, not the endpoint");
    expect([...(await inject(handler, { target: "/stream?bytes=3" })).body]).toEqual([0, 1, 2]);
  });

  it("answers the server-wide OPTIONS * with 204 and keeps 405 for OPTIONS on a file", async () => {
    const server = await inject(handler, { method: "OPTIONS", target: "*" });
    expect(server.status).toBe(204);
    expect(server.body.length).toBe(0);
    expect((await inject(handler, { method: "OPTIONS", target: "/" })).status).toBe(405);
  });

  it("echoes an absolute-form target as received", async () => {
    const response = await inject(handler, { target: "http://localhost/echo?q" });
    expect(response.json()).toMatchObject({ target: "http://localhost/echo?q", method: "GET", version: "1.1" });
  });

  it("applies the configured /echo body limit with 413", async () => {
    expect((await inject(handler, { method: "POST", target: "/echo", body: "0123456789" })).status).toBe(200);
    expect((await inject(handler, { method: "POST", target: "/echo", body: "0123456789!" })).status).toBe(413);
  });

  it("hashes an /upload body in memory too", async () => {
    const response = await inject(handler, { method: "PUT", target: "/upload", body: "abc" });
    expect(response.json()).toEqual({ bytes: 3, sha256: createHash("sha256").update("abc").digest("hex") });
  });

  it("serves index.html and 404s from the static root", async () => {
    expect((await inject(handler, { target: "/" })).text()).toContain("in memory");
    const missing = await inject(handler, { target: "/missing" });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("text/html; charset=utf-8");
  });

  it("refuses a traversal with 400 before touching the file system", async () => {
    expect((await inject(handler, { target: "/%2e%2e/site/index.html" })).status).toBe(400);
  });
});
