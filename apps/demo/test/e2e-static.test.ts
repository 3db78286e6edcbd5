/*
 * Static files end to end: a temporary root next to a secret file, served by the built
 * k-demo. Content types, directories, validators and 304, ranges (206/416/If-Range), HEAD,
 * dotfiles, the 404 page, and every traversal spelling we know (raw sockets, so the client
 * does not normalise the target first) — none may ever return the secret.
 */
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exchange, parseResponses, startDemo } from "./helpers.ts";
import { connect } from "node:net";
import type { RunningDemo } from "./helpers.ts";

const SECRET = "TOP-SECRET-b7e1c0";
const data = randomBytes(200_000);
const mtime = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
let scratch: string;
let demo: RunningDemo;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "k-demo-static-"));
  const root = join(scratch, "site");
  await mkdir(join(root, "docs"), { recursive: true });
  await mkdir(join(root, "empty"));
  await mkdir(join(root, "with space"));
  await writeFile(join(scratch, "secret.txt"), SECRET);
  await writeFile(join(scratch, "site-secret.txt"), SECRET); // shares the root's name as a prefix
  await writeFile(join(root, "index.html"), "<!doctype html><title>home</title>");
  await writeFile(join(root, "docs", "index.html"), "<!doctype html><title>docs</title>");
  await writeFile(join(root, "with space", "a b.txt"), "spaced");
  await writeFile(join(root, "style.css"), "body{}");
  await writeFile(join(root, "data.bin"), data);
  await writeFile(join(root, "empty.txt"), "");
  await writeFile(join(root, "upload.html"), "a static file, not the /upload endpoint");
  await writeFile(join(root, ".env"), SECRET);
  await symlink(join(scratch, "secret.txt"), join(root, "link-out.txt"));
  await symlink(scratch, join(root, "dir-out"));
  await symlink(join(root, "style.css"), join(root, "link-in.css"));
  await symlink(join(root, ".env"), join(root, "link-dotfile.txt"));
  await utimes(join(root, "data.bin"), mtime, mtime);
  demo = await startDemo(["--port", "0", "--root", root]);
});

afterAll(async () => {
  await demo?.stop();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

async function get(target: string, headers: Record<string, string> = {}, method = "GET") {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  const raw = await exchange(demo.port, `${method} ${target} HTTP/1.1\r\nHost: h\r\n${lines}Connection: close\r\n\r\n`);
  return parseResponses(raw, [method])[0]!;
}

describe("files", () => {
  it("serves a file with its type, length, validators, Accept-Ranges and Cache-Control", async () => {
    const response = await get("/data.bin");
    expect(response.status).toBe(200);
    expect(response.body.equals(data)).toBe(true);
    expect(response.headers).toMatchObject({
      "content-type": "application/octet-stream",
      "content-length": "200000",
      "accept-ranges": "bytes",
      "cache-control": "no-cache",
      "last-modified": "Fri, 02 Jan 2026 03:04:05 GMT",
    });
    expect(response.headers["etag"]).toMatch(/^W\/"[0-9a-f]+-[0-9a-f]+"$/);
  });

  it("takes Content-Type from the extension", async () => {
    expect((await get("/style.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
    expect((await get("/index.html")).headers["content-type"]).toBe("text/html; charset=utf-8");
  });

  it("serves an empty file and percent-encoded names", async () => {
    const empty = await get("/empty.txt");
    expect(empty.status).toBe(200);
    expect(empty.headers["content-length"]).toBe("0");
    expect((await get("/with%20space/a%20b.txt")).body.toString()).toBe("spaced");
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const response = await get("/data.bin", {}, "HEAD");
    expect(response.status).toBe(200);
    expect(response.headers["content-length"]).toBe("200000");
    expect(response.body.length).toBe(0);
  });

  it("answers other methods with 405 and Allow: GET, HEAD", async () => {
    const response = await fetch(`${demo.url}/data.bin`, { method: "DELETE" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
  });

  it("serves /upload.html as a file: only the exact /upload path is the endpoint", async () => {
    expect((await get("/upload.html")).body.toString()).toContain("a static file");
  });

  it("follows a symlink that stays inside the root", async () => {
    expect((await get("/link-in.css")).body.toString()).toBe("body{}");
  });
});

describe("directories", () => {
  it("serves index.html for / and for a directory with a trailing slash", async () => {
    expect((await get("/")).body.toString()).toContain("<title>home</title>");
    expect((await get("/docs/")).body.toString()).toContain("<title>docs</title>");
  });

  it("redirects a directory without its slash to the slash form, keeping the query", async () => {
    const response = await get("/docs?x=1");
    expect(response.status).toBe(301);
    expect(response.headers["location"]).toBe("/docs/?x=1");
  });

  it("never redirects to another host", async () => {
    const response = await get("//docs");
    expect(response.status).toBe(301);
    expect(response.headers["location"]).toBe("/docs/");
  });

  it("answers 404 for a directory without index.html (no listings)", async () => {
    expect((await get("/empty/")).status).toBe(404);
  });
});

describe("not found", () => {
  it("answers an HTML 404 page", async () => {
    const response = await get("/nope.html");
    expect(response.status).toBe(404);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.body.toString()).toContain("404");
  });

  it("hides dotfiles", async () => {
    for (const target of ["/.env", "/%2eenv"]) {
      const response = await get(target);
      expect(response.status, target).toBe(404);
      expect(response.body.toString()).not.toContain(SECRET);
    }
  });
});

describe("conditional requests (RFC 9110 §13)", () => {
  it("answers 304 to a matching If-None-Match, with the validators and no body", async () => {
    const { headers } = await get("/data.bin");
    const response = await get("/data.bin", { "If-None-Match": headers["etag"]! });
    expect(response.status).toBe(304);
    expect(response.body.length).toBe(0);
    expect(response.headers["etag"]).toBe(headers["etag"]);
    // RFC 9110 §8.6: Content-Length in a 304, if any, is the length a 200 would have.
    expect(response.headers["content-length"] ?? "200000").toBe("200000");
  });

  it("keeps the connection usable after a 304 that carries the 200's Content-Length", async () => {
    const { headers } = await get("/data.bin");
    const raw = await exchange(
      demo.port,
      `GET /data.bin HTTP/1.1\r\nHost: h\r\nIf-None-Match: ${headers["etag"]}\r\n\r\n` +
        "GET /style.css HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    );
    const [notModified, next] = parseResponses(raw, ["GET", "GET"]);
    expect(notModified!.status).toBe(304);
    expect(next!.body.toString()).toBe("body{}");
  });

  it("answers 304 to If-Modified-Since at Last-Modified and 200 before it", async () => {
    expect((await get("/data.bin", { "If-Modified-Since": "Fri, 02 Jan 2026 03:04:05 GMT" })).status).toBe(304);
    expect((await get("/data.bin", { "If-Modified-Since": "Fri, 02 Jan 2026 03:04:04 GMT" })).status).toBe(200);
  });

  it("lets a non-matching If-None-Match win over a matching If-Modified-Since", async () => {
    const response = await get("/data.bin", { "If-None-Match": '"other"', "If-Modified-Since": "Fri, 02 Jan 2026 03:04:05 GMT" });
    expect(response.status).toBe(200);
    expect(response.body.length).toBe(200_000);
  });
});

describe("ranges (RFC 9110 §14)", () => {
  it("answers a single range with 206 and Content-Range", async () => {
    const response = await get("/data.bin", { Range: "bytes=100-199" });
    expect(response.status).toBe(206);
    expect(response.headers["content-range"]).toBe("bytes 100-199/200000");
    expect(response.headers["content-length"]).toBe("100");
    expect(response.body.equals(data.subarray(100, 200))).toBe(true);
  });

  it("answers suffix and open ranges", async () => {
    const suffix = await get("/data.bin", { Range: "bytes=-10" });
    expect(suffix.headers["content-range"]).toBe("bytes 199990-199999/200000");
    expect(suffix.body.equals(data.subarray(199_990))).toBe(true);
    const open = await get("/data.bin", { Range: "bytes=150000-" });
    expect(open.headers["content-range"]).toBe("bytes 150000-199999/200000");
    expect(open.body.equals(data.subarray(150_000))).toBe(true);
  });

  it("answers an unsatisfiable range with 416 and Content-Range: bytes */size", async () => {
    const response = await get("/data.bin", { Range: "bytes=200000-" });
    expect(response.status).toBe(416);
    expect(response.headers["content-range"]).toBe("bytes */200000");
  });

  it("ignores multiple ranges and sends the whole file with 200", async () => {
    const response = await get("/data.bin", { Range: "bytes=0-1,5-6" });
    expect(response.status).toBe(200);
    expect(response.body.equals(data)).toBe(true);
  });

  it("honours If-Range with the Last-Modified date and ignores Range when it does not match", async () => {
    const match = await get("/data.bin", { Range: "bytes=0-9", "If-Range": "Fri, 02 Jan 2026 03:04:05 GMT" });
    expect(match.status).toBe(206);
    const stale = await get("/data.bin", { Range: "bytes=0-9", "If-Range": "Fri, 02 Jan 2026 03:04:06 GMT" });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(200_000);
  });
});

describe("the root is a wall", () => {
  const attempts = [
    "/../secret.txt",
    "/../site-secret.txt",
    "/docs/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/.%2e/secret.txt",
    "/%2e%2e%2fsecret.txt",
    "/..%2fsecret.txt",
    "/..%2Fsite-secret.txt",
    "/..%5csecret.txt",
    "/..\\secret.txt",
    "/%252e%252e/secret.txt",
    "/%252e%252e%252fsecret.txt",
    "/secret.txt%00.html",
    "/..%00/secret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "http://h/../secret.txt",
    "http://h/%2e%2e/secret.txt",
    "/link-out.txt",
    "/link-dotfile.txt",
    "/dir-out",
    "/dir-out/",
    "/dir-out/secret.txt",
    "/dir-out/site-secret.txt",
  ];
  for (const target of attempts) {
    it(`refuses ${target} with 400 or 404 and never serves the secret`, async () => {
      const raw = await exchange(demo.port, `GET ${target} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
      expect(raw.toString("latin1")).not.toContain(SECRET);
      const status = Number(raw.toString("latin1", 9, 12));
      expect([400, 404]).toContain(status);
    });
  }

  it("refuses a target with a raw NUL byte", async () => {
    const raw = await exchange(demo.port, Buffer.from("GET /secret.txt\0.html HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", "latin1"));
    expect(raw.toString("latin1")).not.toContain(SECRET);
    expect([400, 404]).toContain(Number(raw.toString("latin1", 9, 12)));
  });
});

describe("file handles", () => {
  /** Open file descriptors of the server process. */
  function openFds(): number {
    return readdirSync(`/proc/${demo.pid}/fd`).length;
  }

  it("closes every file it opens, whatever the answer, and when the client goes away mid-body", async () => {
    await get("/data.bin"); // warm up: lazily opened descriptors (the root's realpath, ...) are not leaks
    const before = openFds();
    const { headers } = await get("/data.bin");
    for (let i = 0; i < 20; i++) {
      await get("/data.bin");
      await get("/data.bin", {}, "HEAD");
      await get("/data.bin", { "If-None-Match": headers["etag"]! });
      await get("/data.bin", { Range: "bytes=10-20" });
      await get("/data.bin", { Range: "bytes=999999-" });
      await get("/data.bin", { "If-Match": '"nope"' });
      await get("/empty.txt");
      // A client that reads the first bytes and leaves.
      await new Promise<void>((resolve, reject) => {
        const socket = connect({ port: demo.port, host: "127.0.0.1" }, () => socket.write("GET /data.bin HTTP/1.1\r\nHost: h\r\n\r\n"));
        socket.once("data", () => {
          socket.destroy();
          resolve();
        });
        socket.once("error", reject);
      });
    }
    // Closed sockets leave the table shortly after; leaked file handles never do.
    let now = openFds();
    for (let i = 0; i < 100 && now > before + 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      now = openFds();
    }
    expect(now, `${now - before} more descriptors than before`).toBeLessThanOrEqual(before + 2);
    // A leaked FileHandle that the GC collected is closed by Node with this warning instead.
    expect(demo.stderr()).not.toContain("on garbage collection");
  });
});
