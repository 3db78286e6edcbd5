// proxyProtocol on a real listener: the header's source address is the request's
// remoteAddress; a missing, malformed or incomplete header closes the connection with no
// answer; trustProxy applies on top of it. (The reader itself: proxy-protocol.test.ts.)
import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { afterEach, describe, expect, test } from "vitest";
import { serve } from "@k/server";
import type { ServeOptions, Server } from "@k/server";
import { makeCertificate, RawClient } from "./helpers.ts";

const whoami: ServeOptions["handler"] = (request) => ({
  status: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ address: request.remoteAddress, port: request.remotePort, peer: request.peerAddress }),
});

function bodyOf(received: string): unknown {
  return JSON.parse(received.slice(received.indexOf("\r\n\r\n") + 4));
}

describe("proxyProtocol", () => {
  let server: Server | undefined;
  const errors: Error[] = [];
  afterEach(async () => {
    await server?.close();
    server = undefined;
    errors.length = 0;
  });
  const start = async (extra: Partial<ServeOptions> = {}) => {
    server = await serve({ handler: whoami, proxyProtocol: true, drainTimeout: 0, onSocketError: (e) => errors.push(e), ...extra });
    return server.address.port;
  };

  test("takes the client address from a v1 header sent in pieces with the request", async () => {
    const client = await RawClient.open(await start());
    client.send("PROXY TCP4 203.0.113.7 10.0");
    await new Promise((r) => setTimeout(r, 20));
    client.send(".0.1 51234 80\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await client.gone;
    expect(bodyOf(client.received)).toEqual({ address: "203.0.113.7", port: 51234, peer: "203.0.113.7" });
  });

  test("takes the client address from a v2 header for every request of the connection", async () => {
    const client = await RawClient.open(await start());
    const header = Buffer.from([
      0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x21, 0, 36,
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, ...new Array<number>(15).fill(0), 1, 0x04, 0xd2, 0, 80,
    ]);
    client.socket.write(header);
    client.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await client.gone;
    const bodies = client.received.split("HTTP/1.1 200").slice(1).map((r) => bodyOf(r));
    expect(bodies).toEqual([{ address: "2001:db8::7", port: 1234, peer: "2001:db8::7" }, { address: "2001:db8::7", port: 1234, peer: "2001:db8::7" }]);
  });

  test("keeps the connection's own address for a v2 LOCAL header (a balancer's health check)", async () => {
    const client = await RawClient.open(await start());
    client.socket.write(Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x20, 0x00, 0, 0]));
    client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await client.gone;
    expect(bodyOf(client.received)).toMatchObject({ address: "127.0.0.1" });
  });

  for (const [why, bytes] of [
    ["a request without a header", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["a malformed v1 header", "PROXY TCP4 1.2.3.4 5.6.7.8 99999 80\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["garbage", "\x16\x03\x01\x02\x00garbage"],
  ] as const) {
    test(`closes the connection without an answer on ${why}`, async () => {
      const client = await RawClient.open(await start());
      client.send(bytes);
      await client.gone;
      expect(client.received).toBe("");
      expect(errors.map((e) => (e as { code?: string }).code)).toEqual(["PROXY_PROTOCOL"]);
    });
  }

  test("closes a connection whose header does not complete within headTimeout", async () => {
    const client = await RawClient.open(await start({ headTimeout: 100 }));
    client.send("PROXY TCP4 1.2.3.4");
    await client.gone;
    expect(client.received).toBe("");
    expect(errors[0]?.message).toMatch(/no complete header within 100 ms/);
  });

  test("applies trustProxy to the header's address: a trusted balancer's X-Forwarded-For is read", async () => {
    const client = await RawClient.open(await start({ trustProxy: ["10.0.0.0/8"] }));
    client.send("PROXY TCP4 10.1.2.3 10.0.0.1 40000 80\r\nGET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100.9\r\nConnection: close\r\n\r\n");
    await client.gone;
    expect(bodyOf(client.received)).toEqual({ address: "198.51.100.9", peer: "10.1.2.3" });
  });

  test("reads the header before the TLS handshake, the ClientHello in the same segment", async () => {
    const { key, cert } = makeCertificate();
    const port = await start({ tls: { key, cert } });
    const raw = connect({ port, host: "127.0.0.1" });
    await new Promise((resolve) => raw.once("connect", resolve));
    // Corked: the header and the ClientHello leave in one write, as from a balancer.
    raw.cork();
    raw.write("PROXY TCP6 2001:db8::9 2001:db8::1 4433 443\r\n");
    const secure = tlsConnect({ socket: raw, servername: "localhost", ca: cert });
    process.nextTick(() => raw.uncork());
    let received = "";
    secure.setEncoding("latin1").on("data", (text: string) => (received += text));
    secure.on("secureConnect", () => secure.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    await new Promise((resolve, reject) => {
      secure.once("close", resolve);
      secure.once("error", reject);
    });
    expect(bodyOf(received)).toEqual({ address: "2001:db8::9", port: 4433, peer: "2001:db8::9" });
  });

  test("closes a TLS connection whose PROXY header is missing, before any handshake", async () => {
    const { key, cert } = makeCertificate();
    const port = await start({ tls: { key, cert } });
    const secure = tlsConnect({ port, host: "127.0.0.1", servername: "localhost", ca: cert });
    const outcome = await new Promise<string>((resolve) => {
      secure.once("secureConnect", () => resolve("handshake"));
      secure.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
      secure.once("close", () => resolve("closed"));
    });
    expect(outcome).not.toBe("handshake");
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(["PROXY_PROTOCOL"]);
  });

  test("answers, with Connection: close, a request whose header completes after close() began", async () => {
    server = await serve({ handler: whoami, proxyProtocol: true, gracePeriod: 20_000, onSocketError: (e) => errors.push(e) });
    const client = await RawClient.open(server.address.port);
    client.send("PROXY TCP4 203.0.113.7 10.0.0.1 5");
    await new Promise((r) => setTimeout(r, 50)); // the server has read the first piece
    const closed = server.close();
    client.send("1234 80\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.gone;
    expect(client.received).toMatch(/\r\nconnection: close\r\n/i);
    expect(bodyOf(client.received)).toMatchObject({ address: "203.0.113.7" });
    await closed;
  });

  test("refuses an invalid trustProxy entry before listening", async () => {
    await expect(serve({ handler: whoami, trustProxy: ["10.0.0.0/99"] })).rejects.toMatchObject({ code: "INVALID_OPTION", message: expect.stringContaining("10.0.0.0/99") });
  });
});
