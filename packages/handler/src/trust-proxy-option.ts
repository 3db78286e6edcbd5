/**
 * The `trustProxy` connection option as the connection uses it: compiled once per list, not
 * once per connection (a server hands every connection the same options object).
 *
 * It holds no state beyond that cache, keyed weakly by the list the user passed.
 */
import { createTrustProxy } from "./trust-proxy.js";
import type { TrustProxy } from "./trust-proxy.js";

const compiled = new WeakMap<readonly string[], TrustProxy>();

/**
 * Turns `trustProxy` (a list, a compiled TrustProxy, or nothing) into a TrustProxy, or null
 * when no peer is trusted. Throws the TypeError of {@link createTrustProxy} for a bad entry.
 */
export function compileTrustProxy(option: readonly string[] | TrustProxy | undefined): TrustProxy | null {
  if (option === undefined) return null;
  if (!Array.isArray(option)) {
    const given = option as TrustProxy;
    if (typeof given.trusts !== "function") throw new TypeError("trustProxy must be an array of addresses or CIDR ranges");
    return given;
  }
  const list = option as readonly string[];
  if (list.length === 0) return null;
  let trust = compiled.get(list);
  if (trust === undefined) {
    trust = createTrustProxy(list);
    compiled.set(list, trust);
  }
  return trust;
}
