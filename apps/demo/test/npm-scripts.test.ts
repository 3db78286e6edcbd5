/*
 * `npm start` and `npm run demo` at the repository root as a person runs them: the k-demo they
 * start is npm's own child (the scripts `exec` it, so no shell sits in between), and a SIGTERM
 * to the npm process ends k-demo and frees its port. A shell in between used to swallow the
 * signal and leave k-demo listening, so the next start failed with "port in use" (issue 12).
 *
 * POSIX only: it reads the child's pid from /proc and sends signals; Windows has neither.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const WAIT_MS = 60_000;

/** True while a process with this pid exists (and is not a zombie). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** The pids of a process's children, from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Every descendant of a process (children first), from /proc. */
function descendantsOf(pid: number): number[] {
  return childrenOf(pid).flatMap((child) => [child, ...descendantsOf(child)]);
}

/** Resolves true when 127.0.0.1:port refuses a connection. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(process.platform === "win32")("the root npm scripts", () => {
  for (const args of [["start"], ["run", "demo"]]) {
    it(`npm ${args.join(" ")} runs k-demo as npm's child, and SIGTERM to npm ends it`, async () => {
      const npm = spawn("npm", [...args, "--", "--port", "0"], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, npm_config_update_notifier: "false" },
      });
      let output = "";
      npm.stdout.setEncoding("utf8").on("data", (text: string) => (output += text));
      npm.stderr.setEncoding("utf8").on("data", (text: string) => (output += text));
      const npmExited = new Promise<void>((resolve) => npm.once("exit", () => resolve()));
      const demoPids: number[] = [];
      try {
        await waitFor("k-demo's listening line", () => /k-demo listening on /.test(output));
        const port = Number(/k-demo listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
        expect(port).toBeGreaterThan(0);
        // exec: npm's only child is node running k-demo, not a shell waiting for it.
        const children = childrenOf(npm.pid!);
        expect(children).toHaveLength(1);
        demoPids.push(children[0]!);
        const command = readFileSync(`/proc/${children[0]}/cmdline`, "utf8").split("\0");
        expect(command[0]).toMatch(/node$/);
        expect(command[1]).toMatch(/k-demo\.js$/);

        npm.kill("SIGTERM");
        await npmExited;
        await waitFor("k-demo to exit", () => !alive(children[0]!));
        expect(await refused(port)).toBe(true);
      } finally {
        // Never leave anything behind on the shared machine, whatever failed above: npm, the
        // k-demo seen above, and whatever npm still has below it (a shell and its k-demo).
        const leftovers = [...demoPids, ...(npm.pid === undefined ? [] : descendantsOf(npm.pid))];
        if (npm.exitCode === null && npm.signalCode === null) npm.kill("SIGKILL");
        for (const pid of leftovers) if (alive(pid)) process.kill(pid, "SIGKILL");
      }
    }, 120_000);
  }
});
