import { Hono } from "hono";
import { stream } from "hono/streaming";
import { describe, expect, it } from "vitest";
import { fromFetch, inject } from "@k/handler";
import { connect, readResponses, until } from "./helpers.ts";

function app() {
  const hono = new Hono();
  hono.get("/hello", (c) => c.text("Hello, World!"));
  hono.get("/json/:id", (c) => c.json({ id: c.req.param("id"), q: c.req.query("q") ?? null }));
  hono.post("/echo", async (c) => c.json({ body: await c.req.text(), type: c.req.header("content-type") ?? null }));
  hono.get("/stream", (c) =>
    stream(c, async (s) => {
      for (let i = 0; i < 3; i++) await s.write(`part${i};`);
    }),
  );
  hono.get("/cookies", (c) => {
    c.header("set-cookie", "a=1", { append: true });
    c.header("set-cookie", "b=2", { append: true });
    return c.text("cookies");
  });
  hono.get("/url", (c) => c.text(c.req.url));
  hono.get("/aborted", async (c) => {
    const signal = c.req.raw.signal;
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
    seenAbort = signal.aborted;
    return c.text("late");
  });
  return hono;
}
let seenAbort = false;

describe("fromFetch with a Hono app", () => {
  const handler = fromFetch(app().fetch);

  it("routes and answers text with Content-Length", async () => {
    const res = await inject(handler, { target: "/hello" });
    expect(res.status).toBe(200);
    expect(res.text()).toBe("Hello, World!");
    expect(res.headers.get("content-length")).toBe("13");
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  });

  it("answers JSON with route parameters and the query", async () => {
    const res = await inject(handler, { target: "/json/42?q=x" });
    expect(res.json()).toEqual({ id: "42", q: "x" });
  });

  it("answers 404 for an unknown route", async () => {
    expect((await inject(handler, { target: "/nope" })).status).toBe(404);
  });

  it("passes a POST body through as a stream", async () => {
    const res = await inject(handler, {
      method: "POST",
      target: "/echo",
      headers: { "content-type": "text/plain" },
      body: "posted body",
    });
    expect(res.json()).toEqual({ body: "posted body", type: "text/plain" });
  });

  it("streams a hono/streaming body chunked", async () => {
    const res = await inject(handler, { target: "/stream" });
    expect(res.headers.get("transfer-encoding")).toBe("chunked");
    expect(res.text()).toBe("part0;part1;part2;");
  });

  it("keeps multiple Set-Cookie fields apart", async () => {
    const res = await inject(handler, { target: "/cookies" });
    expect(res.headers.getAll("set-cookie")).toEqual(["a=1", "b=2"]);
  });

  it("builds the URL from Host and the target", async () => {
    const res = await inject(handler, { target: "/url?x=1", headers: { host: "example.com:8080" } });
    expect(res.text()).toBe("http://example.com:8080/url?x=1");
  });

  it("serves over the in-memory transport, pipelined, with a chunked POST body", async () => {
    const h = connect({ handler });
    h.transport.send(
      "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n" +
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n" +
        "GET /stream HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    await until(() => readResponses(h.transport.output()).responses.length === 3);
    const texts = readResponses(h.transport.output()).responses.map((r) => r.text);
    expect(texts[0]).toBe("Hello, World!");
    expect(JSON.parse(texts[1]!)).toEqual({ body: "abcde", type: "text/plain" });
    expect(texts[2]).toBe("part0;part1;part2;");
  });

  it("aborts the Request's signal when the client goes away", async () => {
    const h = connect({ handler });
    h.transport.send("GET /aborted HTTP/1.1\r\nHost: a\r\n\r\n");
    await new Promise((r) => setTimeout(r, 5));
    h.transport.hangUp();
    await until(() => seenAbort);
  });

  it("answers HEAD with the GET's fields and no body", async () => {
    const res = await inject(handler, { method: "HEAD", target: "/hello" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    // Hono's HEAD response carries no Content-Length of its own: none is invented.
    expect(res.headers.has("content-length")).toBe(false);
    expect(res.body.length).toBe(0);
  });

  it("answers 400 for a Host that forms no URL", async () => {
    const res = await inject(handler, { target: "/hello", headers: { host: "a%20b" } });
    expect(res.status).toBe(400);
  });

  it("answers 501 for a method that a web Request refuses", async () => {
    const res = await inject(handler, { method: "TRACE", target: "/hello" });
    expect(res.status).toBe(501);
  });
});
