//! Node keys: stable when only numbers change, stable for other buses when a bus is added, distinct where structure differs.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Expr, Statement } from "../language/ast.js";
import type { GraphIR } from "../language/compile/ir.js";
import { compile } from "../language/compile/lower.js";
import { parse } from "../language/parse.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const corpus = join(root, "..", "shared", "phonon-corpus");

/** Every number literal in expressions (not in strings, comments, names or commands). */
function numberSpans(text: string): { start: number; end: number; value: number }[] {
  const out: { start: number; end: number; value: number }[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === "object") {
      const o = x as Expr;
      if (o.type === "num") out.push({ ...o.span, value: o.value });
      else for (const v of Object.values(x)) walk(v);
    }
  };
  for (const s of parse(text).program.statements as Statement[]) if ("expr" in s) walk(s.expr);
  return out;
}

/** The same file with every number changed: integers by +1 (so counts stay counts), others by ×1.5. */
function changeNumbers(text: string): string {
  let out = text;
  for (const n of numberSpans(text).sort((a, b) => b.start - a.start)) {
    const v = Number.isInteger(n.value) ? n.value + 1 : +(n.value * 1.5).toFixed(4);
    out = out.slice(0, n.start) + String(v) + out.slice(n.end);
  }
  return out;
}

/**
 * The keys of nodes whose structural constants (`supersaw … 7` voices, phaser stages…) are the same
 * in both graphs and that read no node whose constants changed: those keys change on purpose.
 */
function stableKeys(ir: GraphIR, other: GraphIR): string[] {
  const graphs = [ir.nodes, ...ir.templates.map((t) => t.nodes)];
  const others = [other.nodes, ...other.templates.map((t) => t.nodes)];
  const out: string[] = [];
  graphs.forEach((nodes, g) => {
    const dirty: boolean[] = [];
    for (const n of nodes) {
      const o = others[g]?.[n.id];
      dirty[n.id] =
        JSON.stringify(n.data ?? {}) !== JSON.stringify(o?.data ?? {}) || Object.values(n.params).some((p) => "node" in p && dirty[p.node]);
      out.push(dirty[n.id] ? `${n.kind}:(structural change)` : `${n.kind}:${n.key}`);
    }
  });
  return out;
}

const allKeys = (ir: GraphIR): string[] => [...ir.nodes.map((n) => n.key), ...ir.templates.flatMap((t) => t.nodes.map((n) => n.key))];

function files(): { name: string; text: string }[] {
  const list = readdirSync(join(root, "patterns"))
    .filter((f) => f.endsWith(".ph"))
    .map((f) => ({ name: `patterns/${f}`, text: readFileSync(join(root, "patterns", f), "utf8") }));
  if (existsSync(join(corpus, "current-syntax.txt"))) {
    for (const f of readFileSync(join(corpus, "current-syntax.txt"), "utf8").trim().split("\n")) {
      list.push({ name: f, text: readFileSync(join(corpus, f), "utf8") });
    }
  }
  return list;
}

describe("node keys", () => {
  it("stay the same when every number of a file changes (bundled patterns and the Phonon corpus)", () => {
    let checked = 0;
    for (const { name, text } of files()) {
      const a = compile(text).ir;
      if (!a) continue;
      const changed = changeNumbers(text);
      if (changed === text) continue;
      const b = compile(changed).ir;
      if (!b) continue; // a changed number made the file invalid (e.g. an index out of range): nothing to compare
      expect(stableKeys(b, a), name).toEqual(stableKeys(a, b));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(9);
  }, 120_000);

  it("of other buses stay the same when a bus is added", () => {
    for (const { name, text } of files()) {
      const a = compile(text).ir;
      if (!a) continue;
      // With explicit outputs the new bus gets its own; an auto-routed file only gains the bus.
      const routed = a.outputs.some((o) => o.name.startsWith("~"));
      const b = compile(`${text}\n\n~zz_added: saw 123 # lpf 400 * 0.1\n${routed ? "" : "o97: ~zz_added\n"}`).ir!;
      const have = new Set(allKeys(b));
      expect(allKeys(a).filter((k) => !have.has(k)), name).toEqual([]);
    }
  }, 120_000);

  it("stay the same when a pattern string changes", () => {
    const a = compile('out: s "bd*4" # lpf "300 900" + saw "55 110"').ir!;
    const b = compile('out: s "bd(3,8) sn" # lpf "<200 400>" + saw "55 ~ 82.5"').ir!;
    expect(allKeys(b)).toEqual(allKeys(a));
  });

  it("differ between identical nodes in different buses, and between kinds and shapes", () => {
    const ir = compile("~a: sine 100\n~b: sine 100\nout: ~a + ~b").ir!;
    expect(ir.nodes[0]!.key).not.toBe(ir.nodes[1]!.key);
    const c = compile("out: lpf (saw 1) 300").ir!;
    const d = compile('out: lpf (saw 1) "300 400"').ir!;
    expect(c.nodes[1]!.key).not.toBe(d.nodes[1]!.key);
    expect(new Set(allKeys(compile(readFileSync(join(root, "patterns", "beat.ph"), "utf8")).ir!)).size).toBe(compile(readFileSync(join(root, "patterns", "beat.ph"), "utf8")).ir!.nodes.length);
  });

  it("are deterministic", () => {
    for (const { text } of files().slice(0, 20)) {
      const a = compile(text).ir;
      if (a) expect(allKeys(compile(text).ir!)).toEqual(allKeys(a));
    }
  }, 60_000);
});

describe("the key hash", () => {
  it("is 16 hex digits", () => {
    const ir = compile(readFileSync(join(root, "patterns", "beat.ph"), "utf8")).ir!;
    for (const n of ir.nodes) expect(n.key).toMatch(/^[0-9a-f]{16}$/);
  });
});
