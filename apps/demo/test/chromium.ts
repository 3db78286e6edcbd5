/*
 * Finds a Chromium (or Chrome) for the browser test, in this order:
 * 1. CHROMIUM_PATH, when set: that file and nothing else (set it to a path that does not exist
 *    to run the suite as if no browser were installed);
 * 2. the usual system locations: chromium / chromium-browser / google-chrome(-stable) on PATH,
 *    Debian's /usr/bin/chromium, snap's, and the macOS and Windows application folders;
 * 3. playwright's own browser cache (PLAYWRIGHT_BROWSERS_PATH or its default per platform):
 *    the build playwright-core expects, then any other Chromium build there.
 * It never downloads a browser.
 */
import { readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { findOnPath, isExecutable } from "../../../test-support/outside-tool.ts";
import type { OutsideTool } from "../../../test-support/outside-tool.ts";

const INSTALL =
  "`sh scripts/ensure-test-tools.sh k-demo chromium` as root on Debian/Ubuntu (the demo's pretest runs it), " +
  "or `apt-get install chromium`, or `npx playwright install chromium`, or point CHROMIUM_PATH at a Chromium or Chrome";

const SYSTEM_PATHS: readonly string[] = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/snap/bin/chromium",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  ...["PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA"].flatMap((name) => {
    const dir = process.env[name];
    return dir === undefined ? [] : [join(dir, "Google", "Chrome", "Application", "chrome.exe"), join(dir, "Chromium", "Application", "chrome.exe")];
  }),
];

/** playwright's cache folder, as playwright-core computes it by default. */
function playwrightCache(): string {
  const configured = process.env["PLAYWRIGHT_BROWSERS_PATH"];
  if (configured !== undefined && configured !== "" && configured !== "0") return configured;
  if (process.platform === "darwin") return join(homedir(), "Library", "Caches", "ms-playwright");
  if (process.platform === "win32") return join(process.env["LOCALAPPDATA"] ?? homedir(), "ms-playwright");
  return join(process.env["XDG_CACHE_HOME"] ?? join(homedir(), ".cache"), "ms-playwright");
}

/** Every Chromium build in playwright's cache (any revision, full or headless shell). */
function playwrightBuilds(): string[] {
  const cache = playwrightCache();
  let entries: string[];
  try {
    entries = readdirSync(cache).filter((entry) => entry.startsWith("chromium")).sort().reverse();
  } catch {
    return [];
  }
  const inside = [
    ["chrome-linux", "chrome"],
    ["chrome-linux64", "chrome"],
    ["chrome-headless-shell-linux64", "chrome-headless-shell"],
    ["chrome-linux", "headless_shell"],
    ["chrome-mac", "Chromium.app", "Contents", "MacOS", "Chromium"],
    ["chrome-win", "chrome.exe"],
  ];
  return entries.flatMap((entry) => inside.map((parts) => join(cache, entry, ...parts)));
}

/** The Chromium the browser test will drive, or why there is none. */
export function findChromium(): OutsideTool {
  const configured = process.env["CHROMIUM_PATH"];
  if (configured !== undefined && configured !== "") {
    return isExecutable(configured)
      ? { name: "Chromium", path: configured, missing: undefined, install: INSTALL }
      : { name: "Chromium", path: undefined, missing: `CHROMIUM_PATH=${configured} is not an executable file`, install: INSTALL };
  }
  for (const name of ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]) {
    const path = findOnPath(name);
    if (path !== undefined) return { name: "Chromium", path, missing: undefined, install: INSTALL };
  }
  let expected: string | undefined;
  try {
    expected = chromium.executablePath();
  } catch {
    // playwright-core throws on platforms it has no build for; the other places still count.
  }
  const candidates = [...SYSTEM_PATHS, ...(expected === undefined ? [] : [expected]), ...playwrightBuilds()];
  const path = candidates.find(isExecutable);
  if (path !== undefined) return { name: "Chromium", path, missing: undefined, install: INSTALL };
  return {
    name: "Chromium",
    path: undefined,
    missing: `no CHROMIUM_PATH, none on PATH, none in the system locations, none in ${playwrightCache()}`,
    install: INSTALL,
  };
}
