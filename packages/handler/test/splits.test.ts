// The lifecycle's answers do not depend on how the input is split into reads: any partition
// of a pipelined byte stream gives the same responses (the parser's own split property,
// carried through flow control, body queues and the pause/resume of reading).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HttpRequest } from "@k/handler";
import { connect, readResponses, until } from "./helpers.ts";

const INPUT = Buffer.from(
  "GET /a HTTP/1.1\r\nHost: x\r\n\r\n" +
    "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world" +
    "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\nT: 1\r\n\r\n" +
    "PUT /d HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nunread" .slice(0, -1) +
    "HEAD /e HTTP/1.1\r\nHost: x\r\n\r\n" +
    "GET /f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  "latin1",
);

async function run(cuts: number[]): Promise<string[]> {
  const h = connect({
    maxPipelined: 2,
    handler: async (req: HttpRequest) => {
      // /d answers without reading its body: it is drained.
      const body = req.path === "/d" ? "" : await req.text();
      return { status: 200, body: `${req.method} ${req.path} ${body} ${req.trailers.join(":")}` };
    },
  });
  let from = 0;
  for (const cut of [...cuts, INPUT.length]) {
    if (cut > from) {
      await until(() => !h.transport.paused || h.transport.ended);
      h.transport.send(INPUT.subarray(from, cut));
      from = cut;
    }
  }
  await until(() => h.transport.ended);
  const methods = ["GET", "POST", "POST", "PUT", "HEAD", "GET"];
  return readResponses(h.transport.output(), methods).responses.map((r) => `${r.status} ${r.text}`);
}

describe("input splits", () => {
  it("gives the same responses for every partition of a pipelined stream", async () => {
    const whole = await run([]);
    expect(whole).toEqual([
      "200 GET /a  ",
      "200 POST /b hello world ",
      "200 POST /c abcdefg T:1",
      "200 PUT /d  ",
      "200 ",
      "200 GET /f  ",
    ]);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: INPUT.length - 1 }), { maxLength: 12 }), async (cuts) => {
        expect(await run(cuts.sort((a, b) => a - b))).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });

  it("gives the same responses when the stream arrives one byte at a time", async () => {
    const whole = await run([]);
    expect(await run(Array.from({ length: INPUT.length - 1 }, (_, i) => i + 1))).toEqual(whole);
  });
});
