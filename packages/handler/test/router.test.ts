import { describe, expect, it } from "vitest";
import { createRouter, inject } from "@k/handler";
import type { RequestHandler } from "@k/handler";

const named = (name: string): RequestHandler => () => ({ status: 200, body: name });

describe("createRouter", () => {
  const router = createRouter([
    { prefix: "/", handler: named("root") },
    { prefix: "/api", handler: named("api") },
    { prefix: "/api/users", methods: ["GET", "POST"], handler: named("users") },
    { prefix: "/api/users", methods: ["DELETE"], handler: named("delete-users") },
    { prefix: "/echo", handler: named("echo") },
  ]);

  it.each([
    ["/", "root"],
    ["/other", "root"],
    ["/api", "api"],
    ["/api/", "api"],
    ["/api/users", "users"],
    ["/api/users/7", "users"],
    ["/api/users?x=1", "users"],
    ["/api/usersX", "api"],
    ["/echo/x?y", "echo"],
    ["/echoes", "root"],
  ])("routes %s to the longest matching prefix at a segment boundary", async (target, expected) => {
    expect((await inject(router, { target })).text()).toBe(expected);
  });

  it("routes by method among routes with the same prefix", async () => {
    expect((await inject(router, { method: "DELETE", target: "/api/users" })).text()).toBe("delete-users");
    expect((await inject(router, { method: "POST", target: "/api/users", body: "" })).text()).toBe("users");
  });

  it("answers 405 with Allow when the path matches but the method does not", async () => {
    const res = await inject(router, { method: "PUT", target: "/api/users/1" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")!.split(", ").sort()).toEqual(["DELETE", "GET", "HEAD", "POST"]);
  });

  it("allows HEAD where GET is allowed", async () => {
    const res = await inject(router, { method: "HEAD", target: "/api/users" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("5");
  });

  it("answers 404 when no prefix matches", async () => {
    const r = createRouter([{ prefix: "/only", handler: named("only") }]);
    expect((await inject(r, { target: "/other" })).status).toBe(404);
    expect((await inject(r, { target: "/onlyx" })).status).toBe(404);
  });

  it("uses the notFound handler", async () => {
    const r = createRouter([], { notFound: () => ({ status: 410, body: "gone" }) });
    expect((await inject(r, { target: "/x" })).status).toBe(410);
  });

  it("matches any string prefix with boundary: any", async () => {
    const r = createRouter([{ prefix: "/echo", handler: named("echo") }], { boundary: "any" });
    expect((await inject(r, { target: "/echoes" })).text()).toBe("echo");
  });

  it("answers a CONNECT request with 405 from a method-limited route", async () => {
    const r = createRouter([{ prefix: "/", methods: ["GET"], handler: named("x") }]);
    const res = await inject(r, { method: "CONNECT", target: "example.com:443", headers: { host: "example.com:443" } });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
  });
});
