/**
 * @k/handler: the HTTP/1.1 request lifecycle over any byte transport — handler components,
 * streaming responses, pipelining, flow-controlled request bodies. Re-exports only.
 */
export type * from "./types.js";
export { createConnection } from "./connection.js";
export {
  defaultBodyRateWindow,
  defaultBodyTimeout,
  defaultHeadTimeout,
  defaultIdleTimeout,
  defaultMaxDrainSize,
  defaultMaxPipelined,
  defaultMinBodyRate,
  defaultRequestTimeout,
} from "./exchange.js";
export { HttpError, isHttpError } from "./errors.js";
export { DiagnosticsResponse, diagnosticsChannels } from "./diagnostics.js";
export type { DiagnosticsMessage } from "./diagnostics.js";
export { errorLogBurst, errorLogTarget, logError } from "./error-log.js";
export type { HttpErrorCode } from "./errors.js";
export { RequestHeaders } from "./headers.js";
export { HttpRequest } from "./request.js";
export { createRouter } from "./router.js";
export type { Route, RouterOptions } from "./router.js";
export { persistent } from "./persistent.js";
export { fromFetch } from "./fetch.js";
export type { FetchHandler, FromFetchOptions } from "./fetch.js";
export { inject } from "./inject.js";
export type { InjectRequest, InjectResponse } from "./inject.js";
export { createMemoryTransport } from "./memory-transport.js";
export type { MemoryTransport, MemoryTransportOptions } from "./memory-transport.js";
export { httpDate } from "./date.js";
export { createTrustProxy, parseForwarded, resolveForwarded } from "./trust-proxy.js";
export type { ForwardedClient, ForwardedElement, TrustProxy } from "./trust-proxy.js";
export { formatIP, parseIP } from "./ip.js";
export { isValidHost } from "@k/parser";
export {
  compress,
  defaultCompressible,
  defaultCompressThreshold,
  defaultEncodings,
  isCodingAvailable,
  negotiateEncoding,
} from "./compress.js";
export type { CompressionLevels, CompressOptions, ContentCoding } from "./compress.js";
