// Hono's own compress() middleware through fromFetch: it still works, and wrapping the same
// app in @k's compress() never compresses twice (a Content-Encoding is left alone).
import { gunzipSync } from "node:zlib";
import { Hono } from "hono";
import { compress as honoCompress } from "hono/compress";
import { describe, expect, it } from "vitest";
import { compress, fromFetch, inject } from "@k/handler";

const BODY = "Hono says hello to a compressed world. ".repeat(200);

function app(): Hono {
  const hono = new Hono();
  hono.use(honoCompress());
  hono.get("/text", (c) => c.text(BODY));
  return hono;
}

describe("compress with Hono's compress() through fromFetch", () => {
  it("serves Hono's gzip as Hono made it", async () => {
    const res = await inject(fromFetch(app().fetch), { target: "/text", headers: { "accept-encoding": "gzip" } });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(res.body).toString()).toBe(BODY);
  });

  it("does not compress Hono's compressed body a second time", async () => {
    const res = await inject(compress(fromFetch(app().fetch)), { target: "/text", headers: { "accept-encoding": "br, gzip" } });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    // Exactly one gzip layer: one gunzip gives the text.
    expect(gunzipSync(res.body).toString()).toBe(BODY);
  });

  it("compresses a plain Hono app's response through fromFetch", async () => {
    const plain = new Hono();
    plain.get("/text", (c) => c.text(BODY));
    const res = await inject(compress(fromFetch(plain.fetch)), { target: "/text", headers: { "accept-encoding": "gzip" } });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(res.headers.get("vary")).toBe("Accept-Encoding");
    expect(gunzipSync(res.body).toString()).toBe(BODY);
  });
});
