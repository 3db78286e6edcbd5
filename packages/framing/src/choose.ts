/**
 * The chooser: picks a framing strategy from the handler's first response part and the
 * request (RFC 9112 §6, RFC 9110 §6.4.1, §8.6), and `createFramer` which chooses and
 * creates in one call.
 *
 * It does not serialise the head (the framer does, at `start`), so a header with a bad
 * name or value is reported there; it only reads the fields that decide framing:
 * Content-Length and Transfer-Encoding.
 */

import { FramingError } from "./errors.js";
import { chunkedFraming, closeFraming, contentLengthFraming, noBodyFraming } from "./framers.js";
import { checkStatus, fieldLine, forEachHeader, isName } from "./head.js";
import type { FirstPart, Framer, FramerFactory, FramingChoice, FramingName, RequestInfo, Sink } from "./types.js";

/**
 * The built-in factory for `name`.
 *
 * @throws FramingError ILLEGAL_FRAMING for an unknown name
 */
export function framingByName(name: FramingName): FramerFactory {
  switch (name) {
    case "content-length":
      return contentLengthFraming;
    case "chunked":
      return chunkedFraming;
    case "close":
      return closeFraming;
    case "none":
      return noBodyFraming;
    default:
      throw new FramingError("ILLEGAL_FRAMING", `unknown framing ${JSON.stringify(name)}`);
  }
}

/** Parses a Content-Length field value: `1*DIGIT`, or a list of identical ones (RFC 9110 §8.6). */
function parseContentLength(value: string): number {
  let result = -1;
  let i = 0;
  const end = value.length;
  for (;;) {
    while (i < end && (value.charCodeAt(i) === 0x20 || value.charCodeAt(i) === 0x09)) i++;
    let n = 0;
    const from = i;
    while (i < end) {
      const d = value.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
      // Digits, not parseInt/Number: those accept "0x10", "1e3", " 12 " and round past 2^53.
      if (n > Number.MAX_SAFE_INTEGER) {
        throw new FramingError("INVALID_HEADER", `Content-Length ${JSON.stringify(value)} is too large`);
      }
      i++;
    }
    if (i === from) throw new FramingError("INVALID_HEADER", `Content-Length ${JSON.stringify(value)} is not 1*DIGIT`);
    if (result !== -1 && n !== result) {
      throw new FramingError("INVALID_HEADER", `Content-Length ${JSON.stringify(value)} lists different lengths`);
    }
    result = n;
    while (i < end && (value.charCodeAt(i) === 0x20 || value.charCodeAt(i) === 0x09)) i++;
    if (i === end) return result;
    if (value.charCodeAt(i) !== 0x2c) {
      throw new FramingError("INVALID_HEADER", `Content-Length ${JSON.stringify(value)} is not 1*DIGIT`);
    }
    i++;
  }
}

/** What the handler's own framing fields say. */
interface FramingFields {
  /** Content-Length from the fields, -1 when absent. */
  contentLength: number;
  /** True when Transfer-Encoding asks for chunked. */
  chunked: boolean;
}

function readFramingFields(first: FirstPart): FramingFields {
  const fields: FramingFields = { contentLength: -1, chunked: false };
  if (first.headers === undefined || first.headers === null) return fields;
  let codings = "";
  const visit = (name: string, value: string): void => {
    if (isName(name, "content-length")) {
      const n = parseContentLength(value);
      if (fields.contentLength !== -1 && fields.contentLength !== n) {
        throw new FramingError("INVALID_HEADER", `Content-Length given twice: ${fields.contentLength} and ${n}`);
      }
      fields.contentLength = n;
    } else if (isName(name, "transfer-encoding")) {
      codings = codings === "" ? value : `${codings},${value}`;
    }
  };
  const headers = first.headers;
  if (Array.isArray(headers)) {
    // The handler's pair list: validated through the line cache (head.ts), and only the two
    // framing names are looked at further.
    for (let i = 0; i < headers.length; i++) {
      const pair: unknown = headers[i];
      if (pair === null || typeof pair !== "object") {
        throw new FramingError("INVALID_HEADER", `a header entry must be a [name, value] pair, got ${pair === null ? "null" : typeof pair}`);
      }
      const name = (pair as readonly unknown[])[0];
      const value = (pair as readonly unknown[])[1];
      fieldLine(name, value);
      const n = name as string;
      if (n.length === 14 || n.length === 17) visit(n, String(value));
    }
  } else {
    forEachHeader(headers, visit);
  }
  if (codings !== "") {
    // A handler's Transfer-Encoding is read as a request for chunked framing, which the
    // framer writes itself. Other codings (gzip, ...) are not applied by this package:
    // writing them would announce a coding the bytes do not have.
    for (const coding of codings.split(",")) {
      if (coding.trim().toLowerCase() !== "chunked") {
        throw new FramingError(
          "ILLEGAL_FRAMING",
          `Transfer-Encoding ${JSON.stringify(codings)}: only "chunked" is supported (use Content-Encoding for compression)`,
        );
      }
    }
    fields.chunked = true;
  }
  return fields;
}

function isFactory(value: unknown): value is FramerFactory {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as FramerFactory).create === "function" &&
    typeof (value as FramerFactory).name === "string"
  );
}

/**
 * Chooses the framing of a response (RFC 9112 §6; RFC 9110 §6.4.1, §8.6, §9.3.2):
 *
 * 1. 1xx, 204, 304 and responses to HEAD carry no body → "none" (HEAD and 304 keep a known
 *    length as Content-Length). A body, a non-zero length on 1xx/204, or a forced body
 *    strategy on 1xx/204/304 is ILLEGAL_FRAMING; a forced strategy on HEAD is ignored
 *    (a HEAD handler may reuse its GET head); a user's factory is trusted, with `noBody`.
 * 2. `first.framing` (or a handler `Transfer-Encoding: chunked`) → that strategy, if legal:
 *    chunked to an HTTP/1.0 client, content-length without a known length, and "none"
 *    are ILLEGAL_FRAMING; a user's factory is trusted.
 * 3. A known length — `first.length`, the handler's Content-Length, or `first.done` (the
 *    first part's body is all of it) → content-length.
 * 4. Otherwise chunked for HTTP/1.1 clients, close-delimited for HTTP/1.0 ones.
 *
 * @throws FramingError INVALID_STATUS, INVALID_HEADER (a bad Content-Length),
 *   LENGTH_MISMATCH (`length`, Content-Length and a done body disagree), ILLEGAL_FRAMING
 * @example
 * chooseFraming({ status: 200, body, done: true }, { method: "GET", version: "1.1" });
 * // { factory: contentLengthFraming, length: body.length, noBody: false }
 */
export function chooseFraming(first: FirstPart, request: RequestInfo): FramingChoice {
  const status = first.status;
  checkStatus(status);
  const fields = readFramingFields(first);
  const bodyLength = first.body === undefined ? 0 : first.body.length;

  let declared = fields.contentLength;
  if (first.length !== undefined) {
    if (!Number.isSafeInteger(first.length) || first.length < 0) {
      throw new FramingError("ILLEGAL_FRAMING", `length must be a non-negative integer, got ${first.length}`);
    }
    if (declared !== -1 && declared !== first.length) {
      throw new FramingError("LENGTH_MISMATCH", `length ${first.length} disagrees with Content-Length ${declared}`);
    }
    declared = first.length;
  }
  // 1xx, 204 and 304 never carry content, so a length there describes the representation
  // (RFC 9110 §8.6: a 304 carries the 200's Content-Length), not the (empty) body at hand.
  const bodiless = status < 200 || status === 204 || status === 304;
  if (declared !== -1 && !bodiless) {
    if (first.done === true ? bodyLength !== declared : bodyLength > declared) {
      throw new FramingError(
        "LENGTH_MISMATCH",
        `the first part has ${bodyLength} body bytes${first.done === true ? " and is done" : ""}, length is ${declared}`,
      );
    }
    if (fields.chunked) {
      // RFC 9112 §6.1: a sender must not send both; which one the handler meant is a guess.
      throw new FramingError("ILLEGAL_FRAMING", "both a length and Transfer-Encoding: chunked were given");
    }
  }
  // A done 304 with no length says nothing of the representation: no Content-Length: 0.
  const length = declared !== -1 ? declared : first.done === true && !bodiless ? bodyLength : -1;
  const forced = first.framing;
  if (forced !== undefined && !isFactory(forced)) {
    if (typeof forced !== "string") {
      throw new FramingError("ILLEGAL_FRAMING", "framing must be a built-in name or a FramerFactory");
    }
    // Checked up front, so a typo is reported on every response, HEAD and 204 included.
    framingByName(forced);
  }

  const informational = status < 200;
  if (informational || status === 204 || status === 304) {
    if (bodyLength > 0) {
      throw new FramingError("ILLEGAL_FRAMING", `a ${status} response carries no body (RFC 9110 §15.3.5, §15.4.5)`);
    }
    if (status !== 304 && (length > 0 || fields.chunked)) {
      throw new FramingError(
        "ILLEGAL_FRAMING",
        `a ${status} response carries no Content-Length or Transfer-Encoding (RFC 9110 §8.6, RFC 9112 §6.1)`,
      );
    }
    if (isFactory(forced)) return { factory: forced, length: status === 304 ? length : -1, noBody: true };
    if (forced !== undefined && forced !== "none") {
      throw new FramingError("ILLEGAL_FRAMING", `a ${status} response cannot be framed as ${forced}`);
    }
    return { factory: noBodyFraming, length: status === 304 ? length : -1, noBody: true };
  }
  if (request.method === "HEAD") {
    // RFC 9110 §9.3.2: the same fields as for GET, no content. A forced built-in strategy
    // is what the GET would use: it is not written, so it is not checked either.
    return { factory: isFactory(forced) ? forced : noBodyFraming, length, noBody: true };
  }

  const wanted: FramingName | FramerFactory | undefined = forced ?? (fields.chunked ? "chunked" : undefined);
  if (wanted !== undefined) {
    if (isFactory(wanted)) return { factory: wanted, length, noBody: false };
    switch (wanted) {
      case "content-length":
        if (length < 0) {
          throw new FramingError("ILLEGAL_FRAMING", "content-length framing needs length, Content-Length or done");
        }
        return { factory: contentLengthFraming, length, noBody: false };
      case "chunked":
        if (request.version !== "1.1") {
          throw new FramingError("ILLEGAL_FRAMING", "chunked framing to an HTTP/1.0 client (RFC 9112 §6.1)");
        }
        return { factory: chunkedFraming, length: -1, noBody: false };
      case "close":
        return { factory: closeFraming, length: -1, noBody: false };
      case "none":
        throw new FramingError(
          "ILLEGAL_FRAMING",
          `a ${status} response to ${request.method} may carry a body; give length: 0 for an empty one`,
        );
      default:
        throw new FramingError("ILLEGAL_FRAMING", `unknown framing ${JSON.stringify(wanted)}`);
    }
  }
  if (length >= 0) return { factory: contentLengthFraming, length, noBody: false };
  // RFC 9112 §6.1 / §6.3: chunked only for 1.1 clients; a 1.0 client reads until close.
  if (request.version === "1.1") return { factory: chunkedFraming, length: -1, noBody: false };
  return { factory: closeFraming, length: -1, noBody: false };
}

/**
 * Chooses the framing for `first` (see {@link chooseFraming}) and creates the framer on
 * `sink`. Call `start(first.body)` on it next.
 *
 * @example
 * const framer = createFramer(socket, first, { method: "GET", version: "1.1" });
 * framer.start(first.body);
 * framer.write(part);
 * framer.end();
 */
export function createFramer(sink: Sink, first: FirstPart, request: RequestInfo): Framer {
  const choice = chooseFraming(first, request);
  return choice.factory.create(sink, { head: first, request, length: choice.length, noBody: choice.noBody });
}

// One choice and one set of framing fields kept for the life of the module: their shapes
// then outlive full GCs, and so does the optimised code built on them (see framers.ts).
/** @internal Exported only so that no bundler drops it as unused. */
export const choiceShapeAnchors: readonly unknown[] = [
  readFramingFields({ status: 200, headers: [], done: true }),
  chooseFraming({ status: 200, headers: [], done: true, body: new Uint8Array(1) }, { method: "GET", version: "1.1" }),
];
