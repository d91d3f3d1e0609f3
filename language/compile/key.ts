//! Node keys: a structural hash that survives changes of numbers, so hot reload can match nodes across edits.
import type { Param } from "./ir.js";

/** FNV-1a, 64-bit via two 32-bit halves; hex. Not cryptographic: keys only need to be stable and distinct. */
export function hash(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
    h2 = (h2 ^ (h2 >>> 15)) >>> 0;
  }
  return h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0");
}

/**
 * The key of a node: its kind, its scope (e.g. `bus:drums`, `out:out`, `bus:a/fn:f#0`) and its
 * occurrence index within that scope, its structural data, and the shape of each parameter: a
 * constant contributes only "const" (its value may change freely), a node input contributes that
 * node's key, a lane contributes "lane", a feedback read "prev", a template input "input".
 */
export function nodeKey(
  kind: string,
  scope: string,
  occurrence: number,
  params: Record<string, Param>,
  data: Record<string, unknown> | undefined,
  keyOf: (id: number) => string,
  inputKey: (k: number) => string = (k) => String(k),
): string {
  const shape = Object.keys(params)
    .sort()
    .map((name) => {
      const p = params[name]!;
      if ("const" in p) return `${name}=const`;
      if ("node" in p) return `${name}=node:${keyOf(p.node)}`;
      if ("lane" in p) return `${name}=lane`;
      if ("prev" in p) return `${name}=prev`;
      return `${name}=input:${inputKey(p.input)}`;
    });
  const structural = data
    ? Object.keys(data)
        .sort()
        .map((k) => `${k}=${JSON.stringify(data[k])}`)
        .join(",")
    : "";
  return hash(`${kind}|${scope}#${occurrence}|${shape.join(",")}|${structural}`);
}
