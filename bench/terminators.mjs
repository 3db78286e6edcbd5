// Counting HTTP/1.1 request-head terminators ("\r\n\r\n") in a byte stream that arrives in
// arbitrary reads, for the raw-socket ceiling (bench/raw-net-server.mjs). Not a parser: it
// does not look at anything else, so a body containing "\r\n\r\n" would be counted too (the
// bench only sends GETs without bodies). Matches do not overlap: "\r\n\r\n\r\n" is one
// terminator followed by a stray CRLF, as a server reading request lines sees it.
// Pure: no I/O, tested in bench/test/terminators.test.mjs.

const TERMINATOR = Buffer.from("\r\n\r\n", "latin1");

/**
 * Returns a counter for one connection: called with each read, it returns how many
 * terminators END in that read. A terminator split across reads counts once, in the read that
 * completes it. Only the number of terminator bytes matched at the end of the last read is
 * kept (0-3), so memory does not grow with the stream.
 */
export function createTerminatorCounter() {
  // How many leading bytes of TERMINATOR the stream currently ends with, outside any counted one.
  let partial = 0;
  return function count(chunk) {
    let found = 0;
    let from = 0;
    if (partial > 0) {
      let matched = partial;
      let i = 0;
      while (i < chunk.length && matched < 4 && chunk[i] === TERMINATOR[matched]) {
        i++;
        matched++;
      }
      if (matched === 4) {
        found++;
        from = i;
      } else if (i === chunk.length) {
        // The whole read continued the prefix without completing it ("\r" then "\n" then ...).
        partial = matched;
        return 0;
      }
      // On a mismatch no shorter suffix can complete either (the only one is "\r" inside
      // "\r\n\r", which needs the same next byte "\n"); a terminator starting inside this
      // read is found by the scan below, which starts at 0.
      partial = 0;
    }
    for (let at = chunk.indexOf(TERMINATOR, from); at !== -1; at = chunk.indexOf(TERMINATOR, from)) {
      found++;
      from = at + 4;
    }
    for (let k = 3; k > 0; k--) {
      if (chunk.length - k >= from && chunk[chunk.length - k] === 0x0d && endsWithPrefix(chunk, k)) {
        partial = k;
        break;
      }
    }
    return found;
  };
}

/** Whether `chunk` ends with the first `k` bytes of the terminator. */
function endsWithPrefix(chunk, k) {
  for (let j = 0; j < k; j++) {
    if (chunk[chunk.length - k + j] !== TERMINATOR[j]) return false;
  }
  return true;
}
