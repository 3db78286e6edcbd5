import { Readable } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { HttpError, httpDate } from "@k/handler";
import type { HttpRequest, RequestHandler } from "@k/handler";
import { connect, get, readResponses, tick, until } from "./helpers.ts";

async function serveOne(handler: RequestHandler, request = get(), methods: string[] = []) {
  const h = connect({ handler });
  const writes: number[] = [];
  h.transport.send(request);
  await until(() => readResponses(h.transport.output(), methods).responses.length === 1);
  const { responses } = readResponses(h.transport.output(), methods);
  return { ...h, response: responses[0]!, writes };
}

describe("(a) async generator components", () => {
  it("sends the first yield as the head and later yields as chunked body parts", async () => {
    const { response, transport } = await serveOne(async function* () {
      yield { status: 201, headers: { "content-type": "text/plain" } };
      yield "hello ";
      yield new TextEncoder().encode("world");
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("transfer-encoding")).toBe("chunked");
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(response.text).toBe("hello world");
    expect(transport.ended).toBe(false);
  });

  it("uses Content-Length when the head gives a length", async () => {
    const { response } = await serveOne(async function* () {
      yield { status: 200, length: 5 };
      yield "ab";
      yield "cde";
    });
    expect(response.headers.get("content-length")).toBe("5");
    expect(response.headers.has("transfer-encoding")).toBe(false);
    expect(response.text).toBe("abcde");
  });

  it("encodes a surrogate pair split across two string parts as one character", async () => {
    const { response } = await serveOne(async function* () {
      yield { status: 200 };
      yield "smile \uD83D";
      yield "\uDE00!";
    });
    expect(response.text).toBe("smile \u{1F600}!");
  });

  it("ends a body whose last string holds a lone high surrogate with U+FFFD", async () => {
    const { response } = await serveOne(async function* () {
      yield { status: 200 };
      yield "a\uD83D";
    });
    expect(response.text).toBe("a\uFFFD");
  });

  it("sends trailers a generator returns", async () => {
    const { response } = await serveOne(async function* () {
      yield { status: 200 };
      yield "x";
      return { trailers: { "x-checksum": "abc" } };
    });
    expect(response.trailers).toEqual(["x-checksum", "abc"]);
  });

  it("sends trailers given on the head", async () => {
    const { response } = await serveOne(async function* () {
      yield { status: 200, trailers: { "x-early": "1" } };
      yield "x";
    });
    expect(response.trailers).toEqual(["x-early", "1"]);
  });

  it("answers 500 when the generator returns before yielding a head", async () => {
    const { response, errors } = await serveOne(async function* () {
      // eslint-disable-next-line no-constant-condition
      if (Math.random() < 2) return;
      yield { status: 200 };
    });
    expect(response.status).toBe(500);
    expect(errors).toHaveLength(1);
  });
});

describe("(b) whole-response components", () => {
  it("writes head and string body in one transport write with Content-Length", async () => {
    const h = connect({ handler: () => ({ status: 200, headers: { "content-type": "text/plain" }, body: "héllo" }) });
    const writes: Uint8Array[] = [];
    const original = h.transport.write.bind(h.transport);
    h.transport.write = (b) => (writes.push(b), original(b));
    h.transport.send(get());
    await until(() => writes.length > 0);
    await tick();
    expect(writes).toHaveLength(1);
    const { responses } = readResponses(writes[0]!);
    expect(responses[0]!.headers.get("content-length")).toBe(String(Buffer.byteLength("héllo")));
    expect(responses[0]!.text).toBe("héllo");
  });

  it("sends a Uint8Array body with Content-Length", async () => {
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const { response } = await serveOne(() => ({ status: 200, body: bytes }));
    expect(response.headers.get("content-length")).toBe("4");
    expect([...response.body]).toEqual([0, 1, 2, 255]);
  });

  it("sends a null body as Content-Length: 0", async () => {
    const { response } = await serveOne(async () => ({ status: 200, body: null }));
    expect(response.headers.get("content-length")).toBe("0");
    expect(response.body.length).toBe(0);
  });

  it("streams an AsyncIterable body chunked", async () => {
    const { response } = await serveOne(() => ({
      status: 200,
      body: (async function* () {
        yield "a";
        yield new Uint8Array([0x62]);
      })(),
    }));
    expect(response.headers.get("transfer-encoding")).toBe("chunked");
    expect(response.text).toBe("ab");
  });

  it("streams a web ReadableStream body", async () => {
    const { response } = await serveOne(() => ({
      status: 200,
      body: new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode("web "));
          c.enqueue(new TextEncoder().encode("stream"));
          c.close();
        },
      }),
    }));
    expect(response.text).toBe("web stream");
  });

  it("streams a Node Readable body", async () => {
    const { response } = await serveOne(() => ({ status: 200, body: Readable.from([Buffer.from("node "), Buffer.from("readable")]) }));
    expect(response.text).toBe("node readable");
  });

  it("sends a streamed body that is complete at once with Content-Length in one write", async () => {
    const h = connect({ handler: () => ({ status: 200, body: new Response("from a Response").body }) });
    const writes: Uint8Array[] = [];
    const original = h.transport.write.bind(h.transport);
    h.transport.write = (b) => (writes.push(b), original(b));
    h.transport.send(get());
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    const r = readResponses(h.transport.output()).responses[0]!;
    expect(r.headers.get("content-length")).toBe("15");
    expect(r.text).toBe("from a Response");
    expect(writes).toHaveLength(1);
  });

  it("sends the head before a slow stream's first part arrives", async () => {
    let push!: (s: string) => void;
    let close!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        push = (s) => c.enqueue(new TextEncoder().encode(s));
        close = () => c.close();
      },
    });
    const h = connect({ handler: () => ({ status: 200, body }) });
    h.transport.send(get());
    await until(() => h.transport.text().includes("\r\n\r\n"));
    expect(h.transport.text()).toContain("Transfer-Encoding: chunked");
    push("late");
    close();
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    expect(readResponses(h.transport.output()).responses[0]!.text).toBe("late");
  });

  it("uses a given length for a streamed body", async () => {
    const { response } = await serveOne(() => ({ status: 200, length: 3, body: Readable.from([Buffer.from("abc")]) }));
    expect(response.headers.get("content-length")).toBe("3");
    expect(response.text).toBe("abc");
  });

  it("keeps repeated header values as repeated fields", async () => {
    const { response } = await serveOne(() => ({ status: 200, headers: { "set-cookie": ["a=1", "b=2"] }, body: "" }));
    expect(response.headers.getAll("set-cookie")).toEqual(["a=1", "b=2"]);
  });
});

describe("response headers", () => {
  it("adds Date as IMF-fixdate and keep-alive fields on a keep-alive response", async () => {
    const { response } = await serveOne(() => ({ status: 204 }));
    expect(response.headers.get("date")).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(response.headers.get("keep-alive")).toBe("timeout=65");
    expect(response.headers.has("connection")).toBe(false);
    expect(response.headers.has("server")).toBe(false);
  });

  it("adds Server when serverName is set", async () => {
    const h = connect({ handler: () => ({ status: 200, body: "" }), serverName: "k" });
    h.transport.send(get());
    await until(() => readResponses(h.transport.output()).responses.length === 1);
    expect(readResponses(h.transport.output()).responses[0]!.headers.get("server")).toBe("k");
  });

  it("formats Date once per second and reuses the string within it", () => {
    const t = Date.UTC(2026, 10, 24, 12, 0, 0);
    const a = httpDate(t + 10);
    const b = httpDate(t + 990);
    expect(a).toBe("Tue, 24 Nov 2026 12:00:00 GMT");
    expect(b).toBe(a);
    expect(Object.is(a, b)).toBe(true);
    expect(httpDate(t + 1000)).toBe("Tue, 24 Nov 2026 12:00:01 GMT");
  });

  it("reads the clock once per synchronous run for Date and again after it", async () => {
    const now = vi.spyOn(Date, "now");
    try {
      await Promise.resolve();
      now.mockClear();
      const first = httpDate();
      httpDate();
      httpDate();
      expect(now).toHaveBeenCalledTimes(1);
      await Promise.resolve();
      now.mockReturnValue(Date.UTC(2030, 0, 1, 0, 0, 0));
      expect(httpDate()).toBe("Tue, 01 Jan 2030 00:00:00 GMT");
      expect(now).toHaveBeenCalledTimes(2);
      expect(first).not.toBe("Tue, 01 Jan 2030 00:00:00 GMT");
    } finally {
      now.mockRestore();
    }
  });

  it("keeps a component's own Date", async () => {
    const { response } = await serveOne(() => ({ status: 200, headers: { date: "Mon, 01 Jan 2024 00:00:00 GMT" }, body: "" }));
    expect(response.headers.getAll("date")).toEqual(["Mon, 01 Jan 2024 00:00:00 GMT"]);
  });
});

describe("HEAD", () => {
  it("runs the component as for GET, keeps Content-Length and sends no body", async () => {
    let ran = 0;
    const handler = () => (ran++, { status: 200, body: "twelve bytes" });
    const h = connect({ handler });
    h.transport.send("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n" + get());
    await until(() => readResponses(h.transport.output(), ["HEAD", "GET"]).responses.length === 2);
    const [head, getResponse] = readResponses(h.transport.output(), ["HEAD", "GET"]).responses;
    expect(ran).toBe(2);
    expect(head!.headers.get("content-length")).toBe("12");
    expect(head!.body.length).toBe(0);
    expect(getResponse!.text).toBe("twelve bytes");
  });

  it("ends a generator early on HEAD and runs its finally", async () => {
    let finished = false;
    const h = connect({
      handler: async function* () {
        try {
          yield { status: 200 };
          yield "body";
        } finally {
          finished = true;
        }
      },
    });
    h.transport.send("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
    await until(() => readResponses(h.transport.output(), ["HEAD"]).responses.length === 1);
    expect(readResponses(h.transport.output(), ["HEAD"]).responses[0]!.body.length).toBe(0);
    await until(() => finished);
  });
});

describe("bad responses", () => {
  it.each([
    ["status 600", { status: 600, body: "" }],
    ["a header value with CRLF", { status: 200, headers: { "x-a": "1\r\nSet-Cookie: evil" }, body: "" }],
    ["a header name with a space", { status: 200, headers: { "x a": "1" }, body: "" }],
    ["a non-integer status", { status: 200.5, body: "" }],
  ])("answers 500 before the head for %s", async (_name, bad) => {
    const { response, errors, transport } = await serveOne(() => bad as never);
    expect(response.status).toBe(500);
    expect(errors.length).toBe(1);
    expect(transport.text()).not.toContain("evil");
  });

  it("answers 500 for a component that returns neither a response nor an iterable", async () => {
    const { response } = await serveOne(() => 42 as never);
    expect(response.status).toBe(500);
  });

  it("answers with an HttpError's status, message and headers", async () => {
    const { response, errors } = await serveOne(() => {
      throw new HttpError(401, "login first", { headers: { "www-authenticate": "Basic" } });
    });
    expect(response.status).toBe(401);
    expect(response.text).toBe("login first\n");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("www-authenticate")).toBe("Basic");
    expect(errors).toHaveLength(0);
  });

  it("answers 500 and reports a component that throws before its head", async () => {
    const boom = new Error("boom");
    const { response, errors, transport } = await serveOne(async function* (): AsyncGenerator<never> {
      throw boom;
    });
    expect(response.status).toBe(500);
    expect(response.text).not.toContain("boom");
    expect(errors).toEqual([boom]);
    expect(transport.ended).toBe(false);
  });

  it("destroys the connection when a chunked component throws after its head", async () => {
    const h = connect({
      handler: async function* () {
        yield { status: 200 };
        yield "partial";
        throw new Error("late");
      },
    });
    h.transport.send(get());
    await until(() => h.transport.destroyed);
    const text = h.transport.text();
    expect(text).toContain("partial");
    expect(text.endsWith("0\r\n\r\n")).toBe(false);
    expect(h.errors).toHaveLength(1);
  });

  it("never pads a Content-Length body when the component throws after its head", async () => {
    const h = connect({
      handler: async function* () {
        yield { status: 200, length: 100 };
        yield "short";
        throw new Error("late");
      },
    });
    h.transport.send(get());
    await until(() => h.transport.destroyed);
    expect(h.transport.text().endsWith("short")).toBe(true);
  });

  it("destroys the connection when a component yields more than its length", async () => {
    const h = connect({
      handler: async function* () {
        yield { status: 200, length: 2 };
        yield "toolong";
      },
    });
    h.transport.send(get() + get());
    await until(() => h.transport.destroyed);
    expect(h.transport.text()).not.toContain("toolong");
  });
});

describe("request object", () => {
  it("gives case-insensitive headers, the raw list, url, path and remote address", async () => {
    let seen: HttpRequest | null = null;
    await serveOne(
      (req) => ((seen = req), { status: 200, body: "" }),
      "GET /a/b?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nX-Multi: 1\r\nx-multi: 2\r\n\r\n",
    );
    const req = seen! as HttpRequest;
    expect(req.method).toBe("GET");
    expect(req.version).toBe("1.1");
    expect(req.headers.get("X-MULTI")).toBe("1, 2");
    expect(req.headers.getAll("x-multi")).toEqual(["1", "2"]);
    expect(req.headers.has("host")).toBe(true);
    expect(req.rawHeaders).toEqual(["Host", "example.com:8080", "X-Multi", "1", "x-multi", "2"]);
    expect(req.url.href).toBe("http://example.com:8080/a/b?x=1");
    expect(req.path).toBe("/a/b");
    expect(req.remoteAddress).toBe("127.0.0.1");
    expect(req.signal.aborted).toBe(false);
  });

  it("answers 400 when a valid Host does not form a WHATWG URL and the component reads url", async () => {
    const { response } = await serveOne((req) => ({ status: 200, body: req.url.href }), "GET / HTTP/1.1\r\nHost: a%20b\r\n\r\n");
    expect(response.status).toBe(400);
  });

  it("does not abort the signal on normal completion", async () => {
    let seen: HttpRequest | null = null;
    const { transport } = await serveOne((req) => ((seen = req), { status: 200, body: "ok" }));
    transport.send(get());
    await until(() => readResponses(transport.output()).responses.length === 2);
    expect((seen! as HttpRequest).signal.aborted).toBe(false);
  });

  it("reads the body with text(), json() and bytes()", async () => {
    const results: unknown[] = [];
    const h = connect({
      handler: async (req) => {
        if (req.path === "/text") results.push(await req.text());
        else if (req.path === "/json") results.push(await req.json());
        else results.push([...(await req.bytes())]);
        return { status: 200, body: "" };
      },
    });
    const post = (path: string, body: string) =>
      `POST ${path} HTTP/1.1\r\nHost: a\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    h.transport.send(Buffer.from(post("/text", "héllo") + post("/json", '{"a":[1]}') + post("/bytes", "\x00\x01"), "utf8"));
    await until(() => results.length === 3);
    expect(results).toEqual(["héllo", { a: [1] }, [0, 1]]);
  });

  it("answers 400 to malformed JSON read with json()", async () => {
    const { response } = await serveOne(
      async (req) => ({ status: 200, body: JSON.stringify(await req.json()) }),
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n{x}",
    );
    expect(response.status).toBe(400);
  });

  it("exposes trailers of a chunked request body after it was read", async () => {
    let trailers: string[] = [];
    await serveOne(
      async (req) => {
        await req.text();
        trailers = req.trailers;
        return { status: 200, body: "" };
      },
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-Sum: 1\r\n\r\n",
    );
    expect(trailers).toEqual(["X-Sum", "1"]);
  });
});

describe("connection fields", () => {
  it("closes when the component says Connection: close, writing the field once", async () => {
    const h = connect({ handler: () => ({ status: 200, headers: { connection: "close" }, body: "x" }) });
    h.transport.send(get());
    await until(() => h.transport.ended);
    expect(readResponses(h.transport.output()).responses[0]!.headers.getAll("connection")).toEqual(["close"]);
  });

  it("replaces a component's keep-alive fields on a response that closes", async () => {
    const h = connect({ handler: () => ({ status: 200, headers: { connection: "keep-alive", "keep-alive": "timeout=1" }, body: "x" }) });
    h.transport.send(get("/", "Connection: close\r\n"));
    await until(() => h.transport.ended);
    const r = readResponses(h.transport.output()).responses[0]!;
    expect(r.headers.getAll("connection")).toEqual(["close"]);
    expect(r.headers.has("keep-alive")).toBe(false);
  });
});
