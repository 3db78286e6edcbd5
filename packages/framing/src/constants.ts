/**
 * Preallocated byte sequences the framers write, built once at load time.
 *
 * These arrays are shared: never mutate them (a typed array cannot be frozen). A sink
 * may keep a reference to them for as long as it likes.
 */

function ascii(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** `HTTP/1.1 100 Continue\r\n\r\n`: the interim answer to `Expect: 100-continue` (RFC 9110 §10.1.1). */
export const CONTINUE_100: Uint8Array = ascii("HTTP/1.1 100 Continue\r\n\r\n");

/** `\r\n`: ends every chunk's data (RFC 9112 §7.1). */
export const CRLF: Uint8Array = ascii("\r\n");

/** `0\r\n\r\n`: the last chunk with no trailers (RFC 9112 §7.1). */
export const LAST_CHUNK: Uint8Array = ascii("0\r\n\r\n");

/** `0\r\n`: the last-chunk line that trailer fields follow (RFC 9112 §7.1.2). */
export const LAST_CHUNK_LINE: Uint8Array = ascii("0\r\n");

/** An empty array, written nowhere: returned for "nothing to send". */
export const EMPTY: Uint8Array = new Uint8Array(0);
