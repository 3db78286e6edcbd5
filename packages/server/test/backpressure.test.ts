import { connect as netConnect } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serve } from "@k/server";
import type { Server } from "@k/server";
import { gate, until } from "./helpers.ts";

const TOTAL = 64 * 1024 * 1024;
const PART = 64 * 1024;

describe("backpressure over a real socket", () => {
  let server: Server;
  let produced = 0;
  beforeAll(async () => {
    const part = new Uint8Array(PART).fill(0x6b);
    server = await serve({
      handler: () => (async function* () {
        yield { status: 200, headers: { "content-type": "application/octet-stream" }, length: TOTAL };
        for (let sent = 0; sent < TOTAL; sent += PART) {
          produced += PART;
          yield part;
        }
      })(),
    });
  });
  afterAll(() => server.close());

  test("stops producing for a client that does not read, and resumes on drain", async () => {
    const socket = netConnect({ port: server.address.port, host: "127.0.0.1" });
    socket.pause();
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write("GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    // Wait until production stalls: the same count on 20 polls in a row.
    let last = -1;
    let still = 0;
    await until(() => {
      still = produced === last ? still + 1 : 0;
      last = produced;
      return still >= 20 && produced > 0;
    }, "the producer to stall");
    // Socket buffers on loopback hold a few MiB; without backpressure all 64 MiB would be made.
    expect(produced).toBeLessThan(24 * 1024 * 1024);

    let bodyBytes = -1;
    let received = 0;
    let head = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (bodyBytes === -1) {
        head += chunk.toString("latin1");
        const end = head.indexOf("\r\n\r\n");
        if (end !== -1) bodyBytes = received - (end + 4);
      } else {
        bodyBytes += chunk.length;
      }
    });
    socket.resume();
    await new Promise((resolve) => socket.once("close", resolve));
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(bodyBytes).toBe(TOTAL);
    expect(produced).toBe(TOTAL);
  });
});

describe("request-body backpressure over a real socket", () => {
  test("stops reading an upload the handler does not consume, and reads on when it does", async () => {
    const UPLOAD = 64 * 1024 * 1024;
    const consume = gate();
    let read = 0;
    const server = await serve({
      handler: async (request) => {
        for await (const chunk of request.body) {
          if (read === 0) await consume.promise;
          read += chunk.length;
        }
        return { status: 200, body: `read ${read}` };
      },
    });
    try {
      const socket = netConnect({ port: server.address.port, host: "127.0.0.1" });
      let answer = "";
      socket.setEncoding("latin1");
      socket.on("data", (c: string) => { answer += c; });
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${UPLOAD}\r\nConnection: close\r\n\r\n`);
      const part = Buffer.alloc(1024 * 1024, 0x75);
      let queued = 0;
      const writeMore = (): void => {
        while (queued < UPLOAD) {
          queued += part.length;
          if (!socket.write(part)) {
            socket.once("drain", writeMore);
            return;
          }
        }
        socket.end();
      };
      writeMore();
      // What actually left the client: it stalls once the server stops reading.
      const flushed = (): number => socket.bytesWritten - socket.writableLength;
      let last = -1;
      let still = 0;
      await until(() => {
        still = flushed() === last ? still + 1 : 0;
        last = flushed();
        return still >= 20;
      }, "the upload to stall");
      expect(flushed()).toBeLessThan(24 * 1024 * 1024);

      consume.open();
      await new Promise((resolve) => socket.once("close", resolve));
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(answer).toContain(`read ${UPLOAD}`);
    } finally {
      await server.close();
    }
  });
});

describe("send timeout", () => {
  test("drops a client that stops reading, and the handler's finally runs", async () => {
    let cleanedUp = false;
    const errors: Error[] = [];
    const part = new Uint8Array(PART).fill(0x73);
    const server = await serve({
      handler: () => (async function* () {
        try {
          yield { status: 200, headers: { "content-type": "application/octet-stream" } };
          for (;;) yield part;
        } finally {
          cleanedUp = true;
        }
      })(),
      sendTimeout: 200,
      onSocketError: (error) => errors.push(error),
    });
    try {
      const socket = netConnect({ port: server.address.port, host: "127.0.0.1" });
      socket.on("error", () => {});
      socket.pause(); // never reads
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n");
      await until(() => server.connections === 1, "the connection to be accepted");
      // Far below the 60 s default; the 200 ms timeout is what ends it.
      await until(() => server.connections === 0, "the stalled connection to be dropped", 300);
      await until(() => cleanedUp, "the handler's finally block", 300);
      expect(errors.map((e) => (e as { code?: string }).code)).toContain("SEND_TIMEOUT");
      socket.destroy();
    } finally {
      await server.close();
    }
  });

  test("keeps a client that reads slowly but steadily", async () => {
    const SIZE = 16 * 1024 * 1024;
    const part = new Uint8Array(PART).fill(0x73);
    const server = await serve({
      handler: () => (async function* () {
        yield { status: 200, headers: { "content-type": "application/octet-stream" }, length: SIZE };
        for (let sent = 0; sent < SIZE; sent += PART) yield part;
      })(),
      sendTimeout: 300,
    });
    try {
      const socket = netConnect({ port: server.address.port, host: "127.0.0.1" });
      let received = 0;
      let error: Error | undefined;
      socket.on("error", (e) => { error = e; });
      socket.on("data", (chunk: Buffer) => {
        received += chunk.length;
        // About 1 MiB per 50 ms: slower than the server writes, never silent for 300 ms.
        if (received % (1024 * 1024) < chunk.length) {
          socket.pause();
          setTimeout(() => socket.resume(), 50);
        }
      });
      const closed = new Promise((resolve) => socket.once("close", resolve));
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write("GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      await closed;
      expect(error).toBeUndefined();
      expect(received).toBeGreaterThan(SIZE);
    } finally {
      await server.close();
    }
  });
});
