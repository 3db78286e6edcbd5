/*
 * get.mjs against node:http (and raw TCP servers for what node:http will not send) on
 * 127.0.0.1: every response shape it must read (Content-Length, chunked with trailers,
 * close-delimited, HEAD, 204, 304, 103 and 100 interim responses), one connection for
 * several URLs of one origin (counted on the server), pipelining (a server that answers only
 * once it holds several requests), re-sending after `Connection: close`, exit codes and the
 * one-line errors. Bodies are compared with the bytes the server sent and, where curl is
 * installed, with `curl -s` byte for byte.
 *
 * Does not: test k-demo or nginx (k-demo.test.ts, nginx.test.ts).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CURL, OPENSSL, curl, freePort, get, missingTools, readRequests, startRawServer, withoutDate } from "./helpers.ts";

/** 100,003 bytes, byte i = i mod 251: binary, spans many socket reads, no repeating 256 cycle. */
const BINARY = Buffer.from(Array.from({ length: 100_003 }, (_, i) => i % 251));

function route(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? "/";
  if (path === "/length") {
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": BINARY.length });
    res.end(BINARY);
  } else if (path === "/chunked" && req.method === "HEAD") {
    // node:http refuses a Trailer field where it will not send a chunked body.
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked" });
    res.end();
  } else if (path === "/chunked") {
    res.writeHead(200, { "Content-Type": "application/octet-stream", Trailer: "X-Sum" });
    res.write(BINARY.subarray(0, 50_000));
    res.write(BINARY.subarray(50_000));
    res.addTrailers({ "X-Sum": "100003" });
    res.end();
  } else if (path === "/hints") {
    res.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" });
    res.writeContinue();
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": 11 });
    res.end("after hints");
  } else if (path === "/204") {
    res.writeHead(204).end();
  } else if (path === "/304") {
    res.writeHead(304, { ETag: '"v1"' }).end();
  } else if (path === "/close") {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": 6, Connection: "close" });
    res.end("close\n");
  } else if (path.startsWith("/n/")) {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": path.length + 1 });
    res.end(`${path}\n`);
  } else if (path === "/500") {
    res.writeHead(500, { "Content-Type": "text/plain", "Content-Length": 5 });
    res.end("oops\n");
  } else {
    res.writeHead(404, { "Content-Type": "text/plain", "Content-Length": 10 });
    res.end("not found\n");
  }
}

interface CountingServer {
  server: Server;
  base: string;
  connections(): number;
  requests: string[];
}

async function startHttp(): Promise<CountingServer> {
  let connections = 0;
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    route(req, res);
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { server, base: `http://127.0.0.1:${port}`, connections: () => connections, requests };
}

let http: CountingServer;

beforeAll(async () => {
  http = await startHttp();
});

afterAll(async () => {
  http.server.closeAllConnections();
  await new Promise((resolve) => http.server.close(resolve));
});

describe("response shapes from node:http", () => {
  it("writes a Content-Length body byte for byte", async () => {
    const result = await get([`${http.base}/length`]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.equals(BINARY)).toBe(true);
  });

  it("writes a chunked body de-chunked, without its trailers", async () => {
    const result = await get([`${http.base}/chunked`]);
    expect(result.code).toBe(0);
    expect(result.stdout.equals(BINARY)).toBe(true);
  });

  it("skips 103 Early Hints and 100 Continue and writes the final body", async () => {
    const result = await get([`${http.base}/hints`]);
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toBe("after hints");
  });

  it("prints the interim heads before the final one with --head, as curl -I does", async () => {
    const result = await get(["--head", `${http.base}/hints`]);
    expect(result.code).toBe(0);
    const heads = withoutDate(result.stdout).split("\r\n\r\n");
    expect(heads[0]).toBe("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style");
    expect(heads[1]).toBe("HTTP/1.1 100 Continue");
    expect(heads[2]).toMatch(/^HTTP\/1\.1 200 OK\r\nContent-Type: text\/plain\r\nContent-Length: 11\r\n/);
  });

  it("reads 204 and 304 as bodiless and exits 0 (2xx and 3xx)", async () => {
    const result = await get([`${http.base}/204`, `${http.base}/304`, `${http.base}/length`]);
    expect(result.code).toBe(0);
    expect(result.stdout.equals(BINARY)).toBe(true);
    const heads = await get(["--head", `${http.base}/204`, `${http.base}/304`]);
    expect(withoutDate(heads.stdout)).toMatch(/^HTTP\/1\.1 204 No Content\r\n(.+\r\n)*\r\nHTTP\/1\.1 304 Not Modified\r\nETag: "v1"\r\n(.+\r\n)*\r\n$/);
  });

  it("reads HEAD answers that announce a length they do not send, and keeps the connection", async () => {
    const before = http.connections();
    const result = await get(["--head", `${http.base}/length`, `${http.base}/chunked`, `${http.base}/n/after-head`]);
    expect(result.code).toBe(0);
    const heads = withoutDate(result.stdout).split("\r\n\r\n");
    expect(heads).toHaveLength(4);
    expect(heads[0]).toContain("Content-Length: 100003");
    expect(heads[1]).toContain("Transfer-Encoding: chunked");
    expect(heads[2]).toContain("Content-Length: 14");
    expect(heads[3]).toBe("");
    expect(http.connections() - before).toBe(1);
  });

  it("exits 1 for a 4xx or 5xx, still writing its body, with one line each on stderr", async () => {
    const result = await get([`${http.base}/missing`, `${http.base}/500`, `${http.base}/n/ok`]);
    expect(result.code).toBe(1);
    expect(result.stdout.toString()).toBe("not found\noops\n/n/ok\n");
    expect(result.stderr).toBe(`get: ${http.base}/missing: status 404\nget: ${http.base}/500: status 500\n`);
  });
});

describe("connections", () => {
  it("uses one connection for several URLs of one origin", async () => {
    const before = http.connections();
    const result = await get([`${http.base}/n/1`, `${http.base}/length`, `${http.base}/n/3`, `${http.base}/chunked`]);
    expect(result.code).toBe(0);
    expect(result.stdout.equals(Buffer.concat([Buffer.from("/n/1\n"), BINARY, Buffer.from("/n/3\n"), BINARY]))).toBe(true);
    expect(http.connections() - before).toBe(1);
  });

  it("pipelines with --pipeline on one connection, answers in order", async () => {
    const before = http.connections();
    const urls = Array.from({ length: 20 }, (_, i) => `${http.base}/n/${i}`);
    const result = await get(["--pipeline", "8", ...urls, `${http.base}/length`]);
    expect(result.code).toBe(0);
    const expected = Buffer.concat([Buffer.from(urls.map((_, i) => `/n/${i}\n`).join("")), BINARY]);
    expect(result.stdout.equals(expected)).toBe(true);
    expect(http.connections() - before).toBe(1);
  });

  it("writes up to N requests before reading an answer (a server that answers only when it holds 3)", async () => {
    const heads: string[] = [];
    const server = await startRawServer((socket) =>
      readRequests(socket, (head, index) => {
        heads.push(head.split("\r\n")[0]!);
        // Nothing is answered until the third request is here: a client that waits for
        // each answer before sending the next would never get one.
        if (index === 2) for (let i = 0; i < 3; i++) socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n${i}\n`);
      }),
    );
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const result = await get(["--pipeline", "3", "--timeout", "5", `${base}/a`, `${base}/b`, `${base}/c`]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout.toString()).toBe("0\n1\n2\n");
      expect(heads).toEqual(["GET /a HTTP/1.1", "GET /b HTTP/1.1", "GET /c HTTP/1.1"]);
      expect(server.connections()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it("sends the unanswered requests again on a new connection after Connection: close", async () => {
    const before = http.connections();
    const requestsBefore = http.requests.length;
    const result = await get(["--pipeline", "4", `${http.base}/n/1`, `${http.base}/close`, `${http.base}/n/3`, `${http.base}/n/4`]);
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toBe("/n/1\nclose\n/n/3\n/n/4\n");
    expect(http.connections() - before).toBe(2);
    // The ones after /close were sent twice at most; each was answered once, in order.
    expect(http.requests.slice(requestsBefore).filter((line) => line === "GET /close")).toHaveLength(1);
  });

  it("keeps an origin's connection while another origin is fetched in between", async () => {
    const other = await startHttp();
    try {
      const before = http.connections();
      const result = await get([`${http.base}/n/a`, `${other.base}/n/b`, `${http.base}/n/c`]);
      expect(result.code).toBe(0);
      expect(result.stdout.toString()).toBe("/n/a\n/n/b\n/n/c\n");
      expect(http.connections() - before).toBe(1);
      expect(other.connections()).toBe(1);
    } finally {
      other.server.closeAllConnections();
      await new Promise((resolve) => other.server.close(resolve));
    }
  });
});

describe("raw servers: close-delimited bodies and broken peers", () => {
  it("reads a close-delimited body to the end of the connection", async () => {
    const server = await startRawServer((socket) =>
      readRequests(socket, () => {
        socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n");
        socket.end(BINARY);
      }),
    );
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const result = await get([`${base}/x`, `${base}/y`]);
      expect(result.code).toBe(0);
      expect(result.stdout.equals(Buffer.concat([BINARY, BINARY]))).toBe(true);
      // The body ends the connection: the second URL needs a new one.
      expect(server.connections()).toBe(2);
    } finally {
      await server.close();
    }
  });

  it("sends again what a server left unanswered when it closed after a response without saying so", async () => {
    // As a keep-alive timeout does: the answer announces no close, then the connection ends.
    const server = await startRawServer((socket) => readRequests(socket, (head) => socket.end(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n${head.split(" ")[1]!.slice(1)}\n`)));
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const result = await get(["--pipeline", "3", `${base}/a`, `${base}/b`, `${base}/c`]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout.toString()).toBe("a\nb\nc\n");
      expect(server.connections()).toBe(3);
    } finally {
      await server.close();
    }
  });

  it("opens a new connection after an HTTP/1.0 response without keep-alive", async () => {
    const server = await startRawServer((socket) => readRequests(socket, () => socket.write("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")));
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const result = await get([`${base}/a`, `${base}/b`]);
      expect(result.code).toBe(0);
      expect(result.stdout.toString()).toBe("ok\nok\n");
      expect(server.connections()).toBe(2);
    } finally {
      await server.close();
    }
  });

  it("gives up with one line on a server that never answers (--timeout)", async () => {
    const server = await startRawServer(() => {});
    try {
      const url = `http://127.0.0.1:${server.port}/`;
      const result = await get(["--timeout", "0.5", url]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`get: ${url}: no answer from 127.0.0.1:${server.port} within 0.5 s\n`);
    } finally {
      await server.close();
    }
  });

  it("prints one line and exits 1 for a connection refused", async () => {
    const port = await freePort();
    const result = await get([`http://127.0.0.1:${port}/`]);
    expect(result.code).toBe(1);
    expect(result.stdout.length).toBe(0);
    expect(result.stderr).toBe(`get: http://127.0.0.1:${port}/: connection refused by 127.0.0.1:${port}\n`);
  });

  it("prints one line and exits 1 for a response that does not parse", async () => {
    const server = await startRawServer((socket) => readRequests(socket, () => socket.end("garbage\r\n\r\n")));
    try {
      const url = `http://127.0.0.1:${server.port}/`;
      const result = await get([url]);
      expect(result.code).toBe(1);
      expect(result.stdout.length).toBe(0);
      expect(result.stderr).toMatch(new RegExp(`^get: ${url}: cannot parse the response: INVALID_VERSION: expected .+ at byte 0\\n$`));
    } finally {
      await server.close();
    }
  });

  it("refuses smuggling-shaped framing: conflicting Content-Length values", async () => {
    const server = await startRawServer((socket) =>
      readRequests(socket, () => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")),
    );
    try {
      const result = await get([`http://127.0.0.1:${server.port}/`]);
      expect(result.code).toBe(1);
      expect(result.stdout.length).toBe(0);
      expect(result.stderr).toContain("cannot parse the response: CONFLICTING_CONTENT_LENGTH");
    } finally {
      await server.close();
    }
  });

  it("reports a body cut short by the connection's end, after writing what arrived", async () => {
    const server = await startRawServer((socket) => readRequests(socket, () => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcde")));
    try {
      const url = `http://127.0.0.1:${server.port}/`;
      const result = await get(["--pipeline", "2", url, `${url}next`]);
      expect(result.code).toBe(1);
      expect(result.stdout.toString()).toBe("abcde");
      expect(result.stderr).toBe(
        `get: ${url}: the connection closed in the middle of a response\n` +
          `get: ${url}next: not answered: the response before it on the connection failed\n`,
      );
    } finally {
      await server.close();
    }
  });

  it("reports a connection closed without any response", async () => {
    const server = await startRawServer((socket) => readRequests(socket, () => socket.end()));
    try {
      const url = `http://127.0.0.1:${server.port}/`;
      const result = await get([url]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`get: ${url}: the connection closed without a response\n`);
    } finally {
      await server.close();
    }
  });

  it("exits 2 with the usage line for a bad command line", async () => {
    for (const args of [[], ["--pipeline", "0", "http://a/"], ["ftp://a/"], ["-H", "Bad Name: x", "http://a/"], ["--nope", "http://a/"]]) {
      const result = await get(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^get: .+\nusage: node get\.mjs /);
    }
  });
});

const curlMissing = missingTools([CURL]);

describe.skipIf(curlMissing !== null)("byte-exact with curl", () => {
  it.each(["/length", "/chunked", "/hints", "/204", "/304", "/missing"])("writes what curl -s writes for %s", async (path) => {
    const ours = await get([`${http.base}${path}`]);
    const theirs = await curl([`${http.base}${path}`]);
    expect(theirs.code).toBe(0);
    expect(ours.stdout.equals(theirs.stdout)).toBe(true);
  });

  it.each(["/length", "/chunked", "/hints", "/204", "/304", "/missing"])("writes the head curl -sI writes for %s (Date aside)", async (path) => {
    const ours = await get(["--head", `${http.base}${path}`]);
    const theirs = await curl(["-I", `${http.base}${path}`]);
    expect(withoutDate(ours.stdout)).toBe(withoutDate(theirs.stdout));
  });

  it("writes the same bytes as curl for several URLs on one connection", async () => {
    const urls = [`${http.base}/n/1`, `${http.base}/chunked`, `${http.base}/length`, `${http.base}/n/4`];
    const ours = await get(["--pipeline", "2", ...urls]);
    const theirs = await curl(urls);
    expect(ours.stdout.equals(theirs.stdout)).toBe(true);
  });
});

const opensslMissing = missingTools([OPENSSL]);

describe.skipIf(opensslMissing !== null)("https", () => {
  let dir: string;
  let server: ReturnType<typeof createTlsServer>;
  let base: string;
  let connections = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "http-get-tls-"));
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ], { stdio: "ignore", timeout: 10_000 });
    const { readFileSync } = await import("node:fs");
    server = createTlsServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, route);
    server.on("secureConnection", () => connections++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `https://localhost:${(server.address() as { port: number }).port}`;
    writeFileSync(join(dir, "unused"), "");
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("fetches over TLS on one connection, trusting the certificate through NODE_EXTRA_CA_CERTS", async () => {
    const result = await get(["--pipeline", "2", `${base}/length`, `${base}/chunked`], { NODE_EXTRA_CA_CERTS: join(dir, "cert.pem") });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.equals(Buffer.concat([BINARY, BINARY]))).toBe(true);
    expect(connections).toBe(1);
  });

  it("refuses a certificate it does not trust, in one line", async () => {
    const result = await get([`${base}/length`]);
    expect(result.code).toBe(1);
    expect(result.stdout.length).toBe(0);
    expect(result.stderr).toMatch(/^get: https:\/\/localhost:\d+\/length: .*(SELF_SIGNED|self-signed).*\n$/);
  });
});
