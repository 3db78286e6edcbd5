/**
 * @k/framing: HTTP/1.1 response body framing (Content-Length, chunked, close-delimited,
 * none), a chooser, head serialisation, and a streaming UTF-8 encoder. Re-exports only.
 */

export type * from "./types.js";
export { FramingError, isFramingError } from "./errors.js";
export type { FramingErrorCode, FramingErrorOptions } from "./errors.js";
export { CONTINUE_100, CRLF, LAST_CHUNK, LAST_CHUNK_LINE } from "./constants.js";
export { serializeHead } from "./head.js";
export { statusReason } from "./status.js";
export {
  CHUNK_COPY_LIMIT,
  chunkedFraming,
  closeFraming,
  contentLengthFraming,
  noBodyFraming,
} from "./framers.js";
export { chooseFraming, createFramer, framingByName } from "./choose.js";
export { Utf8StreamEncoder } from "./utf8-encoder.js";
