// How bytes and field lists are written in log lines (shared by the harness and the llhttp peer).

/** Bytes outside printable ASCII (and the backslash) as \\xHH, so a log line is one line. */
export function escapeBytes(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out += c >= 0x20 && c < 0x7f && c !== 0x5c ? text[i] : c === 0x5c ? "\\\\" : `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return out;
}

export function formatFields(flat: readonly string[]): string {
  const parts: string[] = [];
  for (let i = 0; i < flat.length; i += 2) parts.push(`${escapeBytes(flat[i]!)}: ${escapeBytes(flat[i + 1]!)}`);
  return `[${parts.join(", ")}]`;
}

