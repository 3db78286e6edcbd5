/**
 * Maps a request-target to path segments under the static root, refusing anything that
 * could name a file outside it, whatever the encoding.
 *
 * It works on the raw target (not on a URL parser's normalised view, which would quietly
 * resolve `..`), decodes percent-escapes exactly once, and rejects instead of repairing:
 * `..`/`.` segments, encoded slashes and backslashes, NUL, malformed escapes → 400;
 * dotfiles → 404. It does not touch the file system: symlinks are checked by the caller
 * against the real path of the root.
 */

/** A target that names a path under the root. */
export interface StaticPath {
  ok: true;
  /** Decoded, non-empty path segments (empty segments from `//` are dropped). */
  segments: string[];
  /** The same segments as received (still percent-encoded), for building a redirect. */
  rawSegments: string[];
  /** True when the path ends with `/` (a directory was asked for). */
  trailingSlash: boolean;
  /** The query including its `?`, or "" (kept on redirects). */
  query: string;
}

/** A target that must not reach the file system. */
export interface StaticPathRefusal {
  ok: false;
  status: 400 | 404;
  reason: string;
}

// RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://" for absolute-form.
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/**
 * Resolves a request-target (origin-form `/a/b?q` or absolute-form `http://h/a/b?q`) to
 * decoded path segments, or refuses it.
 *
 * @example
 * resolveStaticPath("/css/site.css?v=1") // { ok: true, segments: ["css", "site.css"], ... }
 * resolveStaticPath("/%2e%2e/etc/passwd") // { ok: false, status: 400, ... }
 */
export function resolveStaticPath(target: string): StaticPath | StaticPathRefusal {
  let rest = target;
  if (!rest.startsWith("/")) {
    const absolute = ABSOLUTE_FORM.exec(rest);
    if (absolute === null) return { ok: false, status: 400, reason: "not a path" };
    rest = rest.slice(absolute[0].length);
    if (rest === "" || rest.startsWith("?")) rest = "/" + rest;
    if (!rest.startsWith("/")) return { ok: false, status: 400, reason: "not a path" };
  }
  const queryAt = rest.indexOf("?");
  const rawPath = queryAt === -1 ? rest : rest.slice(0, queryAt);
  const query = queryAt === -1 ? "" : rest.slice(queryAt);
  // A fragment never belongs in a request-target (RFC 9112 §3.2); refuse rather than guess.
  if (rawPath.includes("#")) return { ok: false, status: 400, reason: "fragment in target" };

  const rawSegments: string[] = [];
  const segments: string[] = [];
  for (const raw of rawPath.split("/")) {
    if (raw === "") continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 400, reason: "malformed percent-encoding" };
    }
    // An encoded "/" or "\" would let one segment name another directory; NUL truncates
    // paths in C APIs; any control character has no business in a file name we serve.
    if (/[\/\\\u0000-\u001f\u007f]/.test(segment)) {
      return { ok: false, status: 400, reason: "forbidden character in path" };
    }
    if (segment === "." || segment === "..") {
      return { ok: false, status: 400, reason: "dot segment in path" };
    }
    // Dotfiles (.env, .git, ...) are never served; to the client they do not exist.
    if (segment.startsWith(".")) return { ok: false, status: 404, reason: "dotfile" };
    rawSegments.push(raw);
    segments.push(segment);
  }
  return {
    ok: true,
    segments,
    rawSegments,
    trailingSlash: rawPath.endsWith("/"),
    query,
  };
}
