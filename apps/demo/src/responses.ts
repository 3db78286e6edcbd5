/**
 * Small response builders shared by the demo's endpoints: plain text, JSON, the HTML error
 * page, 405 with Allow. Every response built here is whole and has a known length (so it
 * gets Content-Length); streaming responses are built by their endpoints.
 */
import type { HandlerResult, WholeResponse } from "@k/handler";

/** What the demo's endpoints return. */
export type DemoResult = HandlerResult;

const encoder = new TextEncoder();

/** A whole response with a known length. */
export function whole(status: number, contentType: string, text: string | Uint8Array, headers: Record<string, string> = {}): WholeResponse {
  const body = typeof text === "string" ? encoder.encode(text) : text;
  return { status, length: body.byteLength, headers: { "content-type": contentType, ...headers }, body };
}

/** `text/plain; charset=utf-8`. */
export function plainText(status: number, text: string | Uint8Array, headers: Record<string, string> = {}): WholeResponse {
  return whole(status, "text/plain; charset=utf-8", text, headers);
}

/** `application/json` from a value. */
export function json(status: number, value: unknown): WholeResponse {
  return whole(status, "application/json", JSON.stringify(value));
}

/** 405 with the methods the resource allows. */
export function methodNotAllowed(allow: readonly string[]): WholeResponse {
  return plainText(405, "Method Not Allowed\n", { allow: allow.join(", ") });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An HTML error page (the 404 page, 400 for refused paths). */
export function htmlError(status: number, title: string, detail: string): WholeResponse {
  const page = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${status} ${escapeHtml(title)} · k-demo</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}code{background:#f3f3f3;padding:.1em .3em;border-radius:3px}a{color:#0b5cad}</style></head>
<body><h1>${status} ${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p><p><a href="/">Back to the k-demo home page</a></p></body>
</html>
`;
  return whole(status, "text/html; charset=utf-8", page);
}
