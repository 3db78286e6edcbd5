import { get as httpsGet } from "node:https";
import { connect as netConnect } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serve } from "@k/server";
import type { Server } from "@k/server";
import { gate, makeCertificate, RawClient, until } from "./helpers.ts";

describe("serve over TLS", () => {
  let server: Server;
  let cert: string;
  const socketErrors: Error[] = [];
  beforeAll(async () => {
    const pair = makeCertificate();
    cert = pair.cert;
    server = await serve({
      handler: (request) => ({
        status: 200,
        headers: { "content-type": "text/plain" },
        body: request.path === "/whoami"
          ? `${request.url.protocol} ${request.encrypted} ${request.remoteAddress} ${request.remotePort}`
          : `secure ${request.path}`,
      }),
      tls: { key: pair.key, cert: pair.cert },
      onSocketError: (error) => socketErrors.push(error),
    });
  });
  afterAll(() => server.close());

  test("reports an https url", () => {
    expect(server.url).toBe(`https://127.0.0.1:${server.address.port}`);
  });

  test("answers https.get verified against the generated certificate", async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      httpsGet(`${server.url}/verified`, { ca: cert }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => { text += c; });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      }).on("error", reject);
    });
    expect(status).toBe(200);
    expect(body).toBe("secure /verified");
  });

  test("answers pipelined requests over a raw tls.connect socket", async () => {
    const client = await RawClient.openTls(server.address.port, cert);
    client.send("GET /a HTTP/1.1\r\nHost: localhost\r\n\r\nGET /b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    await client.gone;
    expect(client.received).toContain("secure /a");
    expect(client.received.indexOf("secure /b")).toBeGreaterThan(client.received.indexOf("secure /a"));
  });

  test("tells the handler the connection is encrypted and who the peer is", async () => {
    const client = await RawClient.openTls(server.address.port, cert);
    const localPort = client.socket.localPort;
    client.send("GET /whoami HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    await client.gone;
    expect(client.received).toContain(`https: true 127.0.0.1 ${localPort}`);
  });

  test("survives plain HTTP sent to the TLS port and keeps serving", async () => {
    const before = socketErrors.length;
    const plain = netConnect({ port: server.address.port, host: "127.0.0.1" });
    plain.on("error", () => {});
    plain.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let received = "";
    plain.setEncoding("latin1");
    plain.on("data", (c: string) => { received += c; });
    await new Promise((resolve) => plain.once("close", resolve));
    expect(received).not.toContain("secure");
    expect(socketErrors.length).toBeGreaterThan(before);

    const client = await RawClient.openTls(server.address.port, cert);
    client.send("GET /after HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    await client.gone;
    expect(client.received).toContain("secure /after");
  });
});

describe("TLS limits and shutdown", () => {
  test("destroys a TLS connection over maxConnections before any handshake", async () => {
    const pair = makeCertificate();
    const server = await serve({
      handler: () => ({ status: 200, body: "ok" }),
      tls: { key: pair.key, cert: pair.cert },
      maxConnections: 1,
    });
    try {
      const first = await RawClient.openTls(server.address.port, pair.cert);
      await expect(RawClient.openTls(server.address.port, pair.cert)).rejects.toBeInstanceOf(Error);
      first.send("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
      await first.gone;
      expect(first.received).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      await server.close();
    }
  });

  test("close() drops a connection stuck before its handshake at once, without the grace period", async () => {
    const pair = makeCertificate();
    const server = await serve({
      handler: () => ({ status: 200, body: "ok" }),
      tls: { key: pair.key, cert: pair.cert },
      gracePeriod: 20_000,
    });
    const silent = netConnect({ port: server.address.port, host: "127.0.0.1" });
    silent.on("error", () => {});
    let closed = false;
    silent.once("close", () => { closed = true; });
    await until(() => server.connections === 1, "the silent connection to be accepted");
    const closing = server.close();
    await until(() => closed, "the silent connection to be dropped", 300);
    await closing;
    expect(server.connections).toBe(0);
  });
});

describe("TLS graceful close", () => {
  test("lets an in-flight TLS response finish while a pre-handshake socket is dropped", async () => {
    const pair = makeCertificate();
    const release = gate();
    const server = await serve({
      handler: () => (async function* () {
        yield { status: 200, headers: { "content-type": "text/plain" } };
        yield "first;";
        await release.promise;
        yield "last";
      })(),
      tls: { key: pair.key, cert: pair.cert },
      gracePeriod: 20_000,
    });
    const busy = await RawClient.openTls(server.address.port, pair.cert);
    busy.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    await busy.waitFor("first;");
    const silent = netConnect({ port: server.address.port, host: "127.0.0.1" });
    silent.on("error", () => {});
    let silentClosed = false;
    silent.once("close", () => { silentClosed = true; });
    await until(() => server.connections === 2, "the silent connection to be accepted");

    const closing = server.close();
    await until(() => silentClosed, "the pre-handshake socket to be dropped", 300);
    expect(busy.closed).toBe(false);
    release.open();
    await busy.gone;
    expect(busy.received).toContain("last");
    await closing;
  });
});

describe("TLS handshake timeout", () => {
  test("drops a client that never finishes its handshake after headTimeout", async () => {
    const pair = makeCertificate();
    const errors: Error[] = [];
    const server = await serve({
      handler: () => ({ status: 200, body: "ok" }),
      tls: { key: pair.key, cert: pair.cert },
      headTimeout: 100,
      onSocketError: (error) => errors.push(error),
    });
    try {
      const silent = netConnect({ port: server.address.port, host: "127.0.0.1" });
      silent.on("error", () => {});
      let closed = false;
      silent.once("close", () => { closed = true; });
      // Far below the 30 s default, far above 100 ms.
      await until(() => closed, "the silent client to be dropped", 300);
      await until(() => server.connections === 0, "the server to forget it", 300);
      expect(errors.some((e) => /timed? ?out/i.test(e.message) || (e as { code?: string }).code === "ERR_TLS_HANDSHAKE_TIMEOUT")).toBe(true);
    } finally {
      await server.close();
    }
  });
});
