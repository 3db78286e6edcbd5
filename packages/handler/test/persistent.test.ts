import { describe, expect, it } from "vitest";
import { persistent } from "@k/handler";
import type { HandlerResult, HttpRequest } from "@k/handler";
import { connect, get, readResponses, tick, until } from "./helpers.ts";

describe("persistent", () => {
  it("never lets one component instance serve two requests at once, across connections", async () => {
    let active = 0;
    let maxActive = 0;
    let served = 0;
    const component = persistent(async function* (req: HttpRequest) {
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        yield { status: 200 };
        await new Promise((r) => setTimeout(r, 2));
        yield `${req.path}:${++served}`;
      } finally {
        active--;
      }
    } as (req: HttpRequest) => HandlerResult);
    const connections = [connect({ handler: component }), connect({ handler: component }), connect({ handler: component })];
    connections.forEach((h, i) => h.transport.send(get(`/c${i}`) + get(`/c${i}`)));
    await until(() => connections.every((h) => readResponses(h.transport.output()).responses.length === 2));
    expect(maxActive).toBe(1);
    expect(served).toBe(6);
  });

  it("serialises whole responses and keeps their Content-Length", async () => {
    let active = 0;
    let maxActive = 0;
    const component = persistent(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 1));
      active--;
      return { status: 200, body: "whole" };
    });
    const a = connect({ handler: component });
    const b = connect({ handler: component });
    a.transport.send(get());
    b.transport.send(get());
    await until(() => [a, b].every((h) => readResponses(h.transport.output()).responses.length === 1));
    const r = readResponses(a.transport.output()).responses[0]!;
    expect(r.headers.get("content-length")).toBe("5");
    expect(maxActive).toBe(1);
  });

  it("skips a waiting call whose client went away before its turn", async () => {
    let release!: () => void;
    const seen: string[] = [];
    const component = persistent(async (req: HttpRequest) => {
      seen.push(req.path);
      if (req.path === "/first") await new Promise<void>((r) => (release = r));
      return { status: 200, body: req.path };
    });
    const a = connect({ handler: component });
    const b = connect({ handler: component });
    const c = connect({ handler: component });
    a.transport.send(get("/first"));
    await until(() => seen.length === 1);
    b.transport.send(get("/gone"));
    c.transport.send(get("/third"));
    await tick();
    b.transport.hangUp();
    release();
    await until(() => readResponses(c.transport.output()).responses.length === 1);
    expect(seen).toEqual(["/first", "/third"]);
  });

  it("releases the instance when a client goes away mid-response", async () => {
    const component = persistent(async function* () {
      yield { status: 200 };
      for (;;) yield Buffer.alloc(65536);
    } as () => HandlerResult);
    const a = connect({ handler: component }, { highWaterMark: 65536, record: false });
    a.transport.send(get());
    await until(() => a.transport.backlog > 0);
    a.transport.hangUp();
    const b = connect({ handler: persistent(() => ({ status: 200, body: "unrelated" })) });
    b.transport.send(get());
    const c = connect({ handler: component }, { highWaterMark: 65536 });
    c.transport.send(get());
    await until(() => c.transport.backlog > 0);
    expect(c.transport.text()).toContain("200 OK");
  });
});
