/**
 * node:diagnostics_channel events, under the names node:http publishes, so tracing and APM
 * tools that listen to node:http see @k requests without code (issue 11):
 *
 * - `http.server.response.created` `{ request, response }`: before the component runs.
 * - `http.server.request.start` `{ request, response, socket, server }`: right after, before
 *   the component is called (node:http: when 'request' is emitted).
 * - `http.server.response.finish` `{ request, response, socket, server }`: the response's
 *   last byte was handed to the transport (node:http: the response's 'finish').
 * - `k.http.server.request.error` `{ request, response, socket, server, error }`: our own name
 *   (node:http publishes no server-side error event): a component or the lifecycle failed, the
 *   same errors `onError` sees. `request` is undefined for a connection-level failure.
 *
 * The objects are the closest we have, not node:http's: `request` is the @k/handler
 * {@link HttpRequest} (method, target, version, headers, signal, remoteAddress, ... — no
 * `url`/`httpVersion` aliases); `response` is a {@link DiagnosticsResponse}, a plain record of
 * the response (statusCode, headersSent, finished, headers, bytes), not a ServerResponse with
 * methods or events; `socket` is the transport's `socket` (the net.Socket / tls.TLSSocket under
 * @k/server) or the transport itself; `server` is `ConnectionOptions.diagnosticsServer` (the
 * @k/server Server) or undefined.
 *
 * Nothing is allocated unless a channel has subscribers (one property read per request and
 * channel otherwise). A subscriber that throws is node's business: diagnostics_channel
 * reports it as an uncaught exception on the next tick, as it does for node:http.
 */
import { channel } from "node:diagnostics_channel";
import type { Channel } from "node:diagnostics_channel";
import type { HttpRequest } from "./request.js";

/** Channel names this package publishes on. */
export const diagnosticsChannels: {
  readonly responseCreated: "http.server.response.created";
  readonly requestStart: "http.server.request.start";
  readonly responseFinish: "http.server.response.finish";
  readonly requestError: "k.http.server.request.error";
} = {
  responseCreated: "http.server.response.created",
  requestStart: "http.server.request.start",
  responseFinish: "http.server.response.finish",
  requestError: "k.http.server.request.error",
} as const;

export const responseCreatedChannel: Channel = channel(diagnosticsChannels.responseCreated);
export const requestStartChannel: Channel = channel(diagnosticsChannels.requestStart);
export const responseFinishChannel: Channel = channel(diagnosticsChannels.responseFinish);
export const requestErrorChannel: Channel = channel(diagnosticsChannels.requestError);

/** The `response` published on the channels: what is known about the response so far. */
export class DiagnosticsResponse {
  /** The status sent; 0 until the head goes out (node:http says 200 before it is set). */
  statusCode = 0;
  /** The head went out. */
  headersSent = false;
  /** The response was completely handed to the transport (node:http's writableFinished). */
  finished = false;
  /** The header fields sent, as [name, value] pairs in order (set when the head goes out). */
  headers: readonly (readonly [string, string | number])[] = [];
  /** Body (content) bytes sent, as `onResponse`'s `bytes`. */
  bytes = 0;
  /** Every byte written for this response: head, framing and body. */
  wireBytes = 0;
}

/** The message of every channel (the error channel adds `error`). */
export interface DiagnosticsMessage {
  request: HttpRequest | undefined;
  response: DiagnosticsResponse | undefined;
  socket: unknown;
  server: unknown;
}

/** True when any request channel has a subscriber (checked once per request). */
export function tracing(): boolean {
  return requestStartChannel.hasSubscribers || responseFinishChannel.hasSubscribers || responseCreatedChannel.hasSubscribers;
}
