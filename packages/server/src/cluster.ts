/**
 * Multi-core serving through `node:cluster`: the primary forks workers that re-run the
 * same main module; each worker's `serve()` listens on the shared port and reports back
 * over IPC; the primary replaces crashed workers (with back-off) and shuts them all down
 * gracefully on `close()`.
 *
 * It does not install signal handlers: wiring SIGTERM/SIGINT to `close()` is the app's
 * business. It supports one clustered `serve()` per application.
 */
import cluster from "node:cluster";
import type { Worker } from "node:cluster";
import { createServer as createNetServer } from "node:net";
import type { AddressInfo } from "node:net";
import { ServerError, toListenError } from "./errors.js";
import { defaultGracePeriod, defaultHost, defaultPort } from "./options.js";
import type { ResolvedServeOptions } from "./options.js";
import { closeOnAbort, listen, urlOf } from "./tcp-server.js";
import type { Server, ServerAddress } from "./tcp-server.js";

/** Set in a worker's environment by the primary: marks the process as a @k/server worker. */
const WORKER_ENV = "K_SERVER_WORKER";
/** Set in a worker's environment by the primary: the concrete port every worker listens on. */
const PORT_ENV = "K_SERVER_PORT";
/** The key that marks our IPC messages, so an app's own messages pass untouched. */
const TAG = "@k/server";

/** First restart delay (ms) after a worker crash; it doubles per crash in a row. */
export const defaultRestartDelay: number = 100;
/** Longest restart delay (ms) for a crash loop. */
export const defaultMaxRestartDelay: number = 10_000;
// A worker that stayed up this long ends a crash streak: the next crash restarts fast again.
const CRASH_STREAK_RESET = 30_000;
// Beyond gracePeriod, how long the primary waits before SIGKILL: the worker needs a moment to
// notice its own grace timer, destroy its sockets and exit.
const KILL_MARGIN = 2_000;

type Message =
  | { [TAG]: "listening"; address: ServerAddress }
  | { [TAG]: "error"; code: ServerError["code"]; message: string }
  | { [TAG]: "closing" }
  | { [TAG]: "shutdown" };

function isOurs(message: unknown): message is Message {
  return typeof message === "object" && message !== null && TAG in message;
}

let claimed = false;

/**
 * True (once) in a process the @k/server primary forked: the first clustered serve() of a
 * worker is the one the primary forked it for; later calls are not.
 */
export function claimWorkerRole(): boolean {
  if (claimed || !cluster.isWorker || process.env[WORKER_ENV] !== "1") return false;
  claimed = true;
  return true;
}

/** The worker side: listen on the primary's port, report, close on the primary's request. */
export async function serveInWorker(options: ResolvedServeOptions): Promise<Server> {
  const port = Number(process.env[PORT_ENV] ?? options.port ?? defaultPort);
  let server: Server;
  try {
    // The primary owns the signal: a worker closes when the primary tells it to.
    const { signal: _ignored, ...rest } = options;
    server = await listen({ ...rest, port });
  } catch (error) {
    const e = error as ServerError;
    process.send?.({ [TAG]: "error", code: e.code ?? "LISTEN_FAILED", message: e.message } satisfies Message);
    throw error;
  }
  const worker = cluster.worker;
  let closing: Promise<void> | undefined;
  let exitWhenClosed = false;
  const close = (): Promise<void> => {
    if (closing !== undefined) return closing;
    // Tell the primary first: a worker that closes on its own is not a crash to replace.
    if (worker?.isConnected()) process.send?.({ [TAG]: "closing" } satisfies Message);
    closing = server.close().then(() => {
      // Leaving the IPC channel open would keep the process alive for nothing.
      if (worker?.isConnected()) worker.disconnect();
      // Asked by the primary: exit even when the app left timers or handles behind. Unref'd,
      // so a process that ends on its own ends sooner.
      if (exitWhenClosed) setTimeout(() => process.exit(process.exitCode ?? 0), 1_000).unref();
    });
    return closing;
  };
  process.on("message", (message: unknown) => {
    if (isOurs(message) && message[TAG] === "shutdown") {
      exitWhenClosed = true;
      void close();
    }
  });
  process.send?.({ [TAG]: "listening", address: server.address } satisfies Message);
  return {
    address: server.address,
    url: server.url,
    get connections() { return server.connections; },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Binds port 0 on `host` and releases it, to give every worker the same concrete port. */
async function pickPort(host: string): Promise<number> {
  const probe = createNetServer();
  return new Promise<number>((resolve, reject) => {
    probe.once("error", (error) => reject(toListenError(error, 0, host)));
    probe.listen({ port: 0, host }, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

class ClusterPrimary implements Server {
  address: ServerAddress = { address: "", port: 0, family: "" };
  url = "";
  readonly connections: number = 0;
  #count: number;
  #port: number;
  #gracePeriod: number;
  #restartDelay: number;
  #maxRestartDelay: number;
  #secure: boolean;
  #workers = new Set<Worker>();
  #listening = new Set<Worker>();
  /** Workers that announced their own graceful close: their exit is not a crash. */
  #leaving = new Set<Worker>();
  #restartTimers = new Set<NodeJS.Timeout>();
  #started = false;
  #closing: Promise<void> | undefined = undefined;
  #crashes = 0;
  #lastCrash = 0;
  #onStarted: { resolve: () => void; reject: (e: ServerError) => void } | undefined = undefined;
  #onAllExited: (() => void) | undefined = undefined;
  /** How the most recent exits ended, newest last, at most #count: true = by a signal. */
  #recentExits: boolean[] = [];

  #onClosed: () => void;
  #unwatchSignal: () => void = () => {};
  #signal: AbortSignal | undefined;

  constructor(count: number, port: number, options: ResolvedServeOptions, onClosed: () => void) {
    this.#onClosed = onClosed;
    this.#count = count;
    this.#port = port;
    this.#gracePeriod = options.gracePeriod ?? defaultGracePeriod;
    this.#restartDelay = options.restartDelay ?? defaultRestartDelay;
    this.#maxRestartDelay = options.maxRestartDelay ?? defaultMaxRestartDelay;
    this.#secure = options.tls !== undefined;
    this.#signal = options.signal;
  }

  async start(): Promise<this> {
    const started = new Promise<void>((resolve, reject) => { this.#onStarted = { resolve, reject }; });
    for (let i = 0; i < this.#count; i++) this.#fork();
    try {
      await started;
    } catch (error) {
      await this.#stopAll(true);
      throw error;
    }
    this.#unwatchSignal = closeOnAbort(this.#signal, () => this.close());
    return this;
  }

  #fork(): void {
    const worker = cluster.fork({ [WORKER_ENV]: "1", [PORT_ENV]: String(this.#port) });
    this.#workers.add(worker);
    worker.on("message", (message: unknown) => {
      if (!isOurs(message)) return;
      switch (message[TAG]) {
        case "listening":
          // Forked just before close(): it could not hear the shutdown then; it can now.
          if (this.#closing !== undefined) {
            worker.send({ [TAG]: "shutdown" } satisfies Message);
            break;
          }
          this.#listening.add(worker);
          this.address = message.address;
          this.url = urlOf(message.address, this.#secure);
          if (!this.#started && this.#listening.size >= this.#count) {
            // Set here, not after start()'s await: an exit in between must count as a crash.
            this.#started = true;
            this.#onStarted?.resolve();
          }
          break;
        case "error":
          this.#onStarted?.reject(new ServerError(message.code, message.message, { port: this.#port }));
          break;
        case "closing":
          this.#leaving.add(worker);
          break;
      }
    });
    // 'error' on a worker (e.g. IPC send after exit) must not crash the primary; 'exit' follows.
    worker.on("error", () => {});
    worker.once("exit", (code: number | null, signal: string | null) => this.#onExit(worker, code, signal));
  }

  #onExit(worker: Worker, code: number | null, signal: string | null): void {
    this.#workers.delete(worker);
    this.#listening.delete(worker);
    const left = this.#leaving.delete(worker) || worker.exitedAfterDisconnect;
    this.#recentExits.push(signal !== null);
    if (this.#recentExits.length > this.#count) this.#recentExits.shift();
    if (this.#workers.size === 0) this.#onAllExited?.();
    if (!this.#started) {
      const how = signal === null ? `code ${code}` : `signal ${signal}`;
      this.#onStarted?.reject(new ServerError("WORKER_FAILED", `a worker exited (${how}) before it was listening`, { port: this.#port }));
      return;
    }
    if (this.#closing !== undefined || left) return;
    const now = Date.now();
    if (now - this.#lastCrash > CRASH_STREAK_RESET) this.#crashes = 0;
    this.#lastCrash = now;
    const delay = Math.min(this.#restartDelay * 2 ** this.#crashes, this.#maxRestartDelay);
    this.#crashes++;
    const timer = setTimeout(() => {
      this.#restartTimers.delete(timer);
      if (this.#closing === undefined) this.#fork();
    }, delay);
    this.#restartTimers.add(timer);
  }

  close(): Promise<void> {
    this.#unwatchSignal();
    this.#closing ??= this.#stopAll(false).then(() => {
      this.#onClosed();
      // Every worker's last exit was by a signal (killed from outside, SIGKILLed after the
      // grace period): the group did not end cleanly, so neither does the primary's exit code,
      // and a supervisor that restarts on failure restarts it.
      if (this.#recentExits.length > 0 && this.#recentExits.every(Boolean) && !process.exitCode) {
        process.exitCode = 1;
      }
    });
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Asks every worker to close (or kills them at once) and resolves when all exited. */
  async #stopAll(now: boolean): Promise<void> {
    for (const timer of this.#restartTimers) clearTimeout(timer);
    this.#restartTimers.clear();
    if (this.#workers.size === 0) return;
    const exited = new Promise<void>((resolve) => { this.#onAllExited = resolve; });
    const kill = (): void => {
      for (const worker of this.#workers) worker.process.kill("SIGKILL");
    };
    if (now) {
      kill();
    } else {
      for (const worker of this.#workers) {
        if (worker.isConnected()) worker.send({ [TAG]: "shutdown" } satisfies Message);
        else worker.process.kill("SIGTERM");
      }
    }
    const timer = setTimeout(kill, this.#gracePeriod + KILL_MARGIN);
    await exited;
    clearTimeout(timer);
  }
}

// Workers re-run the main module and cannot tell two clustered serve() calls apart.
let primaryActive = false;

/** The primary side: fork `count` workers and resolve once all of them listen. */
export async function serveCluster(count: number, options: ResolvedServeOptions): Promise<Server> {
  if (primaryActive) {
    throw new ServerError("INVALID_OPTION", "only one serve() with workers can run per process");
  }
  primaryActive = true;
  const release = (): void => { primaryActive = false; };
  try {
    const host = options.host ?? defaultHost;
    const port = options.port === undefined || options.port === 0 ? await pickPort(host) : options.port;
    return await new ClusterPrimary(count, port, options, release).start();
  } catch (error) {
    release();
    throw error;
  }
}
