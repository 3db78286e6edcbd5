// Test helpers: raw sockets that collect what the server sends, a polling wait bounded by a
// count of turns, a gate a handler can wait on, and a throwaway TLS certificate.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect as netConnect } from "node:net";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { setTimeout as sleep } from "node:timers/promises";

/** A client socket that records everything received and whether the server closed. */
export class RawClient {
  readonly socket: Socket;
  received = "";
  ended = false;
  closed = false;
  readonly connected: Promise<void>;
  readonly gone: Promise<void>;

  constructor(socket: Socket, connectEvent: string) {
    this.socket = socket;
    socket.setEncoding("latin1");
    socket.on("data", (text: string) => { this.received += text; });
    socket.on("end", () => { this.ended = true; });
    socket.on("error", () => {});
    this.connected = new Promise((resolve, reject) => {
      socket.once(connectEvent, () => resolve());
      socket.once("error", reject);
    });
    this.gone = new Promise((resolve) => socket.once("close", () => { this.closed = true; resolve(); }));
  }

  static async open(port: number): Promise<RawClient> {
    const client = new RawClient(netConnect({ port, host: "127.0.0.1" }), "connect");
    await client.connected;
    return client;
  }

  static async openTls(port: number, ca: string): Promise<RawClient> {
    const client = new RawClient(tlsConnect({ port, host: "127.0.0.1", servername: "localhost", ca }), "secureConnect");
    await client.connected;
    return client;
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Waits until `text` occurs `times` times in what was received. */
  async waitFor(text: string, times = 1): Promise<void> {
    await until(() => count(this.received, text) >= times || this.closed, `"${text}" x${times}`);
    if (count(this.received, text) < times) {
      throw new Error(`connection closed before "${text}" x${times}; received:\n${this.received}`);
    }
  }
}

export function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Polls `check` every 10 ms, at most `turns` times, then throws naming `what`. */
export async function until(check: () => boolean, what: string, turns = 1_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (check()) return;
    await sleep(10);
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A promise a test opens by hand. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => { open = resolve; });
  return { promise, open };
}

/** A self-signed P-256 certificate for localhost and 127.0.0.1, made with openssl now. */
export function makeCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "k-server-tls-"));
  try {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ], { stdio: "ignore" });
    return { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
