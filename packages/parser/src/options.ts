/**
 * Default limits of @k/parser, exported so that callers can derive their own from them.
 *
 * Does not: validate options (the parser does, when it is created).
 */

/** Default largest head (start line + fields + final CRLF), in bytes. */
export const defaultMaxHeadSize = 16384;
/**
 * Default most header fields in one head: node:http's own default (`maxHeadersCount`), so a
 * request that node and the peers in front of it accept is never refused for its count
 * alone. Memory and work stay bounded by maxHeadSize, which holds at most ~4,000 of the
 * shortest field lines ("a:" CRLF) anyway.
 */
export const defaultMaxHeaderCount = 2000;
/** Default longest request-target, in bytes. */
export const defaultMaxTargetLength = 8192;
/**
 * Default most chunk-extension bytes on one chunk-size line and, as types.ts specifies,
 * in total per message (CVE-2024-22019: memory and work stay bounded).
 */
export const defaultMaxChunkExtensionSize = 1024;
/** Default largest trailer section, in bytes. */
export const defaultMaxTrailerSize = 16384;

/** The effective options when none are given: every limit at its default, every leniency off. */
export const defaultParserOptions: Readonly<{
  maxHeadSize: number;
  maxHeaderCount: number;
  maxTargetLength: number;
  maxChunkExtensionSize: number;
  maxTrailerSize: number;
  maxBodySize: number;
  allowBareLF: boolean;
  allowObsFold: boolean;
  allowChunkSizeWhitespace: boolean;
  allowUnsafeTargetChars: boolean;
  allowNonHttpSchemes: boolean;
}> = Object.freeze({
  maxHeadSize: defaultMaxHeadSize,
  maxHeaderCount: defaultMaxHeaderCount,
  maxTargetLength: defaultMaxTargetLength,
  maxChunkExtensionSize: defaultMaxChunkExtensionSize,
  maxTrailerSize: defaultMaxTrailerSize,
  maxBodySize: Number.POSITIVE_INFINITY,
  allowBareLF: false,
  allowObsFold: false,
  allowChunkSizeWhitespace: false,
  allowUnsafeTargetChars: false,
  allowNonHttpSchemes: false,
});
