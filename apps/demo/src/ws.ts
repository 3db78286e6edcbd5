/**
 * /ws: a WebSocket echo on the `ws` library. Text and binary messages come back as received
 * (up to 16 MiB a message; larger ones are closed with 1009), pings are answered with pongs
 * (ws does that), and a client's close code and reason are echoed in the close handshake.
 *
 * The upgrade itself: @k/handler hands the connection over (an UpgradeResponse without a
 * status, so `ws` writes its own 101, or its own 400 for a bad handshake), @k/server gives
 * the real socket, and `nodeRequestOf` gives ws the IncomingMessage-like request it reads.
 * A request that is not a WebSocket handshake gets `426 Upgrade Required`.
 * On graceful shutdown every open WebSocket gets a 1001 ("going away") close frame.
 */
import type { HttpRequest, UpgradeResponse } from "@k/handler";
import { nodeRequestOf } from "@k/server";
import { WebSocketServer } from "ws";
import type { WebSocket } from "ws";
import { plainText } from "./responses.js";
import type { DemoResult } from "./responses.js";

/** Largest message /ws echoes. */
export const maxWsMessageSize: number = 16 * 1024 * 1024;

/** The /ws handler: one ws server (noServer) for every upgrade this process accepts. */
export function createWsHandler(): (request: HttpRequest) => DemoResult {
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxWsMessageSize, clientTracking: false });
  return (request) => {
    if (!request.upgrade || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return plainText(426, "WebSocket only: connect with a WebSocket client\n", { upgrade: "websocket" });
    }
    let socket: WebSocket | null = null;
    const accept: UpgradeResponse = {
      upgrade(tunnel) {
        wss.handleUpgrade(nodeRequestOf(tunnel), tunnel.stream, tunnel.head, (ws) => {
          socket = ws;
          ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
          // A client's protocol error closes that connection; it must not reach the process.
          ws.on("error", () => {});
        });
      },
      onShutdown: () => socket?.close(1001, "server shutting down"),
    };
    return accept;
  };
}
