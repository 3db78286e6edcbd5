/**
 * persistent: one component instance shared by all requests (on all connections), served
 * one request at a time. The next call waits until the previous response is completely
 * produced (or abandoned), so the component's state is never touched by two requests at once.
 *
 * It does not queue fairly across priorities: calls run in arrival order.
 */
import type { HttpRequest } from "./request.js";
import { bodySource, isAsyncIterable, isWholeResponse } from "./response.js";
import type { BodyPart, HandlerResult, RequestHandler, ResponseEnd, ResponseHead, WholeResponse } from "./types.js";

/**
 * Wraps `component` so that calls are serialised: each response is produced to its end
 * before the next call starts.
 * @example
 * ```ts
 * let count = 0;
 * const counter = persistent(() => ({ status: 200, body: String(++count) }));
 * ```
 */
export function persistent(component: RequestHandler): RequestHandler {
  let tail: Promise<void> = Promise.resolve();
  return (request: HttpRequest): HandlerResult => {
    let release!: () => void;
    const previous = tail;
    tail = new Promise<void>((resolve) => (release = resolve));
    return serialised(component, request, previous, release);
  };
}

async function* serialised(
  component: RequestHandler,
  request: HttpRequest,
  previous: Promise<void>,
  release: () => void,
): AsyncGenerator<ResponseHead | BodyPart, ResponseEnd | undefined, undefined> {
  try {
    await previous;
    // The client left while this call waited for its turn: do not run the component for it.
    if (request.signal.aborted) return undefined;
    const result = await component(request);
    if (isWholeResponse(result)) {
      const whole: WholeResponse = result;
      const { body, trailers, ...head } = whole;
      if (body === undefined || body === null) {
        yield head;
        return undefined;
      }
      if (typeof body === "string" || body instanceof Uint8Array) {
        // A whole body keeps its Content-Length through the generator form.
        const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
        yield { ...head, length: bytes.length };
        yield bytes;
        return undefined;
      }
      yield head;
      const source = bodySource(body);
      try {
        for (;;) {
          const step = await source.next();
          if (step.done === true) break;
          yield step.value as BodyPart;
        }
      } finally {
        source.cancel();
      }
      return trailers === undefined ? undefined : { trailers };
    }
    if (!isAsyncIterable(result)) throw new TypeError("the component returned neither a response nor an async iterable");
    // yield* forwards return() so the inner generator's finally runs when the client leaves.
    return (yield* result as AsyncIterable<ResponseHead | BodyPart>) as ResponseEnd | undefined;
  } finally {
    release();
  }
}
