/**
 * createRouter: maps path prefixes to request handlers (the "resource glue"). The longest
 * matching prefix wins; a route may be limited to methods.
 *
 * It does not decode paths, match patterns or extract parameters: prefixes only, compared
 * against the raw (undecoded) path, so "/a%2Fb" never matches "/a/b".
 */
import { HttpError } from "./errors.js";
import type { HttpRequest } from "./request.js";
import type { HandlerResult, RequestHandler } from "./types.js";

/** One route: a path prefix, optional methods, the handler. */
export interface Route {
  prefix: string;
  /** Methods this route answers (HEAD is implied by GET). All when omitted. */
  methods?: readonly string[];
  handler: RequestHandler;
}

/** Options of `createRouter`. */
export interface RouterOptions {
  /** Answers when no prefix matches. Default: 404 text. */
  notFound?: RequestHandler;
  /**
   * "segment" (default): "/echo" matches "/echo" and "/echo/x", not "/echoes".
   * "any": a plain string prefix ("/echo" also matches "/echoes").
   */
  boundary?: "segment" | "any";
}

function matches(path: string, prefix: string, segment: boolean): boolean {
  if (!path.startsWith(prefix)) return false;
  if (!segment || path.length === prefix.length || prefix.endsWith("/")) return true;
  return path.charCodeAt(prefix.length) === 0x2f;
}

const notFoundDefault: RequestHandler = (): HandlerResult => ({
  status: 404,
  headers: { "content-type": "text/plain; charset=utf-8" },
  body: "Not Found\n",
});

/**
 * Creates a handler that dispatches on the longest matching prefix: 404 when nothing
 * matches, 405 with `Allow` when a prefix matches but not the method.
 * @example
 * ```ts
 * const handler = createRouter([
 *   { prefix: "/hello", methods: ["GET"], handler: () => ({ status: 200, body: "hi" }) },
 *   { prefix: "/", handler: staticFiles },
 * ]);
 * ```
 */
export function createRouter(routes: readonly Route[], options: RouterOptions = {}): RequestHandler {
  const segment = (options.boundary ?? "segment") === "segment";
  const notFound = options.notFound ?? notFoundDefault;
  // Longest prefix first; equal prefixes keep their given order.
  const sorted = routes
    .map((route, index) => ({
      route,
      index,
      methods: route.methods === undefined ? null : new Set(route.methods.map((m) => m.toUpperCase())),
    }))
    .sort((a, b) => b.route.prefix.length - a.route.prefix.length || a.index - b.index);
  for (const r of sorted) if (r.methods !== null && r.methods.has("GET")) r.methods.add("HEAD");

  return (request: HttpRequest) => {
    const path = request.path;
    const method = request.method.toUpperCase();
    let allowed: Set<string> | null = null;
    let matchedLength = -1;
    for (const r of sorted) {
      // Only the longest matching prefix decides between 405 and a handler.
      if (matchedLength > r.route.prefix.length) break;
      if (!matches(path, r.route.prefix, segment)) continue;
      if (r.methods === null || r.methods.has(method)) return r.route.handler(request);
      matchedLength = r.route.prefix.length;
      allowed ??= new Set();
      for (const m of r.methods) allowed.add(m);
    }
    if (allowed !== null) {
      const allow = [...allowed].join(", ");
      throw new HttpError(405, "Method Not Allowed", { headers: { Allow: allow } });
    }
    return notFound(request);
  };
}
