/**
 * serve(): the entry point. Validates the options, then chooses between serving in this
 * process, acting as a cluster primary, and acting as one of its workers.
 *
 * It holds no state of its own and installs no signal handlers; the returned Server lives
 * until its close() resolves.
 */
import cluster from "node:cluster";
import { claimWorkerRole, serveCluster, serveInWorker } from "./cluster.js";
import { validateOptions } from "./options.js";
import type { ServeOptions } from "./options.js";
import { listen } from "./tcp-server.js";
import type { Server } from "./tcp-server.js";

/**
 * Serves `options.handler` over TCP (or TLS with `options.tls`): one @k/handler
 * Connection per socket. Resolves once listening; rejects with a {@link ServerError}.
 *
 * With `workers: n` (n > 1) the calling process becomes a `node:cluster` primary that forks
 * n workers re-running the same main module; their own `serve()` calls (same options)
 * listen on one shared port. Call it unconditionally at startup in every process.
 *
 * @example
 * ```ts
 * import { serve } from "@k/server";
 * const server = await serve({
 *   port: 8080,
 *   handler: () => ({ status: 200, headers: { "content-type": "text/plain" }, body: "hi" }),
 * });
 * console.log(server.url);
 * process.once("SIGTERM", () => void server.close());
 * ```
 */
export async function serve(options: ServeOptions): Promise<Server> {
  const resolved = validateOptions(options);
  const workers = resolved.workers ?? 0;
  if (workers > 1) {
    if (cluster.isPrimary) return serveCluster(workers, resolved);
    // The worker's own call with the same options; any other serve() in a worker (a metrics
    // listener with workers unset, say) is an ordinary in-process server.
    if (claimWorkerRole()) return serveInWorker(resolved);
  }
  return listen(resolved);
}
