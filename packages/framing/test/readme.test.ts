// The README's examples run as written (imports of "@k/framing" resolve to this source).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const readme = readFileSync(`${root}README.md`, "utf8");
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] as string);

async function run(index: number): Promise<unknown[][]> {
  mkdirSync(`${root}.tmp`, { recursive: true });
  const file = `${root}.tmp/readme-${index}.mjs`;
  writeFileSync(file, blocks[index] as string);
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await import(/* @vite-ignore */ `${file}?t=${Date.now()}`);
  return log.mock.calls;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("README examples", () => {
  it("has the two examples this test knows", () => {
    expect(blocks.length).toBe(2);
  });

  it("frames a chunked text response with a split surrogate pair and trailers", async () => {
    const [[written]] = (await run(0)) as [[string[]]];
    expect(written).toEqual([
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n",
      "6\r\nsmile \r\n",
      `5\r\n${Buffer.from("\u{1F600}!").toString("latin1")}\r\n`,
      "0\r\nX-Checksum: abc\r\n\r\n",
    ]);
  });

  it("runs a user's buffering strategy to an HTTP/1.0 client", async () => {
    const [[text]] = (await run(1)) as [[string]];
    expect(text).toBe(
      "HTTP/1.1 200 OK\r\nContent-Length: 55\r\n\r\nno chunked for HTTP/1.0, but no close-delimiting either",
    );
  });
});
