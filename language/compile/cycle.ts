//! Cycles: definitions whose expansion reaches themselves (a bus as its own `#` modifier or synth, a function or %pattern defined by itself), found statically and named with their path and location.
import type { Expr, Program, Span } from "../ast.js";
import { type Diagnostic, type SourceMap, diagnostic } from "../diagnostics.js";

/** One expansion a definition makes: the definition it expands, and where. */
interface Edge {
  to: string;
  at: Span;
}

const label = (key: string): string => key.slice(key.indexOf(":") + 1);

/**
 * The cycles among the program's expansions, one diagnostic per cycle at the use that closes it.
 *
 * An expansion is a use that copies a definition in place rather than reading a value: a call of
 * an `fn`, a `%pattern`, an `@template`, a `~bus` after `#` (its definition re-instantiated on
 * the input) or called with arguments, and a `~bus` named as a synth in a string (`s "~k"`). A
 * cycle of expansions never ends. A `~bus` read as a signal is not one: it is feedback, and reads
 * the bus one block late. Used to explain a stack overflow, so a cycle found here is the reason.
 */
export function findCycles(program: Program, map: SourceMap): Diagnostic[] {
  const buses = new Set<string>();
  const fns = new Set<string>();
  const graph = new Map<string, Edge[]>();
  const defs: Array<{ key: string; expr: Expr; params: string[] }> = [];
  for (const s of program.statements) {
    if (s.type === "bus") {
      buses.add(s.name);
      defs.push({ key: `bus:~${s.name}`, expr: s.expr, params: s.params });
    } else if (s.type === "fn") {
      fns.add(s.name);
      defs.push({ key: `fn:${s.name}`, expr: s.expr, params: s.params });
    } else if (s.type === "pattern") defs.push({ key: `pattern:%${s.name}`, expr: s.expr, params: [] });
    else if (s.type === "template") defs.push({ key: `template:@${s.name}`, expr: s.expr, params: [] });
  }
  for (const d of defs) graph.set(d.key, expansions(d.expr, new Set(d.params), buses, fns));

  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const state = new Map<string, "open" | "done">();
  for (const start of graph.keys()) {
    if (state.has(start)) continue;
    // Depth-first, with an explicit stack (a long chain of definitions must not overflow here).
    const path: Array<{ key: string; next: number }> = [{ key: start, next: 0 }];
    state.set(start, "open");
    while (path.length > 0) {
      const top = path[path.length - 1]!;
      const edges = graph.get(top.key) ?? [];
      if (top.next >= edges.length) {
        state.set(top.key, "done");
        path.pop();
        continue;
      }
      const edge = edges[top.next++]!;
      if (!graph.has(edge.to)) continue;
      const st = state.get(edge.to);
      if (st === "open") {
        const from = path.findIndex((p) => p.key === edge.to);
        const keys = path.slice(from).map((p) => p.key);
        const id = [...keys].sort().join(" ");
        if (!seen.has(id)) {
          seen.add(id);
          out.push(report(map, [...keys, edge.to], edge.at));
        }
      } else if (st === undefined) {
        state.set(edge.to, "open");
        path.push({ key: edge.to, next: 0 });
      }
    }
  }
  return out;
}

function report(map: SourceMap, keys: string[], at: Span): Diagnostic {
  const names = keys.map(label);
  const first = names[0]!;
  const how = names.length === 2 ? "itself" : `itself through ${names.slice(1, -1).join(", ")}`;
  const kind = keys[0]!.slice(0, keys[0]!.indexOf(":"));
  const suggestion =
    kind === "bus"
      ? `for feedback, read ${first} as a signal (it is then one block late); to reuse an effect, name it as a separate bus`
      : "a definition cannot contain itself: give the inner use a different definition";
  return diagnostic(map, "error", `${first} is defined in terms of ${how} (${names.join(" → ")}), so it never ends`, at, { suggestion });
}

/** The expansions one definition's expression makes (walked with an explicit stack). */
function expansions(root: Expr, params: Set<string>, buses: Set<string>, fns: Set<string>): Edge[] {
  const edges: Edge[] = [];
  const todo: unknown[] = [root];
  while (todo.length > 0) {
    const x = todo.pop();
    if (Array.isArray(x)) {
      for (const v of x) todo.push(v);
      continue;
    }
    if (!x || typeof x !== "object" || !("type" in x)) continue;
    const e = x as Expr;
    switch (e.type) {
      case "call":
      case "name":
        if (fns.has(e.name) && !params.has(e.name)) edges.push({ to: `fn:${e.name}`, at: e.span });
        break;
      case "patref":
        edges.push({ to: `pattern:%${e.name}`, at: e.span });
        break;
      case "template":
        edges.push({ to: `template:@${e.name}`, at: e.span });
        break;
      case "buscall":
        edges.push({ to: `bus:~${e.name}`, at: e.nameSpan });
        break;
      case "chain":
        for (const b of heads(e.right)) edges.push({ to: `bus:~${b.name}`, at: b.span });
        break;
      case "str":
        for (const m of e.value.matchAll(/~([A-Za-z_]\w*)/g)) {
          if (!buses.has(m[1]!)) continue;
          const at = e.span.start + 1 + m.index!;
          edges.push({ to: `bus:~${m[1]}`, at: { start: at, end: at + m[0].length } });
        }
        break;
      default:
        break;
    }
    for (const v of Object.values(e)) if (v && typeof v === "object" && !("start" in v && "end" in v && !("type" in v))) todo.push(v);
  }
  return edges;
}

/** The buses a `#` right side expands: a bus at its head (through sections, `$` and arithmetic on its left). */
function heads(e: Expr): Array<Expr & { type: "bus" }> {
  const out: Array<Expr & { type: "bus" }> = [];
  const todo: Expr[] = [e];
  while (todo.length > 0) {
    const x = todo.pop()!;
    if (x.type === "bus") out.push(x);
    else if (x.type === "section") todo.push(x.body);
    else if (x.type === "binary" || x.type === "dollar") todo.push(x.left);
    else if (x.type === "chain") todo.push(x.left, x.right);
    else if (x.type === "neg") todo.push(x.expr);
  }
  return out;
}

/** Raised when an expansion re-enters itself (see Expansions); reported as the cycle findCycles names. */
export class CycleError extends Error {
  constructor(readonly key: string) {
    super(`${key} is expanded inside itself`);
    this.name = "CycleError";
  }
}

/**
 * The definitions being expanded right now. An expansion that re-enters itself stops at once
 * with a CycleError, at a depth of two, instead of recursing until the stack runs out (where
 * even compiling a regular expression can abort the process).
 */
export class Expansions {
  private readonly open = new Set<string>();

  within<T>(key: string, f: () => T): T {
    if (this.open.has(key)) throw new CycleError(key);
    this.open.add(key);
    try {
      return f();
    } finally {
      this.open.delete(key);
    }
  }
}
