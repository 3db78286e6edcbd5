// One conformance suite for the Transport interface, run against each implementation: the
// in-memory transport and a net.Socket on 127.0.0.1. Each case sends raw bytes and checks
// the raw bytes that come back (parsed with @k/parser), so both sides see exactly the same
// exchange.
import { connect as netConnect, createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnection } from "@k/handler";
import type { HttpRequest, RequestHandler } from "@k/handler";
import { connect, readClosedResponses, readResponses, until, type ParsedResponse } from "./helpers.ts";

const handler: RequestHandler = async (req: HttpRequest) => {
  if (req.path === "/stream") {
    return (async function* () {
      yield { status: 200, headers: { "content-type": "text/plain" } };
      yield "one ";
      yield "two";
    })();
  }
  const body = req.hasBody ? await req.text() : "";
  return { status: 200, headers: { "x-path": req.path }, body: `${req.method} ${req.path} ${body}` };
};

interface Exchange {
  /** Sends `input`, then waits until `done(output)` or the connection ends; returns the output. */
  run(input: string[], done: (output: Buffer) => boolean): Promise<{ output: Buffer; ended: boolean }>;
}

const memory: Exchange = {
  async run(input, done) {
    const h = connect({ handler });
    for (const part of input) {
      h.transport.send(part);
      await new Promise((r) => setImmediate(r));
    }
    await until(() => h.transport.ended || done(h.transport.output()));
    return { output: h.transport.output(), ended: h.transport.ended };
  },
};

let server: Server;
let port = 0;
const tcp: Exchange = {
  run(input, done) {
    return new Promise((resolve, reject) => {
      const socket = netConnect(port, "127.0.0.1");
      const parts: Buffer[] = [];
      let finished = false;
      const finish = (ended: boolean) => {
        if (finished) return;
        finished = true;
        socket.destroy();
        resolve({ output: Buffer.concat(parts), ended });
      };
      socket.on("data", (d) => {
        parts.push(d);
        if (done(Buffer.concat(parts))) finish(false);
      });
      socket.on("end", () => finish(true));
      socket.on("error", reject);
      socket.on("connect", async () => {
        for (const part of input) {
          socket.write(part, "latin1");
          await new Promise((r) => setTimeout(r, 5));
        }
      });
    });
  },
};

beforeAll(async () => {
  server = createServer((socket) => {
    const connection = createConnection(
      {
        write: (b) => socket.write(b),
        end: () => socket.end(),
        destroy: () => socket.destroy(),
        pause: () => socket.pause(),
        resume: () => socket.resume(),
      },
      { handler },
    );
    socket.on("data", (b) => connection.onData(b));
    socket.on("end", () => connection.onEnd());
    socket.on("drain", () => connection.onDrain());
    socket.on("close", () => connection.onClose());
    socket.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const count = (n: number, methods: string[] = []) => (out: Buffer) => {
  try {
    return readResponses(out, methods).responses.length >= n;
  } catch {
    return false;
  }
};
const texts = (rs: ParsedResponse[]) => rs.map((r) => `${r.status} ${r.text}`);

describe.each([
  ["memory", memory],
  ["tcp", tcp],
] as const)("conformance over the %s transport", (_name, t) => {
  it("keeps an HTTP/1.1 connection for a second request sent later", async () => {
    const { output, ended } = await t.run(["GET /a HTTP/1.1\r\nHost: x\r\n\r\n", "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"], count(2));
    expect(texts(readResponses(output).responses)).toEqual(["200 GET /a ", "200 GET /b "]);
    expect(ended).toBe(false);
  });

  it("answers pipelined requests with bodies in order", async () => {
    const input = "POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" + "GET /2 HTTP/1.1\r\nHost: x\r\n\r\n" +
      "PUT /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n";
    const { output } = await t.run([input], count(3));
    expect(texts(readResponses(output).responses)).toEqual(["200 POST /1 abc", "200 GET /2 ", "200 PUT /3 de"]);
  });

  it("streams a generator's body chunked", async () => {
    const { output } = await t.run(["GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"], count(1));
    const [r] = readResponses(output).responses;
    expect(r!.headers.get("transfer-encoding")).toBe("chunked");
    expect(r!.text).toBe("one two");
  });

  it("answers HEAD with the length and no body", async () => {
    const { output } = await t.run(["HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /g HTTP/1.1\r\nHost: x\r\n\r\n"], count(2, ["HEAD", "GET"]));
    const [head, get] = readResponses(output, ["HEAD", "GET"]).responses;
    expect(head!.headers.get("content-length")).toBe("8");
    expect(head!.body.length).toBe(0);
    expect(get!.text).toBe("GET /g ");
  });

  it("sends a streamed body to an HTTP/1.0 client close-delimited and closes", async () => {
    const { output, ended } = await t.run(["GET /stream HTTP/1.0\r\n\r\n"], () => false);
    expect(ended).toBe(true);
    expect(texts(readClosedResponses(output))).toEqual(["200 one two"]);
  });

  it("answers a malformed request with 400 and closes", async () => {
    const { output, ended } = await t.run(["GET /ok HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nBad Header\r\n\r\n"], () => false);
    expect(ended).toBe(true);
    expect(readResponses(output).responses.map((r) => r.status)).toEqual([200, 400]);
  });

  it("sends 100 Continue before reading an expected body", async () => {
    const head = "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n";
    const { output } = await t.run([head, "hi"], count(1));
    const { responses, interim } = readResponses(output);
    expect(interim).toEqual([100]);
    expect(texts(responses)).toEqual(["200 POST /c hi"]);
  });
});
