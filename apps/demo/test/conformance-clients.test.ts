/*
 * Widely used HTTP clients against the BUILT k-demo: curl (the command line tool) and
 * Python's http.client, the way people really call a server: GET, POST with a body, a
 * chunked upload, HTTP/1.0, HEAD, a byte range of a static file, an upload large enough for
 * curl to send `Expect: 100-continue`, and connection reuse across two URLs.
 *
 * curl and python3 are outside tools (test-support/outside-tool.ts): a missing one skips its
 * suite with a printed reason naming what to install, and fails it under CI=true.
 * Does not: test raw-socket edge cases (conformance-malformed/valid.test.ts).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithTools, findTool } from "../../../test-support/outside-tool.ts";
import { startDemo } from "./helpers.ts";
import type { RunningDemo } from "./helpers.ts";

const CLIENT_TIMEOUT_MS = 15_000;

let demo: RunningDemo;
let dir: string;
/** 1,000 bytes, byte i = i mod 251 (a prime, so ranges do not repeat every 256 bytes). */
const DATA = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
/** Over 1 MiB: curl sends `Expect: 100-continue` for bodies this large. */
const BIG = Buffer.alloc(2 * 1024 * 1024 + 7, 0x61).fill(0x62, 1000, 5000);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "k-demo-clients-"));
  writeFileSync(join(dir, "data.bin"), DATA);
  writeFileSync(join(dir, "upload.bin"), Buffer.concat([DATA, Buffer.from("\r\n0\r\n\r\n")]));
  writeFileSync(join(dir, "big.bin"), BIG);
  demo = await startDemo(["--port", "0", "--root", dir]);
});

afterAll(async () => {
  await demo?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const CURL = findTool({ name: "curl", install: "apt-get install curl (Debian/Ubuntu), brew install curl (macOS), winget install curl.curl (Windows)" });
const PYTHON3 = findTool({ name: "python3", install: "apt-get install python3 (Debian/Ubuntu), brew install python (macOS), or python.org" });

function run(command: string, args: readonly string[], input?: string): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { encoding: "buffer", timeout: CLIENT_TIMEOUT_MS, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${command} ${args.join(" ")} failed: ${error.message}\n${stderr.toString()}`));
      else resolve({ stdout, stderr: stderr.toString() });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** `curl -sS -i ...`: the status line, lower-cased fields, body of the last response. */
async function curl(args: readonly string[]): Promise<{ status: string; headers: Map<string, string>; body: Buffer; stderr: string }> {
  const { stdout, stderr } = await run(CURL.path!, ["-sS", "--max-time", "10", "-i", ...args]);
  let rest = stdout;
  // -i prints every response head, including a 100 Continue: keep the last one.
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end === -1) throw new Error(`no response head in curl output: ${stdout.toString("latin1").slice(0, 500)}`);
    const head = rest.toString("latin1", 0, end).split("\r\n");
    rest = rest.subarray(end + 4);
    if (/^HTTP\/1\.[01] 1\d\d /.test(head[0]!)) continue;
    const headers = new Map<string, string>();
    for (const line of head.slice(1)) {
      const colon = line.indexOf(":");
      headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    return { status: head[0]!, headers, body: rest, stderr };
  }
}

describeWithTools("curl", [CURL], () => {
  it("gets /hello", async () => {
    const response = await curl([`${demo.url}/hello`]);
    expect(response.status).toBe("HTTP/1.1 200 OK");
    expect(response.headers.get("content-length")).toBe("13");
    expect(response.body.toString()).toBe("Hello, World!");
  });

  it("posts a binary body to /echo and gets it back in base64", async () => {
    const response = await curl(["--data-binary", `@${join(dir, "data.bin")}`, `${demo.url}/echo`]);
    expect(response.status).toBe("HTTP/1.1 200 OK");
    const echo = JSON.parse(response.body.toString());
    expect(echo).toMatchObject({ method: "POST", target: "/echo", version: "1.1", body: DATA.toString("base64") });
    expect(echo.headers).toContainEqual(["Content-Length", "1000"]);
  });

  it("uploads chunked (-H 'Transfer-Encoding: chunked') and /echo reports the de-chunked bytes", async () => {
    // The file itself contains "\r\n0\r\n\r\n": only real chunk framing may end the body.
    const response = await curl(["-H", "Transfer-Encoding: chunked", "--data-binary", `@${join(dir, "upload.bin")}`, `${demo.url}/echo?chunked`]);
    expect(response.status).toBe("HTTP/1.1 200 OK");
    const echo = JSON.parse(response.body.toString());
    expect(echo.headers).toContainEqual(["Transfer-Encoding", "chunked"]);
    expect(Buffer.from(echo.body, "base64")).toEqual(Buffer.concat([DATA, Buffer.from("\r\n0\r\n\r\n")]));
  });

  it("speaks HTTP/1.0 (--http1.0) and the server closes after the response", async () => {
    const response = await curl(["--http1.0", "-v", `${demo.url}/echo`]);
    expect(response.status).toMatch(/^HTTP\/1\.1 200 /);
    expect(JSON.parse(response.body.toString())).toMatchObject({ method: "GET", version: "1.0" });
    expect(response.headers.get("content-length")).toBe(String(response.body.length));
  });

  it("sends HEAD (-I) and gets the GET headers without a body", async () => {
    const response = await curl(["-I", `${demo.url}/hello`]);
    expect(response.status).toBe("HTTP/1.1 200 OK");
    expect(response.headers.get("content-length")).toBe("13");
    expect(response.body.length).toBe(0);
  });

  it("gets a byte range of a static file (-r 10-19) as 206 with Content-Range", async () => {
    const response = await curl(["-r", "10-19", `${demo.url}/data.bin`]);
    expect(response.status).toBe("HTTP/1.1 206 Partial Content");
    expect(response.headers.get("content-range")).toBe("bytes 10-19/1000");
    expect(response.body).toEqual(DATA.subarray(10, 20));
  });

  it("uploads 2 MiB with Expect: 100-continue to /upload and gets its sha256", async () => {
    const response = await curl(["-v", "-X", "PUT", "--data-binary", `@${join(dir, "big.bin")}`, `${demo.url}/upload`]);
    expect(response.stderr, "curl sent Expect: 100-continue").toMatch(/Expect: 100-continue/i);
    expect(response.stderr, "the server answered 100 Continue").toMatch(/HTTP\/1\.1 100 Continue/);
    expect(response.status).toBe("HTTP/1.1 200 OK");
    expect(JSON.parse(response.body.toString())).toEqual({ bytes: BIG.length, sha256: createHash("sha256").update(BIG).digest("hex") });
  });

  it("reuses one connection for two URLs in one command", async () => {
    const { stdout } = await run(CURL.path!, ["-sS", "--max-time", "10", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\n", `${demo.url}/hello`, `${demo.url}/echo`]);
    // The second transfer opens no new connection.
    expect(stdout.toString().trim().split("\n")).toEqual(["200 1", "200 0"]);
  });
});

/** Runs a python3 http.client script with the port as argv[1]; the script prints JSON. */
async function python(script: string): Promise<unknown> {
  const { stdout } = await run(PYTHON3.path!, ["-c", script, String(demo.port)]);
  return JSON.parse(stdout.toString());
}

const PY_PRELUDE = `
import base64, http.client, json, sys
port = int(sys.argv[1])
def conn():
    return http.client.HTTPConnection("127.0.0.1", port, timeout=10)
`;

describeWithTools("python3 http.client", [PYTHON3], () => {
  it("gets /hello and /echo on one kept-alive connection", async () => {
    const result = await python(`${PY_PRELUDE}
c = conn()
c.request("GET", "/hello")
r1 = c.getresponse(); b1 = r1.read()
sock = c.sock
c.request("GET", "/echo?x=1", headers={"X-Py": "v"})
r2 = c.getresponse(); b2 = r2.read()
print(json.dumps({"s1": r1.status, "b1": b1.decode(), "v1": r1.version, "s2": r2.status, "same": c.sock is sock and sock is not None, "echo": json.loads(b2)}))
`);
    expect(result).toMatchObject({ s1: 200, b1: "Hello, World!", v1: 11, s2: 200, same: true, echo: { method: "GET", target: "/echo?x=1", version: "1.1" } });
    expect((result as { echo: { headers: string[][] } }).echo.headers).toContainEqual(["X-Py", "v"]);
  });

  it("posts a body, uploads chunked (encode_chunked) and sends HEAD", async () => {
    const result = await python(`${PY_PRELUDE}
c = conn()
c.request("POST", "/echo", body=bytes(range(256)), headers={"Content-Type": "application/octet-stream"})
post = json.loads(c.getresponse().read())
def parts():
    yield b"hello "
    yield b""  # an empty part must not end the chunked body early
    yield b"world"
c.request("PUT", "/echo/chunked", body=parts(), encode_chunked=True)
chunked = json.loads(c.getresponse().read())
c.request("HEAD", "/hello")
head = c.getresponse()
hb = head.read()
print(json.dumps({"post": post, "chunked": chunked, "head": [head.status, head.getheader("Content-Length"), len(hb)]}))
`);
    const { post, chunked, head } = result as { post: { body: string; headers: string[][] }; chunked: { body: string; headers: string[][] }; head: unknown[] };
    expect(Buffer.from(post.body, "base64")).toEqual(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
    expect(post.headers).toContainEqual(["Content-Length", "256"]);
    expect(Buffer.from(chunked.body, "base64").toString()).toBe("hello world");
    expect(chunked.headers).toContainEqual(["Transfer-Encoding", "chunked"]);
    expect(head).toEqual([200, "13", 0]);
  });

  it("gets a suffix byte range of a static file", async () => {
    const result = await python(`${PY_PRELUDE}
c = conn()
c.request("GET", "/data.bin", headers={"Range": "bytes=-5"})
r = c.getresponse()
print(json.dumps({"status": r.status, "range": r.getheader("Content-Range"), "body": base64.b64encode(r.read()).decode()}))
`);
    expect(result).toEqual({ status: 206, range: "bytes 995-999/1000", body: DATA.subarray(995).toString("base64") });
  });
});
