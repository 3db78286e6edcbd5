/**
 * The default error report: without an `onError` option, a failing component (a throw, a
 * rejection, a bad response) would leave no trace but its 500, so a newcomer's first bug was
 * invisible (issue 11). This prints one line per error to stderr: the request's method and
 * target, then the error's stack with its frames joined by " | ". At most {@link errorLogBurst} entries per second per process;
 * the rest are counted and the count is printed with the next entry that gets through.
 *
 * An `onError` option replaces it completely. HttpErrors below 500 are answers a component
 * chose (or the client's fault) and are not printed. It never throws.
 */
import { isHttpError } from "./errors.js";
import type { HttpRequest } from "./request.js";

/** Entries {@link logError} prints per second at most; the rest are counted. */
export const errorLogBurst: number = 10;

let windowStart = 0;
let inWindow = 0;
let suppressed = 0;

/** Where {@link logError} writes; tests and embedders may swap it (process.stderr by default). */
export const errorLogTarget: { write: (text: string) => void } = {
  write: (text) => {
    process.stderr.write(text);
  },
};

/**
 * Prints `error` (with `request`'s method and target) to stderr, rate-limited. The default
 * `onError` of a connection; call it from your own `onError` to keep its output.
 * @example
 * ```ts
 * serve({ handler, onError: (e, req) => { metrics.errors++; logError(e, req); } });
 * ```
 */
export function logError(error: unknown, request?: HttpRequest): void {
  if (isHttpError(error) && error.status < 500) return;
  try {
    const now = Date.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      inWindow = 0;
    }
    if (inWindow >= errorLogBurst) {
      suppressed++;
      return;
    }
    inWindow++;
    let text = "";
    if (suppressed > 0) {
      text += `@k/handler: ${suppressed} more error${suppressed === 1 ? "" : "s"} not printed (at most ${errorLogBurst} per second)\n`;
      suppressed = 0;
    }
    const where = request === undefined ? "connection error" : `error in ${request.method} ${printable(request.target)}`;
    const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
    // One line per error (log collectors split on newlines): stack frames joined by " | ".
    text += `@k/handler: ${where}: ${detail.replace(/\s*\n\s*/g, " | ")}\n`;
    errorLogTarget.write(text);
  } catch {
    // Reporting must never become the failure.
  }
}

/** The target is client-controlled: control characters are escaped so a line cannot be forged. */
function printable(target: string): string {
  return target.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
