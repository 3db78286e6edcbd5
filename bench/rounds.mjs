// Pure helpers of bench/http.mjs: the order servers run in per round, and the median of
// rounds. No I/O; tested in bench/test/rounds.test.mjs.

/**
 * The order of `servers` in round `round` (0-based). Odd rounds reverse the round before them
 * (A B C, then C B A: ABBA for two servers), and every pair of rounds starts one server further
 * on (B C A, A C B, ...), so over the rounds each server runs early, late and next to each of
 * the others, and slow drift on a shared machine falls on all of them alike.
 */
export function roundOrder(servers, round) {
  const n = servers.length;
  if (n === 0) return [];
  const shift = Math.floor(round / 2) % n;
  const rotated = [...servers.slice(shift), ...servers.slice(0, shift)];
  return round % 2 === 0 ? rotated : rotated.reverse();
}

/** The median of the numbers that are not NaN (NaN when there are none). */
export function median(numbers) {
  const sorted = numbers.filter((n) => !Number.isNaN(n)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
