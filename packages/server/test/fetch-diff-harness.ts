// Differential harness: raw-socket exchanges with two servers that run the same Hono app
// (@hono/node-server and @k/server + fromFetch), an independent minimal HTTP/1.x response
// decoder (so neither server's own parser judges it), and a normaliser that removes only
// the fields that legitimately differ between two correct servers.
import { connect } from "node:net";
import { createHash } from "node:crypto";

/** One decoded response. */
export interface Decoded {
  version: string;
  status: number;
  headers: [string, string][];
  body: Buffer;
  framing: "length" | "chunked" | "close" | "none";
  trailers: [string, string][];
}

/**
 * Fields excluded from the comparison, each with its reason. Everything else must match
 * exactly (names case-insensitively, values byte for byte, repeated fields in order).
 */
export const EXCLUDED: Record<string, string> = {
  date: "the clock: two servers format it at different instants",
  connection: "connection management is each server's own (RFC 9112 §9.6); persistence is asserted separately",
  "keep-alive": "advisory idle timeout of each server (node:http sends timeout=5, @k timeout=65)",
  "transfer-encoding": "framing (RFC 9112 §6): chunked vs Content-Length is each server's choice; decoded bodies are compared",
  "content-length": "framing: compared only as 'equals the decoded body length' (and kept for HEAD, below)",
};

/** Splits a raw request into the bytes to send; `parts` lets a case send it in pieces. */
export interface Exchange {
  /** Bytes written, in order; each element is one socket write. */
  parts: (string | Uint8Array)[];
  /** The method of each request in the exchange, in order (HEAD responses have no body). */
  methods: string[];
}

/** A request line + fields + optional body, with Content-Length added for a body. */
export function request(
  method: string,
  target: string,
  fields: Record<string, string> | [string, string][] = {},
  body?: string | Uint8Array,
  version = "1.1",
): Buffer {
  const list = Array.isArray(fields) ? [...fields] : Object.entries(fields);
  if (version === "1.1" && !list.some(([n]) => n.toLowerCase() === "host")) list.unshift(["Host", "diff.test"]);
  if (body !== undefined && !list.some(([n]) => /^(content-length|transfer-encoding)$/i.test(n))) {
    list.push(["Content-Length", String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength)]);
  }
  const head = `${method} ${target} HTTP/${version}\r\n${list.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n`;
  return body === undefined ? Buffer.from(head, "latin1") : Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(body)]);
}

/** Sends the parts (one write each, next on the following turn) and collects bytes until the server closes. */
export async function exchange(port: number, parts: (string | Uint8Array)[], limitMs = 10_000): Promise<Buffer> {
  const socket = connect({ port, host: "127.0.0.1" });
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  for (const part of parts) {
    socket.write(part);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise<void>((resolve, reject) => {
    // A bound, not a measurement: a server that never closes fails the case instead of hanging.
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${limitMs} ms; got ${Buffer.concat(chunks).toString("latin1").slice(0, 300)}`));
    }, limitMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on("error", () => {});
  });
  return Buffer.concat(chunks);
}

function readLine(bytes: Buffer, start: number): [string, number] {
  const end = bytes.indexOf("\r\n", start, "latin1");
  if (end < 0) throw new Error(`incomplete line at ${start}`);
  return [bytes.toString("latin1", start, end), end + 2];
}

function readFields(bytes: Buffer, start: number): [[string, string][], number] {
  const fields: [string, string][] = [];
  let at = start;
  for (;;) {
    const [line, next] = readLine(bytes, at);
    at = next;
    if (line === "") return [fields, at];
    const colon = line.indexOf(":");
    fields.push([line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]);
  }
}

/** Decodes every response in `bytes`; `methods` says which ones answer HEAD. Interim 1xx are skipped. */
export function decodeAll(bytes: Buffer, methods: string[]): Decoded[] {
  const out: Decoded[] = [];
  let at = 0;
  let index = 0;
  while (at < bytes.length) {
    const [statusLine, afterStatus] = readLine(bytes, at);
    const match = /^HTTP\/(1\.[01]) (\d{3})(?: .*)?$/.exec(statusLine);
    if (match === null) throw new Error(`bad status line ${JSON.stringify(statusLine)}`);
    const [headers, afterHead] = readFields(bytes, afterStatus);
    at = afterHead;
    const status = Number(match[2]);
    if (status >= 100 && status < 200) continue;
    const method = methods[index++] ?? "GET";
    const get = (name: string): string | undefined => headers.find(([n]) => n === name)?.[1];
    let body: Buffer = Buffer.alloc(0);
    let framing: Decoded["framing"] = "none";
    let trailers: [string, string][] = [];
    if (method === "HEAD" || status === 204 || status === 304) {
      framing = "none";
    } else if (get("transfer-encoding") !== undefined) {
      framing = "chunked";
      const parts: Buffer[] = [];
      for (;;) {
        const [sizeLine, afterSize] = readLine(bytes, at);
        const size = Number.parseInt(sizeLine.split(";")[0]!, 16);
        at = afterSize;
        if (size === 0) break;
        parts.push(bytes.subarray(at, at + size));
        at += size + 2;
      }
      [trailers, at] = readFields(bytes, at);
      body = Buffer.concat(parts);
    } else if (get("content-length") !== undefined) {
      framing = "length";
      const length = Number(get("content-length"));
      body = bytes.subarray(at, at + length);
      if (body.length !== length) throw new Error(`short body: ${body.length} of ${length}`);
      at += length;
    } else {
      framing = "close";
      body = bytes.subarray(at);
      at = bytes.length;
    }
    out.push({ version: match[1]!, status, headers, body: Buffer.from(body), framing, trailers });
  }
  return out;
}

/** What is compared: status, the non-excluded fields, the decoded body (digest for big ones). */
export interface Normalised {
  status: number;
  headers: [string, string][];
  body: string;
}

export function normalise(response: Decoded): Normalised {
  const headers = response.headers
    .filter(([name]) => !(name in EXCLUDED))
    // Field order between different names carries no meaning (RFC 9110 §5.3); order within
    // one name does (Set-Cookie, Vary...): a stable sort by name keeps it.
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const body =
    response.body.length > 4096
      ? `sha256:${createHash("sha256").update(response.body).digest("hex")}:${response.body.length}`
      : response.body.toString("latin1");
  return { status: response.status, headers, body };
}

/** The Content-Length a response declared, if any. */
export function contentLength(response: Decoded): number | undefined {
  const value = response.headers.find(([n]) => n === "content-length")?.[1];
  return value === undefined ? undefined : Number(value);
}
