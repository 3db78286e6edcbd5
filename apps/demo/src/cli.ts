/**
 * The k-demo command: parses arguments, serves the demo handler with @k/server, prints the
 * URL, writes the access log, and shuts down gracefully on SIGINT/SIGTERM.
 *
 * Exit codes: 0 after a graceful shutdown or --help, 1 when the server cannot listen (one
 * line: the ServerError's message), 2 for invalid arguments (message + usage).
 * With --workers > 1 this module runs in the primary and again in each cluster worker;
 * only the primary prints the startup line and handles signals for the whole group.
 */
import cluster from "node:cluster";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { serve } from "@k/server";
import type { Server } from "@k/server";
import { formatAccessLog } from "./access-log.js";
import { createLineWriter } from "./log-writer.js";
import { parseCliArgs, usage } from "./args.js";
import { createDemoHandler } from "./app.js";

function fail(message: string, code: number): never {
  process.stderr.write(`k-demo: ${message}\n`);
  if (code === 2) process.stderr.write(`\n${usage}`);
  process.exit(code);
}

async function main(): Promise<void> {
  const parsed = parseCliArgs(process.argv.slice(2), process.env);
  if (!parsed.ok) fail(parsed.message, 2);
  const options = parsed.options;
  if (options.help) {
    process.stdout.write(usage);
    return;
  }

  const root = resolve(options.root);
  const rootStats = await stat(root).catch(() => null);
  if (rootStats === null || !rootStats.isDirectory()) fail(`--root ${root} is not a directory`, 2);

  let log = options.quiet ? null : options.log;
  // A reader that went away (`k-demo --log clf | head`) must not take the server down with
  // EPIPE: the access log stops, serving goes on.
  process.stdout.on("error", () => {
    log = null;
  });
  // Bounded: while stdout is full, lines are dropped and counted (reported on stderr when it
  // drains), never queued: a stalled log reader must not grow the server's memory (issue 11).
  const accessLog = createLineWriter(process.stdout, (dropped) => {
    process.stderr.write(`k-demo: access log: ${dropped} line${dropped === 1 ? "" : "s"} dropped while stdout was blocked\n`);
  });
  let server: Server;
  try {
    server = await serve({
      handler: createDemoHandler({ root, compress: options.compress }),
      port: options.port,
      host: options.host,
      workers: options.workers,
      maxConnections: options.limits.maxConnections,
      headTimeout: options.limits.headTimeout,
      idleTimeout: options.limits.idleTimeout,
      requestTimeout: options.limits.requestTimeout,
      maxBodySize: options.limits.maxBodySize,
      sendTimeout: options.limits.sendTimeout,
      serverName: "k-demo",
      ...(options.proxy.trustProxy.length > 0 ? { trustProxy: options.proxy.trustProxy } : {}),
      ...(options.proxy.proxyProtocol ? { proxyProtocol: true } : {}),
      // No onError: @k/handler's default prints one line per error to stderr, rate-limited
      // (at most 10 a second), so a flood of failures cannot flood or stall stderr either.
      ...(log === null
        ? {}
        : {
            onResponse(info) {
              if (log === null) return;
              const line = formatAccessLog(log, {
                remoteAddress: info.request.remoteAddress,
                method: info.request.method,
                target: info.request.target,
                version: info.request.version,
                status: info.status,
                bytes: info.bytes,
                durationMs: info.durationMs,
                time: Date.now(),
              });
              accessLog.write(line);
            },
          }),
    });
  } catch (error) {
    // A worker's listen error reaches the primary (which prints it once); printing it here
    // too would repeat the line for every worker.
    if (cluster.isWorker) process.exit(1);
    fail(error instanceof Error ? error.message : String(error), 1);
  }

  if (cluster.isWorker) {
    // The primary coordinates shutdown: a terminal's Ctrl-C reaches every process in the
    // group, and a worker dying on it would only be restarted by the primary.
    process.on("SIGINT", () => {});
    process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
    return;
  }

  if (!options.quiet) process.stdout.write(`k-demo listening on ${server.url}\n`);

  let closing = false;
  const shutdown = (): void => {
    // A second signal while closing means "now".
    if (closing) process.exit(1);
    closing = true;
    server.close().then(
      // Non-zero when the cluster primary saw every worker die of a signal (@k/server sets it).
      () => process.exit(process.exitCode ?? 0),
      (error: unknown) => fail(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`, 1),
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

await main();
