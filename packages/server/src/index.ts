/**
 * @k/server: TCP/TLS glue for @k/handler — serve(), graceful shutdown, connection limits,
 * cluster workers. Re-exports only; nothing here parses HTTP.
 */
export { serve } from "./serve.js";
export type { Server, ServerAddress } from "./tcp-server.js";
export type { ServeOptions } from "./options.js";
export {
  defaultDrainTimeout, defaultGracePeriod, defaultHandshakeTimeout, defaultHost, defaultMaxConnections, defaultPort,
} from "./options.js";
export { defaultLingerTimeout, defaultSendTimeout } from "./socket-transport.js";
export { defaultMaxRestartDelay, defaultRestartDelay } from "./cluster.js";
export { ServerError, ServerErrorCode, isServerError } from "./errors.js";
export { createProxyHeaderReader, maxProxyV1Length, maxProxyV2Length } from "./proxy-protocol.js";
export type { ProxyHeader, ProxyHeaderReader, ProxyReadResult } from "./proxy-protocol.js";
export { nodeRequestOf } from "./upgrade.js";
