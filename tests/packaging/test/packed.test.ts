/*
 * The four libraries as a user gets them from the registry: each is built and `npm pack`ed, its
 * tarball's file list checked, linted with publint (strict) and attw (profile esm-only: the
 * packages are ESM only, so attw's node10 and node16-from-CJS views are not a target; CommonJS
 * users require() them through Node's require(esm), shown below), and then all four tarballs
 * are installed offline into one empty project and used there: by an ESM program, by a
 * CommonJS program (require of ESM, unflagged from Node 20.19 and 22.12, the `engines` lower
 * bounds), and by a strict TypeScript program type-checked under moduleResolution node16 and
 * bundler with skipLibCheck off.
 *
 * k-demo's tarball gets the file, metadata and publint checks too (it is published for `npx
 * k-demo`). It never touches the registry: the four tarballs depend only on each other.
 */
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { publint } from "publint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const ATTW = join(ROOT, "node_modules", "@arethetypeswrong", "cli", "dist", "index.js");
const PACKAGES = ["parser", "framing", "handler", "server"] as const;
const NAMES = PACKAGES.map((name) => `@k/${name}`);
/** k-demo is published too (`npx k-demo`): its tarball gets the same file and lint checks. */
const DEMO_DIR = join(ROOT, "apps", "demo");

interface Packed {
  readonly name: string;
  readonly dir: string;
  readonly tarball: string;
  readonly files: readonly string[];
  readonly version: string;
}

const temps: string[] = [];
const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
};
const env = { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false", NO_COLOR: "1" };
const run = (command: string, args: readonly string[], cwd: string): string =>
  execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env, timeout: 120_000 });

/** Runs a command that may fail; resolves with its exit code and everything it printed. */
function attempt(command: string, args: readonly string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, encoding: "utf8", env, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const packed: Packed[] = [];
let demo: Packed;
let project = "";

beforeAll(() => {
  // What `npm run build` does for these four and k-demo (tsc project references; a no-op when up
  // to date): the tarballs must carry what the sources say now.
  run(process.execPath, [TSC, "-b", "apps/demo"], ROOT);
  const packDir = tempDir("k-pack-");
  const pack = (dir: string): Packed => {
    const [info] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", packDir], dir)) as { filename: string; files: { path: string }[] }[];
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string; version: string };
    return { name: manifest.name, dir, tarball: join(packDir, info!.filename), files: info!.files.map((file) => file.path), version: manifest.version };
  };
  for (const name of PACKAGES) packed.push(pack(join(ROOT, "packages", name)));
  demo = pack(DEMO_DIR);

  project = tempDir("k-consumer-");
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "k-consumer", private: true, type: "module" }, null, 2));
  run("npm", ["install", "--offline", "--no-audit", "--no-fund", ...packed.map((p) => p.tarball)], project);
  for (const file of ["use-all.mjs", "use-all.cjs", "consumer.ts", "tsconfig.node16.json", "tsconfig.bundler.json"]) {
    copyFileSync(join(FIXTURES, file), join(project, file));
  }
}, 300_000);

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe("the packed tarballs", () => {
  it("carry LICENSE, README, package.json, dist and src, and no build cache, tests or benches", () => {
    for (const { name, files } of [...packed, demo]) {
      for (const file of ["LICENSE", "README.md", "package.json", "dist/index.js", "dist/index.d.ts", "src/index.ts"]) {
        expect(files, `${name} ships ${file}`).toContain(file);
      }
      expect(files.filter((file) => file.includes("tsbuildinfo")), `${name} ships no .tsbuildinfo`).toEqual([]);
      expect(files.filter((file) => /^(test|bench)\//.test(file)), `${name} ships no tests or benches`).toEqual([]);
    }
  });

  it("say where they come from: repository with directory, homepage, bugs, keywords, the MIT license", () => {
    for (const { name, dir } of [...packed, demo]) {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, unknown>;
      expect(manifest["license"], name).toBe("MIT");
      expect(manifest["repository"], name).toMatchObject({ type: "git", directory: dir.slice(ROOT.length).replace(/\\/g, "/") });
      expect(manifest["homepage"], name).toMatch(/^https:\/\//);
      expect(manifest["bugs"], name).toMatchObject({ url: expect.stringMatching(/^https:\/\//) });
      expect((manifest["keywords"] as string[]).length, name).toBeGreaterThan(0);
      expect((manifest["exports"] as Record<string, unknown>)["./package.json"], name).toBe("./package.json");
      expect(readFileSync(join(dir, "LICENSE"), "utf8"), name).toMatch(/^MIT License\n/);
    }
  });

  it("are clean under publint --strict", async () => {
    for (const { name, dir } of [...packed, demo]) {
      const { messages } = await publint({ pkgDir: dir, strict: true, pack: "npm" });
      expect(messages.map((m) => `${m.type} ${m.code} ${m.path.join(".")}`), name).toEqual([]);
    }
  }, 120_000);

  it("are clean under attw --profile esm-only", async () => {
    for (const { name, tarball } of packed) {
      const { code, output } = await attempt(process.execPath, [ATTW, tarball, "--profile", "esm-only"], ROOT);
      expect(code, `${name}:\n${output}`).toBe(0);
    }
  }, 120_000);
});

describe("an empty project with the four tarballs installed", () => {
  interface Result {
    parser: unknown;
    framing: unknown;
    handler: unknown;
    server: unknown;
    resolved: Record<string, string>;
    versions: string[];
  }
  const expected = {
    parser: { events: ["POST /up 1.1", "hi", "complete"], error: ["INVALID_HEADER_NAME", 400] },
    framing: { contentLength: true, length: 3, encoded: [0xc3, 0xa9] },
    handler: [200, "Hello"],
    server: [200, "Hello"],
  };
  const fromDist = (result: Result): void => {
    for (const name of NAMES) {
      // Resolved inside the project's node_modules, to the built file, not to the sources.
      expect(result.resolved[name], name).toMatch(new RegExp(`/node_modules/${name}/dist/index\\.js$`));
    }
    expect(result.versions).toEqual(packed.map((p) => p.version));
  };

  it("uses all four from an ES module", async () => {
    const result = JSON.parse(await runNode("use-all.mjs")) as Result;
    expect(result).toMatchObject(expected);
    fromDist(result);
  }, 60_000);

  it("uses all four from CommonJS through require()", async () => {
    const result = JSON.parse(await runNode("use-all.cjs")) as Result;
    expect(result).toMatchObject(expected);
    fromDist(result);
  }, 60_000);

  for (const resolution of ["node16", "bundler"]) {
    it(`type-checks a strict TypeScript consumer under moduleResolution ${resolution}, skipLibCheck off`, async () => {
      const { code, output } = await attempt(
        process.execPath,
        [TSC, "-p", `tsconfig.${resolution}.json`, "--typeRoots", join(ROOT, "node_modules", "@types"), "--pretty", "false"],
        project,
      );
      expect(output).toBe("");
      expect(code).toBe(0);
    }, 120_000);
  }
});

/** Runs a consumer in the project; its stdout (warnings such as require(esm)'s go to stderr). */
async function runNode(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [file], { cwd: project, encoding: "utf8", env, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`node ${file} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}
