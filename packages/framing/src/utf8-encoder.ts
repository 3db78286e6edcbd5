/**
 * A streaming UTF-8 encoder: strings in, bytes out, with a surrogate pair that is split
 * across two strings joined back into one code point.
 *
 * It does not buffer anything but a held high surrogate (one UTF-16 unit), and it does
 * not reuse output memory: every returned array is fresh and owned by the caller, so it
 * can go straight to a socket.
 */

import { EMPTY } from "./constants.js";

const REPLACEMENT = "\uFFFD";

function isHigh(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/**
 * Encodes a stream of strings as UTF-8 (WHATWG Encoding / RFC 3629). A high surrogate at
 * the end of one string is held and joined with a low surrogate at the start of the next;
 * a lone surrogate anywhere becomes U+FFFD (`EF BF BD`), as `TextEncoder` does; `end()`
 * flushes a held high surrogate as U+FFFD. For any split of a string `s` into parts,
 * the concatenated outputs equal `new TextEncoder().encode(s)`.
 *
 * @example
 * const encoder = new Utf8StreamEncoder();
 * const a = encoder.encode("smile \uD83D"); // "smile " (the high surrogate is held)
 * const b = encoder.encode("\uDE00!");      // "😀!"
 * const c = encoder.end();                  // empty
 */
export class Utf8StreamEncoder {
  /** A held high surrogate, or "" when none. */
  #pending = "";

  /** Encodes `text`, holding a trailing high surrogate back for the next call. */
  encode(text: string): Uint8Array {
    if (this.#pending !== "") {
      text = this.#pending + text;
      this.#pending = "";
    }
    const last = text.length - 1;
    if (last >= 0 && isHigh(text.charCodeAt(last))) {
      this.#pending = text[last] as string;
      text = text.slice(0, last);
    }
    if (text.length === 0) return EMPTY.slice();
    // Buffer.from(text, "utf8") encodes in C++ (and turns lone surrogates into U+FFFD like
    // TextEncoder) and takes small results from Buffer's pool: faster than encodeInto into
    // a fresh array for the short strings handlers mostly write (bench: "encoder").
    return Buffer.from(text, "utf8");
  }

  /** True when a high surrogate is held back, waiting for the next string. */
  get pending(): boolean {
    return this.#pending !== "";
  }

  /** Ends the stream: a held high surrogate comes out as U+FFFD. The encoder is reusable after. */
  end(): Uint8Array {
    if (this.#pending === "") return EMPTY.slice();
    this.#pending = "";
    return Buffer.from(REPLACEMENT, "utf8");
  }
}
