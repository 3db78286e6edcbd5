// The whole-request deadline over real TCP: a POST whose body trickles in at one byte per
// 500 ms gets 408 and a closed connection at the configured requestTimeout, while ordinary
// clients on other connections are served meanwhile (issue 11). Small values, bounded time.
import { afterEach, expect, test } from "vitest";
import { serve } from "@k/server";
import type { Server } from "@k/server";
import { RawClient, until } from "./helpers.js";

let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const readBody = async (req: { bytes(): Promise<Uint8Array> }) => ({
  status: 200,
  body: `got ${(await req.bytes()).length}`,
});

test("a POST trickling one byte per 500 ms gets 408 and a close at requestTimeout; others are served", async () => {
  server = await serve({ requestTimeout: 1500, minBodyRate: 0, handler: readBody });
  const port = server.address.port;
  const slow = await RawClient.open(port);
  const started = performance.now();
  slow.send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n");
  const drip = setInterval(() => { if (!slow.closed) slow.send("x"); }, 500);
  try {
    // Meanwhile other clients come and go normally.
    for (let i = 0; i < 3; i++) {
      const other = await RawClient.open(port);
      other.send("POST /fast HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
      await other.gone;
      expect(other.received).toMatch(/^HTTP\/1\.1 200 /);
      expect(other.received).toContain("got 5");
    }
    await until(() => slow.closed, "the slow client to be closed", 600);
  } finally {
    clearInterval(drip);
  }
  expect(performance.now() - started).toBeGreaterThanOrEqual(1450);
  expect(slow.received).toMatch(/^HTTP\/1\.1 408 /);
  expect(slow.received).toMatch(/\r\nConnection: close\r\n/i);
});

test("a slow but steady upload within requestTimeout and minBodyRate completes", async () => {
  server = await serve({ requestTimeout: 3000, minBodyRate: 1000, bodyRateWindow: 500, handler: readBody });
  const client = await RawClient.open(server.address.port);
  client.send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 8192\r\n\r\n");
  // 1 KiB every 100 ms = 10 KiB/s, ten times the minimum, done in about 0.8 s.
  for (let i = 0; i < 8; i++) {
    client.send("z".repeat(1024));
    await new Promise((r) => setTimeout(r, 100));
  }
  await client.waitFor("got 8192");
  expect(client.received).toMatch(/^HTTP\/1\.1 200 /);
  expect(client.closed).toBe(false);
  client.socket.destroy();
});
