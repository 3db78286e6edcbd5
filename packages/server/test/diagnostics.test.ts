// diagnostics_channel through @k/server: `socket` is the request's net.Socket and `server` the
// Server serve() returned, as node:http publishes its own socket and server.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { Socket } from "node:net";
import { expect, test } from "vitest";
import { serve } from "@k/server";
import { RawClient } from "./helpers.js";

test("request.start and response.finish carry the connection's socket and the Server", async () => {
  const seen: { name: string; socket: unknown; server: unknown; status: number | undefined; peerPort: unknown }[] = [];
  const fn = (m: unknown, name: string | symbol) => {
    const message = m as { socket: unknown; server: unknown; response?: { statusCode: number } };
    seen.push({ name: String(name), socket: message.socket, server: message.server, status: message.response?.statusCode, peerPort: (message.socket as Socket).remotePort });
  };
  subscribe("http.server.request.start", fn);
  subscribe("http.server.response.finish", fn);
  const server = await serve({ handler: () => ({ status: 204 }) });
  try {
    const client = await RawClient.open(server.address.port);
    const localPort = client.socket.localPort;
    client.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    await client.gone;
    expect(seen.map((s) => `${s.name} ${s.status}`)).toEqual(["http.server.request.start 0", "http.server.response.finish 204"]);
    expect(seen[0]!.socket).toBeInstanceOf(Socket);
    expect(seen[0]!.peerPort).toBe(localPort);
    expect(seen[1]!.socket).toBe(seen[0]!.socket);
    expect(seen[0]!.server).toBe(server);
  } finally {
    unsubscribe("http.server.request.start", fn);
    unsubscribe("http.server.response.finish", fn);
    await server.close();
  }
});
