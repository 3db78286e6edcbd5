/** k-demo as a library: the demo's handler and its parts, for embedding and tests. Re-exports only. */
export { createDemoHandler, targetPath } from "./app.js";
export type { DemoHandlerOptions } from "./app.js";
export { parseCliArgs, parseDecimal, usage, defaultPort, defaultHost, defaultWorkers, defaultRoot, maxWorkers } from "./args.js";
export type { CliParseResult, DemoCliOptions, LogFormat, ProxyCliOptions } from "./args.js";
export { resolveStaticPath } from "./static-path.js";
export type { StaticPath, StaticPathRefusal } from "./static-path.js";
export { createETag, evaluatePreconditions, formatHttpDate, ifRangeAllows, parseHttpDate, parseRange } from "./conditional.js";
export type { ByteRange, ConditionalRequest, FileValidators, PreconditionResult, RangeResult } from "./conditional.js";
export { createStaticHandler, notFound, staticReadSize } from "./static.js";
export type { StaticOptions } from "./static.js";
export { createEchoHandler, defaultMaxEchoBodySize } from "./echo.js";
export type { EchoDocument } from "./echo.js";
export { handleUpload } from "./upload.js";
export type { UploadResult } from "./upload.js";
export { defaultStreamBytes, defaultStreamChunk, generatePattern, handleStream, maxStreamBytes, maxStreamChunk, parseStreamQuery } from "./stream.js";
export type { StreamParameters } from "./stream.js";
export { formatAccessLog, formatClfDate } from "./access-log.js";
export type { AccessLogEntry } from "./access-log.js";
