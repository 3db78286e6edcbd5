// The differential suite, defined once and run by two test files: one with @hono/node-server's
// default (it replaces the global Request/Response with its own lightweight classes, for the
// whole process, so fromFetch sees them too) and one with `overrideGlobalObjects: false`
// (fromFetch builds undici's Request). Vitest runs each file in its own process.
import { serve as nodeServe } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromFetch } from "@k/handler";
import { serve } from "@k/server";
import type { Server } from "@k/server";
import { createHonoApp, LARGE_SIZE, removeStaticRoot } from "./fixtures/hono-app.ts";
import type { AppEvents } from "./fixtures/hono-app.ts";
import { CASES } from "./fetch-diff-cases.ts";
import { contentLength, decodeAll, EXCLUDED, exchange, normalise, request } from "./fetch-diff-harness.ts";
import type { Decoded, Normalised } from "./fetch-diff-harness.ts";
import { makeCertificate, RawClient, until } from "./helpers.ts";

/**
 * Cases where the two servers differ on purpose, by mode. Each entry rewrites node's
 * normalised answer into what @k sends, so the rest of the response is still compared.
 */
const NODE_DEFAULT_TYPE = "text/plain; charset=UTF-8";
function expectedFromNode(name: string, native: boolean, node: Normalised[]): Normalised[] {
  if (native && /^(stream\(\)|HTTP\/1\.0 stream|keep-alive sequence)$/.test(name)) {
    // @hono/node-server labels every body without Content-Type as text/plain (its
    // buildOutgoingHttpHeaders default); with the native Response a ReadableStream body has
    // no type, and fromFetch does not invent one: RFC 9110 §8.3 lets a sender that does not
    // know the media type omit the field (the recipient may then treat it as
    // application/octet-stream), and labelling arbitrary bytes as text is the worse guess.
    const [first, ...rest] = node;
    expect(first!.headers).toContainEqual(["content-type", NODE_DEFAULT_TYPE]);
    return [{ ...first!, headers: first!.headers.filter(([n]) => n !== "content-type") }, ...rest];
  }
  if (name === "HTTP/1.0 url") {
    // No Host: node-server puts the server's address in the URL, HttpRequest.url (and so
    // fromFetch) "localhost" (documented in @k/handler). Neither is the client's name for
    // the server; only the authority differs.
    expect(node[0]!.body).toContain('"url":"http://127.0.0.1/url?v=10"');
    return [{ ...node[0]!, body: node[0]!.body.replace("http://127.0.0.1/", "http://localhost/") }];
  }
  if (name === "OPTIONS *") {
    // node-server answers 400 (its URL building refuses "*"); the request is valid (RFC 9112
    // §3.2.4). HttpRequest.url maps "*" to "/", so the app sees OPTIONS http://host/ and
    // answers it (here its notFound, as it would for OPTIONS /).
    expect(node[0]!.status).toBe(400);
    return [{ status: 404, headers: [["content-type", NODE_DEFAULT_TYPE]], body: "no route for /" }];
  }
  return node;
}

export function defineDiffSuite(overrideGlobalObjects: boolean): void {
  const native = !overrideGlobalObjects;
  let nodePort = 0;
  let nodeServer: ReturnType<typeof nodeServe>;
  let kServer: Server;
  let nodeEvents: AppEvents;
  let kEvents: AppEvents;

  beforeAll(async () => {
    const forNode = createHonoApp();
    const forK = createHonoApp();
    nodeEvents = forNode.events;
    kEvents = forK.events;
    nodeServer = nodeServe({ fetch: forNode.app.fetch, port: 0, hostname: "127.0.0.1", overrideGlobalObjects });
    await new Promise((resolve) => nodeServer.once("listening", resolve));
    nodePort = (nodeServer.address() as AddressInfo).port;
    kServer = await serve({ handler: fromFetch(forK.app.fetch), port: 0 });
  });
  afterAll(async () => {
    await kServer.close();
    await new Promise((resolve) => nodeServer.close(resolve));
    removeStaticRoot();
  });

  it(`runs with ${native ? "the native" : "@hono/node-server's"} global Request`, () => {
    // node-server's replacement classes define their own Symbol.hasInstance.
    expect(Object.hasOwn(globalThis.Request, Symbol.hasInstance)).toBe(!native);
    expect(Object.hasOwn(globalThis.Response, Symbol.hasInstance)).toBe(!native);
  });

  describe("the same request list gets the same answers", () => {
    it("excludes only fields that legitimately differ, each with a reason", () => {
      expect(Object.keys(EXCLUDED).sort()).toEqual(["connection", "content-length", "date", "keep-alive", "transfer-encoding"]);
    });

    for (const c of CASES) {
      it(`${c.name}: ${c.why}`, async () => {
        const [nodeBytes, kBytes] = await Promise.all([exchange(nodePort, c.parts), exchange(kServer.address.port, c.parts)]);
        const node = decodeAll(nodeBytes, c.methods);
        const k = decodeAll(kBytes, c.methods);
        expect(k.length).toBe(c.methods.length);
        expect(node.length).toBe(c.methods.length);
        if (c.name === "lowercase method") {
          // Both refuse "get"; node:http's llhttp with a 400 (it knows only upper-case methods),
          // @k with a 501 (a well-formed but unknown method, RFC 9110 §15.6.2): fromFetch must
          // not let `new Request` upper-case it into GET.
          expect(node[0]!.status).toBe(400);
          expect(k[0]!.status).toBe(501);
          expect(k[0]!.body.toString()).toMatch(/case-sensitive/);
          return;
        }
        expect(k.map(normalise)).toEqual(expectedFromNode(c.name, native, node.map(normalise)));
        for (const response of k) checkFraming(response, c.methods[k.indexOf(response)]!);
        // A HEAD answer's Content-Length is not framing but the GET's length: compared.
        c.methods.forEach((method, i) => {
          if (method === "HEAD") expect(contentLength(k[i]!)).toBe(contentLength(node[i]!));
        });
      });
    }
  });

  it("keeps the GET's Content-Length on HEAD when the app's Response declares one, like node-server", async () => {
    // Hono answers HEAD with `new Response(null, getResponse)`: the app's own Content-Length
    // (c.body with an explicit header) survives; a computed one does not exist to keep.
    const parts = [request("HEAD", "/large", { Connection: "close" })];
    const [k] = decodeAll(await exchange(kServer.address.port, parts), ["HEAD"]);
    const [node] = decodeAll(await exchange(nodePort, parts), ["HEAD"]);
    expect(contentLength(k!)).toBe(contentLength(node!));
    expect(k!.body.length).toBe(0);
  });

  it("answers a GET of the 3 MiB route with Content-Length, like node-server", async () => {
    const parts = [request("GET", "/large", { Connection: "close" })];
    const [k] = decodeAll(await exchange(kServer.address.port, parts), ["GET"]);
    expect(k!.framing).toBe("length");
    expect(contentLength(k!)).toBe(LARGE_SIZE);
  });

  it("sends 100 Continue to a client that waits for it, then the answer, like node-server", async () => {
    for (const port of [nodePort, kServer.address.port]) {
      const client = await RawClient.open(port);
      client.send(request("POST", "/json", { Expect: "100-continue", "Content-Type": "application/json", "Content-Length": "9", Connection: "close" }).toString("latin1"));
      await client.waitFor("HTTP/1.1 100 Continue\r\n\r\n");
      expect(client.received).not.toContain("200 OK");
      client.send('{"w":"a"}');
      await client.gone;
      const [answer] = decodeAll(Buffer.from(client.received, "latin1"), ["POST"]);
      expect(answer!.status).toBe(200);
      expect(JSON.parse(answer!.body.toString())).toEqual({ echo: { w: "a" } });
    }
  });

  it("gives c.req.url as the absolute http URL from Host and target", async () => {
    const parts = [request("GET", "/url?a=1&b=%2F", { Host: "example.com:8080", Connection: "close" })];
    const [k] = decodeAll(await exchange(kServer.address.port, parts), ["GET"]);
    expect(JSON.parse(k!.body.toString())).toEqual({ url: "http://example.com:8080/url?a=1&b=%2F", path: "/url", method: "GET" });
  });

  it("keeps every request field in c.req.raw.headers, repeats joined as node-server joins them", async () => {
    const parts = [request("GET", "/headers", [["Host", "h.test"], ["X-One", "1"], ["x-ONE", "2"], ["Cookie", "a=1"], ["Cookie", "b=2"], ["Accept", "a/b"], ["Accept", "c/d"], ["Connection", "close"]])];
    const [k] = decodeAll(await exchange(kServer.address.port, parts), ["GET"]);
    const raw = (JSON.parse(k!.body.toString()) as { raw: [string, string][] }).raw;
    expect(raw).toEqual([["accept", "a/b, c/d"], ["connection", "close"], ["cookie", "a=1; b=2"], ["host", "h.test"], ["x-one", "1, 2"]]);
  });

  it("aborts c.req.raw.signal and runs the stream's onAbort when the client goes away mid-stream, like node-server", async () => {
    for (const [port, events] of [[nodePort, nodeEvents], [kServer.address.port, kEvents]] as const) {
      const socket = connect({ port, host: "127.0.0.1" });
      let received = 0;
      socket.on("data", (chunk: Buffer) => { received += chunk.length; });
      socket.on("error", () => {});
      socket.write(request("GET", "/forever"));
      await until(() => received > 64 * 1024, "64 KiB of the endless stream");
      socket.destroy();
      await Promise.all([events.waitFor("signal:/forever"), events.waitFor("onAbort:/forever"), events.waitFor("loop-ended:/forever")]);
    }
  });

  it("fails the app's body read when the client goes away mid-upload, and goes on serving, like node-server", async () => {
    for (const [port, events] of [[nodePort, nodeEvents], [kServer.address.port, kEvents]] as const) {
      const socket = connect({ port, host: "127.0.0.1" });
      socket.on("error", () => {});
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write(request("POST", "/upload", { "Content-Length": String(1024 * 1024) }));
      // Destroy only once the bytes are handed to the kernel (destroy drops pending writes).
      await new Promise((resolve) => socket.write(Buffer.alloc(200 * 1024, 0x62), resolve));
      socket.destroy();
      await events.waitFor("upload-failed");
      const [after] = decodeAll(await exchange(port, [request("GET", "/hello", { Connection: "close" })]), ["GET"]);
      expect(after!.body.toString()).toBe("Hello, World!");
    }
  });

  it("reads a 64 MiB upload at the handler's pace with bounded memory", async () => {
    const total = 64 * 1024 * 1024;
    const block = Buffer.alloc(1024 * 1024, 0x61);
    const socket = connect({ port: kServer.address.port, host: "127.0.0.1" });
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    await new Promise((resolve) => socket.once("connect", resolve));
    const gc = (globalThis as { gc?: () => void }).gc!;
    gc();
    const before = process.memoryUsage();
    socket.write(request("POST", "/slow-upload", { "Content-Length": String(total), Connection: "close" }));
    for (let sent = 0; sent < total; sent += block.length) {
      // The client respects backpressure, so only what the server accepts leaves it.
      if (!socket.write(block)) await new Promise((resolve) => socket.once("drain", resolve));
    }
    await new Promise((resolve) => socket.once("close", resolve));
    const [answer] = decodeAll(Buffer.concat(chunks), ["POST"]);
    const result = JSON.parse(answer!.body.toString()) as { size: number; chunks: number; peak: number };
    expect(result.size).toBe(total);
    expect(result.chunks).toBeGreaterThan(64);
    // Server and client share this process: the peak covers both, and stays far below the
    // 64 MiB that a server reading ahead of its handler would hold.
    expect(result.peak - (before.heapUsed + before.arrayBuffers)).toBeLessThan(16 * 1024 * 1024);
  });

  it("gives Hono's getConnInfo nothing by default, and the client's address through the env option", async () => {
    const { getConnInfo } = await import("@hono/node-server/conninfo");
    const { Hono } = await import("hono");
    const app = new Hono<{ Bindings: { remoteAddress?: string } }>();
    app.get("/ip", (c) => c.json(getConnInfo(c).remote));
    app.get("/env", (c) => c.json({ remoteAddress: c.env.remoteAddress ?? null }));
    app.onError((error, c) => c.text(error.message, 500));
    const plain = await serve({ handler: fromFetch(app.fetch), port: 0 });
    // The shape @hono/node-server/conninfo reads (env.incoming.socket), for apps that use it.
    const withEnv = await serve({
      handler: fromFetch(app.fetch, {
        env: (request) => ({
          remoteAddress: request.remoteAddress,
          incoming: { socket: { remoteAddress: request.remoteAddress, remotePort: request.remotePort, remoteFamily: "IPv4" } },
        }),
      }),
      port: 0,
    });
    const nodeApp = new Hono().get("/ip", (c) => c.json(getConnInfo(c).remote));
    const nodeIp = nodeServe({ fetch: nodeApp.fetch, port: 0, hostname: "127.0.0.1", overrideGlobalObjects });
    await new Promise((resolve) => nodeIp.once("listening", resolve));
    try {
      const ask = async (port: number, target: string): Promise<{ status: number; body: string; clientPort: number }> => {
        const socket = connect({ port, host: "127.0.0.1" });
        const chunks: Buffer[] = [];
        socket.on("data", (chunk: Buffer) => chunks.push(chunk));
        await new Promise((resolve) => socket.once("connect", resolve));
        const clientPort = socket.localPort!;
        socket.write(request("GET", target, { Connection: "close" }));
        await new Promise((resolve) => socket.once("close", resolve));
        const [answer] = decodeAll(Buffer.concat(chunks), ["GET"]);
        return { status: answer!.status, body: answer!.body.toString(), clientPort };
      };
      // getConnInfo reads env.incoming.socket; without the option fromFetch passes no env.
      const none = await ask(plain.address.port, "/ip");
      expect(none.status).toBe(500);
      const viaNode = await ask((nodeIp.address() as AddressInfo).port, "/ip");
      expect(JSON.parse(viaNode.body)).toEqual({ address: "127.0.0.1", port: viaNode.clientPort, addressType: "IPv4" });
      const viaK = await ask(withEnv.address.port, "/ip");
      expect(JSON.parse(viaK.body)).toEqual({ address: "127.0.0.1", port: viaK.clientPort, addressType: "IPv4" });
      expect(JSON.parse((await ask(withEnv.address.port, "/env")).body)).toEqual({ remoteAddress: "127.0.0.1" });
    } finally {
      await Promise.all([plain.close(), withEnv.close(), new Promise((resolve) => nodeIp.close(resolve))]);
    }
  });
}

/** @k's framing for a decoded answer: a body of known size has Content-Length that matches it. */
function checkFraming(response: Decoded, method: string): void {
  const length = contentLength(response);
  if (method !== "HEAD" && length !== undefined) expect(response.body.length).toBe(length);
  if (response.framing === "chunked") expect(length).toBeUndefined();
}

/** Runs the suite over TLS for the `encrypted` URL check (@k only: node-server is not under test there). */
export function defineTlsCheck(): void {
  it("gives c.req.url an https URL under TLS", async () => {
    const { key, cert } = makeCertificate();
    const { app } = createHonoApp();
    const server = await serve({ handler: fromFetch(app.fetch), port: 0, tls: { key, cert } });
    try {
      const client = await RawClient.openTls(server.address.port, cert);
      client.send(request("GET", "/url?x=1", { Host: "localhost", Connection: "close" }).toString("latin1"));
      await client.gone;
      const [answer] = decodeAll(Buffer.from(client.received, "latin1"), ["GET"]);
      expect(JSON.parse(answer!.body.toString())).toEqual({ url: "https://localhost/url?x=1", path: "/url", method: "GET" });
    } finally {
      await server.close();
    }
  });
}
