/**
 * The `Date` response header value (IMF-fixdate, RFC 9110 §5.6.7), formatted at most once
 * per second and cached: formatting a date per response showed up in the pipelined bench.
 *
 * It does not use a timer. The clock is read at most once per synchronous run: responses
 * written in one run (a read's pipelined requests) share the reading, and a microtask lets the
 * next run read it again (16 clock reads per 16-deep read showed in the pipelined profile). A
 * response is stamped with the time its run started, within that run's duration.
 */

let cachedSecond = -1;
let cachedValue = "";
/** The clock was read in this synchronous run; a queued microtask clears it. */
let readThisRun = false;

function endRun(): void {
  readThisRun = false;
}

/** The current time as an IMF-fixdate string, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`. */
export function httpDate(now?: number): string {
  // An explicit time (tests) is formatted on its own and leaves the cache alone.
  if (now !== undefined) return new Date(Math.floor(now / 1000) * 1000).toUTCString();
  if (readThisRun) return cachedValue;
  readThisRun = true;
  queueMicrotask(endRun);
  const second = Math.floor(Date.now() / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    // toUTCString() is exactly IMF-fixdate for years 0..9999.
    cachedValue = new Date(second * 1000).toUTCString();
  }
  return cachedValue;
}
