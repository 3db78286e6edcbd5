/**
 * 256-entry byte-class tables named after the RFC 9110/9112 grammar rules.
 *
 * Why tables: one indexed load per byte instead of a chain of range compares in the
 * hottest loops (field values, targets, tokens). Does not: hold any state.
 */

function table(fill: (t: Uint8Array) => void): Uint8Array {
  const t = new Uint8Array(256);
  fill(t);
  return t;
}

/** tchar (RFC 9110 §5.6.2): 1 for bytes allowed in a token. */
export const TOKEN: Uint8Array = table((t) => {
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of "!#$%&'*+-.^_`|~") t[ch.charCodeAt(0)] = 1;
});

/**
 * request-target bytes (RFC 9112 §3.2 over RFC 3986 §2): unreserved, sub-delims, '%' and
 * the gen-delims ':' '/' '?' '@' '[' ']'. Not '#' (a fragment is never part of a
 * request-target, RFC 9110 §4.2.5) and none of the bytes RFC 3986 leaves out of URIs
 * altogether: SP, CTLs, DEL, obs-text and `"` `<` `>` `\` `^` `` ` `` `{` `|` `}`. A
 * recipient that maps `\` to `/` (as WHATWG URL parsers do) or lets it end a host reads a
 * different target than we do (host confusion: `http://good.example\@evil.example/`).
 * Where in the target '[', ']' and '%' may stand is the form check's business.
 */
export const TARGET: Uint8Array = table((t) => {
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of "-._~!$&'()*+,;=%:/?@[]") t[ch.charCodeAt(0)] = 1;
});

/**
 * The bytes of an origin-form target (RFC 9112 §3.2.1: absolute-path [ "?" query ]) that
 * need no further look: pchar, '/' and '?' without '%' (which must start a pct-encoded
 * triplet) and without '[' ']' (gen-delims allowed in an IP-literal host only).
 */
export const ORIGIN: Uint8Array = table((t) => {
  for (let c = 0; c < 256; c++) t[c] = TARGET[c]!;
  t[0x25] = 0;
  t[0x5b] = 0;
  t[0x5d] = 0;
});

/**
 * TARGET plus the bytes the opt-in `allowUnsafeTargetChars` admits in the path and query:
 * '{' '}' '|' '^' '`' (and '[' ']' anywhere), which WHATWG URL serializers (browsers,
 * `fetch`) leave unencoded. Never `\` `"` `<` `>` (host confusion, quoting).
 */
export const TARGET_LENIENT: Uint8Array = table((t) => {
  for (let c = 0; c < 256; c++) t[c] = TARGET[c]!;
  for (const ch of "{}|^`") t[ch.charCodeAt(0)] = 1;
});

/** ORIGIN plus the bytes `allowUnsafeTargetChars` admits: '[' ']' '{' '}' '|' '^' '`'. */
export const ORIGIN_LENIENT: Uint8Array = table((t) => {
  for (let c = 0; c < 256; c++) t[c] = ORIGIN[c]!;
  for (const ch of "[]{}|^`") t[ch.charCodeAt(0)] = 1;
});

/**
 * reg-name bytes of a host (RFC 3986 §3.2.2): unreserved and sub-delims ('%' starts a
 * pct-encoded triplet and is checked apart).
 */
export const REG_NAME: Uint8Array = table((t) => {
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of "-._~!$&'()*+,;=") t[ch.charCodeAt(0)] = 1;
});

/**
 * Bytes that may start a request-target (RFC 9112 §3.2): '/' (origin-form), '*'
 * (asterisk-form), ALPHA (absolute-form scheme, authority-form reg-name), DIGIT and '['
 * (authority-form IPv4 / IP-literal).
 */
export const TARGET_START: Uint8Array = table((t) => {
  t[0x2f] = 1;
  t[0x2a] = 1;
  t[0x5b] = 1;
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
});

/**
 * field-value bytes (RFC 9110 §5.5): 1 for SP/HTAB (OWS, trimmed at the ends), 2 for
 * VCHAR and obs-text, 0 for everything else (CTLs, DEL).
 */
export const FIELD_VCHAR: Uint8Array = table((t) => {
  t[0x09] = 1;
  t[0x20] = 1;
  for (let c = 0x21; c <= 0x7e; c++) t[c] = 2;
  for (let c = 0x80; c <= 0xff; c++) t[c] = 2;
});

/** 1 for every byte allowed in a field value (HTAB, SP, VCHAR, obs-text): FIELD_VCHAR as a 0/1 mask. */
export const FIELD_OK: Uint8Array = table((t) => {
  for (let c = 0; c < 256; c++) t[c] = FIELD_VCHAR[c] === 0 ? 0 : 1;
});

/** HEXDIG: the digit value plus one (0 = not a hex digit), so one load gives both. */
export const HEX: Uint8Array = table((t) => {
  for (let c = 0; c < 10; c++) t[0x30 + c] = c + 1;
  for (let c = 0; c < 6; c++) {
    t[0x41 + c] = c + 11;
    t[0x61 + c] = c + 11;
  }
});

/** qdtext (RFC 9110 §5.6.4): HTAB, SP, 0x21, 0x23-0x5B, 0x5D-0x7E, obs-text. */
export const QDTEXT: Uint8Array = table((t) => {
  t[0x09] = 1;
  t[0x20] = 1;
  t[0x21] = 1;
  for (let c = 0x23; c <= 0x5b; c++) t[c] = 1;
  for (let c = 0x5d; c <= 0x7e; c++) t[c] = 1;
  for (let c = 0x80; c <= 0xff; c++) t[c] = 1;
});

/** The bytes a quoted-pair may escape: HTAB, SP, VCHAR, obs-text. */
export const QUOTED_PAIR: Uint8Array = table((t) => {
  t[0x09] = 1;
  for (let c = 0x20; c <= 0x7e; c++) t[c] = 1;
  for (let c = 0x80; c <= 0xff; c++) t[c] = 1;
});
