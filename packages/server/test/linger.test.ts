import { connect as netConnect } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { serve } from "@k/server";
import type { Server } from "@k/server";
import { until } from "./helpers.ts";

describe("closing a connection (RFC 9112 §9.6)", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test("keeps reading after answering a bad request, so a client still sending gets no reset", async () => {
    server = await serve({ handler: () => ({ status: 200, body: "unreachable" }) });
    // allowHalfOpen: the client goes on sending after the server's FIN, as an upload would.
    const socket = netConnect({ port: server.address.port, host: "127.0.0.1", allowHalfOpen: true });
    let received = "";
    let ended = false;
    let error: Error | undefined;
    socket.setEncoding("latin1");
    socket.on("data", (c: string) => { received += c; });
    socket.on("end", () => { ended = true; });
    socket.on("error", (e) => { error = e; });
    const closed = new Promise((resolve) => socket.once("close", resolve));
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write("GET / HTTP/1.1\r\nHost: x\r\nNot A Header\r\n\r\n");
    await until(() => ended, "the 400 and the server's FIN");
    expect(received).toMatch(/^HTTP\/1\.1 400 /);
    // A server that closed outright would answer these bytes with a RST (EPIPE / ECONNRESET
    // here), and on a real network that RST can discard the response before it is read.
    const junk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 8; i++) socket.write(junk);
    socket.end();
    await closed;
    expect(error).toBeUndefined();
  });

  test("destroys a socket whose peer never closes its side after lingerTimeout", async () => {
    server = await serve({ handler: () => ({ status: 200, body: "bye" }), lingerTimeout: 50 });
    // allowHalfOpen: this client never answers the server's FIN with its own.
    const socket = netConnect({ port: server.address.port, host: "127.0.0.1", allowHalfOpen: true });
    let ended = false;
    socket.on("end", () => { ended = true; });
    socket.resume();
    socket.on("error", () => {});
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await until(() => ended, "the server's FIN");
    await until(() => server?.connections === 0, "the half-open socket to be destroyed");
    socket.destroy();
  });
});
