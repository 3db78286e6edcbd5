import { describe, expect, it } from "vitest";
import { HttpError, inject } from "@k/handler";

describe("inject", () => {
  it("returns status, reason, headers, body and trailers", async () => {
    const res = await inject(async function* (req) {
      yield { status: 201, headers: { "x-method": req.method } };
      yield await req.text();
      return { trailers: { "x-t": "1" } };
    }, { method: "PUT", target: "/x", body: "data" });
    expect(res.status).toBe(201);
    expect(res.reason).toBe("Created");
    expect(res.headers.get("x-method")).toBe("PUT");
    expect(res.text()).toBe("data");
    expect(res.trailers).toEqual(["x-t", "1"]);
  });

  it("reads a close-delimited HTTP/1.0 response", async () => {
    const res = await inject(async function* () {
      yield { status: 200 };
      yield "ten bytes!";
    }, { version: "1.0" });
    expect(res.text()).toBe("ten bytes!");
    expect(res.headers.get("connection")).toBe("close");
  });

  it("answers a whole 304 with the representation's Content-Length and no body", async () => {
    const res = await inject(() => ({ status: 304, length: 4468, headers: { etag: '"v1"' }, body: null }));
    expect(res.status).toBe(304);
    expect(res.headers.get("content-length")).toBe("4468");
    expect(res.body.length).toBe(0);
  });

  it("answers a whole 304 without a length with no Content-Length at all", async () => {
    const res = await inject(() => ({ status: 304, headers: { etag: '"v1"' } }));
    expect(res.status).toBe(304);
    expect(res.headers.get("content-length")).toBe(null);
    expect(res.headers.get("transfer-encoding")).toBe(null);
  });

  it("returns the status of an HttpError", async () => {
    const res = await inject(() => {
      throw new HttpError(418, "teapot");
    });
    expect(res.status).toBe(418);
    expect(res.text()).toBe("teapot\n");
  });

  it("rejects when the component fails after its head", async () => {
    await expect(
      inject(async function* () {
        yield { status: 200 };
        throw new Error("late");
      }),
    ).rejects.toThrow("late");
  });
});

describe("inject request fields", () => {
  it("passes Connection and other fields through as given", async () => {
    const res = await inject((req) => ({ status: 200, body: req.headers.get("connection") ?? "none" }), {
      headers: { Connection: "close" },
    });
    expect(res.text()).toBe("close");
    expect(res.headers.get("connection")).toBe("close");
  });
});
