/**
 * Node's own llhttp binding (the parser node:http uses), driven the way node:http drives
 * it, with strict defaults. Used as the differential peer: it reports method, target,
 * version, raw headers, body and trailers in the same short log lines as the harness,
 * minus the fields llhttp has no equivalent for.
 */
import { createRequire } from "node:module";
import type { ParserKind } from "@k/parser";
import { escapeBytes, formatFields } from "./log-format.ts";

interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
  execute(bytes: Uint8Array): number | Error;
  finish(): Error | undefined;
  close(): void;
  [key: number]: (...args: never[]) => unknown;
}
interface NativeParserClass {
  new (): NativeParser;
  REQUEST: number;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
  kLenientHeaders: number;
  kLenientOptionalCRBeforeLF: number;
  kLenientSpacesAfterChunkSize: number;
}

const require = createRequire(import.meta.url);
const common = require("_http_common") as { HTTPParser: NativeParserClass; methods: string[] };
export const NativeHTTPParser: NativeParserClass = common.HTTPParser;
export const nativeMethods: string[] = common.methods;

export interface PeerResult {
  /** Log lines: `head ...` (method/target/version/fields only), `body ...`, `complete [...]`. */
  log: string[];
  /** llhttp's error code (HPE_*), or null when it accepted everything. */
  error: string | null;
  /** keepAlive per message, as llhttp computed it. */
  keepAlive: boolean[];
}

/** Parses `chunks` with Node's llhttp (strict unless `lenient` flags are given), optionally as responses to HEAD. */
export function runLlhttp(kind: ParserKind, chunks: readonly Uint8Array[], opts: { noBody?: boolean | undefined; finish?: boolean | undefined; maxHeaderSize?: number | undefined; lenient?: number | undefined } = {}): PeerResult {
  const parser = new NativeHTTPParser();
  parser.initialize(kind === "request" ? NativeHTTPParser.REQUEST : NativeHTTPParser.RESPONSE, {}, opts.maxHeaderSize ?? 16384, opts.lenient ?? 0);
  const log: string[] = [];
  const keepAlive: boolean[] = [];
  let body: string | null = null;
  let pendingFields: string[] = [];
  let pendingUrl = "";
  let inBody = false;
  const flush = (): void => {
    if (body !== null) log.push(`body ${escapeBytes(body)}`);
    body = null;
  };
  parser[NativeHTTPParser.kOnHeaders] = ((fields: string[], url: string) => {
    // Called for long heads (flushed in parts) and for trailers; with trailers it passes
    // the message's URL again, which must not leak into the next message's target.
    pendingFields.push(...fields);
    if (url && !inBody) pendingUrl += url;
  }) as never;
  parser[NativeHTTPParser.kOnHeadersComplete] = ((major: number, minor: number, fields: string[] | undefined, method: number | undefined, url: string | undefined, status: number | undefined, reason: string | undefined, upgrade: boolean, shouldKeepAlive: boolean) => {
    flush();
    const all = [...pendingFields, ...(fields ?? [])];
    const target = pendingUrl + (url ?? "");
    pendingFields = [];
    pendingUrl = "";
    // We read any 1.x with x >= 2 as 1.1; llhttp reports the digits it saw.
    const version = major === 1 && minor >= 1 ? "1.1" : `${major}.${minor}`;
    log.push(kind === "request" ? `head ${escapeBytes(nativeMethods[method ?? -1] ?? "?")} ${escapeBytes(target)} ${version} ${formatFields(all)}` : `head ${status} "${escapeBytes(reason ?? "")}" ${version} ${formatFields(all)}`);
    keepAlive.push(shouldKeepAlive);
    void upgrade;
    inBody = true;
    return opts.noBody === true ? 1 : 0;
  }) as never;
  parser[NativeHTTPParser.kOnBody] = ((bytes: Buffer) => {
    body = (body ?? "") + bytes.toString("latin1");
  }) as never;
  parser[NativeHTTPParser.kOnMessageComplete] = (() => {
    flush();
    log.push(`complete ${formatFields(inBody ? pendingFields : [])}`);
    pendingFields = [];
    inBody = false;
  }) as never;
  let error: string | null = null;
  for (const chunk of chunks) {
    const r = parser.execute(chunk);
    if (r instanceof Error) {
      error = (r as Error & { code?: string }).code ?? "HPE_UNKNOWN";
      break;
    }
  }
  if (error === null && opts.finish !== false) {
    const r = parser.finish();
    if (r instanceof Error) error = (r as Error & { code?: string }).code ?? "HPE_UNKNOWN";
  }
  flush();
  parser.close();
  return { log, error, keepAlive };
}
