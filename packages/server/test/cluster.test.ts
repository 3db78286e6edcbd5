import { execFileSync, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { get as httpGet } from "node:http";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { until } from "./helpers.ts";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, "..");

/** One request on a fresh connection (agent: false), so the cluster spreads them across workers. */
function getText(url: string, timeout: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, { agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => { text += c; });
      res.on("end", () => resolve(text));
      res.on("error", reject);
    });
    request.setTimeout(timeout, () => request.destroy(new Error(`no answer from ${url} in ${timeout} ms`)));
    request.on("error", reject);
  });
}

async function workerPid(url: string, timeout = 5_000): Promise<number> {
  return (JSON.parse(await getText(url, timeout)) as { pid: number }).pid;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const fixture = join(here, "fixtures", "cluster-app.mjs");

beforeAll(() => {
  // The fixture imports @k/server the way a user does: from dist. tsc -b builds the
  // handler, parser and framing dists too, through the project references.
  execFileSync("npx", ["tsc", "-b"], { cwd: packageDir, stdio: "ignore", timeout: 120_000 });
}, 120_000);

describe("workers", () => {
  let app: ChildProcess;
  let url = "";
  let primaryPid = 0;
  let stdout = "";
  let exitCode: number | null | undefined;
  const workerPids = new Set<number>();

  beforeAll(async () => {
    app = spawn(process.execPath, [fixture], { stdio: ["ignore", "pipe", "inherit"] });
    app.stdout?.setEncoding("utf8");
    app.stdout?.on("data", (c: string) => { stdout += c; });
    app.once("close", (code) => { exitCode = code; });
    await until(() => stdout.includes("\n") || exitCode !== undefined, "the cluster to listen", 2_000);
    const info = JSON.parse(stdout.slice(0, stdout.indexOf("\n"))) as { url: string; pid: number };
    url = info.url;
    primaryPid = info.pid;
  }, 120_000);

  afterAll(() => {
    // Only on failure is anything left; kill exactly the processes this test started.
    for (const pid of [...workerPids, primaryPid]) {
      if (pid !== 0 && isAlive(pid)) process.kill(pid, "SIGKILL");
    }
  });

  test("the primary resolves with the shared port, picked from port 0", () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toMatch(/:0$/);
  });

  test("serves requests from two distinct worker processes", async () => {
    for (let i = 0; i < 20 && workerPids.size < 2; i++) workerPids.add(await workerPid(`${url}/pid`));
    expect(workerPids.size).toBe(2);
    expect(workerPids.has(primaryPid)).toBe(false);
  });

  test("replaces a killed worker and keeps serving", async () => {
    const [victim] = workerPids;
    process.kill(victim!, "SIGKILL");
    await until(() => !isAlive(victim!), "the killed worker to exit");
    // A connection the primary hands to the worker in the instant it dies is lost with it
    // (node:cluster round-robin): such a request times out here and is retried.
    let replacement = 0;
    for (let i = 0; i < 500 && replacement === 0; i++) {
      if (i > 0) await sleep(10);
      const pid = await workerPid(`${url}/pid`, 1_000).catch(() => 0);
      expect(pid).not.toBe(victim);
      if (pid !== 0 && !workerPids.has(pid)) replacement = pid;
    }
    expect(replacement).not.toBe(0);
    workerPids.add(replacement);
    // From now on every request is answered, by the survivor or the replacement.
    const answered = new Set<number>();
    for (let i = 0; i < 10; i++) answered.add(await workerPid(`${url}/pid`, 5_000));
    expect(answered.has(victim!)).toBe(false);
    expect([...answered].every((pid) => workerPids.has(pid))).toBe(true);
  });

  test("does not replace a worker that closed its own server", async () => {
    const leaver = await workerPid(`${url}/leave`);
    await until(() => !isAlive(leaver), "the leaving worker to exit");
    // Give a replacement every chance to appear (the first restart delay is 100 ms).
    await sleep(500);
    const answered = new Set<number>();
    for (let i = 0; i < 10; i++) answered.add(await workerPid(`${url}/pid`));
    expect(answered.size).toBe(1);
    expect(answered.has(leaver)).toBe(false);
    expect([...answered].every((pid) => workerPids.has(pid))).toBe(true);
  });

  test("SIGTERM to the primary finishes the in-flight response, then every process exits", async () => {
    const slow = new Promise<string>((resolve, reject) => {
      httpGet(`${url}/slow`, { agent: false }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
          // The response is under way: now ask the primary to shut down.
          if (text.startsWith("begin") && !text.includes("end")) app.kill("SIGTERM");
        });
        res.on("end", () => resolve(text));
        res.on("error", reject);
      }).on("error", reject);
    });
    expect(await slow).toMatch(/^begin \d+;end$/);
    // Well before gracePeriod (5 s) + the kill margin: the workers left on their own.
    await until(() => exitCode !== undefined, "the primary to exit", 400);
    expect(exitCode).toBe(0);
    expect(stdout).toContain("closed\n");
    for (const pid of workerPids) expect(isAlive(pid)).toBe(false);
  });
});

describe("workers that cannot listen", () => {
  test("the primary rejects with the workers' ADDRESS_IN_USE and exits without leaving workers", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const app = spawn(process.execPath, [fixture], {
        stdio: ["ignore", "pipe", "ignore"],
        env: { ...process.env, APP_PORT: String(port) },
      });
      let out = "";
      app.stdout.setEncoding("utf8");
      app.stdout.on("data", (c: string) => { out += c; });
      const code = await new Promise<number | null>((resolve) => app.once("close", resolve));
      expect(code).toBe(1);
      expect(JSON.parse(out)).toEqual({
        error: "ADDRESS_IN_USE",
        message: `port ${port} on 127.0.0.1 is already in use`,
      });
    } finally {
      blocker.close();
    }
  }, 30_000);
});

describe("a hung worker", () => {
  test("is killed once the grace period and margin are over, so the primary still closes and exits", async () => {
    const app = spawn(process.execPath, [fixture], {
      stdio: ["ignore", "pipe", "ignore"],
      env: { ...process.env, APP_GRACE: "200" },
    });
    let out = "";
    let exitCode: number | null | undefined;
    app.stdout.setEncoding("utf8");
    app.stdout.on("data", (c: string) => { out += c; });
    app.once("close", (code) => { exitCode = code; });
    try {
      await until(() => out.includes("\n"), "the cluster to listen", 2_000);
      const { url } = JSON.parse(out.slice(0, out.indexOf("\n"))) as { url: string };
      // Which worker hangs is up to the scheduler; it never answers.
      const blocked = getText(`${url}/block`, 30_000).catch(() => "no answer");
      await sleep(100);
      app.kill("SIGTERM");
      // 200 ms grace + 2 s margin, then SIGKILL: bounded well below the test timeout.
      await until(() => exitCode !== undefined, "the primary to exit", 800);
      expect(exitCode).toBe(0);
      expect(out).toContain("closed\n");
      expect(await blocked).toBe("no answer");
    } finally {
      if (exitCode === undefined) app.kill("SIGKILL");
    }
  }, 30_000);
});

describe("crashing workers", () => {
  test("are replaced only after restartDelay, and close() cancels a pending restart", async () => {
    const app = spawn(process.execPath, [fixture], {
      stdio: ["ignore", "pipe", "ignore"],
      env: { ...process.env, APP_CRASH_AFTER: "800", APP_RESTART_DELAY: "60000" },
    });
    let out = "";
    let exitCode: number | null | undefined;
    app.stdout.setEncoding("utf8");
    app.stdout.on("data", (c: string) => { out += c; });
    app.once("close", (code) => { exitCode = code; });
    try {
      await until(() => out.includes("}\n"), "the cluster to listen", 2_000);
      const forksAtStart = out.split("fork\n").length - 1;
      // Both workers crash 800 ms after listening (late enough that a slow sibling's startup
      // is over); with a 60 s restart delay none comes back.
      await sleep(1_500);
      expect(out.split("fork\n").length - 1).toBe(forksAtStart);
      app.kill("SIGTERM");
      // The pending restarts must not keep the primary alive for 60 s.
      await until(() => exitCode !== undefined, "the primary to exit", 300);
      expect(exitCode).toBe(0);
      expect(out).toContain("closed\n");
    } finally {
      if (exitCode === undefined) app.kill("SIGKILL");
    }
  }, 30_000);
});

describe("workers killed by a signal", () => {
  test("a primary whose workers all exited by signal exits non-zero, so a supervisor restarts it", async () => {
    // Its own process group: SIGTERM reaches the primary and both workers, as a supervisor that
    // signals the whole group does. The fixture's workers do not handle SIGTERM: they die of it.
    const app = spawn(process.execPath, [fixture], { stdio: ["ignore", "pipe", "ignore"], detached: true });
    let out = "";
    let exitCode: number | null | undefined;
    app.stdout.setEncoding("utf8");
    app.stdout.on("data", (c: string) => { out += c; });
    let exitSignal: string | null = null;
    // 'close', not 'exit': 'exit' can come before the last of the child's stdout was read.
    app.once("close", (code, signal) => { exitCode = code; exitSignal = signal; });
    try {
      await until(() => out.includes("}\n"), "the cluster to listen", 2_000);
      process.kill(-app.pid!, "SIGTERM");
      await until(() => exitCode !== undefined, "the primary to exit", 800);
      expect({ out: out.replace(/^\{.*\}\n/, ""), exitCode, signal: exitSignal }).toEqual({ out: "closed\n", exitCode: 1, signal: null });
    } finally {
      if (exitCode === undefined) process.kill(-app.pid!, "SIGKILL");
    }
  }, 30_000);
});
