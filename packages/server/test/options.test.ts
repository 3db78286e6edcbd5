// serve()'s own options (issue 11): unknown names are refused naming the nearest valid one;
// a decimal string port (process.env.PORT) is accepted, other types get a clear error; `path`
// listens on a Unix socket; `signal` closes gracefully; `await using` closes at scope end.
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { serve } from "@k/server";
import type { ServeOptions } from "@k/server";
import { RawClient, gate, until } from "./helpers.js";

const handler: ServeOptions["handler"] = () => ({ status: 200, body: "ok" });

describe("option names", () => {
  test.each([
    ["prot", "port"],
    ["hots", "host"],
    ["maxConection", "maxConnections"],
    ["requestTimout", "requestTimeout"],
    ["onerror", "onError"],
  ])("rejects '%s' and suggests '%s'", async (wrong, right) => {
    await expect(serve({ handler, [wrong]: 1 } as unknown as ServeOptions)).rejects.toMatchObject({
      code: "INVALID_OPTION",
      message: `unknown option '${wrong}': did you mean '${right}'?`,
    });
  });

  test("accepts every documented option name (no false alarms)", async () => {
    const server = await serve({
      handler, port: 0, host: "127.0.0.1", maxConnections: 10, gracePeriod: 100, backlog: 16, noDelay: true,
      lingerTimeout: 100, sendTimeout: 100, onSocketError: () => {}, headTimeout: 1000, idleTimeout: 1000,
      bodyTimeout: 1000, requestTimeout: 1000, minBodyRate: 0, bodyRateWindow: 1000, maxPipelined: 4,
      maxDrainSize: 10, maxBodySize: 10, maxHeadSize: 8192, maxHeaderCount: 50, maxTargetLength: 100,
      serverName: "x", onError: () => {}, onResponse: () => {}, signal: new AbortController().signal,
    });
    await server.close();
  });
});

describe("port", () => {
  test("accepts a string of decimal digits, as process.env.PORT is", async () => {
    const probe = await serve({ handler, port: 0 });
    const free = probe.address.port;
    await probe.close();
    const server = await serve({ handler, port: String(free) });
    try {
      expect(server.address.port).toBe(free);
      const client = await RawClient.open(free);
      client.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      await client.gone;
      expect(client.received).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      await server.close();
    }
  });

  test.each([
    ["80a", "string '80a'"],
    ["", "string ''"],
    [" 80", "string ' 80'"],
    ["0x50", "string '0x50'"],
    ["65536", "string '65536'"],
    [true, "boolean true"],
    [null, "null"],
    [8080.5, "number 8080.5"],
    [{}, "Object object"],
  ])("rejects %j, saying what it got", async (port, got) => {
    await expect(serve({ handler, port } as unknown as ServeOptions)).rejects.toMatchObject({
      code: "INVALID_OPTION",
      message: `port must be an integer from 0 to 65535 or a string of its decimal digits, got ${got}`,
    });
  });
});

describe("path (Unix domain socket)", () => {
  const dir = mkdtempSync(join(tmpdir(), "k-server-unix-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.skipIf(process.platform === "win32")("serves over a Unix socket and reports the path as its address", async () => {
    const path = join(dir, "k.sock");
    const server = await serve({ handler, path });
    try {
      expect(server.address).toEqual({ address: path, port: 0, family: "unix" });
      expect(server.url).toBe(`http+unix://${encodeURIComponent(path)}`);
      const body = await new Promise<string>((resolve, reject) => {
        httpRequest({ socketPath: path, path: "/", agent: false }, (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (c: string) => (text += c)).on("end", () => resolve(`${res.statusCode} ${text}`));
        }).on("error", reject).end();
      });
      expect(body).toBe("200 ok");
    } finally {
      await server.close();
    }
  });

  test.skipIf(process.platform === "win32")("rejects a path already in use with ADDRESS_IN_USE naming the socket", async () => {
    const path = join(dir, "busy.sock");
    const first = await serve({ handler, path });
    try {
      await expect(serve({ handler, path })).rejects.toMatchObject({
        code: "ADDRESS_IN_USE",
        message: `socket ${path} is already in use`,
      });
    } finally {
      await first.close();
    }
  });

  test("refuses path together with port, and with workers", async () => {
    await expect(serve({ handler, path: "/tmp/x.sock", port: 1 })).rejects.toMatchObject({ code: "INVALID_OPTION" });
    await expect(serve({ handler, path: "/tmp/x.sock", workers: 2 })).rejects.toMatchObject({ code: "INVALID_OPTION" });
  });
});

describe("signal", () => {
  test("aborting it closes gracefully: the in-flight response finishes, then the port is free", async () => {
    const controller = new AbortController();
    const release = gate();
    const started = gate();
    const server = await serve({
      signal: controller.signal,
      handler: async () => {
        started.open();
        await release.promise;
        return { status: 200, body: "finished" };
      },
    });
    const port = server.address.port;
    const client = await RawClient.open(port);
    client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    await started.promise;
    controller.abort();
    // Closing: the listener is gone at once, the in-flight request still gets its answer.
    await expect(tryConnect(port)).resolves.toBe(false);
    release.open();
    await client.gone;
    expect(client.received).toMatch(/^HTTP\/1\.1 200 /);
    expect(client.received).toContain("Connection: close");
    expect(client.received).toContain("finished");
    await until(() => server.connections === 0, "the server to close");
    await expect(tryConnect(port)).resolves.toBe(false);
  });

  test("an already aborted signal closes the server right after it listens", async () => {
    const server = await serve({ handler, signal: AbortSignal.abort() });
    const port = server.address.port;
    await server.close(); // resolves: the abort already started the same close
    await expect(tryConnect(port)).resolves.toBe(false);
  });

  test("rejects something that is not an AbortSignal", async () => {
    await expect(serve({ handler, signal: {} as AbortSignal })).rejects.toMatchObject({
      code: "INVALID_OPTION",
      message: "signal must be an AbortSignal, got Object object",
    });
  });
});

describe("await using", () => {
  test("closes the server when the scope ends", async () => {
    let port = 0;
    {
      await using server = await serve({ handler });
      port = server.address.port;
      await expect(tryConnect(port)).resolves.toBe(true);
    }
    await expect(tryConnect(port)).resolves.toBe(false);
  });
});

/** True when a TCP connection to `port` on loopback is accepted (and not closed at once by us). */
function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
