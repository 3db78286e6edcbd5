/**
 * RequestHeaders: case-insensitive lookup over the parser's flat `[name, value, ...]` list.
 *
 * It builds its index lazily, on the first lookup, and never copies or lower-cases the raw
 * list: a handler that reads no header pays nothing. It does not validate: the parser did.
 */

/** Read-only, case-insensitive view of request (or injected response) headers. */
export class RequestHeaders implements Iterable<[string, string]> {
  readonly #raw: readonly string[];
  #index: Map<string, string[]> | null = null;

  /** @param raw flat `[name, value, name, value, ...]` as received. */
  constructor(raw: readonly string[]) {
    this.#raw = raw;
  }

  #map(): Map<string, string[]> {
    let index = this.#index;
    if (index === null) {
      index = new Map();
      const raw = this.#raw;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const name = raw[i]!.toLowerCase();
        const list = index.get(name);
        if (list === undefined) index.set(name, [raw[i + 1]!]);
        else list.push(raw[i + 1]!);
      }
      this.#index = index;
    }
    return index;
  }

  /**
   * The value of `name`, repeated fields joined with ", " (RFC 9110 §5.3) — `Cookie` with "; "
   * (RFC 6265 §5.4) — or null when absent.
   */
  get(name: string): string | null {
    const lower = name.toLowerCase();
    const list = this.#map().get(lower);
    if (list === undefined) return null;
    if (list.length === 1) return list[0]!;
    return list.join(lower === "cookie" ? "; " : ", ");
  }

  /** Every value of `name`, in received order (empty when absent). */
  getAll(name: string): string[] {
    const list = this.#map().get(name.toLowerCase());
    return list === undefined ? [] : list.slice();
  }

  /** True when at least one `name` field was received. */
  has(name: string): boolean {
    return this.#map().has(name.toLowerCase());
  }

  /** `[name, value]` pairs in received order, names as received. */
  *[Symbol.iterator](): Iterator<[string, string]> {
    const raw = this.#raw;
    for (let i = 0; i + 1 < raw.length; i += 2) yield [raw[i]!, raw[i + 1]!];
  }
}
