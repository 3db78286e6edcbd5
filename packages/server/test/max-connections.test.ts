import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serve } from "@k/server";
import type { Server } from "@k/server";
import { RawClient, until } from "./helpers.ts";

describe("maxConnections", () => {
  let server: Server;
  beforeAll(async () => {
    server = await serve({ handler: (request) => ({ status: 200, body: `ok ${request.path}` }), maxConnections: 2 });
  });
  afterAll(() => server.close());

  test("refuses a connection over the limit with a 503 and accepts again once one closes", async () => {
    const port = server.address.port;
    const first = await RawClient.open(port);
    const second = await RawClient.open(port);
    first.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
    second.send("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
    await first.waitFor("ok /1");
    await second.waitFor("ok /2");
    expect(server.connections).toBe(2);

    const extra = await RawClient.open(port);
    extra.send("GET /3 HTTP/1.1\r\nHost: x\r\n\r\n");
    await extra.gone;
    expect(extra.received).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(extra.received).toContain("Connection: close\r\n");
    expect(extra.received).not.toContain("ok /3");
    // A refusal is not an open connection.
    expect(server.connections).toBe(2);

    first.socket.destroy();
    await until(() => server.connections === 1, "the closed connection to be forgotten");

    const again = await RawClient.open(port);
    again.send("GET /4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await again.gone;
    expect(again.received).toMatch(/^HTTP\/1\.1 200 /);
    expect(again.received).toContain("ok /4");
    second.socket.destroy();
  });
});
