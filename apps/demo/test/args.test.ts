import { describe, expect, it } from "vitest";
import { defaultHost, defaultLimits, defaultPort, defaultRoot, parseCliArgs, parseDecimal, parseSeconds, parseSize } from "k-demo";

function options(argv: string[], env: Record<string, string> = {}) {
  const result = parseCliArgs(argv, env);
  if (!result.ok) throw new Error(`unexpected error: ${result.message}`);
  return result.options;
}

function error(argv: string[], env: Record<string, string> = {}): string {
  const result = parseCliArgs(argv, env);
  if (result.ok) throw new Error(`expected an error for ${argv.join(" ")}`);
  return result.message;
}

describe("parseCliArgs", () => {
  it("uses the documented defaults", () => {
    expect(options([])).toEqual({
      port: defaultPort,
      host: defaultHost,
      root: defaultRoot,
      workers: 1,
      log: null,
      quiet: false,
      compress: true,
      help: false,
      limits: defaultLimits,
      proxy: { trustProxy: [], proxyProtocol: false },
    });
    expect(defaultPort).toBe(8080);
    expect(defaultHost).toBe("127.0.0.1");
  });

  it("reads the balancer flags: --trust-proxy as a list, --proxy-protocol", () => {
    expect(options(["--trust-proxy", "127.0.0.1, 10.0.0.0/8,::1", "--proxy-protocol"]).proxy).toEqual({
      trustProxy: ["127.0.0.1", "10.0.0.0/8", "::1"],
      proxyProtocol: true,
    });
  });

  it("refuses a --trust-proxy entry that is not an address or range", () => {
    expect(error(["--trust-proxy", "10.0.0.0/33"])).toBe("--trust-proxy must be addresses or CIDR ranges separated by commas, got '10.0.0.0/33'");
    expect(error(["--trust-proxy", "127.0.0.1,"])).toMatch(/^--trust-proxy must be/);
  });

  it("turns compression off with --no-compress", () => {
    expect(options(["--no-compress"]).compress).toBe(false);
  });

  it("resolves the default root to the bundled public/ directory, not the cwd", () => {
    expect(defaultRoot.replaceAll("\\", "/")).toMatch(/apps\/demo\/public\/?$/);
  });

  it("reads --port, -p and the PORT environment variable, the flag winning", () => {
    expect(options(["--port", "0"]).port).toBe(0);
    expect(options(["-p", "65535"]).port).toBe(65535);
    expect(options(["--port=1234"]).port).toBe(1234);
    expect(options([], { PORT: "3000" }).port).toBe(3000);
    expect(options(["--port", "4000"], { PORT: "3000" }).port).toBe(4000);
  });

  it("rejects ports that are not digits from 0 to 65535", () => {
    for (const bad of ["65536", "80a", "0x50", "1e3", " 80", "", "8.0"]) {
      expect(error(["--port", bad])).toMatch(/--port must be a port number/);
    }
    expect(error([], { PORT: "http" })).toMatch(/PORT must be a port number/);
    // A leading dash reads as an option: parseArgs refuses it as ambiguous.
    expect(error(["--port", "-1"])).toBe("Option '--port' argument is ambiguous");
    expect(error(["--port=-1"])).toMatch(/--port must be a port number/);
  });

  it("reads --host, --root, --workers, --log and --quiet", () => {
    const parsed = options(["--host", "::1", "--root", "/srv/www", "--workers", "2", "--log", "json"]);
    expect(parsed).toMatchObject({ host: "::1", root: "/srv/www", workers: 2, log: "json", quiet: false });
    expect(options(["--log", "clf"]).log).toBe("clf");
    expect(options(["--quiet"]).quiet).toBe(true);
  });

  it("rejects an unknown log format, a bad worker count and contradicting flags", () => {
    expect(error(["--log", "xml"])).toMatch(/--log must be 'clf' or 'json'/);
    expect(error(["--workers", "0"])).toMatch(/--workers must be a whole number/);
    expect(error(["--workers", "many"])).toMatch(/--workers/);
    expect(error(["--workers", "100000"])).toMatch(/--workers/);
    expect(error(["--quiet", "--log", "clf"])).toMatch(/--quiet and --log/);
    expect(error(["--host", ""])).toMatch(/--host must not be empty/);
  });

  it("rejects unknown options, positionals and missing values with a short message", () => {
    expect(error(["--bogus"])).toBe("Unknown option '--bogus'");
    expect(error(["public"])).toBe("Unexpected argument 'public'");
    expect(error(["--port"])).toMatch(/--port/);
  });

  it("answers --help and -h without validating anything else", () => {
    expect(options(["--help"]).help).toBe(true);
    expect(options(["-h", "--port", "nonsense"]).help).toBe(true);
  });
});

describe("operator flags", () => {
  it("documents the library defaults: 10 000 connections, 30/65/300/60 s, no body limit", () => {
    expect(defaultLimits).toEqual({
      maxConnections: 10_000,
      headTimeout: 30_000,
      idleTimeout: 65_000,
      requestTimeout: 300_000,
      maxBodySize: Infinity,
      sendTimeout: 60_000,
    });
  });

  it("reads every limit flag, timeouts in seconds and sizes with K/M/G", () => {
    expect(options([
      "--max-connections", "5", "--head-timeout", "1.5", "--idle-timeout", "0", "--request-timeout", "120",
      "--max-body-size", "2M", "--send-timeout", "0.25",
    ]).limits).toEqual({
      maxConnections: 5,
      headTimeout: 1500,
      idleTimeout: 0,
      requestTimeout: 120_000,
      maxBodySize: 2 * 1024 * 1024,
      sendTimeout: 250,
    });
  });

  it("takes the host from HOST, the flag winning", () => {
    expect(options([], { HOST: "0.0.0.0" }).host).toBe("0.0.0.0");
    expect(options(["--host", "::1"], { HOST: "0.0.0.0" }).host).toBe("::1");
    expect(options([], { HOST: "" }).host).toBe(defaultHost);
  });

  it("rejects bad limit values with a message naming the flag", () => {
    expect(error(["--max-connections", "0"])).toMatch(/^--max-connections must be a whole number from 1/);
    expect(error(["--head-timeout=-1"])).toMatch(/^--head-timeout must be seconds/);
    expect(error(["--request-timeout", "1.2345"])).toMatch(/^--request-timeout must be seconds/);
    expect(error(["--idle-timeout", "1e3"])).toMatch(/^--idle-timeout must be seconds/);
    expect(error(["--max-body-size", "10X"])).toMatch(/^--max-body-size must be a number of bytes/);
    expect(error(["--send-timeout", "3000000"])).toMatch(/^--send-timeout must be seconds from 0 to 2147483/);
  });

  it("parses seconds and sizes strictly", () => {
    expect(parseSeconds("30")).toBe(30_000);
    expect(parseSeconds("0.5")).toBe(500);
    expect(parseSeconds("2.05")).toBe(2050);
    for (const bad of ["", ".5", "5.", "1.0001", " 1", "1s", "+1"]) expect(parseSeconds(bad)).toBe(-1);
    expect(parseSize("1024")).toBe(1024);
    expect(parseSize("1k")).toBe(1024);
    expect(parseSize("3G")).toBe(3 * 1024 ** 3);
    for (const bad of ["", "K", "1KB", "-1", "1.5M"]) expect(parseSize(bad)).toBe(-1);
  });
});

describe("parseDecimal", () => {
  it("accepts digits only, within the limit", () => {
    expect(parseDecimal("0", 10)).toBe(0);
    expect(parseDecimal("1099511627776", 2 ** 40)).toBe(2 ** 40);
    expect(parseDecimal("1099511627777", 2 ** 40)).toBe(-1);
    expect(parseDecimal("99999999999999999999", Number.MAX_SAFE_INTEGER)).toBe(-1);
    expect(parseDecimal("+1", 10)).toBe(-1);
    expect(parseDecimal("", 10)).toBe(-1);
  });
});
