import { connect as netConnect } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serve } from "@k/server";
import type { Server } from "@k/server";
import { until } from "./helpers.ts";

const gc = (globalThis as { gc?: () => void }).gc;

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}

/** `count` connections, 16 at a time, one request each, closed by the client after the answer. */
async function churn(port: number, count: number): Promise<void> {
  let started = 0;
  const lane = async (): Promise<void> => {
    while (started < count) {
      started++;
      await new Promise<void>((resolve, reject) => {
        const socket = netConnect({ port, host: "127.0.0.1" });
        let text = "";
        socket.setEncoding("latin1");
        socket.on("connect", () => socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        socket.on("data", (c: string) => {
          text += c;
          // Keep-alive answer complete: the client hangs up, as a browser closing a tab would.
          if (text.endsWith("\r\n\r\nok")) socket.destroy();
        });
        socket.on("error", reject);
        socket.on("close", () => (text.startsWith("HTTP/1.1 200") ? resolve() : reject(new Error(text))));
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
}

describe("memory", () => {
  let server: Server;
  beforeAll(async () => {
    server = await serve({ handler: () => ({ status: 200, body: "ok" }) });
  });
  afterAll(() => server.close());

  test("keeps nothing of 3000 closed connections", async () => {
    expect(typeof gc).toBe("function");
    await churn(server.address.port, 300);
    await until(() => server.connections === 0, "the warm-up connections to close");
    const before = heapAfterGc();
    await churn(server.address.port, 3_000);
    await until(() => server.connections === 0, "every connection to close");
    const grown = heapAfterGc() - before;
    // A leaked socket + connection is several KiB: 3000 of them would be well over 4 MiB.
    expect(grown).toBeLessThan(4 * 1024 * 1024);
  });
});
