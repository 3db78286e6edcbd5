// Errors you can see (issue 11): without onError, a failing component leaves one stderr line
// (method, target, stack), rate-limited; with onError, nothing is printed.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createConnection, createMemoryTransport, errorLogBurst, errorLogTarget, HttpError } from "@k/handler";
import type { ConnectionOptions } from "@k/handler";
import { readResponses, until } from "./helpers.js";

let printed: string[] = [];
let clock = Date.now();
const original = errorLogTarget.write;
beforeEach(() => {
  printed = [];
  errorLogTarget.write = (text) => printed.push(text);
  // A fresh rate-limit window for each test.
  vi.useFakeTimers({ toFake: ["Date"] });
  clock += 10_000;
  vi.setSystemTime(clock);
});
afterEach(() => {
  errorLogTarget.write = original;
  vi.useRealTimers();
});

async function request(options: ConnectionOptions, text: string): Promise<number> {
  const transport = createMemoryTransport();
  transport.attach(createConnection(transport, options));
  transport.send(text);
  await until(() => readResponses(transport.output()).responses.length === 1);
  return readResponses(transport.output()).responses[0]!.status;
}

const lines = () => printed.join("").split("\n").filter((l) => l !== "");

describe("the default error report", () => {
  it("prints one stderr line with method, target and stack for a throwing component", async () => {
    const status = await request(
      { handler: () => { throw new TypeError("boom: x is undefined"); } },
      "GET /boom?q=1 HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    expect(status).toBe(500);
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatch(/^@k\/handler: error in GET \/boom\?q=1: TypeError: boom: x is undefined \| at /);
    expect(lines()[0]).toContain("error-log.test.ts");
  });

  it("prints a rejected promise the same way", async () => {
    const status = await request(
      { handler: async () => { throw new Error("async boom"); } },
      "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
    );
    expect(status).toBe(500);
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatch(/^@k\/handler: error in POST \/x: Error: async boom/);
  });

  it("prints nothing when onError is set: the hook replaces it", async () => {
    const seen: unknown[] = [];
    await request(
      { handler: () => { throw new Error("boom"); }, onError: (e) => seen.push(e) },
      "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    expect(printed).toEqual([]);
    expect(seen).toHaveLength(1);
  });

  it("does not print an HttpError below 500 a component chose", async () => {
    const status = await request(
      { handler: () => { throw new HttpError(403, "no"); } },
      "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    expect(status).toBe(403);
    expect(printed).toEqual([]);
  });

  it(`prints at most ${errorLogBurst} lines a second and then says how many it left out`, async () => {
    const options = { handler: () => { throw new Error("again"); } };
    for (let i = 0; i < errorLogBurst + 15; i++) await request(options, "GET /many HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(lines()).toHaveLength(errorLogBurst);
    vi.setSystemTime(Date.now() + 1000);
    await request(options, "GET /later HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(lines()).toHaveLength(errorLogBurst + 2);
    expect(lines()[errorLogBurst]).toBe(`@k/handler: 15 more errors not printed (at most ${errorLogBurst} per second)`);
    expect(lines()[errorLogBurst + 1]).toMatch(/^@k\/handler: error in GET \/later: Error: again/);
  });
});
