/**
 * nodeRequestOf: a node:http `IncomingMessage` for an upgraded connection, so libraries
 * written for node:http's 'upgrade' event run on @k unchanged: `ws`'s
 * `handleUpgrade(req, socket, head, cb)` in particular.
 *
 * The smallest faithful adapter: a real `IncomingMessage` (so its type is the one those
 * libraries declare), with exactly these fields filled from the @k request: `method`, `url`
 * (the request-target as received), `httpVersion` / `httpVersionMajor` / `httpVersionMinor`,
 * `headers` (lower-case names; repeated fields joined with ", ", `cookie` with "; ", as
 * node:http joins them), `rawHeaders` (received order and case), `socket` (the tunnel's stream:
 * over @k/server the real `net.Socket` / `tls.TLSSocket`) and `complete` (true). Its body is
 * empty and already ended (an upgraded request has none). Nothing else of node:http is set up:
 * no `trailers`, no `aborted`/'aborted' event, no timeouts. Made once; nothing changes later.
 */
import { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Tunnel } from "@k/handler";

/**
 * The `IncomingMessage` for `tunnel`, e.g. for `ws`:
 * @example
 * ```ts
 * import { WebSocketServer } from "ws";
 * const wss = new WebSocketServer({ noServer: true });
 * const handler = (request) => request.upgrade && request.headers.get("upgrade")?.toLowerCase() === "websocket"
 *   ? { upgrade: (tunnel) => wss.handleUpgrade(nodeRequestOf(tunnel), tunnel.stream, tunnel.head, (ws) => ws.on("message", (m, binary) => ws.send(m, { binary }))) }
 *   : { status: 426, headers: { upgrade: "websocket" }, body: "WebSocket only" };
 * ```
 */
export function nodeRequestOf(tunnel: Tunnel): IncomingMessage {
  const request = tunnel.request;
  const raw = request.rawHeaders;
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const before = headers[name];
    headers[name] = before === undefined ? value : `${before}${name === "cookie" ? "; " : ", "}${value}`;
  }
  // Typed as a Socket because that is what IncomingMessage declares; over other transports
  // (inject, the memory transport) it is the tunnel's Duplex, which has no socket methods.
  const message = new IncomingMessage(tunnel.stream as Socket);
  message.method = request.method;
  message.url = request.target;
  message.httpVersion = request.version;
  message.httpVersionMajor = 1;
  message.httpVersionMinor = request.version === "1.0" ? 0 : 1;
  message.headers = headers;
  message.rawHeaders = raw.slice();
  message.complete = true;
  message.push(null);
  return message;
}
