// fromFetch in memory: requests/s of a Hono app through createConnection over a transport
// that drops bytes (run after `npm run build` in this package: it imports dist/).
//   GET  16 pipelined per read, and 1 per read (no body: no ReadableStream is built)
//   POST 16 pipelined per read, a 13-byte JSON body the app reads
// Usage: node bench/fetch.mjs [--seconds 3]
import { parseArgs } from "node:util";
import { createConnection, fromFetch } from "@k/handler";
import { Hono } from "hono";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "3" } } });
const SECONDS = Number(values.seconds);

const app = new Hono();
app.get("/hello", (c) => c.text("Hello, World!"));
app.post("/echo", async (c) => c.json(await c.req.json()));
const handler = fromFetch(app.fetch);

async function run(name, one, perRead) {
  let responses = 0;
  const transport = { write: () => (responses++, true), end() {}, destroy() {}, pause() {}, resume() {} };
  const conn = createConnection(transport, { handler });
  const input = Buffer.from(one.repeat(perRead));
  const until = performance.now() + SECONDS * 1000;
  let requests = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 20; i++) {
      conn.onData(Buffer.from(input));
      requests += perRead;
      await new Promise((r) => setImmediate(r));
    }
  }
  if (responses === 0) throw new Error("no response written");
  console.log(`| fromFetch(Hono) ${name}, ${perRead}/read | ${Math.round(requests / SECONDS).toLocaleString("en")} req/s |`);
}

const get = "GET /hello HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n";
const post = 'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"hello":"w"}';
console.log("| benchmark | result |\n| --- | --- |");
await run("GET", get, 16);
await run("GET", get, 1);
await run("POST json", post, 16);
