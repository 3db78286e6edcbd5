// close() with drainTimeout: idle keep-alive connections are not closed under a request that
// is already on its way (what a load balancer sends on a pooled connection); it is answered
// with Connection: close. With drainTimeout 0 the same request meets a closed connection.
import { afterEach, describe, expect, test } from "vitest";
import { defaultDrainTimeout, serve } from "@k/server";
import type { Server } from "@k/server";
import { RawClient, until } from "./helpers.ts";

const handler = (request: { path: string }) => ({ status: 200, body: `ok ${request.path}` });

describe("close() and idle keep-alive connections", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test("answers a request that was on its way when close() began, with Connection: close", async () => {
    server = await serve({ handler, gracePeriod: 20_000 });
    const client = await RawClient.open(server.address.port);
    client.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.waitFor("ok /first");
    // Same tick: the bytes are in the server's receive buffer, not yet read, when close() runs.
    client.send("GET /raced HTTP/1.1\r\nHost: x\r\n\r\n");
    const closed = server.close();
    await client.gone;
    expect(client.received).toContain("ok /raced");
    const lastHead = client.received.slice(client.received.lastIndexOf("HTTP/1.1 200"));
    expect(lastHead).toMatch(/\r\nconnection: close\r\n/i);
    expect(client.ended).toBe(true);
    await closed;
  });

  test("loses that request with drainTimeout 0: the connection closes with no answer", async () => {
    server = await serve({ handler, gracePeriod: 20_000, drainTimeout: 0 });
    const client = await RawClient.open(server.address.port);
    client.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.waitFor("ok /first");
    client.send("GET /raced HTTP/1.1\r\nHost: x\r\n\r\n");
    await server.close();
    await client.gone;
    expect(client.received).not.toContain("ok /raced");
  });

  test("closes a connection left idle once drainTimeout has passed, well before the grace period", async () => {
    expect(defaultDrainTimeout).toBe(1_000);
    server = await serve({ handler, gracePeriod: 60_000, drainTimeout: 100 });
    const client = await RawClient.open(server.address.port);
    client.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.waitFor("ok /first");
    const closed = server.close();
    await client.gone;
    // A graceful FIN (not the grace period's destroy), and close() resolves with it.
    expect(client.ended).toBe(true);
    await closed;
    expect(server.connections).toBe(0);
  });

  test("refuses new connections while idle ones drain", async () => {
    server = await serve({ handler, gracePeriod: 20_000, drainTimeout: 5_000 });
    const port = server.address.port;
    const idle = await RawClient.open(port);
    idle.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
    await idle.waitFor("ok /first");
    const closed = server.close();
    await expect(RawClient.open(port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(idle.closed).toBe(false);
    idle.send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
    await idle.gone;
    expect(idle.received).toContain("ok /late");
    await until(() => server?.connections === 0, "the drained connection to be gone");
    await closed;
  });

  test("rejects a negative drainTimeout", async () => {
    await expect(serve({ handler, drainTimeout: -1 })).rejects.toMatchObject({ code: "INVALID_OPTION" });
  });
});
