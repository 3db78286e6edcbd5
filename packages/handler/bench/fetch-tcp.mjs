// The same Hono app ("Hello, World!" from c.text) over TCP on 127.0.0.1, side by side:
//   node        @hono/node-server with its defaults (it replaces the global Request/Response
//               with lightweight classes of its own)
//   node-native @hono/node-server with overrideGlobalObjects: false (undici's classes)
//   k           fromFetch(app.fetch) on createConnection over a bare net.Server socket
//               (the transport @k/server uses, minus its limits and timers)
// Each server runs in a child process; ABBA-style rounds, medians. Run after `npm run build`.
// Usage: node bench/fetch-tcp.mjs [--seconds 3] [--connections 10] [--rounds 2]
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { parseArgs } from "node:util";
import { client, responseSize } from "./tcp-client.mjs";
import { createConnection, fromFetch } from "@k/handler";
import { Hono } from "hono";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    connections: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    serve: { type: "string" },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const ROUNDS = Number(values.rounds);
const BODY = "Hello, World!";
const app = new Hono().get("/hello", (c) => c.text(BODY));

async function listen(kind) {
  if (kind === "k") {
    const handler = fromFetch(app.fetch);
    const server = createServer({ noDelay: true }, (socket) => {
      const conn = createConnection(
        {
          write: (b) => socket.write(b),
          end: () => socket.end(),
          destroy: (e) => socket.destroy(e),
          pause: () => socket.pause(),
          resume: () => socket.resume(),
          cork: () => socket.cork(),
          uncork: () => socket.uncork(),
          remoteAddress: socket.remoteAddress,
          remotePort: socket.remotePort,
        },
        { handler },
      );
      socket.on("data", (b) => conn.onData(b));
      socket.on("end", () => conn.onEnd());
      socket.on("drain", () => conn.onDrain());
      socket.on("close", () => conn.onClose());
      socket.on("error", () => {});
    });
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    return server.address().port;
  }
  const { serve } = await import("@hono/node-server");
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1", overrideGlobalObjects: kind === "node" });
  await new Promise((r) => server.once("listening", r));
  return server.address().port;
}


async function tcp(kind, depth) {
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, "--serve", kind], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await new Promise((resolve) => child.once("message", resolve));
  try {
    const size = await responseSize(port, BODY);
    const deadline = performance.now() + SECONDS * 1000;
    const counts = await Promise.all(Array.from({ length: CONNECTIONS }, () => client(port, depth, deadline, size)));
    return counts.reduce((a, b) => a + b, 0) / SECONDS;
  } finally {
    child.kill();
  }
}

if (values.serve !== undefined) {
  process.send?.(await listen(values.serve));
} else {
  console.log("| Hono c.text over TCP | node-server (its globals) | node-server (native globals) | fromFetch on @k |\n| --- | --- | --- | --- |");
  for (const depth of [1, 16]) {
    const runs = { node: [], "node-native": [], k: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ["node", "node-native", "k"] : ["k", "node-native", "node"];
      for (const kind of order) runs[kind].push(await tcp(kind, depth));
    }
    const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const f = (kind) => `${Math.round(median(runs[kind])).toLocaleString("en")} req/s`;
    console.log(`| depth ${depth} | ${f("node")} | ${f("node-native")} | ${f("k")} |`);
  }
}
