import { describe, expect, it } from "vitest";
import { formatAccessLog } from "k-demo";
import type { AccessLogEntry } from "k-demo";

const entry: AccessLogEntry = {
  remoteAddress: "127.0.0.1",
  method: "GET",
  target: "/hello?x=1",
  version: "1.1",
  status: 200,
  bytes: 13,
  durationMs: 1.23456,
  time: Date.UTC(2026, 10, 24, 23, 5, 9),
};

describe("formatAccessLog", () => {
  it("writes Common Log Format with a UTC date", () => {
    expect(formatAccessLog("clf", entry)).toBe('127.0.0.1 - - [24/Nov/2026:23:05:09 +0000] "GET /hello?x=1 HTTP/1.1" 200 13');
  });

  it("writes - for an empty body and an unknown peer", () => {
    expect(formatAccessLog("clf", { ...entry, bytes: 0, remoteAddress: undefined, status: 304 })).toBe(
      '- - - [24/Nov/2026:23:05:09 +0000] "GET /hello?x=1 HTTP/1.1" 304 -',
    );
  });

  it("escapes quotes and control characters so a target cannot forge a line", () => {
    const line = formatAccessLog("clf", { ...entry, target: '/a" 200 1\n127.0.0.2 - - "GET /' });
    expect(line).not.toContain("\n");
    expect(line).toContain('"GET /a\\x22 200 1\\x0a127.0.0.2 - - \\x22GET / HTTP/1.1"');
  });

  it("writes one JSON object per line", () => {
    const line = formatAccessLog("json", entry);
    expect(JSON.parse(line)).toEqual({
      time: "2026-11-24T23:05:09.000Z",
      remoteAddress: "127.0.0.1",
      method: "GET",
      target: "/hello?x=1",
      version: "1.1",
      status: 200,
      bytes: 13,
      durationMs: 1.235,
    });
  });
});
