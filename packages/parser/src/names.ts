/**
 * Recognises the header names the parser interprets, and standard methods, straight from
 * bytes, and decodes field bytes as latin1.
 *
 * Why only the interpreted names: every name must be checked for the six the parser
 * derives facts from (Content-Length, Transfer-Encoding, Host, Connection, Upgrade,
 * Expect), and with one candidate per length a first-byte compare rejects nearly every
 * other name. Comparing each name against a few dozen well-known spellings to hand back a
 * shared string cost more than the slice it saved (a quarter of a browser head's time in a
 * profile; bench: browser GET, 32 pipelined GETs). Names stay AS RECEIVED: a shared string
 * is returned only when the bytes equal its lower-case or canonical spelling exactly.
 * Does not: keep references to the bytes it reads.
 */

/** Header ids the parser derives facts from; everything else is OTHER. */
export const HEADER_OTHER = 0;
export const HEADER_CONTENT_LENGTH = 1;
export const HEADER_TRANSFER_ENCODING = 2;
export const HEADER_HOST = 3;
export const HEADER_CONNECTION = 4;
export const HEADER_UPGRADE = 5;
export const HEADER_EXPECT = 6;

const KNOWN: ReadonlyArray<readonly [canonical: string, id: number]> = [
  ["Host", HEADER_HOST],
  ["Content-Length", HEADER_CONTENT_LENGTH],
  ["Transfer-Encoding", HEADER_TRANSFER_ENCODING],
  ["Connection", HEADER_CONNECTION],
  ["Upgrade", HEADER_UPGRADE],
  ["Expect", HEADER_EXPECT],
];

const codes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

// The six names have six different lengths, so a length names at most one candidate: one
// load rejects most names, a first-byte compare nearly all the rest.
const LONGEST_KNOWN = 17;
const ID_BY_LENGTH = new Uint8Array(LONGEST_KNOWN + 1);
const LOWER_CODES: Uint8Array[] = [];
const CANONICAL_CODES: Uint8Array[] = [];

/**
 * The shared string for each result of {@link knownHeaderCode}: `id * 4 + 1` the canonical
 * spelling, `id * 4 + 2` the lower-case one; `""` for every other code (decode the bytes).
 */
export const KNOWN_SPELLINGS: readonly string[] = Array.from({ length: (KNOWN.length + 1) * 4 }, () => "");

for (const [canonical, id] of KNOWN) {
  const lower = canonical.toLowerCase();
  if (ID_BY_LENGTH[lower.length] !== 0 || lower.length > LONGEST_KNOWN) throw new Error(`header name ${canonical}: one name per length`);
  ID_BY_LENGTH[lower.length] = id;
  LOWER_CODES[id] = codes(lower);
  CANONICAL_CODES[id] = codes(canonical);
  (KNOWN_SPELLINGS as string[])[id * 4 + 1] = canonical;
  (KNOWN_SPELLINGS as string[])[id * 4 + 2] = lower;
}

/**
 * Recognises the header name in `buf[s, e)` (already validated as a token): 0 for a name
 * the parser does not interpret, else `id * 4 + spelling` where id is its HEADER_* and
 * spelling is 1 when the bytes are the canonical spelling, 2 when lower-case (both have a
 * shared string in {@link KNOWN_SPELLINGS}), 3 for any other casing. A number and no
 * module state: a caller reads the id with `code >> 2`.
 */
export function knownHeaderCode(buf: Uint8Array, s: number, e: number): number {
  const len = e - s;
  if (len > LONGEST_KNOWN) return 0;
  const id = ID_BY_LENGTH[len]!;
  if (id === 0) return 0;
  const lower = LOWER_CODES[id]!;
  if ((buf[s]! | 0x20) !== lower[0]) return 0;
  // Exact spellings first (one compare per byte): clients send one of these nearly always.
  if (sameBytes(buf, s, CANONICAL_CODES[id]!)) return id * 4 + 1;
  if (sameBytes(buf, s, lower)) return id * 4 + 2;
  if (sameBytesFolded(buf, s, lower)) return id * 4 + 3;
  return 0;
}

function sameBytes(buf: Uint8Array, s: number, codes: Uint8Array): boolean {
  for (let j = 0; j < codes.length; j++) if (buf[s + j] !== codes[j]) return false;
  return true;
}

function sameBytesFolded(buf: Uint8Array, s: number, lower: Uint8Array): boolean {
  // `| 0x20` folds A-Z onto a-z; the other bytes of a known name ('-') already have the
  // bit set, and a token byte cannot fold onto a letter or '-' unless it is one.
  for (let j = 0; j < lower.length; j++) if ((buf[s + j]! | 0x20) !== lower[j]) return false;
  return true;
}

const METHODS: string[] = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"];
const METHODS_BY_LENGTH: string[][] = [];
for (const m of METHODS) (METHODS_BY_LENGTH[m.length] ??= []).push(m);

/** The method in `buf[s, e)` (a validated token) when it is a standard one (case-sensitive), else undefined. */
export function knownMethod(buf: Uint8Array, s: number, e: number): string | undefined {
  const bucket = METHODS_BY_LENGTH[e - s];
  if (bucket !== undefined) {
    outer: for (let b = 0; b < bucket.length; b++) {
      const m = bucket[b]!;
      for (let j = 0; j < m.length; j++) if (buf[s + j] !== m.charCodeAt(j)) continue outer;
      return m;
    }
  }
  return undefined;
}

interface Latin1Buffer extends Uint8Array {
  latin1Slice(start: number, end: number): string;
}

// Buffer#latin1Slice is the native decoder behind toString("latin1") without its argument
// checks; we use it when present (Node), and a chunked fromCharCode loop otherwise.
const HAS_LATIN1_SLICE: boolean =
  typeof Buffer === "function" &&
  typeof (Buffer.prototype as unknown as Partial<Latin1Buffer>).latin1Slice === "function";

const BUFFER_PROTO: object | null = HAS_LATIN1_SLICE ? Buffer.prototype : null;

/**
 * Wraps `bytes` as a Buffer over the same memory (no copy) so that {@link latin1} can use
 * the native decoder. Returns `bytes` itself when it is a Buffer or Buffer is absent.
 */
export function asNativeBytes(bytes: Uint8Array): Uint8Array {
  // A prototype compare instead of Buffer.isBuffer: it runs once per push, and a byte-at-a-
  // time profile showed the instanceof path (benchmark: head pushed one byte per push).
  if (!HAS_LATIN1_SLICE || Object.getPrototypeOf(bytes) === BUFFER_PROTO || Buffer.isBuffer(bytes)) return bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes `buf[s, e)` as latin1 (each byte one code unit). `buf` must come from
 * {@link asNativeBytes} (then it is a Buffer whenever the native decoder exists).
 */
export function latin1(buf: Uint8Array, s: number, e: number): string {
  if (e <= s) return "";
  // No Buffer.isBuffer here: asNativeBytes already guarantees it, and this runs per field.
  if (HAS_LATIN1_SLICE) return (buf as unknown as Latin1Buffer).latin1Slice(s, e);
  let out = "";
  for (let p = s; p < e; p += 4096) {
    out += String.fromCharCode.apply(null, buf.subarray(p, Math.min(e, p + 4096)) as unknown as number[]);
  }
  return out;
}
