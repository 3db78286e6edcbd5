/**
 * The k-demo command line: turns argv (and the PORT environment variable) into options, or
 * into one clear error message for the CLI to print with the usage and exit code 2.
 *
 * It does not touch the network or exit the process; checking that `--root` exists is the
 * CLI's job (it needs the file system). Pure, so it is unit-tested without spawning.
 */
import { parseArgs } from "node:util";
import { createTrustProxy } from "@k/handler";
import { fileURLToPath } from "node:url";

/** The access-log formats: Common Log Format or one JSON object per line. */
export type LogFormat = "clf" | "json";

/** Options the CLI runs with. */
export interface DemoCliOptions {
  port: number;
  host: string;
  /** Absolute path of the directory static files are served from. */
  root: string;
  workers: number;
  /** Access log format, or null for no access log. */
  log: LogFormat | null;
  quiet: boolean;
  /** Compress responses and serve precompressed siblings (`--no-compress`: false). */
  compress: boolean;
  help: boolean;
  /** Behind a balancer (issue 13): see {@link ProxyCliOptions}. */
  proxy: ProxyCliOptions;
}

/** The balancer flags: `--trust-proxy`, `--proxy-protocol`, `--idle-timeout`. */
export interface ProxyCliOptions {
  /** Addresses / CIDR ranges whose X-Forwarded-* / Forwarded headers are believed (empty: none). */
  trustProxy: string[];
  /** Read a PROXY protocol v1/v2 header first on every connection. */
  proxyProtocol: boolean;
  /** ms an idle keep-alive connection stays open; undefined: @k/handler's default (65 s). */
  idleTimeout: number | undefined;
}

/** Either options or the reason the arguments are invalid. */
export type CliParseResult =
  | { ok: true; options: DemoCliOptions }
  | { ok: false; message: string };

/** Port used without `--port` and without `PORT`. */
export const defaultPort: number = 8080;
/** Address listened on without `--host`: loopback only, so a demo is never exposed by accident. */
export const defaultHost: string = "127.0.0.1";
/** Worker processes without `--workers` (1 = serve in this process). */
export const defaultWorkers: number = 1;
/** Largest `--workers` accepted: more processes than this is a typo, not a plan. */
export const maxWorkers: number = 256;
/** The bundled site, resolved from this file (src/ or dist/), never from the cwd. */
export const defaultRoot: string = fileURLToPath(new URL("../public/", import.meta.url));

/** The usage text printed by `--help` and after an argument error. */
export const usage: string = `Usage: k-demo [options]

A web server built on the @k stack: static files, /echo, /hello, /stream, /upload.

Options:
  -p, --port <n>      port to listen on, 0 picks a free one (default: $PORT or ${defaultPort})
      --host <addr>   address to listen on (default: ${defaultHost})
      --root <dir>    directory to serve static files from (default: the bundled public/)
      --workers <n>   processes to serve with, through node:cluster (default: ${defaultWorkers})
      --log <format>  access log on stdout: clf (Common Log Format) or json (default: none)
      --quiet         print neither the startup line nor an access log
      --no-compress   send every response uncompressed (default: gzip/br/... for text types)
  -h, --help          show this help and exit

Behind a load balancer:
      --trust-proxy <list>  addresses/CIDRs (comma-separated) whose X-Forwarded-For/-Proto/-Host
                            and Forwarded headers give the client (default: none)
      --proxy-protocol      every connection starts with a PROXY protocol v1/v2 header (HAProxy's
                            send-proxy); connections without one are closed
      --idle-timeout <s>    an idle keep-alive connection stays open (default: 65)
`;

/**
 * Reads a decimal integer from text that must be digits only (no sign, no spaces, no
 * exponent, no hex), capped at `max`. Returns -1 when the text is not such a number.
 */
export function parseDecimal(text: string, max: number): number {
  if (text.length === 0 || text.length > 16) return -1;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
    // Checked at every step so the value never leaves the safe-integer range.
    if (value > max) return -1;
  }
  return value;
}

function parsePort(text: string, source: string): number | string {
  const port = parseDecimal(text, 65_535);
  return port < 0 ? `${source} must be a port number from 0 to 65535, got '${text}'` : port;
}

/**
 * Parses the k-demo command line.
 *
 * @param argv - the arguments after the script name (`process.argv.slice(2)`)
 * @param env - the environment; only `PORT` is read
 * @example
 * const result = parseCliArgs(["--port", "0"], process.env);
 * if (!result.ok) console.error(result.message);
 */
export function parseCliArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CliParseResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string", short: "p" },
        host: { type: "string" },
        root: { type: "string" },
        workers: { type: "string" },
        log: { type: "string" },
        quiet: { type: "boolean" },
        "no-compress": { type: "boolean" },
        help: { type: "boolean", short: "h" },
        "trust-proxy": { type: "string" },
        "proxy-protocol": { type: "boolean" },
        "idle-timeout": { type: "string" },
      },
    }));
  } catch (error) {
    // parseArgs' messages name the offending option; its hints about `--` are noise here.
    const text = error instanceof Error ? error.message : String(error);
    return { ok: false, message: text.split("\n")[0]!.split(". ")[0]!.replace(/\.$/, "") };
  }

  const options: DemoCliOptions = {
    port: defaultPort,
    host: defaultHost,
    root: defaultRoot,
    workers: defaultWorkers,
    log: null,
    quiet: values.quiet === true,
    compress: values["no-compress"] !== true,
    help: values.help === true,
    proxy: { trustProxy: [], proxyProtocol: values["proxy-protocol"] === true, idleTimeout: undefined },
  };
  if (options.help) return { ok: true, options };

  if (values.port !== undefined) {
    const port = parsePort(values.port, "--port");
    if (typeof port === "string") return { ok: false, message: port };
    options.port = port;
  } else if (env["PORT"] !== undefined && env["PORT"] !== "") {
    const port = parsePort(env["PORT"], "PORT");
    if (typeof port === "string") return { ok: false, message: port };
    options.port = port;
  }

  if (values.host !== undefined) {
    if (values.host.length === 0) return { ok: false, message: "--host must not be empty" };
    options.host = values.host;
  }

  if (values.root !== undefined) {
    if (values.root.length === 0) return { ok: false, message: "--root must not be empty" };
    options.root = values.root;
  }

  if (values.workers !== undefined) {
    const workers = parseDecimal(values.workers, maxWorkers);
    if (workers < 1) {
      return { ok: false, message: `--workers must be a whole number from 1 to ${maxWorkers}, got '${values.workers}'` };
    }
    options.workers = workers;
  }

  if (values.log !== undefined) {
    if (values.log !== "clf" && values.log !== "json") {
      return { ok: false, message: `--log must be 'clf' or 'json', got '${values.log}'` };
    }
    options.log = values.log;
  }

  const proxyError = parseProxyFlags(values, options.proxy);
  if (proxyError !== null) return { ok: false, message: proxyError };

  if (options.quiet && options.log !== null) {
    return { ok: false, message: "--quiet and --log contradict each other: choose one" };
  }

  return { ok: true, options };
}

/** The balancer flags into `proxy`; returns the error message, or null. */
function parseProxyFlags(
  values: { "trust-proxy"?: string | undefined; "idle-timeout"?: string | undefined },
  proxy: ProxyCliOptions,
): string | null {
  const list = values["trust-proxy"];
  if (list !== undefined) {
    proxy.trustProxy = list.split(",").map((entry) => entry.trim());
    try {
      createTrustProxy(proxy.trustProxy);
    } catch {
      return `--trust-proxy must be addresses or CIDR ranges separated by commas, got '${list}'`;
    }
  }
  const idle = values["idle-timeout"];
  if (idle !== undefined) {
    // Whole seconds or up to 3 decimals: "0.5" is 500 ms.
    const match = /^([0-9]{1,7})(?:\.([0-9]{1,3}))?$/.exec(idle);
    if (match === null) return `--idle-timeout must be seconds (up to 3 decimals), got '${idle}'`;
    proxy.idleTimeout = parseDecimal(match[1]!, 2_147_483) * 1000 + (match[2] === undefined ? 0 : parseDecimal(match[2].padEnd(3, "0"), 999));
  }
  return null;
}
