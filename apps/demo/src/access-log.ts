/**
 * Access-log lines in Common Log Format or JSON, one per response, from the connection's
 * onResponse hook. Formatting only: the CLI writes the lines to stdout.
 *
 * The request-target is client-controlled, so in CLF it is escaped (quotes, backslashes and
 * control characters as \xHH) and a line can never be split or forged; JSON escapes by itself.
 */
import type { LogFormat } from "./args.js";

/** What one log line is made from. */
export interface AccessLogEntry {
  remoteAddress: string | undefined;
  method: string;
  target: string;
  version: string;
  status: number;
  /** Body bytes sent. */
  bytes: number;
  durationMs: number;
  /** When the response finished, in ms since the epoch. */
  time: number;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function pad(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/** CLF's `[10/Oct/2000:13:55:36 +0000]` date, in UTC. */
export function formatClfDate(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

function escapeClf(text: string): string {
  return text.replace(/["\\\u0000-\u001f\u007f-\uffff]/g, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, "0")}` : `\\x${code.toString(16).padStart(2, "0")}`;
  });
}

/**
 * Formats one access-log line (without the newline).
 *
 * @example
 * formatAccessLog("clf", entry) // 127.0.0.1 - - [24/Nov/2026:23:00:00 +0000] "GET / HTTP/1.1" 200 1234
 */
export function formatAccessLog(format: LogFormat, entry: AccessLogEntry): string {
  if (format === "json") {
    return JSON.stringify({
      time: new Date(entry.time).toISOString(),
      remoteAddress: entry.remoteAddress ?? null,
      method: entry.method,
      target: entry.target,
      version: entry.version,
      status: entry.status,
      bytes: entry.bytes,
      durationMs: Math.round(entry.durationMs * 1000) / 1000,
    });
  }
  const remote = entry.remoteAddress ?? "-";
  const bytes = entry.bytes === 0 ? "-" : String(entry.bytes);
  return `${escapeClf(remote)} - - [${formatClfDate(entry.time)}] "${escapeClf(entry.method)} ${escapeClf(entry.target)} HTTP/${entry.version}" ${entry.status} ${bytes}`;
}
