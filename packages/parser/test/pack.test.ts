// The published shape: build, `npm pack`, install the tarball into an empty project
// offline (the package has no dependencies), and parse a request through the "@k/parser"
// specifier with the default export condition (dist), as a user would; then run the
// README's usage example there and compare its output with the README.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const temps: string[] = [];
const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
};
const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, npm_config_update_notifier: "false" } });

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe("the packed package", () => {
  it("installs offline into an empty project and parses a request from dist", () => {
    run("npx", ["tsc", "-b"], packageDir);

    const packDir = tempDir("k-parser-pack-");
    const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", packDir], packageDir)) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/index.d.ts");
    expect(files).toContain("src/index.ts");
    expect(files.some((f) => f.startsWith("test/") || f.startsWith("bench/"))).toBe(false);
    const tarball = join(packDir, packed[0]!.filename);

    const project = tempDir("k-parser-user-");
    run("npm", ["init", "-y"], project);
    const manifest = JSON.parse(readFileSync(join(project, "package.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(project, "package.json"), JSON.stringify({ ...manifest, type: "module" }, null, 2));
    run("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], project);

    writeFileSync(
      join(project, "main.js"),
      [
        'import { createParser, isParseError, statusForParseError } from "@k/parser";',
        "const out = [];",
        "const parser = createParser(\"request\", {",
        "  onHead(h) { out.push([h.method, h.target, h.version, h.rawHeaders, h.contentLength]); },",
        "  onBody(b) { out.push(Buffer.from(b).toString()); },",
        "  onComplete(t) { out.push(\"complete\", t); },",
        "});",
        'parser.push(Buffer.from("POST /up HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 5\\r\\n\\r\\nhello"));',
        "try { parser.push(Buffer.from(\"GET / HTTP/1.1\\r\\nHost : x\\r\\n\\r\\n\")); } catch (e) { out.push(isParseError(e) && e.code, statusForParseError(e.code)); }",
        "console.log(JSON.stringify({ out, url: import.meta.resolve(\"@k/parser\") }));",
      ].join("\n"),
    );
    const result = JSON.parse(run("node", ["main.js"], project)) as { out: unknown[]; url: string };
    expect(result.out).toEqual([["POST", "/up", "1.1", ["Host", "x", "Content-Length", "5"], 5], "hello", "complete", [], "INVALID_HEADER_NAME", 400]);
    // Resolved inside the user's node_modules, to the built file, not to the sources.
    expect(result.url).toMatch(/\/node_modules\/@k\/parser\/dist\/index\.js$/);

    // The README's usage example runs as written and prints what the README says.
    const readme = readFileSync(join(packageDir, "README.md"), "utf8");
    const example = /## Usage\n\n```js\n([\s\S]*?)```/.exec(readme)?.[1];
    const output = /\nOutput:\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    expect(output).toBeDefined();
    writeFileSync(join(project, "example.mjs"), example!);
    expect(run("node", ["example.mjs"], project)).toBe(output);
  }, 180_000);
});
