/**
 * The k-demo command line: turns argv (and the PORT and HOST environment variables) into
 * options, or into one clear error message for the CLI to print with the usage and exit code 2.
 *
 * It does not touch the network or exit the process; checking that `--root` exists is the
 * CLI's job (it needs the file system). Pure, so it is unit-tested without spawning.
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { createTrustProxy, defaultHeadTimeout, defaultIdleTimeout, defaultRequestTimeout } from "@k/handler";
import { defaultMaxConnections, defaultSendTimeout } from "@k/server";

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
  /** What an operator tunes: limits and timeouts passed to serve() (timeouts in ms, 0 = none). */
  limits: DemoLimits;
  /** Behind a balancer (issue 13): see {@link ProxyCliOptions}. */
  proxy: ProxyCliOptions;
}

/** The balancer flags: `--trust-proxy`, `--proxy-protocol`. */
export interface ProxyCliOptions {
  /** Addresses / CIDR ranges whose X-Forwarded-* / Forwarded headers are believed (empty: none). */
  trustProxy: string[];
  /** Read a PROXY protocol v1/v2 header first on every connection. */
  proxyProtocol: boolean;
}

/** The operator flags' values, as serve() takes them. */
export interface DemoLimits {
  maxConnections: number;
  headTimeout: number;
  idleTimeout: number;
  requestTimeout: number;
  /** Bytes; Infinity when there is no limit. */
  maxBodySize: number;
  sendTimeout: number;
}

/**
 * The operator flags' defaults: @k/server's and @k/handler's own (k-demo adds no limit of
 * its own), spelled out here so `--help` can print them.
 */
export const defaultLimits: Readonly<DemoLimits> = {
  maxConnections: defaultMaxConnections,
  headTimeout: defaultHeadTimeout,
  idleTimeout: defaultIdleTimeout,
  requestTimeout: defaultRequestTimeout,
  maxBodySize: Infinity,
  sendTimeout: defaultSendTimeout,
};
/** The longest timeout a flag takes, in seconds (setTimeout's limit, 2^31 - 1 ms). */
export const maxTimeoutSeconds: number = 2_147_483;
/** The most `--max-connections` accepted. */
export const maxMaxConnections: number = 1_000_000;

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
      --host <addr>   address to listen on (default: $HOST or ${defaultHost})
      --root <dir>    directory to serve static files from (default: the bundled public/)
      --workers <n>   processes to serve with, through node:cluster (default: ${defaultWorkers})
      --log <format>  access log on stdout: clf (Common Log Format) or json (default: none)
      --quiet         print neither the startup line nor an access log
      --no-compress   send every response uncompressed (default: gzip/br/... for text types)
  -h, --help          show this help and exit

Limits and timeouts (timeouts in seconds, decimals allowed, 0 = none):
      --max-connections <n>   open connections beyond which new ones get 503 (default: ${defaultLimits.maxConnections})
      --head-timeout <s>      to receive a request head, else 408 (default: ${defaultLimits.headTimeout / 1000})
      --idle-timeout <s>      an idle keep-alive connection stays open (default: ${defaultLimits.idleTimeout / 1000})
      --request-timeout <s>   for a whole request, head and body, else 408 (default: ${defaultLimits.requestTimeout / 1000})
      --max-body-size <bytes> largest request body, else 413; K, M, G suffixes (default: none)
      --send-timeout <s>      a client may read nothing while a response waits (default: ${defaultLimits.sendTimeout / 1000})

Behind a load balancer:
      --trust-proxy <list>    addresses/CIDRs (comma-separated) whose X-Forwarded-For/-Proto/-Host
                              and Forwarded headers give the client (default: none)
      --proxy-protocol        every connection starts with a PROXY protocol v1/v2 header (HAProxy's
                              send-proxy); connections without one are closed
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

/** Seconds as digits with up to three decimals ("30", "0.5") → whole ms, or -1. */
export function parseSeconds(text: string): number {
  const dot = text.indexOf(".");
  const whole = parseDecimal(dot === -1 ? text : text.slice(0, dot), maxTimeoutSeconds);
  if (whole < 0) return -1;
  if (dot === -1) return whole * 1000;
  const fraction = text.slice(dot + 1);
  if (fraction.length === 0 || fraction.length > 3) return -1;
  const ms = parseDecimal(fraction.padEnd(3, "0"), 999);
  if (ms < 0) return -1;
  const total = whole * 1000 + ms;
  return total > maxTimeoutSeconds * 1000 ? -1 : total;
}

const SIZE_UNITS: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** Bytes as digits with an optional K, M or G (binary) suffix → bytes, or -1. */
export function parseSize(text: string): number {
  const unit = SIZE_UNITS[text.slice(-1).toUpperCase()];
  const digits = unit === undefined ? text : text.slice(0, -1);
  const n = parseDecimal(digits, Number.MAX_SAFE_INTEGER);
  if (n < 0) return -1;
  const bytes = n * (unit ?? 1);
  return bytes > Number.MAX_SAFE_INTEGER ? -1 : bytes;
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
        "max-connections": { type: "string" },
        "head-timeout": { type: "string" },
        "idle-timeout": { type: "string" },
        "request-timeout": { type: "string" },
        "max-body-size": { type: "string" },
        "send-timeout": { type: "string" },
        "trust-proxy": { type: "string" },
        "proxy-protocol": { type: "boolean" },
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
    limits: { ...defaultLimits },
    proxy: { trustProxy: [], proxyProtocol: values["proxy-protocol"] === true },
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
  } else if (env["HOST"] !== undefined && env["HOST"] !== "") {
    options.host = env["HOST"];
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

  const limits = options.limits;
  if (values["max-connections"] !== undefined) {
    const n = parseDecimal(values["max-connections"], maxMaxConnections);
    if (n < 1) {
      return { ok: false, message: `--max-connections must be a whole number from 1 to ${maxMaxConnections}, got '${values["max-connections"]}'` };
    }
    limits.maxConnections = n;
  }
  const timeouts = [
    ["head-timeout", "headTimeout"],
    ["idle-timeout", "idleTimeout"],
    ["request-timeout", "requestTimeout"],
    ["send-timeout", "sendTimeout"],
  ] as const;
  for (const [flag, key] of timeouts) {
    const text = values[flag];
    if (text === undefined) continue;
    const ms = parseSeconds(text);
    if (ms < 0) {
      return { ok: false, message: `--${flag} must be seconds from 0 to ${maxTimeoutSeconds} (up to 3 decimals), got '${text}'` };
    }
    limits[key] = ms;
  }
  if (values["max-body-size"] !== undefined) {
    const bytes = parseSize(values["max-body-size"]);
    if (bytes < 0) {
      return { ok: false, message: `--max-body-size must be a number of bytes, optionally with K, M or G, got '${values["max-body-size"]}'` };
    }
    limits.maxBodySize = bytes;
  }

  const proxyError = parseProxyFlags(values, options.proxy);
  if (proxyError !== null) return { ok: false, message: proxyError };

  if (options.quiet && options.log !== null) {
    return { ok: false, message: "--quiet and --log contradict each other: choose one" };
  }

  return { ok: true, options };
}

/** The balancer flags into `proxy`; returns the error message, or null. */
function parseProxyFlags(values: { "trust-proxy"?: string | undefined }, proxy: ProxyCliOptions): string | null {
  const list = values["trust-proxy"];
  if (list !== undefined) {
    proxy.trustProxy = list.split(",").map((entry) => entry.trim());
    try {
      createTrustProxy(proxy.trustProxy);
    } catch {
      return `--trust-proxy must be addresses or CIDR ranges separated by commas, got '${list}'`;
    }
  }
  return null;
}
