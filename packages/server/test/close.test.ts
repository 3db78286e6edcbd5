import { afterEach, describe, expect, test } from "vitest";
import { serve } from "@k/server";
import type { Server } from "@k/server";
import type { RequestHandler } from "@k/handler";
import { gate, RawClient, until } from "./helpers.ts";

describe("graceful close", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test("lets an in-flight streaming response finish, closes idle connections at once with drainTimeout 0, refuses new ones", async () => {
    const release = gate();
    const handler: RequestHandler = (request) => {
      if (request.path !== "/slow") return { status: 200, body: "quick" };
      return (async function* () {
        yield { status: 200, headers: { "content-type": "text/plain" } };
        yield "first part;";
        await release.promise;
        yield "last part";
      })();
    };
    server = await serve({ handler, gracePeriod: 20_000, drainTimeout: 0 });
    const port = server.address.port;

    const idle = await RawClient.open(port);
    idle.send("GET /quick HTTP/1.1\r\nHost: x\r\n\r\n");
    await idle.waitFor("quick");

    const busy = await RawClient.open(port);
    busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    await busy.waitFor("first part;");

    const closed = server.close();
    let closeResolved = false;
    void closed.then(() => { closeResolved = true; });

    // The idle keep-alive connection goes at once: bounded far below the grace period.
    await until(() => idle.closed, "the idle connection to close", 300);
    expect(idle.ended).toBe(true);

    // The listener is gone: a new connection is refused by the kernel.
    await expect(RawClient.open(port)).rejects.toMatchObject({ code: "ECONNREFUSED" });

    // The streaming response is still going, and close() waits for it.
    expect(busy.closed).toBe(false);
    expect(closeResolved).toBe(false);
    await until(() => server?.connections === 1, "the server side of the idle connection to close");

    release.open();
    await busy.gone;
    // Its head went out before close(), so only closing the connection can say "no more".
    expect(busy.received).toContain("last part");
    await closed;
    expect(server.connections).toBe(0);
  });

  test("marks a response whose head was not sent yet with Connection: close", async () => {
    const release = gate();
    const started = gate();
    server = await serve({
      handler: async () => {
        started.open();
        await release.promise;
        return { status: 200, body: "late" };
      },
    });
    const client = await RawClient.open(server.address.port);
    client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await started.promise;
    const closed = server.close();
    release.open();
    await client.gone;
    expect(client.received).toMatch(/^HTTP\/1\.1 200 /);
    expect(client.received.toLowerCase()).toContain("\r\nconnection: close\r\n");
    expect(client.received).toContain("late");
    await closed;
  });

  test("destroys a never-ending response after the grace period and runs the handler's finally", async () => {
    let cleanedUp = false;
    const handler: RequestHandler = (request) => (async function* () {
      try {
        yield { status: 200, headers: { "content-type": "text/plain" } };
        yield "endless;";
        await new Promise<void>((resolve) => request.signal.addEventListener("abort", () => resolve()));
      } finally {
        cleanedUp = true;
      }
    })();
    server = await serve({ handler, gracePeriod: 200 });
    const client = await RawClient.open(server.address.port);
    client.send("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.waitFor("endless;");

    await server.close();
    expect(server.connections).toBe(0);
    await client.gone;
    // Chunked framing never got its terminating zero-size chunk: the client can tell.
    expect(client.received).not.toContain("0\r\n\r\n");
    await until(() => cleanedUp, "the handler's finally block");
  });

  test("is idempotent: every call returns the same promise", async () => {
    server = await serve({ handler: () => ({ status: 204 }) });
    const first = server.close();
    expect(server.close()).toBe(first);
    await first;
    await expect(server.close()).resolves.toBeUndefined();
  });
});
