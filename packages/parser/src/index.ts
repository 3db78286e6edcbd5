/**
 * @k/parser: a strict, incremental, zero-copy HTTP/1.x parser for requests and responses.
 * Re-exports only; see parser.ts for what it does and how long views stay valid.
 */
export { createParser } from "./parser.js";
export { isValidHost } from "./uri.js";
export { ParseError, isParseError, parseErrorStatus, statusForParseError } from "./errors.js";
export type { ParseErrorOptions } from "./errors.js";
export {
  defaultMaxChunkExtensionSize,
  defaultMaxHeadSize,
  defaultMaxHeaderCount,
  defaultMaxTargetLength,
  defaultMaxTrailerSize,
  defaultParserOptions,
} from "./options.js";
export type * from "./types.js";
