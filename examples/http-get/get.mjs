#!/usr/bin/env node
/**
 * http-get: a small HTTP/1.1 client whose only HTTP code is @k/parser (issue 8, "prove the
 * parser alone"). `node get.mjs [--head] [--pipeline N] [-H "Name: value"]... URL...`
 * fetches each URL over node:net / node:tls and writes each response body to stdout (with
 * `--head`: sends HEAD and writes each status line and header fields instead, as `curl -sI`).
 *
 * - Responses are read by `createParser("response")` alone: Content-Length, chunked (trailers
 *   read and dropped), close-delimited, HEAD answers (`onHead` returns true), 204/304, and 1xx
 *   interim responses (skipped; printed with `--head`, as curl does).
 * - URLs of one origin that follow each other on the command line share one connection; with
 *   `--pipeline N` up to N requests are written before their responses are read. When the
 *   server closes a connection after answering some of them (`Connection: close`, an idle
 *   timeout), the unanswered GET/HEAD requests are sent again on a new connection (RFC 9112
 *   §9.3.1: they are idempotent), only ever after progress, so this cannot loop.
 * - Exit status: 0 when every response is 2xx or 3xx, 1 otherwise (a 4xx/5xx, a refused
 *   connection, a response that does not parse: one line on stderr each), 2 for a usage error.
 *
 * Does not: follow redirects, decode content codings (gzip bytes are written as received),
 * send request bodies, cookies or credentials, speak HTTP/2, use proxies. Body bytes are
 * views into the socket's buffers, written to stdout as they arrive (memory stays bounded:
 * the socket is paused while stdout is full).
 */
import { realpathSync } from "node:fs";
import { connect as netConnect, isIP } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { fileURLToPath } from "node:url";
import { createParser, isParseError } from "@k/parser";

export const USAGE = 'usage: node get.mjs [--head] [--pipeline N] [-H "Name: value"]... URL...';
const USER_AGENT = "k-http-get/0.0.0";
/** Gives up on a connection that sends nothing for this long (connect, or between bytes). */
const DEFAULT_TIMEOUT_MS = 30_000;
/** RFC 9110 §5.1 token, for -H names. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9110 §5.5 field-value: visible ASCII, obs-text, SP and HTAB inside (no CR, LF, NUL). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** A bad command line: `main` prints it with the usage line and exits 2. */
class UsageError extends Error {}

/**
 * Reads the command line (without `node get.mjs`).
 * @param {readonly string[]} argv
 * @returns {{ head: boolean, pipeline: number, timeoutMs: number, headers: [string, string][], urls: URL[] }}
 */
export function parseArgs(argv) {
  const options = { head: false, pipeline: 1, timeoutMs: DEFAULT_TIMEOUT_MS, headers: [], urls: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === "--head" || arg === "-I") options.head = true;
    else if (arg === "--pipeline") {
      const text = value();
      if (!/^[1-9][0-9]{0,3}$/.test(text)) throw new UsageError(`--pipeline takes a whole number from 1 to 9999, got "${text}"`);
      options.pipeline = Number(text);
    } else if (arg === "--timeout") {
      const text = value();
      if (!/^[0-9]{1,6}(\.[0-9]{1,3})?$/.test(text) || Number(text) === 0) throw new UsageError(`--timeout takes seconds above 0, got "${text}"`);
      options.timeoutMs = Math.round(Number(text) * 1000);
    } else if (arg === "--header" || arg === "-H") {
      const text = value();
      const colon = text.indexOf(":");
      const name = colon < 0 ? "" : text.slice(0, colon);
      const field = text.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
      if (!TOKEN.test(name) || !FIELD_VALUE.test(field)) throw new UsageError(`not a header field "Name: value": ${JSON.stringify(text)}`);
      options.headers.push([name, field]);
    } else if (arg === "--help" || arg === "-h") throw new UsageError("help");
    else if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option ${arg}`);
    else options.urls.push(parseUrl(arg));
  }
  if (options.urls.length === 0) throw new UsageError("no URL given");
  return options;
}

/** @param {string} text */
function parseUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: ${text}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`only http: and https: URLs are supported: ${text}`);
  if (url.username !== "" || url.password !== "") throw new UsageError(`credentials in URLs are not supported: ${text}`);
  return url;
}

/**
 * The request head for one URL. `new URL()` has already percent-encoded the path and query,
 * so the target holds only bytes RFC 9112 §3.2 allows; the fragment is never sent.
 * @param {URL} url
 * @param {string} method
 * @param {readonly [string, string][]} extra
 */
export function requestHead(url, method, extra) {
  const has = (name) => extra.some(([n]) => n.toLowerCase() === name);
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\n`;
  if (!has("host")) head += `Host: ${url.host}\r\n`;
  if (!has("user-agent")) head += `User-Agent: ${USER_AGENT}\r\n`;
  if (!has("accept")) head += "Accept: */*\r\n";
  for (const [name, value] of extra) head += `${name}: ${value}\r\n`;
  return Buffer.from(`${head}\r\n`, "latin1");
}

/**
 * Whether the connection stays open after this response. The parser's `keepAlive` says so,
 * except for an answer to HEAD without framing fields, where it reads false although the
 * message has ended (see @k/parser's README, `keepAlive`): such an answer has no body, so
 * only the version and Connection decide (RFC 9112 §9.3).
 * @param {import("@k/parser").MessageHead} head
 * @param {boolean} isHead
 */
function persists(head, isHead) {
  if (head.keepAlive || !isHead) return head.keepAlive;
  let close = false;
  let keepAlive = false;
  const fields = head.rawHeaders;
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i].toLowerCase() !== "connection") continue;
    for (const token of fields[i + 1].split(",")) {
      const option = token.trim().toLowerCase();
      if (option === "close") close = true;
      else if (option === "keep-alive") keepAlive = true;
    }
  }
  return !close && (head.version === "1.1" || keepAlive);
}

/** The status line and fields of a head, as received modulo OWS (curl -sI prints the same). */
function formatHead(head) {
  let text = `HTTP/${head.version} ${head.status} ${head.reason}\r\n`;
  const fields = head.rawHeaders;
  for (let i = 0; i < fields.length; i += 2) text += `${fields[i]}: ${fields[i + 1]}\r\n`;
  return Buffer.from(`${text}\r\n`, "latin1");
}

/** One line for a socket error. */
function describeSocketError(error, url) {
  const where = `${url.hostname}:${url.port || (url.protocol === "https:" ? 443 : 80)}`;
  switch (error.code) {
    case "ECONNREFUSED":
      return `connection refused by ${where}`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `cannot resolve host ${url.hostname}`;
    case "ECONNRESET":
      return `connection reset by ${where}`;
    case "ETIMEDOUT":
      return `timed out connecting to ${where}`;
    default:
      return `${error.code ?? "error"} from ${where}: ${error.message}`;
  }
}

/**
 * @typedef {{ url: URL, method: string, status: number, error: string | null }} Job
 * One URL to fetch: `status` is the final response's status (0 until then), `error` the
 * one-line reason it failed.
 */

/**
 * One connection to one origin: writes requests (up to `pipeline` ahead) and reads their
 * responses, in order, with one response parser.
 */
class Connection {
  /** @type {import("node:net").Socket} */
  #socket;
  #parser;
  #options;
  #out;
  /** @type {Job[]} requests written, oldest first; the first one's response is being read. */
  #inflight = [];
  /** @type {Job[]} the shared queue this connection takes its requests from. */
  #queue = [];
  #answered = 0;
  /** Bytes of the current response consumed so far (0 between responses). */
  #partial = 0;
  #interim = false;
  #persist = true;
  #completed = false;
  #closed = false;
  /** @type {(() => void) | null} */
  #settle = null;

  /**
   * @param {URL} url the first URL (its origin is the connection's)
   * @param {{ head: boolean, pipeline: number, timeoutMs: number, headers: [string, string][] }} options
   * @param {NodeJS.WritableStream} out where bodies (or heads) go
   */
  constructor(url, options, out) {
    this.#options = options;
    this.#out = out;
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    this.#socket = url.protocol === "https:"
      ? tlsConnect({ host, port, servername: isIP(host) === 0 ? host : undefined, ALPNProtocols: ["http/1.1"] })
      : netConnect({ host, port });
    this.#socket.setTimeout(options.timeoutMs);
    this.#parser = createParser("response", {
      onHead: (head) => this.#onHead(head),
      onBody: (bytes) => this.#onBody(bytes),
      onComplete: () => this.#onComplete(),
    });
    this.#socket.on("data", (chunk) => this.#onData(chunk));
    this.#socket.on("end", () => this.#onEnd());
    this.#socket.on("error", (error) => this.#fail(describeSocketError(error, url)));
    this.#socket.on("timeout", () => this.#fail(`no answer from ${url.host} within ${options.timeoutMs / 1000} s`));
    this.#socket.on("close", () => this.#onEnd());
  }

  /** Whether another request may be sent on this connection. */
  get usable() {
    return !this.#closed && this.#persist;
  }

  /**
   * Sends the queue's requests (removing them) and resolves when each has its answer or its
   * error, or when the connection ended with some unanswered that may be retried: those
   * are put back at the front of the queue.
   * @param {Job[]} queue
   * @returns {Promise<void>}
   */
  run(queue) {
    this.#queue = queue;
    return new Promise((resolve) => {
      this.#settle = () => resolve();
      this.#pump();
    });
  }

  close() {
    this.#closed = true;
    this.#socket.destroy();
  }

  #pump() {
    while (this.usable && this.#inflight.length < this.#options.pipeline && this.#queue.length > 0) {
      const job = this.#queue.shift();
      this.#inflight.push(job);
      this.#socket.write(requestHead(job.url, job.method, this.#options.headers));
    }
    if (this.#inflight.length === 0 && this.#settle !== null) {
      const settle = this.#settle;
      this.#settle = null;
      settle();
    }
  }

  #onData(chunk) {
    let offset = 0;
    try {
      // onComplete pauses the parser, so each push stops at the end of a response and the
      // bytes of the next one are pushed only once its request is known to be in flight.
      while (offset < chunk.length && !this.#closed) {
        this.#completed = false;
        const used = this.#parser.push(offset === 0 ? chunk : chunk.subarray(offset));
        offset += used;
        if (!this.#completed) this.#partial += used;
        if (this.#completed && !this.#persist) break;
      }
    } catch (error) {
      if (isParseError(error)) {
        this.#fail(`cannot parse the response: ${error.code}: ${error.message}`, true);
      } else if (error instanceof UnexpectedResponse) {
        this.#fail(error.message, true);
      } else throw error;
      return;
    }
    if (this.#completed && !this.#persist) this.#endAfterClose();
  }

  #onHead(head) {
    const job = this.#inflight[0];
    if (job === undefined) throw new UnexpectedResponse("the server sent a response to no request");
    this.#interim = head.status < 200;
    if (head.status === 101) throw new UnexpectedResponse("unexpected 101 Switching Protocols (no upgrade was asked for)");
    if (this.#options.head) this.#write(formatHead(head));
    if (this.#interim) return false;
    job.status = head.status;
    this.#persist = persists(head, job.method === "HEAD");
    return job.method === "HEAD";
  }

  #onBody(bytes) {
    // A view into the socket's chunk, which nobody reuses: no copy needed.
    this.#write(bytes);
  }

  #onComplete() {
    this.#parser.pause();
    this.#completed = true;
    this.#partial = 0;
    if (this.#interim) return;
    this.#inflight.shift();
    this.#answered++;
    if (this.#persist) this.#pump();
  }

  #write(bytes) {
    if (!this.#out.write(bytes)) {
      // stdout is full: stop reading until it drains, so memory stays bounded.
      this.#socket.pause();
      this.#out.once("drain", () => this.#socket.resume());
    }
  }

  /** The last response said the connection ends: re-queue what it will never answer. */
  #endAfterClose() {
    this.#closed = true;
    this.#socket.destroy();
    this.#requeue();
  }

  #onEnd() {
    if (this.#closed) return;
    this.#closed = true;
    try {
      // Completes a close-delimited body; throws UNEXPECTED_EOF in the middle of a message.
      this.#parser.finish();
    } catch (error) {
      if (!isParseError(error)) throw error;
      this.#fail("the connection closed in the middle of a response", true);
      return;
    }
    this.#socket.destroy();
    this.#requeue();
  }

  /** The connection ended between responses: send again what it did not answer. */
  #requeue() {
    if (this.#inflight.length > 0 && this.#answered === 0) {
      // Never answered anything: sending again could loop forever.
      this.#fail("the connection closed without a response");
      return;
    }
    this.#queue.unshift(...this.#inflight);
    this.#inflight = [];
    this.#pump();
  }

  /**
   * Fails every request in flight (each prints its own line): all with `reason` when the
   * connection itself failed, or with `reason` for the response being read and a pointer to
   * it for those behind it (`responseFailed`).
   */
  #fail(reason, responseFailed = false) {
    this.#closed = true;
    this.#socket.destroy();
    for (const [index, job] of this.#inflight.entries()) {
      job.error ??= index > 0 && responseFailed ? "not answered: the response before it on the connection failed" : reason;
    }
    this.#inflight = [];
    this.#pump();
  }
}

/** A response that parses but cannot belong to any request sent. */
class UnexpectedResponse extends Error {}

/**
 * Fetches every URL in order and returns the exit status.
 * @param {readonly string[]} argv the arguments after `node get.mjs`
 * @param {{ stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream }} io
 */
export async function main(argv, io = process) {
  let options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message === "help") {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    io.stderr.write(`get: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  const method = options.head ? "HEAD" : "GET";
  /** @type {Job[]} */
  const jobs = options.urls.map((url) => ({ url, method, status: 0, error: null }));
  /** @type {Map<string, Connection>} */
  const connections = new Map();
  let failed = false;
  try {
    for (let start = 0; start < jobs.length;) {
      // A run of consecutive URLs with one origin goes through one connection, so responses
      // reach stdout in command-line order without buffering any of them.
      const origin = jobs[start].url.origin;
      let end = start + 1;
      while (end < jobs.length && jobs[end].url.origin === origin) end++;
      const queue = jobs.slice(start, end);
      while (queue.length > 0) {
        let connection = connections.get(origin);
        if (connection === undefined || !connection.usable) {
          connection = new Connection(queue[0].url, options, io.stdout);
          connections.set(origin, connection);
        }
        await connection.run(queue);
      }
      for (const job of jobs.slice(start, end)) {
        if (job.error !== null) io.stderr.write(`get: ${job.url.href}: ${job.error}\n`);
        else if (job.status < 200 || job.status > 399) io.stderr.write(`get: ${job.url.href}: status ${job.status}\n`);
        else continue;
        failed = true;
      }
      start = end;
    }
  } finally {
    for (const connection of connections.values()) connection.close();
  }
  return failed ? 1 : 0;
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.on("error", (error) => {
    // A reader that went away (`get.mjs URL | head`) is not an error of ours.
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = await main(process.argv.slice(2));
}
