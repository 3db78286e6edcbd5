/*
 * RFC 9110/9112 conformance for VALID requests, black-box, against the BUILT k-demo over raw
 * `net` sockets: the /echo JSON contract byte for byte (method, target as received, version,
 * headers in received order with names as received, base64 of the decoded body), and the
 * connection semantics a client relies on: keep-alive, pipelining, HTTP/1.0 with and without
 * keep-alive, Connection: close, HEAD, OPTIONS, Expect: 100-continue, and the framing and
 * Date of every response.
 *
 * Does not: test malformed requests (conformance-malformed.test.ts) or real clients
 * (conformance-clients.test.ts). Every wait is bounded.
 */
import { connect } from "node:net";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemo } from "./helpers.ts";
import type { RunningDemo } from "./helpers.ts";

let demo: RunningDemo;

beforeAll(async () => {
  demo = await startDemo(["--port", "0"]);
});

afterAll(async () => {
  await demo?.stop();
});

const WAIT_MS = 4_000;

interface Response {
  statusLine: string;
  status: number;
  /** [name, value] as received. */
  fields: [string, string][];
  body: Buffer;
  framing: "content-length" | "chunked" | "close" | "none";
}

function values(response: Response, name: string): string[] {
  return response.fields.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
}

/**
 * Tries to read one response from buf[offset...]. Returns null while it is incomplete
 * (`closed` says no more bytes will come: then a close-delimited body is complete).
 * Throws on a framing error, which is a finding.
 */
function tryRead(buf: Buffer, offset: number, method: string, closed: boolean): { response: Response; end: number } | null {
  const headEnd = buf.indexOf("\r\n\r\n", offset, "latin1");
  if (headEnd === -1) return null;
  const [statusLine, ...lines] = buf.toString("latin1", offset, headEnd).split("\r\n");
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(`${statusLine} `);
  if (match === null) throw new Error(`bad status line ${JSON.stringify(statusLine)}`);
  const fields = lines.map((line): [string, string] => {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`bad field line ${JSON.stringify(line)}`);
    return [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  const status = Number(match[1]);
  const response: Response = { statusLine: statusLine!, status, fields, body: Buffer.alloc(0), framing: "none" };
  let p = headEnd + 4;
  const te = values(response, "transfer-encoding");
  const cl = values(response, "content-length");
  if (te.length > 0 && cl.length > 0) throw new Error("response with both Transfer-Encoding and Content-Length (RFC 9112 §6.2)");
  if (cl.length > 1) throw new Error(`several Content-Length fields: ${cl.join(" | ")}`);
  if (method === "HEAD" || status === 204 || status === 304 || status < 200) return { response, end: p };
  if (te.length > 0) {
    if (te.join(",").toLowerCase() !== "chunked") throw new Error(`unexpected Transfer-Encoding ${te.join(",")}`);
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = buf.indexOf("\r\n", p, "latin1");
      if (lineEnd === -1) return null;
      const sizeText = buf.toString("latin1", p, lineEnd);
      if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new Error(`bad chunk size line ${JSON.stringify(sizeText)}`);
      const size = Number.parseInt(sizeText, 16);
      p = lineEnd + 2;
      if (size === 0) {
        if (buf.length < p + 2) return null;
        if (buf.toString("latin1", p, p + 2) !== "\r\n") throw new Error("trailers in a response to a plain request");
        p += 2;
        break;
      }
      if (buf.length < p + size + 2) return null;
      parts.push(buf.subarray(p, p + size));
      if (buf.toString("latin1", p + size, p + size + 2) !== "\r\n") throw new Error("chunk data without CRLF");
      p += size + 2;
    }
    response.body = Buffer.concat(parts);
    response.framing = "chunked";
    return { response, end: p };
  }
  if (cl.length === 1) {
    if (!/^\d+$/.test(cl[0]!)) throw new Error(`bad Content-Length ${cl[0]}`);
    const end = p + Number(cl[0]);
    if (buf.length < end) return null;
    response.body = buf.subarray(p, end);
    response.framing = "content-length";
    return { response, end };
  }
  if (!closed) return null;
  response.body = buf.subarray(p);
  response.framing = "close";
  return { response, end: buf.length };
}

/** One client connection: send bytes, read responses one at a time, see the close. */
class Wire {
  readonly #socket: Socket;
  #buf: Buffer = Buffer.alloc(0);
  #offset = 0;
  #closed = false;
  #wake: (() => void) | null = null;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, chunk]);
      this.#wake?.();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      this.#closed = true;
      this.#wake?.();
    });
  }

  static open(port: number): Promise<Wire> {
    return new Promise((resolve, reject) => {
      // No Nagle: a test that writes byte by byte must put each byte in its own segment.
      const socket = connect({ port, host: "127.0.0.1", noDelay: true });
      const timer = setTimeout(() => reject(new Error("connect timeout")), WAIT_MS);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(new Wire(socket));
      });
      socket.once("error", reject);
    });
  }

  send(data: string | Uint8Array): void {
    this.#socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** Bytes received and not yet read as a response. */
  get pending(): string {
    return this.#buf.toString("latin1", this.#offset);
  }

  get closed(): boolean {
    return this.#closed;
  }

  async #until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what} within ${timeoutMs} ms; received so far: ${JSON.stringify(this.pending.slice(0, 600))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  /** The next complete response to a request made with `method`. */
  async response(method = "GET", timeoutMs = WAIT_MS): Promise<Response> {
    let result: { response: Response; end: number } | null = null;
    await this.#until(
      () => {
        result = tryRead(this.#buf, this.#offset, method, this.#closed);
        if (result === null && this.#closed) throw new Error(`connection closed before a complete response; received: ${JSON.stringify(this.pending.slice(0, 600))}`);
        return result !== null;
      },
      "no complete response",
      timeoutMs,
    );
    const { response, end } = result!;
    this.#offset = end;
    return response;
  }

  /** Exactly `text` arrives next (e.g. an interim 100 Continue). */
  async expectNext(text: string, timeoutMs = WAIT_MS): Promise<void> {
    await this.#until(() => this.#buf.length - this.#offset >= text.length || this.#closed, `no ${JSON.stringify(text)}`, timeoutMs);
    expect(this.pending.slice(0, text.length)).toBe(text);
    this.#offset += text.length;
  }

  /** Resolves true once the server has closed the connection, false after `timeoutMs`. */
  async closedWithin(timeoutMs = WAIT_MS): Promise<boolean> {
    try {
      await this.#until(() => this.#closed, "no close", timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  /** True when nothing more arrives and the connection stays open for `ms`. */
  async quietFor(ms: number): Promise<boolean> {
    const before = this.#buf.length;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return !this.#closed && this.#buf.length === before;
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

async function withWire<T>(run: (wire: Wire) => Promise<T>): Promise<T> {
  const wire = await Wire.open(demo.port);
  try {
    return await run(wire);
  } finally {
    wire.destroy();
  }
}

/** What every response must satisfy (RFC 9110 §6.6.1 Date, RFC 9112 §6 framing). */
function expectWellFormed(response: Response): void {
  expect(response.statusLine.startsWith("HTTP/1.1 ")).toBe(true);
  const date = values(response, "date");
  expect(date, "exactly one Date field").toHaveLength(1);
  // IMF-fixdate (RFC 9110 §5.6.7)
  expect(date[0]).toMatch(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  expect(Math.abs(Date.parse(date[0]!) - Date.now())).toBeLessThan(60_000);
  if (response.framing === "content-length") expect(Number(values(response, "content-length")[0])).toBe(response.body.length);
}

interface Echo {
  method: string;
  target: string;
  version: "1.0" | "1.1";
  headers: [string, string][];
  body: string;
}

function expectEcho(response: Response, echo: Echo): void {
  expectWellFormed(response);
  expect(response.status).toBe(200);
  expect(values(response, "content-type")).toEqual(["application/json"]);
  expect(response.framing).toBe("content-length");
  expect(JSON.parse(response.body.toString("utf8"))).toEqual(echo);
}

const b64 = (bytes: string | Uint8Array): string => Buffer.from(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes).toString("base64");

interface EchoCase {
  name: string;
  reason: string;
  request: string | (string | Uint8Array)[];
  echo: Echo;
}

const BINARY = Uint8Array.from([0, 1, 2, 0x0d, 0x0a, 0x7f, 0x80, 0xfe, 0xff]);

const echoCases: EchoCase[] = [
  { name: "a minimal GET", reason: "RFC 9112 §3", request: "GET /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", echo: { method: "GET", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Connection", "close"]], body: "" } },
  { name: "the target as received with its query and percent-encoding", reason: "RFC 9112 §3.2.1; demo contract", request: "GET /echo/x/../y?a=1&b=%20%2F&c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", echo: { method: "GET", target: "/echo/x/../y?a=1&b=%20%2F&c", version: "1.1", headers: [["Host", "a"], ["Connection", "close"]], body: "" } },
  { name: "102 header fields", reason: "issue 8: the old default of 100 fields refused this with 431; node:http takes up to 2,000", request: `GET /echo HTTP/1.1\r\nHost: a\r\n${Array.from({ length: 100 }, (_, i) => `X-${i}: v\r\n`).join("")}Connection: close\r\n\r\n`, echo: { method: "GET", target: "/echo", version: "1.1", headers: [["Host", "a"], ...Array.from({ length: 100 }, (_, i): [string, string] => [`X-${i}`, "v"]), ["Connection", "close"]], body: "" } },
  { name: "a path that only starts with /echo", reason: "demo contract (any path starting with /echo)", request: "GET /echoX?y HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", echo: { method: "GET", target: "/echoX?y", version: "1.1", headers: [["Host", "a"], ["Connection", "close"]], body: "" } },
  { name: "an absolute-form target, echoed as received", reason: "RFC 9112 §3.2.2 (a server MUST accept absolute-form)", request: "GET http://a/echo?q=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", echo: { method: "GET", target: "http://a/echo?q=1", version: "1.1", headers: [["Host", "a"], ["Connection", "close"]], body: "" } },
  { name: "HTTP/1.0 without Host", reason: "RFC 9112 §3.2 (Host is required in 1.1 only)", request: "GET /echo HTTP/1.0\r\n\r\n", echo: { method: "GET", target: "/echo", version: "1.0", headers: [], body: "" } },
  { name: "names as received, values trimmed of OWS, repeats kept apart, an empty value", reason: "RFC 9112 §5 (OWS around values is not part of them); RFC 9110 §5.3; demo contract", request: "GET /echo HTTP/1.1\r\nhOsT: a\r\nX-Mixed-CASE:   one \t \r\nx-mixed-case:\ttwo\r\nX-Empty:\r\nX-Inner: a  b\tc\r\nConnection: close\r\n\r\n", echo: { method: "GET", target: "/echo", version: "1.1", headers: [["hOsT", "a"], ["X-Mixed-CASE", "one"], ["x-mixed-case", "two"], ["X-Empty", ""], ["X-Inner", "a  b\tc"], ["Connection", "close"]], body: "" } },
  { name: "a Content-Length body with every byte value class", reason: "RFC 9112 §6.2; demo contract (base64 of the body bytes)", request: [`PUT /echo HTTP/1.1\r\nHost: a\r\nContent-Length: ${BINARY.length}\r\nConnection: close\r\n\r\n`, BINARY], echo: { method: "PUT", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Content-Length", String(BINARY.length)], ["Connection", "close"]], body: b64(BINARY) } },
  { name: "Content-Length: 0", reason: "RFC 9110 §8.6", request: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", echo: { method: "POST", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Content-Length", "0"], ["Connection", "close"]], body: "" } },
  { name: "a chunked body with extensions and trailers, decoded", reason: "RFC 9112 §7.1, §7.1.1 (extensions ignored), §7.1.2 (trailers)", request: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3;a=b;c=\"d e\"\r\nabc\r\n2; x\r\nde\r\nA\r\n0123456789\r\n0;last\r\nX-Trailer: 1\r\n\r\n", echo: { method: "POST", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Transfer-Encoding", "chunked"], ["Connection", "close"]], body: b64("abcde0123456789") } },
  { name: "an empty chunked body", reason: "RFC 9112 §7.1 (last-chunk only)", request: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n", echo: { method: "POST", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Transfer-Encoding", "chunked"], ["Connection", "close"]], body: "" } },
  { name: "upper-case hex chunk sizes with leading zeros", reason: "RFC 9112 §7.1 (1*HEXDIG)", request: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n000B\r\nhello world\r\n00\r\n\r\n", echo: { method: "POST", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Transfer-Encoding", "chunked"], ["Connection", "close"]], body: b64("hello world") } },
  { name: "Transfer-Encoding: chunked with trailing SP and a leading HTAB (OWS)", reason: "RFC 9112 §5 (OWS); RFC 9110 §5.6.3", request: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked \r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n", echo: { method: "POST", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Transfer-Encoding", "chunked"], ["Connection", "close"]], body: b64("abc") } },
  { name: "Transfer-Encoding: CHUNKED (codings are case-insensitive)", reason: "RFC 9112 §7 (transfer-coding names are case-insensitive)", request: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n", echo: { method: "POST", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Transfer-Encoding", "CHUNKED"], ["Connection", "close"]], body: b64("abc") } },
  { name: "empty lines before the request line", reason: "RFC 9112 §2.2 (SHOULD ignore at least one empty line)", request: "\r\n\r\nGET /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", echo: { method: "GET", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Connection", "close"]], body: "" } },
  { name: "PATCH with a body", reason: "RFC 5789", request: "PATCH /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi", echo: { method: "PATCH", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Content-Length", "2"], ["Connection", "close"]], body: b64("hi") } },
  { name: "DELETE", reason: "RFC 9110 §9.3.5", request: "DELETE /echo/1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", echo: { method: "DELETE", target: "/echo/1", version: "1.1", headers: [["Host", "a"], ["Connection", "close"]], body: "" } },
  { name: "OPTIONS on /echo", reason: "RFC 9110 §9.3.7", request: "OPTIONS /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", echo: { method: "OPTIONS", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Connection", "close"]], body: "" } },
  { name: "a custom token method FOO", reason: "RFC 9110 §9.1 (method = token)", request: "FOO /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", echo: { method: "FOO", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Connection", "close"]], body: "" } },
  { name: "a method is case-sensitive and kept as sent", reason: "RFC 9110 §9.1", request: "get /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", echo: { method: "get", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Connection", "close"]], body: "" } },
  { name: "Host with a port and an IPv6 literal", reason: "RFC 9110 §7.2; RFC 3986 §3.2.2", request: "GET /echo HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n", echo: { method: "GET", target: "/echo", version: "1.1", headers: [["Host", "[::1]:8080"], ["Connection", "close"]], body: "" } },
  { name: "an h2c upgrade request, answered over HTTP/1.1", reason: "RFC 9110 §7.8 (a server MAY ignore Upgrade); RFC 9113 §3.1 (h2c is obsolete)", request: "GET /echo HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n", echo: { method: "GET", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Connection", "Upgrade, HTTP2-Settings, close"], ["Upgrade", "h2c"], ["HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA"]], body: "" } },
  { name: "HTTP/1.9 is read as 1.1", reason: "RFC 9110 §2.5 (a higher minor version is handled as the highest supported)", request: "GET /echo HTTP/1.9\r\nHost: a\r\nConnection: close\r\n\r\n", echo: { method: "GET", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Connection", "close"]], body: "" } },
];

describe("/echo reports exactly what was received", () => {
  it.each(echoCases.map((c) => [`${c.name} (${c.reason})`, c] as const))("%s", async (_title, c) => {
    await withWire(async (wire) => {
      for (const piece of Array.isArray(c.request) ? c.request : [c.request]) wire.send(piece);
      const response = await wire.response(c.echo.method);
      expectEcho(response, c.echo);
      // Every row asks for (or implies, HTTP/1.0) the end of the connection.
      expect(values(response, "connection").join(",").toLowerCase()).toContain("close");
      expect(await wire.closedWithin(), "the server closes after Connection: close / HTTP/1.0").toBe(true);
      expect(wire.pending, "nothing after the response").toBe("");
    });
  });

  it("reads a request whose head arrives one byte per write", async () => {
    await withWire(async (wire) => {
      const request = "GET /echo?bytewise HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nConnection: close\r\n\r\n";
      for (const byte of request) {
        wire.send(byte);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      expectEcho(await wire.response(), { method: "GET", target: "/echo?bytewise", version: "1.1", headers: [["Host", "a"], ["X-A", "1"], ["Connection", "close"]], body: "" });
    });
  });

  it("reads a chunked body that arrives a few bytes per write", async () => {
    await withWire(async (wire) => {
      const request = "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5;n=v\r\nhello\r\n6\r\n world\r\n0\r\nT: x\r\n\r\n";
      for (let i = 0; i < request.length; i += 7) {
        wire.send(request.slice(i, i + 7));
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      expectEcho(await wire.response("POST"), { method: "POST", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Transfer-Encoding", "chunked"], ["Connection", "close"]], body: b64("hello world") });
    });
  });
});

describe("absolute-form targets route like their path (RFC 9112 §3.2.2: a server MUST accept them)", () => {
  it.each([
    ["GET HTTP://A.EXAMPLE/hello HTTP/1.1", 200, "Hello, World!"],
    ["GET https://a.example:8443/hello?x=1 HTTP/1.1", 200, "Hello, World!"],
    ["GET http://a.example HTTP/1.1", 200, "<!doctype html>"],
  ] as const)("%s", async (line, status, start) => {
    await withWire(async (wire) => {
      wire.send(`${line}\r\nHost: a.example\r\nConnection: close\r\n\r\n`);
      const response = await wire.response();
      expectWellFormed(response);
      expect(response.status).toBe(status);
      expect(response.body.toString().startsWith(start), response.body.toString().slice(0, 100)).toBe(true);
    });
  });
});

describe("connection management (RFC 9112 §9)", () => {
  it("keeps an HTTP/1.1 connection open and answers a second request on it", async () => {
    await withWire(async (wire) => {
      wire.send("GET /echo?1 HTTP/1.1\r\nHost: a\r\n\r\n");
      const first = await wire.response();
      expectEcho(first, { method: "GET", target: "/echo?1", version: "1.1", headers: [["Host", "a"]], body: "" });
      expect(values(first, "connection").join(",").toLowerCase()).not.toContain("close");
      expect(await wire.quietFor(150), "the connection stays open and silent").toBe(true);
      wire.send("GET /echo?2 HTTP/1.1\r\nHost: a\r\n\r\n");
      expectEcho(await wire.response(), { method: "GET", target: "/echo?2", version: "1.1", headers: [["Host", "a"]], body: "" });
    });
  });

  it("answers three pipelined requests from one write in order, each framed on its own", async () => {
    await withWire(async (wire) => {
      wire.send(
        "GET /echo?first HTTP/1.1\r\nHost: a\r\n\r\n" +
          "POST /echo?second HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n" +
          "GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
      );
      expectEcho(await wire.response(), { method: "GET", target: "/echo?first", version: "1.1", headers: [["Host", "a"]], body: "" });
      expectEcho(await wire.response("POST"), { method: "POST", target: "/echo?second", version: "1.1", headers: [["Host", "a"], ["Transfer-Encoding", "chunked"]], body: b64("body") });
      const hello = await wire.response();
      expectWellFormed(hello);
      expect(hello.status).toBe(200);
      expect(hello.body.toString()).toBe("Hello, World!");
      expect(await wire.closedWithin()).toBe(true);
      expect(wire.pending).toBe("");
    });
  });

  it("answers 100 pipelined requests from one write, all in order", async () => {
    await withWire(async (wire) => {
      let requests = "";
      for (let i = 0; i < 100; i++) requests += `GET /echo?${i} HTTP/1.1\r\nHost: a\r\n${i === 99 ? "Connection: close\r\n" : ""}\r\n`;
      wire.send(requests);
      for (let i = 0; i < 100; i++) {
        const response = await wire.response();
        expect(response.status).toBe(200);
        expect(JSON.parse(response.body.toString()).target).toBe(`/echo?${i}`);
      }
      expect(await wire.closedWithin()).toBe(true);
      expect(wire.pending).toBe("");
    });
  });

  it("answers a request whose client half-closed right after sending it (RFC 9112 §9.6)", async () => {
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ port: demo.port, host: "127.0.0.1" });
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no complete answer after a half-close; got ${JSON.stringify(Buffer.concat(chunks).toString("latin1"))}`));
      }, WAIT_MS);
      socket.on("connect", () => socket.end("GET /echo?half HTTP/1.1\r\nHost: a\r\n\r\n"));
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.on("error", () => {});
      socket.on("close", () => {
        clearTimeout(timer);
        try {
          const read = tryRead(Buffer.concat(chunks), 0, "GET", true);
          expect(read).not.toBeNull();
          expectEcho(read!.response, { method: "GET", target: "/echo?half", version: "1.1", headers: [["Host", "a"]], body: "" });
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
  });

  it("answers a pipelined HEAD without a body, so the next response starts right after its head", async () => {
    await withWire(async (wire) => {
      wire.send("HEAD /echo HTTP/1.1\r\nHost: a\r\n\r\nGET /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      const head = await wire.response("HEAD");
      const get = await wire.response("GET");
      expectWellFormed(head);
      expectEcho(get, { method: "GET", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Connection", "close"]], body: "" });
      expect(head.status).toBe(200);
      // RFC 9110 §9.3.2: the same fields as GET; the echoed JSON of HEAD has "HEAD" (one
      // character longer than "GET") and one field fewer ("Connection: close", 30 bytes).
      expect(values(head, "content-type")).toEqual(["application/json"]);
      expect(Number(values(head, "content-length")[0])).toBe(get.body.length + 1 - '["Connection","close"],'.length);
      expect(await wire.closedWithin()).toBe(true);
      expect(wire.pending).toBe("");
    });
  });

  it("closes an HTTP/1.0 connection after the response when keep-alive was not asked for", async () => {
    await withWire(async (wire) => {
      wire.send("GET /echo HTTP/1.0\r\nHost: a\r\n\r\n");
      const response = await wire.response();
      expectEcho(response, { method: "GET", target: "/echo", version: "1.0", headers: [["Host", "a"]], body: "" });
      expect(values(response, "connection").join(",").toLowerCase()).not.toContain("keep-alive");
      expect(await wire.closedWithin()).toBe(true);
    });
  });

  it("keeps an HTTP/1.0 connection with Connection: keep-alive open and says so", async () => {
    await withWire(async (wire) => {
      wire.send("GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      const first = await wire.response();
      expectEcho(first, { method: "GET", target: "/echo", version: "1.0", headers: [["Connection", "keep-alive"]], body: "" });
      // RFC 9112 §9.3 / RFC 2068 §19.7.1: a 1.0 persistent connection must be confirmed.
      expect(values(first, "connection").join(",").toLowerCase()).toContain("keep-alive");
      expect(await wire.quietFor(150)).toBe(true);
      wire.send("GET /hello HTTP/1.0\r\n\r\n");
      const second = await wire.response();
      expect(second.status).toBe(200);
      expect(second.body.toString()).toBe("Hello, World!");
      expect(await wire.closedWithin()).toBe(true);
    });
  });

  it("ends an HTTP/1.0 keep-alive connection when the response length is unknown, and says so", async () => {
    await withWire(async (wire) => {
      // RFC 9112 §6.3 ¶8: without a length the close delimits the body, so it cannot persist.
      wire.send("GET /stream?bytes=5&chunk=2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /hello HTTP/1.0\r\n\r\n");
      expect(await wire.closedWithin()).toBe(true);
      const response = await wire.response();
      expect(response.framing).toBe("close");
      expect(values(response, "connection").join(",").toLowerCase()).toContain("close");
      expect([...response.body]).toEqual([0, 1, 2, 3, 4]);
    });
  });

  it("closes an HTTP/1.1 connection after answering Connection: close, ignoring what follows", async () => {
    await withWire(async (wire) => {
      wire.send("GET /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
      expectEcho(await wire.response(), { method: "GET", target: "/echo", version: "1.1", headers: [["Host", "a"], ["Connection", "close"]], body: "" });
      expect(await wire.closedWithin()).toBe(true);
      // RFC 9112 §9.6: a server MUST NOT process further requests after close.
      expect(wire.pending).toBe("");
    });
  });

  it("answers the server-wide OPTIONS * with a 2xx (RFC 9110 §9.3.7: it asks about the server, which supports OPTIONS)", async () => {
    await withWire(async (wire) => {
      wire.send("OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      const response = await wire.response("OPTIONS");
      expectWellFormed(response);
      expect(response.status >= 200 && response.status < 300, `got ${response.statusLine} ${JSON.stringify(response.fields)} ${response.body.toString()}`).toBe(true);
      // RFC 9110 §8.6, §6.4.1: a 204 has no content and MUST NOT carry Content-Length.
      if (response.status === 204) expect(values(response, "content-length")).toEqual([]);
      expect(await wire.closedWithin()).toBe(true);
      expect(wire.pending, "no body after a 204").toBe("");
    });
  });
});

describe("bodies a handler answers without reading (RFC 9112 §6.3, §9.3)", () => {
  // The body consists of well-formed requests: a server that answers early and then reads
  // the rest of the body as requests would answer them ("SMUGGLED" shows up).
  const SMUGGLED = "GET /echo?SMUGGLED HTTP/1.1\r\nHost: a\r\n\r\n";
  const BODY = SMUGGLED.repeat(Math.ceil(200_000 / SMUGGLED.length)).slice(0, 200_000);
  const CHUNKED = `${Array.from({ length: 25 }, (_, i) => BODY.slice(i * 8_000, (i + 1) * 8_000))
    .map((part) => `${part.length.toString(16)}\r\n${part}\r\n`)
    .join("")}0\r\n\r\n`;

  async function sendSlowly(wire: Wire, text: string): Promise<void> {
    for (let i = 0; i < text.length; i += 16_384) {
      wire.send(text.slice(i, i + 16_384));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  it.each([
    ["a 405 for a POST /hello with a 200 KB Content-Length body", "POST /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 200000\r\n\r\n", BODY, 405],
    ["a 405 for a POST /hello with a 200 KB chunked body", "POST /hello HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", CHUNKED, 405],
    ["a 404 for a GET with a 200 KB body", "GET /no-such-file HTTP/1.1\r\nHost: a\r\nContent-Length: 200000\r\n\r\n", BODY, 404],
  ] as const)("skips the body after %s, then answers the next request, and never the body's contents", async (_name, head, body, status) => {
    await withWire(async (wire) => {
      wire.send(head);
      await sendSlowly(wire, body);
      wire.send("GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      const first = await wire.response("POST");
      expect(first.status).toBe(status);
      // Either the server skipped the body and serves the next request, or it closed.
      if (!values(first, "connection").join(",").toLowerCase().includes("close")) {
        const next = await wire.response();
        expect(next.body.toString()).toBe("Hello, World!");
      }
      expect(await wire.closedWithin()).toBe(true);
      expect(wire.pending).toBe("");
    });
  });

  it("answers 405 to Expect: 100-continue without a 100, and a body sent anyway is never read as requests", async () => {
    await withWire(async (wire) => {
      wire.send("POST /hello HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 200000\r\n\r\n");
      const first = await wire.response("POST");
      expect(first.status).toBe(405);
      await sendSlowly(wire, BODY).catch(() => {});
      wire.send("GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      if (!values(first, "connection").join(",").toLowerCase().includes("close")) {
        expect((await wire.response()).body.toString()).toBe("Hello, World!");
      }
      expect(await wire.closedWithin()).toBe(true);
      expect(wire.pending).not.toContain("SMUGGLED");
      expect(wire.pending).toBe("");
    });
  });
});

describe("Expect: 100-continue (RFC 9110 §10.1.1)", () => {
  it("sends 100 Continue before the body is sent, then the final response", async () => {
    await withWire(async (wire) => {
      wire.send("POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n");
      await wire.expectNext("HTTP/1.1 100 Continue\r\n\r\n");
      wire.send("hello");
      expectEcho(await wire.response("POST"), {
        method: "POST",
        target: "/echo",
        version: "1.1",
        headers: [["Host", "a"], ["Expect", "100-continue"], ["Content-Length", "5"], ["Connection", "close"]],
        body: b64("hello"),
      });
    });
  });

  it("sends a pipelined request's 100 Continue only after the previous response has ended", async () => {
    await withWire(async (wire) => {
      // RFC 9112 §9.3.2: responses, interim ones included, go out in request order; a 100
      // inside the previous chunked body would corrupt it.
      wire.send("GET /stream?bytes=300000&chunk=65536 HTTP/1.1\r\nHost: a\r\n\r\nPOST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n");
      const stream = await wire.response();
      expect(stream.status).toBe(200);
      expect(stream.body.length).toBe(300_000);
      await wire.expectNext("HTTP/1.1 100 Continue\r\n\r\n");
      wire.send("hi");
      const echo = await wire.response("POST");
      expect(echo.status).toBe(200);
      expect(JSON.parse(echo.body.toString()).body).toBe(b64("hi"));
    });
  });

  it("takes the body without waiting when the client sends it at once", async () => {
    await withWire(async (wire) => {
      wire.send("POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
      // A 100 may or may not precede the final answer (the client sent the body anyway).
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (wire.pending.startsWith("HTTP/1.1 100")) await wire.expectNext("HTTP/1.1 100 Continue\r\n\r\n");
      const response = await wire.response("POST");
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body.toString()).body).toBe(b64("hello"));
    });
  });

  it("sends no 100 Continue to an HTTP/1.0 client (it MUST be ignored there)", async () => {
    await withWire(async (wire) => {
      wire.send("POST /echo HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi");
      const response = await wire.response("POST");
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body.toString()).body).toBe(b64("hi"));
    });
  });

  it("ignores an empty Expect field (Expect = #expectation: an empty list asks for nothing)", async () => {
    await withWire(async (wire) => {
      wire.send("POST /echo HTTP/1.1\r\nHost: a\r\nExpect:\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
      const response = await wire.response("POST");
      expect(response.status, `${response.statusLine} ${response.body.toString()}`).toBe(200);
      expect(JSON.parse(response.body.toString()).body).toBe(b64("hi"));
    });
  });

  it("answers an unknown expectation with 417 and closes", async () => {
    await withWire(async (wire) => {
      wire.send("POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\nhi");
      const response = await wire.response("POST");
      expectWellFormed(response);
      expect(response.status).toBe(417);
    });
  });
});

describe("response framing", () => {
  it("answers /hello with Content-Length 13, a Date and no Transfer-Encoding", async () => {
    await withWire(async (wire) => {
      wire.send("GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      const response = await wire.response();
      expectWellFormed(response);
      expect(response.statusLine).toBe("HTTP/1.1 200 OK");
      expect(values(response, "content-length")).toEqual(["13"]);
      expect(values(response, "transfer-encoding")).toEqual([]);
    });
  });

  it("streams /stream chunked to HTTP/1.1 and close-delimited to HTTP/1.0", async () => {
    await withWire(async (wire) => {
      wire.send("GET /stream?bytes=1000&chunk=300 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      const response = await wire.response();
      expectWellFormed(response);
      expect(response.framing).toBe("chunked");
      expect(response.body.length).toBe(1000);
    });
    await withWire(async (wire) => {
      wire.send("GET /stream?bytes=1000&chunk=300 HTTP/1.0\r\n\r\n");
      expect(await wire.closedWithin()).toBe(true);
      const response = await wire.response();
      expectWellFormed(response);
      expect(response.framing).toBe("close");
      expect(response.body.length).toBe(1000);
    });
  });
});
