import { execFileSync, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { get as httpGet } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { until } from "./helpers.ts";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, "..");

/** One request on a fresh connection (agent: false), so the cluster spreads them across workers. */
function getText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => { text += c; });
      res.on("end", () => resolve(text));
      res.on("error", reject);
    }).on("error", reject);
  });
}

async function workerPid(url: string): Promise<number> {
  return (JSON.parse(await getText(url)) as { pid: number }).pid;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("workers", () => {
  let app: ChildProcess;
  let url = "";
  let primaryPid = 0;
  let stdout = "";
  let exitCode: number | null | undefined;
  const workerPids = new Set<number>();

  beforeAll(async () => {
    // The fixture imports @k/server the way a user does: from dist. tsc -b builds the
    // handler, parser and framing dists too, through the project references.
    execFileSync("npx", ["tsc", "-b"], { cwd: packageDir, stdio: "ignore", timeout: 120_000 });
    app = spawn(process.execPath, [join(here, "fixtures", "cluster-app.mjs")], { stdio: ["ignore", "pipe", "inherit"] });
    app.stdout?.setEncoding("utf8");
    app.stdout?.on("data", (c: string) => { stdout += c; });
    app.once("exit", (code) => { exitCode = code; });
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
    const seen = new Set<number>();
    let replacement = 0;
    for (let i = 0; i < 300 && replacement === 0; i++) {
      const pid = await workerPid(`${url}/pid`);
      expect(pid).not.toBe(victim);
      seen.add(pid);
      if (!workerPids.has(pid)) replacement = pid;
    }
    expect(replacement).not.toBe(0);
    workerPids.add(replacement);
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
    await until(() => exitCode !== undefined, "the primary to exit", 1_000);
    expect(exitCode).toBe(0);
    expect(stdout).toContain("closed\n");
    for (const pid of workerPids) expect(isAlive(pid)).toBe(false);
  });
});
