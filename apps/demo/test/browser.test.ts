/*
 * The demo page in a real browser: starts the BUILT k-demo as a child process
 * (`node bin/k-demo.js --port 0`), drives a Chromium found by ./chromium.ts (CHROMIUM_PATH, the
 * system locations, playwright's cache; on Debian/Ubuntu as root the demo's `pretest` installs
 * Debian's) through playwright-core, and checks
 * what a person would see: the endpoint docs render, the /stream demo counts every byte as it
 * arrives, and a generated file uploaded through the page comes back with the sha256 this
 * test computed itself.
 *
 * It does not test the endpoints' HTTP details (the other e2e tests do that over fetch and
 * raw sockets), and it never downloads a browser. Without a Chromium it is skipped with a printed
 * reason saying how to get one, except under CI=true, where that is a failure
 * (test-support/outside-tool.ts).
 *
 * On failure it saves a screenshot of the page into a fresh temp dir and names the file in
 * the error. The browser and the child are always closed/killed (by pid) in afterAll.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { describeHeavyWithTools } from "../../../test-support/heavy.ts";
import { findChromium } from "./chromium.ts";

const K_DEMO_BIN = fileURLToPath(new URL("../bin/k-demo.js", import.meta.url));
const LAUNCH_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];
// Every wait is bounded so that a hung page or server fails the test with a message instead of
// holding the 2-core CI machine until vitest's own timeout.
const STEP_TIMEOUT_MS = 20_000;
const STARTUP_TIMEOUT_MS = 15_000;
// A few MiB of random bytes: large enough that XHR reports upload progress in several events
// and the body crosses many socket reads, small enough for a shared CI machine.
const UPLOAD_BYTES = 3 * 1024 * 1024 + 12_345;

/**
 * The little of the DOM that the functions run inside the page use (this package compiles
 * without the DOM lib; those functions are serialised and run in Chromium, not in Node).
 */
interface InPage {
  readonly document: { getElementById(id: string): { readonly textContent: string | null } | null };
}

interface RunningDemo {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
}

/** Starts the built k-demo on an ephemeral port and resolves with the URL from its startup line. */
function startDemo(): Promise<RunningDemo> {
  const child = spawn(process.execPath, [K_DEMO_BIN, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  // If the test process itself dies (a vitest timeout kills the worker), afterAll never runs:
  // take the server down with it rather than leave it listening on the shared machine.
  const killOnExit = (): void => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, "SIGKILL");
  };
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  let stdout = "";
  let stderr = "";
  const output = (): string => `stdout:\n${stdout}\nstderr:\n${stderr}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`k-demo printed no "listening" line within ${STARTUP_TIMEOUT_MS} ms\n${output()}`));
    }, STARTUP_TIMEOUT_MS);
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
      const match = /k-demo listening on (http:\/\/\S+)/.exec(stdout);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!.replace(/\/$/, ""), output });
      }
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`k-demo exited (code ${code}, signal ${signal}) before listening\n${output()}`));
    });
  });
}

/** SIGTERM (graceful shutdown), then SIGKILL if the child is still there after 5 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(child.pid, "SIGTERM");
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, "SIGKILL");
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * The integers in a piece of page text, with thousands separators (",", ".", thin and
 * non-breaking spaces, as toLocaleString() writes them) removed first.
 */
function integersIn(text: string): number[] {
  const joined = text.replace(/(\d)[,.\u00a0\u202f ](?=\d{3}(?!\d))/g, "$1");
  return [...joined.matchAll(/\d+/g)].map((m) => Number(m[0]));
}

/** The number of body bytes at `url`, counted as they arrive. */
async function countBytes(url: string): Promise<number> {
  const response = await fetch(url, { signal: AbortSignal.timeout(STEP_TIMEOUT_MS) });
  expect(response.status).toBe(200);
  let total = 0;
  for await (const chunk of response.body ?? []) total += (chunk as Uint8Array).byteLength;
  return total;
}

// The browser is a heavy suite: CI runs it once, on the README's Node (test-support/heavy.ts).
describeHeavyWithTools("the demo page in Chromium", [findChromium()], ([chromiumPath]) => {
  let demo: RunningDemo | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let scratch: string | undefined;
  const pageErrors: string[] = [];
  const consoleLines: string[] = [];
  const failedResponses: string[] = [];

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "k-demo-browser-"));
    demo = await startDemo();
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: LAUNCH_ARGS,
      timeout: STEP_TIMEOUT_MS,
    });
    page = await browser.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    page.on("console", (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
    // The page's own assets (stylesheet, module script) must load: a wrong Content-Type on a
    // module script, for one, makes Chromium refuse it and the demos silently do nothing.
    page.on("response", (response) => {
      if (response.status() >= 400) failedResponses.push(`${response.status()} ${response.url()}`);
    });
    page.on("requestfailed", (request) => failedResponses.push(`failed ${request.url()}: ${request.failure()?.errorText}`));
  }, 60_000);

  afterAll(async () => {
    // Each step runs even if an earlier one fails: a leaked Chromium or server would outlive the run.
    await browser?.close().catch(() => {});
    if (demo !== undefined) await stopChild(demo.child);
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  }, 30_000);

  /** Runs a step; on failure saves a screenshot and adds it, the console and page errors to the error. */
  async function withScreenshot(name: string, step: (page: Page, url: string) => Promise<void>): Promise<void> {
    if (page === undefined || demo === undefined || scratch === undefined) {
      throw new Error("setup failed (see beforeAll)");
    }
    try {
      await step(page, demo.url);
    } catch (error) {
      const shots = await mkdtemp(join(tmpdir(), "k-demo-browser-failure-"));
      const file = join(shots, `${name}.png`);
      const saved = await page
        .screenshot({ path: file, fullPage: true, timeout: 5_000 })
        .then(() => `screenshot: ${file}`)
        .catch((shotError: unknown) => `no screenshot (${String(shotError)})`);
      const detail = [
        saved,
        `page errors: ${pageErrors.join(" | ") || "none"}`,
        `failed requests: ${failedResponses.join(" | ") || "none"}`,
        `console: ${consoleLines.slice(-20).join(" | ") || "none"}`,
        `k-demo ${demo.output().slice(-2_000)}`,
      ].join("\n");
      throw new Error(`${String(error)}\n${detail}`, { cause: error });
    }
  }

  test("the page renders the endpoint docs with links", async () => {
    await withScreenshot("docs", async (page, url) => {
      const response = await page.goto(`${url}/`, { waitUntil: "load" });
      expect(response?.status()).toBe(200);
      expect(response?.headers()["content-type"]).toMatch(/^text\/html/);
      const text = await page.locator("body").innerText();
      for (const endpoint of ["/echo", "/hello", "/stream", "/upload"]) {
        expect(text, `the page mentions ${endpoint}`).toContain(endpoint);
      }
      for (const endpoint of ["/echo", "/hello", "/stream"]) {
        expect(await page.locator(`a[href*="${endpoint}"]`).count(), `a link to ${endpoint}`).toBeGreaterThan(0);
      }
      for (const id of ["stream-button", "stream-bytes", "upload-file", "upload-button", "upload-progress", "upload-hash"]) {
        expect(await page.locator(`#${id}`).count(), `#${id} on the page`).toBe(1);
      }
      expect(failedResponses).toEqual([]);
      expect(pageErrors).toEqual([]);
    });
  }, 60_000);

  test("the stream demo counts every byte that /stream sends", async () => {
    await withScreenshot("stream", async (page, url) => {
      await page.goto(`${url}/`, { waitUntil: "load" });
      const streamed = page.waitForResponse((r) => new URL(r.url()).pathname === "/stream");
      await page.locator("#stream-button").click();
      const response = await streamed;
      expect(response.status()).toBe(200);
      // The page chooses how much to ask for; the count it must reach is what /stream produces
      // for that same URL, so the test fetches it once more and counts (not from the browser's
      // inspector cache, which evicts large bodies, and without buffering it).
      const total = await countBytes(response.url());
      expect(total).toBeGreaterThan(0);
      const requested = new URL(response.url()).searchParams.get("bytes");
      if (requested !== null) expect(total).toBe(Number(requested));
      await page.waitForFunction(
        ({ expected }) => {
          const text = (globalThis as unknown as InPage).document.getElementById("stream-bytes")?.textContent ?? "";
          const joined = text.replace(/(\d)[,.\u00a0\u202f ](?=\d{3}(?!\d))/g, "$1");
          return (joined.match(/\d+/g) ?? []).map(Number).includes(expected);
        },
        { expected: total },
        { timeout: STEP_TIMEOUT_MS },
      );
      const shown = (await page.locator("#stream-bytes").textContent()) ?? "";
      expect(integersIn(shown)).toContain(total);
      expect(pageErrors).toEqual([]);
    });
  }, 60_000);

  test("a file uploaded through the page comes back with its sha256", async () => {
    await withScreenshot("upload", async (page, url) => {
      await page.goto(`${url}/`, { waitUntil: "load" });
      const bytes = randomBytes(UPLOAD_BYTES);
      const expected = createHash("sha256").update(bytes).digest("hex");
      const file = join(scratch!, "random.bin");
      await writeFile(file, bytes);

      await page.locator("#upload-file").setInputFiles(file);
      const uploaded = page.waitForResponse((r) => new URL(r.url()).pathname === "/upload");
      await page.locator("#upload-button").click();
      const response = await uploaded;
      expect(response.status()).toBe(200);

      await page.waitForFunction(
        () =>
          /\b[0-9a-f]{64}\b/.test(
            (globalThis as unknown as InPage).document.getElementById("upload-hash")?.textContent ?? "",
          ),
        undefined,
        { timeout: STEP_TIMEOUT_MS },
      );
      const shown = (await page.locator("#upload-hash").textContent()) ?? "";
      expect(/\b[0-9a-f]{64}\b/.exec(shown)?.[0]).toBe(expected);
      // The progress bar ends full: XHR reported the whole body as sent.
      const progress = await page
        .locator("#upload-progress")
        .evaluate((element) => {
          const bar = element as unknown as { readonly value: number; readonly max: number };
          return { value: bar.value, max: bar.max };
        });
      expect(progress.value).toBe(progress.max);
      expect(progress.value).toBeGreaterThan(0);
      expect(failedResponses).toEqual([]);
      expect(pageErrors).toEqual([]);
    });
  }, 60_000);
});

// Compression (issue 10) and the page's WebSocket section (issue 9), one k-demo and one
// Chromium for both: Chromium asks for gzip/br/zstd, gets the page's text files compressed,
// decodes them and renders the page from them; then it opens /ws through the page, sends what
// is typed, and the page shows each echo and counts it.
describeHeavyWithTools("compressed text and the WebSocket section in Chromium", [findChromium()], ([chromiumPath]) => {
  let demo: RunningDemo | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    demo = await startDemo();
    browser = await chromium.launch({ executablePath: chromiumPath, args: LAUNCH_ARGS, timeout: STEP_TIMEOUT_MS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    if (demo !== undefined) await stopChild(demo.child);
  }, 30_000);

  test("the page and its script arrive compressed and render", async () => {
    const page = await browser!.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const encodings = new Map<string, string | undefined>();
    page.on("response", (response) => encodings.set(new URL(response.url()).pathname, response.headers()["content-encoding"]));
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    const response = await page.goto(`${demo!.url}/`, { waitUntil: "load" });
    expect(response?.status()).toBe(200);
    expect(encodings.get("/"), "index.html is compressed").toMatch(/^(br|gzip|zstd|deflate)$/);
    expect(encodings.get("/app.js"), "app.js is compressed").toMatch(/^(br|gzip|zstd|deflate)$/);
    // Decoded and rendered: the docs text is there and the module script ran (no page errors,
    // and its stream button is wired up).
    expect(await page.locator("body").innerText()).toContain("/stream");
    expect(await page.locator("#stream-button").count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  test("sends typed text over /ws and shows each echo with a running count", async () => {
    const page = await browser!.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    const sockets: string[] = [];
    page.on("websocket", (ws) => sockets.push(new URL(ws.url()).pathname));
    await page.goto(`${demo!.url}/`, { waitUntil: "load" });
    const countIs = (n: number) =>
      page.waitForFunction(
        (expected) => (globalThis as unknown as InPage).document.getElementById("ws-count")?.textContent === String(expected),
        n,
        { timeout: STEP_TIMEOUT_MS },
      );
    await page.locator("#ws-text").fill("first message ✓");
    await page.locator("#ws-send").click();
    await countIs(1);
    await page.locator("#ws-text").fill("second message");
    await page.locator("#ws-send").click();
    await countIs(2);
    const log = (await page.locator("#ws-log").textContent()) ?? "";
    expect(log).toContain("echo: first message ✓");
    expect(log).toContain("echo: second message");
    expect(await page.locator("#ws-status").textContent()).toBe("open");
    // One socket for both messages, to /ws.
    expect(sockets).toEqual(["/ws"]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
