import { Agent, request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isServerError, serve, ServerError } from "@k/server";
import type { Server } from "@k/server";
import type { RequestHandler } from "@k/handler";
import { count, RawClient, until } from "./helpers.ts";

// Answers "<method> <target> <version>" with a Content-Length.
const describeRequest: RequestHandler = (request) => ({
  status: 200,
  headers: { "content-type": "text/plain" },
  body: `${request.method} ${request.target} ${request.version}`,
});

describe("serve over TCP", () => {
  let server: Server;
  beforeAll(async () => {
    server = await serve({ handler: describeRequest, port: 0 });
  });
  afterAll(() => server.close());

  test("binds a free port when port 0 is asked for and reports it in address and url", () => {
    expect(server.address.address).toBe("127.0.0.1");
    expect(server.address.family).toBe("IPv4");
    expect(server.address.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.address.port}`);
  });

  test("answers a fetch", async () => {
    const response = await fetch(`${server.url}/hello?x=1`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(await response.text()).toBe("GET /hello?x=1 1.1");
  });

  test("tells the handler the connection is not encrypted and who the peer is", async () => {
    const whoami = await serve({
      handler: (request) => ({
        status: 200,
        body: `${request.url.protocol} ${request.encrypted} ${request.remoteAddress} ${request.remotePort}`,
      }),
    });
    try {
      const client = await RawClient.open(whoami.address.port);
      const localPort = client.socket.localPort;
      client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      await client.gone;
      expect(client.received).toContain(`http: false 127.0.0.1 ${localPort}`);
    } finally {
      await whoami.close();
    }
  });

  test("reuses one keep-alive connection for sequential requests", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const ports = new Set<number>();
    try {
      for (let i = 0; i < 3; i++) {
        const body = await new Promise<string>((resolve, reject) => {
          const req = httpRequest(`${server.url}/n${i}`, { agent }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => { text += c; });
            res.on("end", () => resolve(text));
          });
          req.on("socket", (socket) => socket.once("connect", () => ports.add(socket.localPort ?? -1)));
          req.on("error", reject);
          req.end();
        });
        expect(body).toBe(`GET /n${i} 1.1`);
      }
      // One connect event for three requests: the server kept the connection open.
      expect(ports.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  test("answers pipelined requests on one socket in order", async () => {
    const client = await RawClient.open(server.address.port);
    client.send(
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\n" +
      "GET /b HTTP/1.1\r\nHost: x\r\n\r\n" +
      "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    await client.gone;
    expect(count(client.received, "HTTP/1.1 200")).toBe(3);
    const a = client.received.indexOf("GET /a 1.1");
    const b = client.received.indexOf("GET /b 1.1");
    const c = client.received.indexOf("GET /c 1.1");
    expect(a).toBeGreaterThan(-1);
    expect(b).toBeGreaterThan(a);
    expect(c).toBeGreaterThan(b);
  });

  test("answers a pipelined batch from a client that half-closes right after sending it", async () => {
    const client = await RawClient.open(server.address.port);
    client.socket.end("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.gone;
    expect(client.received).toContain("GET /1 1.1");
    expect(client.received).toContain("GET /2 1.1");
  });

  test("answers HTTP/1.0 and closes the connection", async () => {
    const client = await RawClient.open(server.address.port);
    client.send("GET /old HTTP/1.0\r\n\r\n");
    await client.gone;
    expect(client.received).toMatch(/^HTTP\/1\.[01] 200 /);
    expect(client.received).toContain("GET /old 1.0");
  });

  test("answers a malformed request with 400 and closes, leaving another connection unaffected", async () => {
    const good = await RawClient.open(server.address.port);
    good.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
    await good.waitFor("GET /first 1.1");

    const bad = await RawClient.open(server.address.port);
    bad.send("GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n");
    await bad.gone;
    expect(bad.received).toMatch(/^HTTP\/1\.1 400 /);

    good.send("GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
    await good.waitFor("GET /second 1.1");
    expect(good.closed).toBe(false);
    good.socket.destroy();
  });

  test("counts open connections and forgets closed ones", async () => {
    const own = await serve({ handler: describeRequest });
    try {
      expect(own.connections).toBe(0);
      const a = await RawClient.open(own.address.port);
      const b = await RawClient.open(own.address.port);
      a.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
      b.send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
      await a.waitFor("GET /a 1.1");
      await b.waitFor("GET /b 1.1");
      expect(own.connections).toBe(2);
      a.socket.destroy();
      await until(() => own.connections === 1, "one connection to be forgotten");
      b.send("GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      await b.gone;
      await until(() => own.connections === 0, "both connections to be forgotten");
    } finally {
      await own.close();
    }
  });
});

describe("listen errors", () => {
  test("rejects a second server on a port in use with one ADDRESS_IN_USE line", async () => {
    const first = await serve({ handler: describeRequest });
    try {
      const error = await serve({ handler: describeRequest, port: first.address.port }).then(
        () => { throw new Error("the second serve() resolved"); },
        (e: unknown) => e,
      );
      expect(isServerError(error)).toBe(true);
      expect(error).toBeInstanceOf(ServerError);
      const e = error as ServerError;
      expect(e.code).toBe("ADDRESS_IN_USE");
      expect(e.message).toBe(`port ${first.address.port} on 127.0.0.1 is already in use`);
      expect(e.port).toBe(first.address.port);
      expect((e.cause as { code?: string }).code).toBe("EADDRINUSE");
    } finally {
      await first.close();
    }
  });

  test("rejects a host that is not an address of this machine with ADDRESS_NOT_AVAILABLE", async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a local interface.
    await expect(serve({ handler: describeRequest, host: "192.0.2.1" })).rejects.toMatchObject({
      code: "ADDRESS_NOT_AVAILABLE",
    });
  });

  test("rejects an out-of-range port with INVALID_OPTION before listening", async () => {
    await expect(serve({ handler: describeRequest, port: 70_000 })).rejects.toMatchObject({
      code: "INVALID_OPTION",
      message: "port must be an integer from 0 to 65535 or a string of its decimal digits, got number 70000",
    });
  });

  test("does not mistake other errors for ServerErrors", () => {
    expect(isServerError(new Error("port 1 on x is already in use"))).toBe(false);
    expect(isServerError({ code: "ADDRESS_IN_USE" })).toBe(false);
    expect(isServerError(null)).toBe(false);
  });
});
