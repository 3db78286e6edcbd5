/**
 * Static files from a root directory: GET and HEAD, Content-Type from `mime-types`,
 * `index.html` for directories (301 to the slash form first), weak ETag and Last-Modified,
 * 304/412 by RFC 9110 §13.2.2, single byte ranges (206/416), dotfiles hidden, and nothing
 * outside the root: the target is checked lexically (static-path.ts) and the real path of the
 * file (symlinks resolved) must lie inside the real path of the root.
 *
 * Files are streamed from an open handle in bounded pieces (64 KiB reads), one piece per
 * request of the connection, so memory is bounded for any file size. No directory listings,
 * no multipart ranges (a multi-range request gets the whole file with 200).
 *
 * Precompressed siblings (`app.js.br`, `app.js.gz`, made by the site's build): with
 * `precompressed`, a GET or HEAD without Range whose Accept-Encoding takes br or gzip gets the
 * sibling's bytes with `Content-Encoding`, the original's Content-Type and the sibling's own
 * validators; every response for a file that has siblings says `Vary: Accept-Encoding`. Range
 * requests are always served from the identity file. Compressing on the fly is not done here
 * but by @k/handler's compress() around the whole demo handler.
 */
import { open, realpath, stat } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import type { Stats } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import mime from "mime-types";
import { negotiateEncoding } from "@k/handler";
import type { ContentCoding, HttpRequest, ResponseHead, WholeResponse } from "@k/handler";
import { createETag, evaluatePreconditions, formatHttpDate, ifRangeAllows, parseRange } from "./conditional.js";
import { htmlError, methodNotAllowed, plainText } from "./responses.js";
import type { DemoResult } from "./responses.js";
import { resolveStaticPath } from "./static-path.js";

/** Size of each read from a file: bounds the memory one download holds. */
export const staticReadSize: number = 64 * 1024;

/** Options of {@link createStaticHandler}. */
export interface StaticOptions {
  /** The directory to serve. */
  root: string;
  /** Serve `<file>.br` / `<file>.gz` to clients that accept them. Default true. */
  precompressed?: boolean;
}

/** The precompressed siblings looked for, in the server's preference order, with their suffix. */
const SIBLINGS: readonly (readonly [ContentCoding, string])[] = [
  ["br", ".br"],
  ["gzip", ".gz"],
];
const SIBLING_CODINGS: readonly ContentCoding[] = SIBLINGS.map(([coding]) => coding);
// A request for a sibling itself (`app.js.gz`) is served as that file, not looked up again.
const SIBLING_SUFFIX = /\.(?:br|gz)$/;

/** A precompressed sibling chosen for a request. */
interface Sibling {
  coding: ContentCoding;
  real: string;
  stats: Stats;
}

/**
 * The sibling of `real` to serve, or null; `vary` is true when `real` has any sibling (the
 * answer then depends on Accept-Encoding, whichever file is sent). Siblings are checked like
 * the file itself: real path inside the root, no dotfile, a regular file.
 */
async function findSibling(root: string, real: string, request: HttpRequest): Promise<{ sibling: Sibling | null; vary: boolean }> {
  const present: Sibling[] = [];
  for (const [coding, suffix] of SIBLINGS) {
    const path = await realInside(root, real + suffix);
    if (path === null) continue;
    const stats = await statOrNull(path);
    if (stats !== null && stats.isFile()) present.push({ coding, real: path, stats });
  }
  if (present.length === 0) return { sibling: null, vary: false };
  // RFC 9110 §14.2: ranges are served from the identity file only, so a Range request gets it.
  if (request.method === "GET" && request.headers.has("range")) return { sibling: null, vary: true };
  const coding = negotiateEncoding(
    request.headers.get("accept-encoding"),
    SIBLING_CODINGS.filter((c) => present.some((p) => p.coding === c)),
  );
  return { sibling: present.find((p) => p.coding === coding) ?? null, vary: true };
}

const STATIC_METHODS = ["GET", "HEAD"] as const;

/** The 404 page. */
export function notFound(): WholeResponse {
  return htmlError(404, "Not Found", "There is nothing at this address.");
}

// File-system answers that mean "no such file here" to a client.
const MISSING = new Set(["ENOENT", "ENOTDIR", "ENAMETOOLONG", "EACCES", "EPERM", "ELOOP", "EISDIR"]);

function isMissing(error: unknown): boolean {
  return typeof error === "object" && error !== null && MISSING.has((error as { code?: string }).code ?? "");
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The real path of `path` if it exists, lies under `root` (itself a real path) and is not a dotfile, else null. */
async function realInside(root: string, path: string): Promise<string | null> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  if (!isInside(root, real)) return null;
  // A symlink may also lead to a dotfile under the root (public.txt -> .env): hidden too.
  if (relative(root, real).split(sep).some((segment) => segment.startsWith("."))) return null;
  return real;
}

/**
 * Creates the static-file handler for a root directory.
 *
 * @example
 * const files = createStaticHandler({ root: "./public" });
 */
export function createStaticHandler(options: StaticOptions): (request: HttpRequest) => Promise<DemoResult> {
  const precompressed = options.precompressed ?? true;
  let realRoot: Promise<string> | undefined;
  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed(STATIC_METHODS);
    const resolved = resolveStaticPath(request.target);
    if (!resolved.ok) {
      return resolved.status === 404 ? notFound() : htmlError(400, "Bad Request", `This path is refused: ${resolved.reason}.`);
    }
    // Cached once resolved; a failure is not cached, so a root that reappears is served again.
    realRoot ??= realpath(options.root).catch((error: unknown) => {
      realRoot = undefined;
      throw error;
    });
    const root = await realRoot;

    // Symlinks may point anywhere: every path is resolved to its real path and checked to lie
    // under the root's before anything about it (even "is a directory") reaches the client.
    let real = await realInside(root, join(root, ...resolved.segments));
    if (real === null) return notFound();
    let stats = await statOrNull(real);
    if (stats === null) return notFound();
    if (stats.isDirectory()) {
      if (!resolved.trailingSlash && resolved.segments.length > 0) {
        // Built from the checked segments, never from the raw target: "//evil.example" must
        // not become a protocol-relative redirect.
        const location = "/" + resolved.rawSegments.join("/") + "/" + resolved.query;
        return plainText(301, `Moved to ${location}\n`, { location });
      }
      real = await realInside(root, join(real, "index.html"));
      if (real === null) return notFound();
      stats = await statOrNull(real);
    } else if (resolved.trailingSlash) {
      return notFound();
    }
    // Only regular files: opening a FIFO or a device could block or never end.
    if (stats === null || !stats.isFile()) return notFound();

    const type = mime.contentType(extname(real)) || "application/octet-stream";
    let encoding: ContentCoding | null = null;
    let vary = false;
    if (precompressed && !SIBLING_SUFFIX.test(real)) {
      const found = await findSibling(root, real, request);
      vary = found.vary;
      if (found.sibling !== null) {
        ({ real, stats } = found.sibling);
        encoding = found.sibling.coding;
      }
    }

    let handle: FileHandle;
    try {
      handle = await open(real, "r");
    } catch (error) {
      if (isMissing(error)) return notFound();
      throw error;
    }
    let streaming = false;
    try {
      // Validators from the open handle, so they describe the bytes we will send.
      const file = await handle.stat();
      const result = respond(request, { type, encoding, vary }, file, handle);
      // Only the file-reading component takes over the handle (and closes it when it ends).
      streaming = result.readsFile;
      return result.response;
    } finally {
      if (!streaming) await handle.close();
    }
  };
}

/** What is sent about the representation: the original's type, and the sibling's coding if one is sent. */
interface Representation {
  type: string;
  encoding: ContentCoding | null;
  /** The file has precompressed siblings: the answer depends on Accept-Encoding. */
  vary: boolean;
}

function respond(request: HttpRequest, representation: Representation, file: Stats, handle: FileHandle): { response: DemoResult; readsFile: boolean } {
  const response = choose(request, representation, file, handle);
  return { response, readsFile: readers.has(response) };
}

// The components made by readFile: they own their file handle.
const readers = new WeakSet<object>();

function choose(request: HttpRequest, representation: Representation, file: Stats, handle: FileHandle): DemoResult {
  const etag = createETag(file);
  const validators: Record<string, string> = {
    etag,
    "last-modified": formatHttpDate(file.mtimeMs),
    "cache-control": "no-cache",
  };
  // RFC 9110 §15.4.5: a 304 carries the Vary the 200 would.
  if (representation.vary) validators["vary"] = "Accept-Encoding";
  const precondition = evaluatePreconditions(
    {
      method: request.method,
      ifMatch: request.headers.get("if-match"),
      ifNoneMatch: request.headers.get("if-none-match"),
      ifModifiedSince: request.headers.get("if-modified-since"),
      ifUnmodifiedSince: request.headers.get("if-unmodified-since"),
    },
    etag,
    file.mtimeMs,
  );
  // RFC 9110 §8.6: a 304 may carry Content-Length only if it equals the 200's; @k/framing
  // writes `length` as that Content-Length and sends no body.
  if (precondition === 304) return { status: 304, headers: validators, length: file.size };
  if (precondition === 412) return plainText(412, "Precondition Failed\n");

  const headers: Record<string, string> = { "content-type": representation.type, ...validators };
  if (representation.encoding !== null) {
    // The sibling's bytes are not ranges of the identity file: no Accept-Ranges on them.
    headers["content-encoding"] = representation.encoding;
  } else {
    headers["accept-ranges"] = "bytes";
  }
  const size = file.size;
  // RFC 9110 §14.2: range handling is defined for GET only.
  const range =
    request.method === "GET" && representation.encoding === null && ifRangeAllows(request.headers.get("if-range"), etag, file.mtimeMs)
      ? parseRange(request.headers.get("range"), size)
      : ({ kind: "none" } as const);

  if (range.kind === "unsatisfiable") {
    return plainText(416, "Range Not Satisfiable\n", { "content-range": `bytes */${size}`, ...validators });
  }
  let start = 0;
  let end = size - 1;
  let status = 200;
  if (range.kind === "range") {
    ({ start, end } = range.range);
    status = 206;
    headers["content-range"] = `bytes ${start}-${end}/${size}`;
  }
  const head: ResponseHead = { status, headers, length: end - start + 1 };
  if (request.method === "HEAD" || head.length === 0) return head;
  const reader = readFile(head, handle, start, end);
  readers.add(reader);
  return reader;
}

/**
 * The component that streams [start, end] of an open file in staticReadSize pieces and owns
 * the handle. Written as an iterator rather than an async generator because a generator
 * that never started ignores return(): a client gone before the first part would leave
 * the handle open. Here return() closes it in every state.
 */
function readFile(head: ResponseHead, handle: FileHandle, start: number, end: number): AsyncIterable<ResponseHead | Uint8Array> {
  let position = start;
  let headSent = false;
  let closed = false;
  const finished: IteratorReturnResult<undefined> = { done: true, value: undefined };
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  const iterator: AsyncIterator<ResponseHead | Uint8Array, undefined> = {
    async next() {
      if (closed) return finished;
      if (!headSent) {
        headSent = true;
        return { done: false, value: head };
      }
      try {
        if (position > end) {
          await close();
          return finished;
        }
        // A fresh buffer per read: the previous one may still sit in the socket's queue.
        const buffer = new Uint8Array(Math.min(staticReadSize, end - position + 1));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        // The file shrank under us: stop; the connection sees a short body and aborts it.
        if (bytesRead === 0) {
          await close();
          return finished;
        }
        position += bytesRead;
        return { done: false, value: bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead) };
      } catch (error) {
        await close();
        throw error;
      }
    },
    async return() {
      await close();
      return finished;
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}
