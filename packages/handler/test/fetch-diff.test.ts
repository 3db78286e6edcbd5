// fromFetch details found while comparing it with @hono/node-server (see
// packages/server/test/fetch-diff*.test.ts for the socket-level differential test).
import { Hono } from "hono";
import { stream } from "hono/streaming";
import { describe, expect, it } from "vitest";
import { fromFetch, inject } from "@k/handler";
import { connect, until } from "./helpers.ts";

describe("fromFetch: methods", () => {
  const handler = fromFetch(
    new Hono()
      .get("/m", (c) => c.text(`GET as ${c.req.raw.method}`))
      .all("/other", (c) => c.text(`method ${c.req.raw.method}`)).fetch,
  );

  it("answers 501 for a lower-case spelling of a method that fetch would upper-case", async () => {
    for (const method of ["get", "Get", "head", "post", "put", "delete", "options"]) {
      const res = await inject(handler, { method, target: "/m" });
      expect([method, res.status]).toEqual([method, 501]);
      // (inject's own reader takes "head" for HEAD and reads no body, so check the raw bytes)
      expect(Buffer.from(res.raw).toString()).toMatch(/case-sensitive/);
    }
  });

  it("passes a lower-case method that fetch leaves alone through as received", async () => {
    const res = await inject(handler, { method: "patch", target: "/other" });
    expect(res.status).toBe(200);
    expect(res.text()).toBe("method patch");
  });

  it("still answers GET", async () => {
    expect((await inject(handler, { target: "/m" })).text()).toBe("GET as GET");
  });
});

describe("fromFetch: the Request", () => {
  it("is an instance of the global Request and carries every field in order of names", async () => {
    let seen: { isRequest: boolean; fields: [string, string][] } | null = null;
    const handler = fromFetch((request) => {
      seen = { isRequest: request instanceof Request, fields: [...request.headers] };
      return new Response("ok");
    });
    await inject(handler, { target: "/", headers: [["X-B", "1"], ["x-a", "2"], ["X-B", "3"], ["Cookie", "a=1"], ["Cookie", "b=2"]] as never });
    expect(seen).toEqual({
      isRequest: true,
      fields: [["cookie", "a=1; b=2"], ["host", "localhost"], ["x-a", "2"], ["x-b", "1, 3"]],
    });
  });

  it("aborts the signal when the client goes away, also when the handler first reads it afterwards", async () => {
    let release!: () => void;
    const later = new Promise<void>((resolve) => (release = resolve));
    let aborted: boolean | null = null;
    const handler = fromFetch(async (request) => {
      await later; // does not touch request.signal before the hang-up
      aborted = request.signal.aborted;
      return new Response("late");
    });
    const h = connect({ handler });
    h.transport.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    h.transport.hangUp();
    release();
    await until(() => aborted !== null);
    expect(aborted).toBe(true);
  });

  it("runs hono/streaming's onAbort and stops the stream when the client goes away mid-stream", async () => {
    const log: string[] = [];
    const app = new Hono().get("/s", (c) =>
      stream(c, async (s) => {
        s.onAbort(() => {
          log.push("onAbort");
        });
        for (let i = 0; !s.aborted; i++) {
          await s.write(`part${i};`);
          await s.sleep(1);
        }
        log.push("ended");
      }),
    );
    const h = connect({ handler: fromFetch(app.fetch) });
    h.transport.send("GET /s HTTP/1.1\r\nHost: a\r\n\r\n");
    await until(() => h.transport.text().includes("part3;"));
    h.transport.hangUp();
    await until(() => log.includes("ended"));
    expect(log).toEqual(["onAbort", "ended"]);
  });

  it("does not read the body (no 100 Continue) until the handler pulls it", async () => {
    let release!: () => void;
    const later = new Promise<void>((resolve) => (release = resolve));
    const handler = fromFetch(async (request) => {
      await later;
      return new Response(`got ${await request.text()}`);
    });
    const h = connect({ handler });
    h.transport.send("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(h.transport.text()).toBe("");
    release();
    await until(() => h.transport.text().includes("HTTP/1.1 100 Continue"));
    h.transport.send("hello");
    await until(() => h.transport.text().endsWith("got hello"));
    expect(h.transport.text()).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  });
});

describe("fromFetch: the Response", () => {
  it("honours the app's Connection: close and answers nothing after it", async () => {
    const h = connect({
      handler: fromFetch(() => new Response("bye", { headers: { connection: "close", "keep-alive": "timeout=1" } })),
    });
    h.transport.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n");
    await until(() => h.transport.ended);
    const text = h.transport.text();
    expect(text.match(/HTTP\/1\.1 200/g)).toHaveLength(1);
    expect(text).toMatch(/\r\nConnection: close\r\n/);
    expect(text).not.toMatch(/keep-alive/i);
  });

  it("never sends more bytes than the app's Content-Length announced (node-server sends them all)", async () => {
    const h = connect({ handler: fromFetch(() => new Response("abcdef", { headers: { "content-length": "3" } })) });
    h.transport.send("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n");
    await until(() => h.transport.destroyed);
    const text = h.transport.text();
    expect(text).toMatch(/\r\nContent-Length: 3\r\n\r\n/);
    expect(text).not.toContain("def");
    expect(text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(h.errors.length).toBe(1);
  });
});

describe("fromFetch: env", () => {
  it("calls the handler with the Request alone when no env is asked for", async () => {
    let count = -1;
    const handler = fromFetch(function (this: unknown, ...args: unknown[]) {
      count = args.length;
      return new Response("ok");
    } as (request: Request) => Response);
    await inject(handler, { target: "/" });
    expect(count).toBe(1);
  });

  it("passes env(request) as the second argument, made from the HttpRequest", async () => {
    const app = new Hono<{ Bindings: { path: string; version: string } }>().get("/e", (c) => c.json(c.env));
    const handler = fromFetch(app.fetch, { env: (request) => ({ path: request.path, version: request.version }) });
    expect((await inject(handler, { target: "/e?x=1", version: "1.0" })).json()).toEqual({ path: "/e", version: "1.0" });
  });
});
