/*
 * get.mjs against Debian's nginx, started by this file in a temporary prefix on a free port
 * of 127.0.0.1 with a configuration it writes: a static file (Content-Length), an SSI page
 * (nginx cannot know its length: chunked), 304 from If-None-Match, HEAD, 404, a location
 * that closes each connection, and keep-alive with pipelining, where the access log's
 * $connection serial counts the connections nginx saw. Output is compared byte for byte
 * with `curl -s` and, for heads, with `curl -sI` (Date aside).
 *
 * nginx and curl are installed by the root scripts/ensure-test-tools.sh (the pretest) when they can
 * be; without them this file skips with the reason, or fails under CI=true.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CURL, NGINX, curl, freePort, get, missingTools, withoutDate } from "./helpers.ts";

/** 150,001 bytes, byte i = i mod 251. */
const DATA = Buffer.from(Array.from({ length: 150_001 }, (_, i) => i % 251));
const SSI_PAGE = '<p>before <!--# echo var="ssi_greeting" default="included" --> after</p>\n';

const missing = missingTools([NGINX, CURL]);

describe.skipIf(missing !== null)("nginx", () => {
  let prefix: string;
  let nginx: ChildProcess;
  let base: string;
  let stderr = "";

  function waitForPort(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let attempts = 0;
      const attempt = () => {
        const socket = connect({ port, host: "127.0.0.1" });
        socket.once("connect", () => {
          socket.destroy();
          resolve();
        });
        socket.once("error", () => {
          socket.destroy();
          if (nginx.exitCode !== null || ++attempts > 100) reject(new Error(`nginx did not listen on ${port}: ${stderr}${readLog("error.log")}`));
          else setTimeout(attempt, 100);
        });
      };
      attempt();
    });
  }

  function readLog(name: string): string {
    try {
      return readFileSync(join(prefix, name), "latin1");
    } catch {
      return "";
    }
  }

  /** Connection serial numbers nginx logged for requests whose log line contains `marker`. */
  function connectionsFor(marker: string): Set<string> {
    return new Set(readLog("access.log").split("\n").filter((line) => line.includes(marker)).map((line) => line.split(" ")[0]!));
  }

  beforeAll(async () => {
    prefix = mkdtempSync(join(tmpdir(), "http-get-nginx-"));
    const html = join(prefix, "html");
    mkdirSync(join(html, "ssi"), { recursive: true });
    mkdirSync(join(prefix, "tmp"));
    writeFileSync(join(html, "data.bin"), DATA);
    writeFileSync(join(html, "index.html"), "<!doctype html><title>nginx</title>\n");
    writeFileSync(join(html, "ssi", "page.html"), SSI_PAGE);
    writeFileSync(join(html, "closing.txt"), "this connection closes\n");
    const port = await freePort();
    // One process (master_process off), in the foreground, writing only inside the prefix.
    writeFileSync(join(prefix, "nginx.conf"), `
daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 64; }
http {
  log_format conn '$connection $request $status';
  access_log ${prefix}/access.log conn;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  types { text/html html; text/plain txt; application/octet-stream bin; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${html};
    location /ssi/ { ssi on; }
    location = /closing.txt { keepalive_timeout 0; }
  }
}
`);
    nginx = spawn("/usr/sbin/nginx", ["-p", `${prefix}/`, "-c", join(prefix, "nginx.conf"), "-e", join(prefix, "error.log")], { stdio: ["ignore", "ignore", "pipe"] });
    nginx.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    await waitForPort(port);
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    if (nginx !== undefined && nginx.exitCode === null && nginx.signalCode === null) {
      const exited = new Promise((resolve) => nginx.once("exit", resolve));
      nginx.kill("SIGTERM");
      await exited;
    }
    if (prefix !== undefined) rmSync(prefix, { recursive: true, force: true });
  });

  it("serves the SSI page chunked and the file with a length (the shapes under test)", async () => {
    const ssi = await curl(["-i", `${base}/ssi/page.html`]);
    expect(ssi.stdout.toString("latin1")).toMatch(/\r\nTransfer-Encoding: chunked\r\n/i);
    const file = await curl(["-i", `${base}/data.bin`]);
    expect(file.stdout.toString("latin1")).toMatch(/\r\nContent-Length: 150001\r\n/i);
  });

  it.each(["/data.bin", "/ssi/page.html", "/", "/closing.txt", "/no-such-file"])("writes what curl -s writes for %s", async (path) => {
    const ours = await get([`${base}${path}`]);
    const theirs = await curl([`${base}${path}`]);
    expect(theirs.code).toBe(0);
    expect(ours.stdout.length).toBeGreaterThan(0);
    expect(ours.stdout.equals(theirs.stdout)).toBe(true);
    expect(ours.code).toBe(path === "/no-such-file" ? 1 : 0);
  });

  it("reads the file and the chunked page exactly", async () => {
    const result = await get([`${base}/data.bin`, `${base}/ssi/page.html`]);
    expect(result.code).toBe(0);
    expect(result.stdout.equals(Buffer.concat([DATA, Buffer.from("<p>before included after</p>\n")]))).toBe(true);
  });

  it.each(["/data.bin", "/ssi/page.html", "/", "/no-such-file"])("writes the head curl -sI writes for %s (Date aside)", async (path) => {
    const ours = await get(["--head", `${base}${path}`]);
    const theirs = await curl(["-I", `${base}${path}`]);
    expect(ours.stdout.length).toBeGreaterThan(0);
    expect(withoutDate(ours.stdout)).toBe(withoutDate(theirs.stdout));
  });

  it("reads a 304 answer to If-None-Match as curl does, and exits 0", async () => {
    const etag = /^ETag: (.+)\r$/im.exec((await get(["--head", `${base}/data.bin`])).stdout.toString())?.[1];
    expect(etag).toMatch(/^"[^"]+"$/);
    const ours = await get(["-H", `If-None-Match: ${etag}`, `${base}/data.bin`, `${base}/index.html`]);
    const theirs = await curl(["-H", `If-None-Match: ${etag}`, `${base}/data.bin`, `${base}/index.html`]);
    expect(ours.code).toBe(0);
    expect(ours.stdout.toString()).toBe("<!doctype html><title>nginx</title>\n");
    expect(ours.stdout.equals(theirs.stdout)).toBe(true);
    const ourHead = await get(["--head", "-H", `If-None-Match: ${etag}`, `${base}/data.bin`]);
    const theirHead = await curl(["-I", "-H", `If-None-Match: ${etag}`, `${base}/data.bin`]);
    expect(ourHead.stdout.toString()).toMatch(/^HTTP\/1\.1 304 Not Modified\r\n/);
    expect(withoutDate(ourHead.stdout)).toBe(withoutDate(theirHead.stdout));
  });

  it("pipelines several URLs on one nginx connection, output equal to curl's", async () => {
    const urls = Array.from({ length: 6 }, (_, i) => `${base}/${i % 2 === 0 ? "data.bin" : "ssi/page.html"}?pipelined=${i}`);
    const ours = await get(["--pipeline", "6", ...urls]);
    expect(ours.code).toBe(0);
    expect(connectionsFor("pipelined=").size).toBe(1);
    const theirs = await curl(urls);
    expect(ours.stdout.equals(theirs.stdout)).toBe(true);
  });

  it("sends again, on new connections, what nginx left unanswered when it closed", async () => {
    const urls = [`${base}/index.html?closing=1`, `${base}/closing.txt?closing=2`, `${base}/index.html?closing=3`, `${base}/closing.txt?closing=4`, `${base}/index.html?closing=5`];
    const ours = await get(["--pipeline", "5", ...urls]);
    expect(ours.stderr).toBe("");
    expect(ours.code).toBe(0);
    const theirs = await curl(urls);
    expect(ours.stdout.equals(theirs.stdout)).toBe(true);
    // /closing.txt ends its connection: three connections for our run (curl opened its own).
    const lines = readLog("access.log").split("\n").filter((line) => line.includes("closing="));
    const ourLines = lines.slice(0, lines.length - urls.length);
    expect(new Set(ourLines.map((line) => line.split(" ")[0])).size).toBe(3);
  });
});
