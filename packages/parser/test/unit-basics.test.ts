// Quick checks of the parser's basics, each run whole, at every 2-way split and byte at a time.
import { describe, expect, it } from "vitest";
import { createParser, isParseError, type MessageHead, type ParserKind, type ParserOptions } from "@k/parser";

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const dec = (b: Uint8Array): string => String.fromCharCode(...b);

function run(kind: ParserKind, chunks: Uint8Array[], options?: ParserOptions, headReturn = false): string[] {
  const log: string[] = [];
  let body = "";
  const flush = (): void => {
    if (body !== "") log.push(`body ${body}`);
    body = "";
  };
  const p = createParser(
    kind,
    {
      onHead(h: MessageHead) {
        flush();
        log.push(
          `head ${h.method}|${h.target}|${h.status}|${h.reason}|${h.version}|${h.rawHeaders.join(",")}|cl=${h.contentLength}|chunked=${h.chunked}|ka=${h.keepAlive}|up=${h.upgrade}|exp=${h.expectContinue}`,
        );
        return headReturn;
      },
      onBody(b) {
        body += dec(b);
      },
      onComplete(t) {
        flush();
        log.push(`complete ${t.join(",")}`);
      },
    },
    options,
  );
  try {
    for (const c of chunks) expect(p.push(c)).toBe(c.length);
    p.finish();
  } catch (e) {
    flush();
    if (!isParseError(e)) throw e;
    log.push(`error ${e.code} @${e.offset}`);
  }
  return log;
}

function splits(input: string): Uint8Array[][] {
  const b = enc(input);
  const out: Uint8Array[][] = [[b]];
  for (let k = 1; k < b.length; k++) out.push([b.subarray(0, k), b.subarray(k)]);
  out.push(Array.from(b, (x) => Uint8Array.of(x)));
  return out;
}

/** Runs input at every split and returns the one log they all agree on. */
function parse(kind: ParserKind, input: string, options?: ParserOptions, headReturn = false): string[] {
  const whole = run(kind, [enc(input)], options, headReturn);
  for (const chunks of splits(input)) expect(run(kind, chunks, options, headReturn)).toEqual(whole);
  return whole;
}

describe("requests", () => {
  it("parses a GET with headers", () => {
    expect(parse("request", "GET /a?b HTTP/1.1\r\nHost: x\r\nUser-Agent:  t/1 \r\n\r\n")).toEqual([
      "head GET|/a?b|0||1.1|Host,x,User-Agent,t/1|cl=-1|chunked=false|ka=true|up=false|exp=false",
      "complete ",
    ]);
  });

  it("reads a Content-Length body and pipelined requests", () => {
    expect(parse("request", "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhelloGET /2 HTTP/1.1\r\nHost: y\r\n\r\n")).toEqual([
      "head POST|/|0||1.1|host,x,content-length,5|cl=5|chunked=false|ka=true|up=false|exp=false",
      "body hello",
      "complete ",
      "head GET|/2|0||1.1|Host,y|cl=-1|chunked=false|ka=true|up=false|exp=false",
      "complete ",
    ]);
  });

  it("recognises the interpreted field names in any casing and keeps each name as received", () => {
    // Canonical, lower-case and mixed spellings take different branches of the name
    // recogniser; whole (fast path) and split (line path) must agree.
    expect(parse("request", "POST /x HTTP/1.1\r\nhOsT: a\r\ncontent-length: 2\r\nCONNECTION: close\r\nExpect: 100-continue\r\nUpgrade: h2c\r\n\r\nab")).toEqual([
      "head POST|/x|0||1.1|hOsT,a,content-length,2,CONNECTION,close,Expect,100-continue,Upgrade,h2c|cl=2|chunked=false|ka=false|up=false|exp=true",
      "body ab",
      "complete ",
    ]);
    expect(parse("request", "PUT /y HTTP/1.1\r\nHost: a\r\ntransfer-ENCODING: chunked\r\n\r\n0\r\n\r\n")).toEqual([
      "head PUT|/y|0||1.1|Host,a,transfer-ENCODING,chunked|cl=-1|chunked=true|ka=true|up=false|exp=false",
      "complete ",
    ]);
  });

  it("reads 120 pipelined heads in one push as it reads them one per push", () => {
    // One push of ~50 KB, past the 16 KiB head limit: heads decoded alone (the first, and each
    // after a body), heads read from one decode of the rest of the push, and heads that
    // straddle the end of such a decode all come out as when each message is pushed alone.
    const messages: string[] = [];
    for (let k = 0; k < 120; k++) {
      const filler = "v".repeat((k * 37) % 300);
      messages.push(
        k % 7 === 3
          ? `POST /up/${k} HTTP/1.1\r\nHost: h${k}.example\r\nContent-Length: ${k}\r\nX-N: ${k}\r\n\r\n${"b".repeat(k)}`
          : `GET /p/${k}?q=${filler} HTTP/1.1\r\nHost: h${k}.example:80${k % 10}\r\nUser-Agent: agent/${k}  \r\nX-Filler: ${filler}\r\nconnection: keep-alive\r\n\r\n`,
      );
    }
    const onePerPush = run("request", messages.map(enc));
    expect(onePerPush.filter((line) => line.startsWith("head "))).toHaveLength(120);
    expect(onePerPush[0]).toBe("head GET|/p/0?q=|0||1.1|Host,h0.example:800,User-Agent,agent/0,X-Filler,,connection,keep-alive|cl=-1|chunked=false|ka=true|up=false|exp=false");
    expect(run("request", [enc(messages.join(""))])).toEqual(onePerPush);
  });

  it("de-chunks a chunked body with extensions and trailers", () => {
    expect(
      parse("request", 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b ; c="d\\"e"\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n'),
    ).toEqual([
      "head POST|/|0||1.1|Host,x,Transfer-Encoding,chunked|cl=-1|chunked=true|ka=true|up=false|exp=false",
      "body hello0123456789",
      "complete X-T,1",
    ]);
  });

  it("derives keep-alive, upgrade and expect", () => {
    expect(parse("request", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")[0]).toContain("ka=true");
    expect(parse("request", "GET / HTTP/1.0\r\n\r\n")[0]).toContain("ka=false");
    expect(parse("request", "GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, Upgrade\r\nUpgrade: websocket\r\n\r\n")[0]).toContain("up=true");
    expect(parse("request", "PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 0\r\n\r\n")[0]).toContain("exp=true");
    // RFC 9110 §10.1.1: ignored in HTTP/1.0.
    expect(parse("request", "PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n")[0]).toContain("exp=false");
  });

  it("ignores empty lines before the request line", () => {
    expect(parse("request", "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")).toHaveLength(2);
  });

  it("maps HTTP/1.2 to 1.1 and rejects other versions", () => {
    expect(parse("request", "GET / HTTP/1.2\r\nHost: x\r\n\r\n")[0]).toContain("|1.1|");
    expect(parse("request", "GET / HTTP/2.0\r\n\r\n")).toEqual(["error UNSUPPORTED_VERSION @11"]);
    expect(parse("request", "GET / http/1.1\r\n\r\n")).toEqual(["error INVALID_VERSION @6"]);
    expect(parse("request", "GET / HTTP/1.1 \r\n\r\n")).toEqual(["error INVALID_VERSION @14"]);
  });

  it("closes after Connection: close and rejects more bytes", () => {
    expect(parse("request", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET")).toEqual([
      "head GET|/|0||1.1|Host,x,Connection,close|cl=-1|chunked=false|ka=false|up=false|exp=false",
      "complete ",
      "error DATA_AFTER_CLOSE @46",
    ]);
  });
});

describe("errors", () => {
  const cases: [string, string, ParserOptions?][] = [
    ["GET / HTTP/1.1\r\nHost : x\r\n\r\n", "INVALID_HEADER_NAME @20"],
    ["GET / HTTP/1.1\r\nHost: x\r\n y\r\n\r\n", "OBS_FOLD @25"],
    ["GET / HTTP/1.1\nHost: x\r\n\r\n", "INVALID_LINE_ENDING @14"],
    ["GET / HTTP/1.1\r\nHost: x\r\n\rX", "INVALID_LINE_ENDING @25"],
    ["GET / HTTP/1.1\r\nHost: a\x00b\r\n\r\n", "INVALID_HEADER_VALUE @23"],
    ["GET /\x7f HTTP/1.1\r\n\r\n", "INVALID_TARGET @5"],
    ["GET / HTTP/1.1\r\n\r\n", "MISSING_HOST @16"],
    ["GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "DUPLICATE_HOST @31"],
    ["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "CONFLICTING_CONTENT_LENGTH @61"],
    ["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", "INVALID_CONTENT_LENGTH @42"],
    ["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", "CONTENT_LENGTH_WITH_TRANSFER_ENCODING @45"],
    ["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "CHUNKED_NOT_FINAL @45"],
    ["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "UNSUPPORTED_TRANSFER_CODING @45"],
    ["POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "TRANSFER_ENCODING_IN_HTTP10 @36"],
    ["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n", "INVALID_CHUNK_SIZE @56"],
    ["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", "INVALID_CHUNK_DATA @64"],
    ["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r", "UNEXPECTED_EOF @70"],
    ["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n20000000000000\r\n", "CHUNK_SIZE_OVERFLOW @69"],
    ["GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nY: 2\r\n\r\n", "TOO_MANY_HEADERS @31", { maxHeaderCount: 2 }],
    ["GET / HTTP/1.1\r\nHost: aaaaaaaaaaaaaaaaaaaaaa\r\n\r\n", "HEAD_TOO_LARGE @30", { maxHeadSize: 30 }],
    ["GET /aaaaaaaaaaa HTTP/1.1\r\n\r\n", "TARGET_TOO_LONG @9", { maxTargetLength: 5 }],
  ];
  for (const [input, want, options] of cases) {
    it(`reports ${want} for ${JSON.stringify(input)}`, () => {
      const log = parse("request", input, options);
      expect(log[log.length - 1]).toBe(`error ${want}`);
    });
  }
});

describe("responses", () => {
  it("parses a response with a Content-Length body, a 100 first", () => {
    expect(parse("response", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")).toEqual([
      "head ||100|Continue|1.1||cl=-1|chunked=false|ka=true|up=false|exp=false",
      "complete ",
      "head ||200|OK|1.1|Content-Length,2|cl=2|chunked=false|ka=true|up=false|exp=false",
      "body hi",
      "complete ",
    ]);
  });

  it("reads a close-delimited body until finish()", () => {
    expect(parse("response", "HTTP/1.0 200 \r\n\r\nabc")).toEqual([
      "head ||200||1.0||cl=-1|chunked=false|ka=false|up=false|exp=false",
      "body abc",
      "complete ",
    ]);
  });

  it("skips the body when onHead returns true (HEAD)", () => {
    expect(parse("response", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 204 No\r\n\r\n", undefined, true)).toHaveLength(4);
  });

  it("stops parsing after a 101", () => {
    const p = createParser("response", { onHead() {}, onBody() {}, onComplete() {} });
    const b = enc("HTTP/1.1 101 Switching\r\nUpgrade: x\r\n\r\nRAW");
    expect(p.push(b)).toBe(b.length - 3);
    expect(p.push(enc("more"))).toBe(0);
  });
});

describe("leniencies (opt-in)", () => {
  it("accepts bare LF line ends only with allowBareLF", () => {
    const input = "POST / HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n2\nhi\n0\n\n";
    expect(parse("request", input).at(-1)).toBe("error INVALID_LINE_ENDING @15");
    expect(parse("request", input, { allowBareLF: true })).toEqual([
      "head POST|/|0||1.1|Host,x,Transfer-Encoding,chunked|cl=-1|chunked=true|ka=true|up=false|exp=false",
      "body hi",
      "complete ",
    ]);
  });

  it("joins an obs-fold with one SP only with allowObsFold", () => {
    const input = "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n \t b \r\n\r\n";
    expect(parse("request", input).at(-1)).toBe("error OBS_FOLD @33");
    expect(parse("request", input, { allowObsFold: true })[0]).toContain("|Host,x,X-A,a b|");
  });

  it("accepts whitespace after a chunk size only with allowChunkSizeWhitespace", () => {
    const input = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2 \t;a=b\r\nhi\r\n0\r\n\r\n";
    expect(parse("request", input).at(-1)).toBe("error INVALID_CHUNK_SIZE @57");
    expect(parse("request", input, { allowChunkSizeWhitespace: true })[1]).toBe("body hi");
  });
});

describe("limits", () => {
  it("counts chunk-extension bytes per line and per message", () => {
    const head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    expect(parse("request", `${head}1;abcdefg\r\nx\r\n0\r\n\r\n`, { maxChunkExtensionSize: 8 }).at(-1)).toBe("complete ");
    expect(parse("request", `${head}1;abcdefgh\r\nx\r\n0\r\n\r\n`, { maxChunkExtensionSize: 8 }).at(-1)).toBe("error CHUNK_EXTENSION_TOO_LARGE @65");
    expect(parse("request", `${head}1;abcd\r\nx\r\n1;efgh\r\nx\r\n0\r\n\r\n`, { maxChunkExtensionSize: 8 }).at(-1)).toBe("error CHUNK_EXTENSION_TOO_LARGE @71");
  });

  it("rejects a chunked body as soon as its total passes maxBodySize", () => {
    const input = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    expect(parse("request", input, { maxBodySize: 4 })).toEqual([
      "head POST|/|0||1.1|Host,x,Transfer-Encoding,chunked|cl=-1|chunked=true|ka=true|up=false|exp=false",
      "body abc",
      "error BODY_TOO_LARGE @64",
    ]);
  });

  it("reports a too-long target on the push that passes the limit", () => {
    const p = createParser("request", { onHead() {}, onBody() {}, onComplete() {} }, { maxTargetLength: 4 });
    expect(p.push(enc("GET /abc"))).toBe(8);
    expect(() => p.push(enc("d"))).toThrow(/at byte 8/);
    expect(p.error?.code).toBe("TARGET_TOO_LONG");
  });
});

describe("pause()", () => {
  it("returns after the pausing callback and resumes where it stopped", () => {
    const events: string[] = [];
    const p = createParser("request", {
      onHead(h) {
        events.push(`head ${h.target}`);
      },
      onBody(b) {
        events.push(`body ${dec(b)}`);
      },
      onComplete() {
        events.push("complete");
        p.pause();
      },
    });
    const input = enc("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
    const first = p.push(input);
    expect(first).toBe(28);
    expect(events).toEqual(["head /1", "complete"]);
    expect(p.push(input.subarray(first))).toBe(input.length - first);
    expect(events).toEqual(["head /1", "complete", "head /2", "complete"]);
  });

  it("keeps the error sticky until reset()", () => {
    const p = createParser("request", { onHead() {}, onBody() {}, onComplete() {} });
    expect(() => p.push(enc("GET / HTTP/1.1\r\nHost : x\r\n\r\n"))).toThrow(/at byte 20/);
    expect(() => p.push(enc("GET / HTTP/1.1\r\n"))).toThrow(/at byte 20/);
    expect(p.error?.code).toBe("INVALID_HEADER_NAME");
    p.reset();
    expect(p.error).toBeNull();
    expect(p.push(enc("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))).toBe(27);
  });
});
