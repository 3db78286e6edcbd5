#!/usr/bin/env node
// The k-demo command. The CLI lives in dist/ (built from src/cli.ts by `npm run build`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error("k-demo is not built yet: run `npm run build` at the repository root first.");
  process.exit(1);
}
await import(cli.href);
