// Output gathering: with a transport that can cork, large body parts reach it by reference
// (no copy) between cork() and uncork(), and the bytes on the wire are the same.
import { describe, expect, it } from "vitest";
import { createConnection } from "@k/handler";
import type { Transport } from "@k/handler";
import { readResponses } from "./helpers.js";

interface Write {
  bytes: Uint8Array;
  corked: boolean;
}

function corkingTransport(): { transport: Transport; writes: Write[]; corkDepth: () => number } {
  const writes: Write[] = [];
  let corked = 0;
  const transport: Transport = {
    write(bytes) {
      writes.push({ bytes, corked: corked > 0 });
      return true;
    },
    end() {},
    destroy() {},
    pause() {},
    resume() {},
    cork() {
      corked++;
    },
    uncork() {
      corked--;
    },
  };
  return { transport, writes, corkDepth: () => corked };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

describe("output gathering", () => {
  it("hands large chunked parts to a corking transport by reference and frames them correctly", async () => {
    const parts = [Buffer.alloc(4096, 1), Buffer.alloc(4096, 2), Buffer.from("tail")];
    const { transport, writes, corkDepth } = corkingTransport();
    const connection = createConnection(transport, {
      handler: () =>
        (async function* () {
          yield { status: 200 };
          for (const part of parts) yield part;
        })(),
    });
    connection.onData(Buffer.from("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
    for (let i = 0; i < 10 && readResponses(Buffer.concat(writes.map((w) => w.bytes))).responses.length < 2; i++) await settle();
    const { responses } = readResponses(Buffer.concat(writes.map((w) => w.bytes)));
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    for (const r of responses) {
      expect(r.headers.get("transfer-encoding")).toBe("chunked");
      expect(r.body.equals(Buffer.concat(parts))).toBe(true);
    }
    // Each large part went out as itself (two responses x two parts), inside a corked batch;
    // the framing between them was joined: never two small writes in a row.
    const large = writes.filter((w) => w.bytes === parts[0] || w.bytes === parts[1]);
    expect(large.length).toBe(4);
    expect(large.every((w) => w.corked)).toBe(true);
    expect(corkDepth()).toBe(0);
    const small = writes.map((w) => w.bytes.length < 1024);
    expect(small.some((s, i) => s && small[i + 1] === true)).toBe(false);
  });

  it("writes pipelined whole responses of small parts as one joined write", async () => {
    const { transport, writes, corkDepth } = corkingTransport();
    const connection = createConnection(transport, {
      handler: () => ({ status: 200, headers: { "content-type": "text/plain" }, body: "hi" }),
    });
    connection.onData(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(3)));
    for (let i = 0; i < 10 && writes.length === 0; i++) await settle();
    await settle();
    expect(writes.length).toBe(1);
    expect(writes[0]!.corked).toBe(false);
    const { responses } = readResponses(writes[0]!.bytes);
    expect(responses.map((r) => r.text)).toEqual(["hi", "hi", "hi"]);
  });
});
