// The Hono side of bench/compress.mjs: @hono/node-server with Hono's compress() middleware in
// front of @hono/node-server's serveStatic, serving the same directory as k-demo (the demo's
// bundled public/ unless --root). compress() is Hono's own (CompressionStream: gzip or
// deflate; it has no br), with its defaults (1 KiB threshold).
//
// Usage: node bench/hono-compress-server.mjs [--port 0] [--root apps/demo/public]
// Prints "hono listening on http://127.0.0.1:PORT"; SIGTERM/SIGINT close it and exit 0.
import { serve } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { compress } from "hono/compress";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    root: { type: "string", default: fileURLToPath(new URL("../apps/demo/public/", import.meta.url)) },
  },
});

const app = new Hono();
app.use(compress());
// serveStatic takes a root relative to the working directory.
app.use("/*", serveStatic({ root: relative(process.cwd(), values.root) || "." }));
app.get("/hello", (c) => c.text("Hello, World!"));

const server = serve({ fetch: app.fetch, port: Number(values.port), hostname: "127.0.0.1" }, (info) => {
  process.stdout.write(`hono listening on http://127.0.0.1:${info.port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
