import { describe, expect, it } from "vitest";
import { defaultHost, defaultPort, defaultRoot, parseCliArgs, parseDecimal } from "k-demo";

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
      proxy: { trustProxy: [], proxyProtocol: false, idleTimeout: undefined },
    });
    expect(defaultPort).toBe(8080);
    expect(defaultHost).toBe("127.0.0.1");
  });

  it("reads the balancer flags: --trust-proxy as a list, --proxy-protocol, --idle-timeout in seconds", () => {
    expect(options(["--trust-proxy", "127.0.0.1, 10.0.0.0/8,::1", "--proxy-protocol", "--idle-timeout", "2.5"]).proxy).toEqual({
      trustProxy: ["127.0.0.1", "10.0.0.0/8", "::1"],
      proxyProtocol: true,
      idleTimeout: 2_500,
    });
    expect(options(["--idle-timeout", "0"]).proxy.idleTimeout).toBe(0);
  });

  it("refuses a --trust-proxy entry that is not an address or range, and a malformed --idle-timeout", () => {
    expect(error(["--trust-proxy", "10.0.0.0/33"])).toBe("--trust-proxy must be addresses or CIDR ranges separated by commas, got '10.0.0.0/33'");
    expect(error(["--trust-proxy", "127.0.0.1,"])).toMatch(/^--trust-proxy must be/);
    for (const bad of ["-1", "1e3", "1.2345", "", "2s"]) expect(error([`--idle-timeout=${bad}`])).toMatch(/^--idle-timeout must be seconds/);
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
