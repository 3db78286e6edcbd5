/*
 * The endpoint contract, end to end: the built k-demo as a child process, exercised with
 * Node's fetch and with raw sockets (exact bytes on the wire: pipelining, HTTP/1.0, HEAD,
 * chunked request bodies, header names and order as sent).
 */
import { createHash, randomBytes } from "node:crypto";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exchange, firstPatternMismatch, parseResponses, startDemo } from "./helpers.ts";
import type { RunningDemo } from "./helpers.ts";

let demo: RunningDemo;

beforeAll(async () => {
  demo = await startDemo(["--port", "0"]);
});

afterAll(async () => {
  await demo?.stop();
});

/** Sends one raw request and parses the single response (the request should close the connection). */
async function rawOne(request: string | Uint8Array | (string | Uint8Array)[], method = "GET") {
  const raw = await exchange(demo.port, request);
  const [response] = parseResponses(raw, [method]);
  return response!;
}

describe("/hello", () => {
  it("answers Hello, World! as text/plain with Content-Length 13", async () => {
    const response = await fetch(`${demo.url}/hello`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(response.headers.get("content-length")).toBe("13");
    expect(await response.text()).toBe("Hello, World!");
  });

  it("answers HTTP/1.0 with Content-Length and closes", async () => {
    const response = await rawOne("GET /hello HTTP/1.0\r\n\r\n");
    expect(response).toMatchObject({ version: "1.1", status: 200, framing: "content-length" });
    expect(response.headers["content-length"]).toBe("13");
    expect(response.body.toString()).toBe("Hello, World!");
  });

  it("answers HEAD with the same headers and no body", async () => {
    const response = await rawOne("HEAD /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HEAD");
    expect(response.status).toBe(200);
    expect(response.headers["content-length"]).toBe("13");
    expect(response.body.length).toBe(0);
  });

  it("answers other methods with 405 and Allow: GET, HEAD", async () => {
    const response = await fetch(`${demo.url}/hello`, { method: "POST", body: "x" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
  });
});

describe("/echo", () => {
  it("answers with the method, the target as received, the version, the headers in order with names as sent, and the body in base64", async () => {
    const body = Buffer.from([0, 1, 2, 255, 254, 0x0d, 0x0a]);
    const response = await rawOne([
      "PATCH /echo/x?q=1&q=%20two HTTP/1.1\r\nHost: example.test\r\nX-Mixed-CASE: One\r\nx-mixed-case: two\r\nContent-Length: 7\r\nConnection: close\r\n\r\n",
      body,
    ]);
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json");
    expect(Number(response.headers["content-length"])).toBe(response.body.length);
    expect(JSON.parse(response.body.toString("utf8"))).toEqual({
      method: "PATCH",
      target: "/echo/x?q=1&q=%20two",
      version: "1.1",
      headers: [
        ["Host", "example.test"],
        ["X-Mixed-CASE", "One"],
        ["x-mixed-case", "two"],
        ["Content-Length", "7"],
        ["Connection", "close"],
      ],
      body: body.toString("base64"),
    });
  });

  it("decodes a chunked body before encoding it", async () => {
    const response = await rawOne(
      "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
        "5\r\nhello\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\n\r\n",
    );
    const echoed = JSON.parse(response.body.toString("utf8"));
    expect(Buffer.from(echoed.body, "base64").toString()).toBe("hello world!");
    expect(echoed.headers).toContainEqual(["Transfer-Encoding", "chunked"]);
  });

  it("answers every path that starts with /echo, any method, and HTTP/1.0", async () => {
    for (const target of ["/echo", "/echoX", "/echo?x", "/echo/deep/path"]) {
      const response = await fetch(`${demo.url}${target}`, { method: "DELETE" });
      expect(response.status, target).toBe(200);
      const echoed = (await response.json()) as { method: string; target: string; body: string };
      expect(echoed).toMatchObject({ method: "DELETE", target, body: "" });
    }
    const old = await rawOne("GET /echo HTTP/1.0\r\nX-A: 1\r\n\r\n");
    expect(JSON.parse(old.body.toString())).toEqual({ method: "GET", target: "/echo", version: "1.0", headers: [["X-A", "1"]], body: "" });
  });

  it("gives HEAD the headers of GET without a body", async () => {
    const request = (method: string) => `${method} /echo HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`;
    const get = await rawOne(request("GET"));
    const head = await rawOne(request("HEAD"), "HEAD");
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers["content-type"]).toBe("application/json");
    // The echoed method differs by one letter: "HEAD" is as long as "GET" + 1.
    expect(Number(head.headers["content-length"])).toBe(Number(get.headers["content-length"]) + 1);
  });

  it("refuses a body over 16 MiB with 413", async () => {
    const response = await fetch(`${demo.url}/echo`, { method: "POST", body: new Uint8Array(16 * 1024 * 1024 + 1) });
    expect(response.status).toBe(413);
    // Chunked: no length to judge up front, so the cap is enforced while reading.
    const chunk = new Uint8Array(1024 * 1024);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 17; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const chunked = await fetch(`${demo.url}/echo`, { method: "POST", body: stream, duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it("invites an Expect: 100-continue body under the limit and echoes it", async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect({ port: demo.port, host: "127.0.0.1" }, () =>
        socket.write("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"),
      );
      let text = "";
      socket.setEncoding("latin1");
      socket.on("data", (chunk: string) => {
        // The body goes out only after the interim response, as a careful client does.
        if (text === "" && chunk.startsWith("HTTP/1.1 100 ")) socket.write("hello");
        text += chunk;
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(JSON.parse(raw.slice(raw.lastIndexOf("\r\n\r\n") + 4)).body).toBe(Buffer.from("hello").toString("base64"));
  });

  it("answers 413 instead of 100 Continue when the declared length is over the limit", async () => {
    const raw = await exchange(
      demo.port,
      "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 16777217\r\nExpect: 100-continue\r\n\r\n",
      { done: (received) => received.includes("\r\n\r\n") },
    );
    expect(raw.toString("latin1")).toMatch(/^HTTP\/1\.1 413 /);
  });
});

describe("/stream", () => {
  it("sends N bytes of the i mod 256 pattern, chunked to HTTP/1.1 clients", async () => {
    const raw = await exchange(demo.port, "GET /stream?bytes=100000&chunk=3000 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    const [response] = parseResponses(raw, ["GET"]);
    expect(response!.status).toBe(200);
    expect(response!.framing).toBe("chunked");
    expect(response!.headers["content-type"]).toBe("application/octet-stream");
    expect(response!.headers["content-length"]).toBeUndefined();
    expect(response!.body.length).toBe(100_000);
    expect(firstPatternMismatch(response!.body)).toBe(-1);
  });

  it("sends parts of M bytes, the last one shorter", async () => {
    const raw = await exchange(demo.port, "GET /stream?bytes=10&chunk=4 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    const body = raw.subarray(raw.indexOf("\r\n\r\n") + 4).toString("latin1");
    expect(body).toBe("4\r\n\x00\x01\x02\x03\r\n4\r\n\x04\x05\x06\x07\r\n2\r\n\x08\x09\r\n0\r\n\r\n");
  });

  it("sends a close-delimited body to HTTP/1.0 clients", async () => {
    const response = await rawOne("GET /stream?bytes=70000 HTTP/1.0\r\n\r\n");
    expect(response.framing).toBe("close");
    expect(response.headers["transfer-encoding"]).toBeUndefined();
    expect(response.body.length).toBe(70_000);
    expect(firstPatternMismatch(response.body)).toBe(-1);
  });

  it("uses 1 MiB by default and streams to fetch", async () => {
    const response = await fetch(`${demo.url}/stream`);
    const body = new Uint8Array(await response.arrayBuffer());
    expect(body.length).toBe(1_048_576);
    expect(firstPatternMismatch(body)).toBe(-1);
  });

  it("refuses bad parameters with 400 and a short message", async () => {
    for (const query of ["bytes=-1", "bytes=1099511627777", "chunk=0", "chunk=1048577", "bytes=1e3", "bytes=abc", "bytes=1&bytes=2"]) {
      const response = await fetch(`${demo.url}/stream?${query}`);
      expect(response.status, query).toBe(400);
      expect((await response.text()).length).toBeLessThan(200);
    }
  });
});

describe("/upload", () => {
  it("answers the byte count and sha256 of a POST or PUT body, chunked or not", async () => {
    const body = randomBytes(300_000);
    const sha256 = createHash("sha256").update(body).digest("hex");
    for (const method of ["POST", "PUT"]) {
      const response = await fetch(`${demo.url}/upload`, { method, body });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/json");
      expect(await response.json()).toEqual({ bytes: 300_000, sha256 });
    }
    const chunked = await rawOne(
      "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    );
    expect(JSON.parse(chunked.body.toString())).toEqual({ bytes: 3, sha256: createHash("sha256").update("abc").digest("hex") });
  });

  it("answers an empty body", async () => {
    const response = await fetch(`${demo.url}/upload`, { method: "POST" });
    expect(await response.json()).toEqual({ bytes: 0, sha256: createHash("sha256").digest("hex") });
  });

  it("answers other methods with 405 and Allow: POST, PUT", async () => {
    const response = await fetch(`${demo.url}/upload`);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST, PUT");
  });
});

describe("the connection", () => {
  it("answers pipelined requests sent in one write, in order", async () => {
    const requests =
      "GET /hello HTTP/1.1\r\nHost: h\r\n\r\n" +
      "POST /echo/1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc" +
      "HEAD /hello HTTP/1.1\r\nHost: h\r\n\r\n" +
      "GET /stream?bytes=5&chunk=2 HTTP/1.1\r\nHost: h\r\n\r\n" +
      "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi" +
      "GET /missing HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    const raw = await exchange(demo.port, requests);
    const responses = parseResponses(raw, ["GET", "POST", "HEAD", "GET", "POST", "GET"]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 404]);
    expect(responses[0]!.body.toString()).toBe("Hello, World!");
    expect(JSON.parse(responses[1]!.body.toString())).toMatchObject({ target: "/echo/1", body: Buffer.from("abc").toString("base64") });
    expect(responses[2]!.body.length).toBe(0);
    expect([...responses[3]!.body]).toEqual([0, 1, 2, 3, 4]);
    expect(JSON.parse(responses[4]!.body.toString())).toMatchObject({ bytes: 2 });
    expect(responses[5]!.headers["content-type"]).toMatch(/^text\/html/);
  });

  it("answers a pipelined batch from a client that half-closes after sending it", async () => {
    const raw = await exchange(demo.port, "GET /hello HTTP/1.1\r\nHost: h\r\n\r\nGET /hello HTTP/1.1\r\nHost: h\r\n\r\n", { halfClose: true });
    expect(parseResponses(raw, ["GET", "GET"]).map((r) => r.body.toString())).toEqual(["Hello, World!", "Hello, World!"]);
  });

  it("names itself k-demo in the Server header", async () => {
    const response = await fetch(`${demo.url}/hello`);
    expect(response.headers.get("server")).toBe("k-demo");
  });
});
