// Differential: the framers' bytes served from a real socket and read by node:http's client
// (llhttp) and by @k/parser must give the same status, fields, body and trailers.
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Utf8StreamEncoder, createFramer } from "@k/framing";
import type { FirstPart, HeaderInit, HttpVersion, Sink } from "@k/framing";
import { bufferedFraming } from "./support/custom-framers.ts";
import { decodeResponse } from "./support/decode.ts";

interface Case {
  title: string;
  method: string;
  /** The version the framer is told the client spoke (node's client always sends 1.1). */
  version: HttpVersion;
  first: FirstPart;
  parts: (string | Uint8Array)[];
  trailers?: HeaderInit;
  body: Buffer;
}

const big = Buffer.alloc(200_000);
for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
const text = "smile \u{1F600}, euro \u20AC, \u00e9t\u00e9";

const cases: Case[] = [
  {
    title: "Content-Length with the whole body in the first part",
    method: "GET",
    version: "1.1",
    first: { status: 200, headers: { "Content-Type": "text/plain" }, body: Buffer.from("Hello, World!"), done: true },
    parts: [],
    body: Buffer.from("Hello, World!"),
  },
  {
    title: "Content-Length given ahead, body in parts",
    method: "GET",
    version: "1.1",
    first: { status: 201, reason: "Made It", headers: [["X-A", "1"], ["x-a", "2"]], length: 10 },
    parts: ["abc", "", "defg", Buffer.from("hij")],
    body: Buffer.from("abcdefghij"),
  },
  {
    title: "chunked text with surrogate pairs split across parts",
    method: "GET",
    version: "1.1",
    first: { status: 200, headers: { "Content-Type": "text/plain; charset=utf-8" } },
    parts: [text.slice(0, 7), text.slice(7, 15), text.slice(15)],
    body: Buffer.from(text),
  },
  {
    title: "chunked with trailers",
    method: "POST",
    version: "1.1",
    first: { status: 200, headers: { Trailer: "X-Checksum, X-Count" }, body: Buffer.from("part one;") },
    parts: [" part two"],
    trailers: [["X-Checksum", "sha256=abc"], ["X-Count", "2"]],
    body: Buffer.from("part one; part two"),
  },
  {
    title: "chunked 200 kB in parts of every size class",
    method: "GET",
    version: "1.1",
    first: { status: 200 },
    parts: [big.subarray(0, 1), big.subarray(1, 5000), big.subarray(5000, 60_000), big.subarray(60_000)],
    body: big,
  },
  {
    title: "close-delimited to an HTTP/1.0 client",
    method: "GET",
    version: "1.0",
    first: { status: 200, headers: { Connection: "keep-alive", "Content-Type": "application/octet-stream" } },
    parts: [big.subarray(0, 70_000), big.subarray(70_000)],
    body: big,
  },
  {
    title: "HEAD with the GET's Content-Length and no body",
    method: "HEAD",
    version: "1.1",
    first: { status: 200, length: 13, headers: { "Content-Type": "text/plain" } },
    parts: ["Hello, World!"],
    body: Buffer.alloc(0),
  },
  {
    title: "204 without framing fields",
    method: "DELETE",
    version: "1.1",
    first: { status: 204, headers: { "X-Deleted": "yes" } },
    parts: [],
    body: Buffer.alloc(0),
  },
  {
    title: "304 with the representation's Content-Length",
    method: "GET",
    version: "1.1",
    first: { status: 304, length: 1234, headers: { ETag: '"v1"' } },
    parts: [],
    body: Buffer.alloc(0),
  },
  {
    title: "a user's buffering strategy forced through first.framing",
    method: "GET",
    version: "1.1",
    first: { status: 200, framing: bufferedFraming },
    parts: ["buffered ", "until ", "end"],
    body: Buffer.from("buffered until end"),
  },
];

/** Frames case `c` onto `sink`; returns true when the connection must close after it. */
function serve(c: Case, sink: Sink): boolean {
  const framer = createFramer(sink, c.first, { method: c.method, version: c.version });
  const encoder = new Utf8StreamEncoder();
  framer.start(c.first.body);
  for (const part of c.parts) framer.write(typeof part === "string" ? encoder.encode(part) : part);
  framer.write(encoder.end());
  framer.end(c.trailers);
  return framer.closeConnection;
}

let server: net.Server;
let port = 0;

beforeAll(async () => {
  server = net.createServer((socket) => {
    let head = "";
    socket.on("data", (chunk: Buffer) => {
      if (head.endsWith("\r\n\r\n")) return;
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      const target = head.slice(head.indexOf(" ") + 1, head.indexOf(" ", head.indexOf(" ") + 1));
      const c = cases[Number(target.slice(1))] as Case;
      if (serve(c, socket)) socket.end();
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

interface Seen {
  status: number;
  reason: string;
  headers: string[];
  body: Buffer;
  trailers: string[];
}

function fetchWithNode(index: number, method: string): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, path: `/${index}`, method, agent: false }, (response) => {
      const body: Buffer[] = [];
      response.on("data", (chunk: Buffer) => body.push(chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          reason: response.statusMessage ?? "",
          headers: response.rawHeaders,
          body: Buffer.concat(body),
          trailers: response.rawTrailers,
        }),
      );
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end();
  });
}

function readWithKParser(c: Case): Seen {
  const captured: Uint8Array[] = [];
  const closes = serve(c, { write: (bytes) => (captured.push(Uint8Array.from(bytes)), true) });
  const decoded = decodeResponse(Buffer.concat(captured), { head: c.method === "HEAD", eof: closes });
  expect(decoded.complete).toBe(true);
  return {
    status: decoded.status,
    reason: decoded.reason,
    headers: decoded.headers.flat(),
    body: decoded.body,
    trailers: decoded.trailers.flat(),
  };
}

describe("framed bytes read by node:http and by @k/parser", () => {
  cases.forEach((c, index) => {
    it(`agree for ${c.title}`, async () => {
      const node = await fetchWithNode(index, c.method);
      const ours = readWithKParser(c);
      // Bodies compared with Buffer#equals: a deep toEqual walks 200 kB element by element.
      expect({ ...ours, body: null }).toEqual({ ...node, body: null });
      expect(ours.body.equals(node.body)).toBe(true);
      expect(node.body.equals(c.body)).toBe(true);
      expect(node.status).toBe(c.first.status);
      if (c.trailers !== undefined) expect(node.trailers).toEqual((c.trailers as [string, string][]).flat());
    });
  });
});
