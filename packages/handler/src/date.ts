/**
 * The `Date` response header value (IMF-fixdate, RFC 9110 §5.6.7), formatted at most once
 * per second and cached: formatting a date per response showed up in the pipelined bench.
 *
 * It does not use a timer: the cache is checked against `Date.now()` on use.
 */

let cachedSecond = -1;
let cachedValue = "";

/** The current time as an IMF-fixdate string, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`. */
export function httpDate(now: number = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    // toUTCString() is exactly IMF-fixdate for years 0..9999.
    cachedValue = new Date(second * 1000).toUTCString();
  }
  return cachedValue;
}
