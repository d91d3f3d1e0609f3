//! Lowering: the AST of a .ph program becomes GraphIR (nodes, buses, outputs, lanes, stages) plus the lanes' patterns.
import type { Expr, Program, Span, Statement } from "../ast.js";
import { BUILTINS, type Builtin, builtinNames, lookup } from "../catalogue.js";
import { type Diagnostic, type SourceMap, diagnostic, didYouMean } from "../diagnostics.js";
import { parse } from "../parse.js";
import { MiniError, type MiniValue, mini } from "../pattern/mini.js";
import type { Pattern } from "../pattern/pattern.js";
import { type GraphIR, IR_VERSION, type IRLane, type IRNode, type Loc, type Param } from "./ir.js";
import { nodeKey } from "./key.js";
import { computeStages } from "./stages.js";

/** A lane's pattern as the scheduler uses it. */
export interface CompiledLane {
  id: number;
  kind: "trigger" | "param";
  pattern: Pattern<MiniValue>;
}

export interface CompileResult {
  /** Absent when there is any error: a program with errors is never played. */
  ir?: GraphIR;
  lanes: CompiledLane[];
  diagnostics: Diagnostic[];
  map: SourceMap;
}

export const DEFAULT_CPS = 0.5;

/** What an expression lowers to before it becomes a node parameter. */
type Value =
  | { kind: "const"; value: number }
  | { kind: "node"; id: number }
  | { kind: "pattern"; pattern: Pattern<MiniValue>; source: string; span: Span };

/** Raised inside lowering to abandon one statement after its diagnostic was recorded. */
class Abandon extends Error {}

class Lowerer {
  readonly nodes: IRNode[] = [];
  readonly irLanes: IRLane[] = [];
  readonly lanes: CompiledLane[] = [];
  readonly diagnostics: Diagnostic[] = [];
  private readonly busDefs = new Map<string, Statement & { type: "bus" }>();
  private readonly busValues = new Map<string, Value>();
  private readonly lowering: string[] = [];
  private readonly occurrences = new Map<string, number>();
  private scope = "";

  constructor(
    private readonly program: Program,
    private readonly map: SourceMap,
  ) {
    for (const s of program.statements) if (s.type === "bus") this.busDefs.set(s.name, s);
  }

  run(): GraphIR {
    let cps = DEFAULT_CPS;
    const outputDefs = new Map<string, Statement & { type: "output" }>();
    for (const s of this.program.statements) {
      if (s.type === "tempo") {
        if (!(s.cps > 0)) this.error("tempo must be greater than 0 cycles per second", s.span);
        else cps = s.cps;
      } else if (s.type === "output") {
        outputDefs.set(canonicalOutput(s.name), s);
      }
    }
    // Every bus is lowered, so that its errors are reported even when nothing plays it.
    for (const name of this.busDefs.keys()) this.tryLower(() => this.bus(name, this.busDefs.get(name)!.span));

    const outputs: { name: string; node: number }[] = [];
    for (const [name, s] of outputDefs) {
      this.tryLower(() => {
        this.scope = `out:${name}`;
        outputs.push({ name, node: this.asNode(this.expr(s.expr), s.expr.span) });
      });
    }
    if (outputDefs.size === 0) this.autoRoute(outputs);

    const buses = [...this.busValues.entries()].flatMap(([name, v]) => (v.kind === "node" ? [{ name, node: v.id }] : []));
    const ir: GraphIR = { version: IR_VERSION, cps, nodes: this.nodes, buses, outputs, lanes: this.irLanes, stages: [] };
    const pruned = prune(ir, this.lanes);
    pruned.ir.stages = computeStages(pruned.ir.nodes);
    this.lanes.splice(0, this.lanes.length, ...pruned.lanes);
    return pruned.ir;
  }

  /** Phonon's auto-routing when no out/oN/dN is given. */
  private autoRoute(outputs: { name: string; node: number }[]): void {
    const names = [...this.busDefs.keys()];
    const pick = names.includes("master") ? ["master"] : names.includes("out") ? ["out"] : names.filter((n) => /^(d|out)\d+$/.test(n));
    const chosen = pick.length ? pick : names;
    const scale = pick.length ? 1 : 0.25;
    for (const name of chosen) {
      const v = this.busValues.get(name);
      if (!v || v.kind !== "node") continue;
      const def = this.busDefs.get(name)!;
      this.scope = `auto:${name}`;
      const node = scale === 1 ? v.id : this.emit("mul", { a: v, b: { kind: "const", value: scale } }, def.span);
      outputs.push({ name: `~${name}`, node });
    }
  }

  private tryLower(f: () => void): void {
    try {
      f();
    } catch (e) {
      if (!(e instanceof Abandon)) throw e;
    }
  }

  private error(message: string, span: Span, suggestion?: string): never {
    this.diagnostics.push(diagnostic(this.map, "error", message, span, suggestion ? { suggestion } : {}));
    throw new Abandon();
  }

  private loc(span: Span): Loc {
    return this.map.position(span.start);
  }

  private bus(name: string, at: Span): Value {
    const done = this.busValues.get(name);
    if (done) return done;
    const def = this.busDefs.get(name);
    if (!def) this.error(`unknown bus '~${name}'`, at, didYouMean(name, this.busDefs.keys())?.replace(/'(\w+)'/g, "'~$1'"));
    if (this.lowering.includes(name)) {
      this.error(
        `bus '~${name}' reads itself (${[...this.lowering.slice(this.lowering.indexOf(name)), name].map((n) => `~${n}`).join(" → ")}); feedback is not supported yet`,
        at,
      );
    }
    const saved = this.scope;
    this.lowering.push(name);
    this.scope = `bus:${name}`;
    try {
      const v = this.expr(def.expr);
      this.busValues.set(name, v);
      return v;
    } finally {
      this.lowering.pop();
      this.scope = saved;
    }
  }

  /** Add a node; pattern values become param lanes on it. Returns its id. */
  private emit(kind: string, values: Record<string, Value>, span: Span): number {
    const id = this.nodes.length;
    const params: Record<string, Param> = {};
    for (const [name, v] of Object.entries(values)) {
      if (v.kind === "const") params[name] = { const: v.value };
      else if (v.kind === "node") params[name] = { node: v.id };
      else params[name] = { lane: this.addLane("param", id, v, name), init: firstNumber(v.pattern) };
    }
    const occ = `${this.scope}|${kind}`;
    const n = this.occurrences.get(occ) ?? 0;
    this.occurrences.set(occ, n + 1);
    const key = nodeKey(kind, this.scope, n, params, (i) => this.nodes[i]!.key);
    this.nodes.push({ id, key, kind, params, loc: this.loc(span) });
    return id;
  }

  private addLane(kind: "trigger" | "param", node: number, v: Value & { kind: "pattern" }, param?: string): number {
    const id = this.irLanes.length;
    this.irLanes.push({ id, kind, node, ...(param ? { param } : {}), pattern: v.source, loc: this.loc(v.span) });
    this.lanes.push({ id, kind, pattern: v.pattern });
    return id;
  }

  private asNode(v: Value, span: Span): number {
    if (v.kind === "node") return v.id;
    // A constant or a bare numeric pattern as an output: a node that outputs it.
    return this.emit("mul", { a: v, b: { kind: "const", value: 1 } }, span);
  }

  private pattern(e: Expr & { type: "str" }, numeric: boolean): Value {
    let pattern: Pattern<MiniValue>;
    try {
      pattern = mini(e.value);
    } catch (err) {
      if (err instanceof MiniError) {
        const at = e.span.start + 1 + err.offset;
        this.error(`in pattern string: expected ${err.expected}`, { start: at, end: at + 1 });
      }
      throw err;
    }
    if (numeric) {
      const bad = pattern.queryArc(0, 1).find((h) => typeof h.value !== "number");
      if (bad) this.error(`'${String(bad.value)}' is not a number; this pattern sets a numeric parameter`, e.span);
    }
    return { kind: "pattern", pattern, source: e.value, span: e.span };
  }

  expr(e: Expr, chainInput?: Value): Value {
    switch (e.type) {
      case "num":
        return { kind: "const", value: e.value };
      case "str":
        return this.pattern(e, true);
      case "bus":
        return this.bus(e.name, e.span);
      case "neg":
        return this.arith("*", this.expr(e.expr), { kind: "const", value: -1 }, e.span);
      case "binary":
        return this.arith(e.op, this.expr(e.left), this.expr(e.right), e.span);
      case "name":
        return this.call(e.name, e.span, [], e.span, chainInput);
      case "call":
        return this.call(e.name, e.nameSpan, e.args, e.span, chainInput);
      case "chain":
        return this.chain(e.left, e.right);
    }
  }

  private chain(leftExpr: Expr, right: Expr): Value {
    const left = this.expr(leftExpr);
    // `x # lpf 800 * 0.3` applies the call to x, then the operator: (x # lpf 800) * 0.3.
    const apply = (r: Expr): Value => {
      if (r.type === "call" || r.type === "name") return this.expr(r, left);
      if (r.type === "binary") return this.arith(r.op, apply(r.left), this.expr(r.right), r.span);
      return this.error("the right side of '#' must be a function that takes an input, such as `lpf 800`", r.span);
    };
    return apply(right);
  }

  private arith(op: "+" | "-" | "*" | "/", a: Value, b: Value, span: Span): Value {
    if (a.kind === "const" && b.kind === "const") {
      const x = a.value;
      const y = b.value;
      return { kind: "const", value: op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : y === 0 ? 0 : x / y };
    }
    const kind = { "+": "add", "-": "sub", "*": "mul", "/": "div" }[op];
    return { kind: "node", id: this.emit(kind, { a, b }, span) };
  }

  private call(name: string, nameSpan: Span, args: Expr[], span: Span, chainInput?: Value): Value {
    const b = lookup(name);
    if (!b) {
      const isBus = this.busDefs.has(name);
      this.error(`unknown function '${name}'`, nameSpan, isBus ? `to read the bus, write '~${name}'` : didYouMean(name, builtinNames()));
    }
    if (b.name === "s") return this.sampler(b, args, span, chainInput);
    if (chainInput && !b.chain) {
      this.error(`'${name}' does not take an input from '#'`, nameSpan, "use it on its own, or chain into a filter or effect");
    }
    const values: Record<string, Value> = {};
    const rest = [...args];
    if (b.chain) {
      if (chainInput) values.in = chainInput;
      else if (rest.length) values.in = this.expr(rest.shift()!);
      else this.error(`'${name}' needs an input: write \`x # ${name} …\``, nameSpan);
    }
    if (rest.length > b.params.length) {
      const extra = rest[b.params.length]!;
      this.error(`'${name}' takes at most ${b.params.length} argument${b.params.length === 1 ? "" : "s"} (${b.params.map((p) => p.name).join(", ")})`, extra.span);
    }
    b.params.forEach((p, i) => {
      const arg = rest[i];
      if (arg) values[p.name] = this.expr(arg);
      else if (p.default !== undefined) values[p.name] = { kind: "const", value: p.default };
      else this.error(`'${name}' needs its '${p.name}' argument (${p.unit})`, span);
    });
    if (b.kernel === "mul" && b.name === "gain") return this.arith("*", values.in!, values.amount!, span);
    return { kind: "node", id: this.emit(b.kernel, values, span) };
  }

  private sampler(b: Builtin, args: Expr[], span: Span, chainInput?: Value): Value {
    if (chainInput) this.error("'s' starts a sound and takes no input from '#'", span);
    const arg = args[0];
    if (!arg || arg.type !== "str" || args.length > 1) {
      this.error(`'s' takes one pattern string of sample names, e.g. s "bd sn"`, arg?.span ?? span);
    }
    const v = this.pattern(arg, false) as Value & { kind: "pattern" };
    const id = this.emit(b.kernel, { gain: { kind: "const", value: 1 } }, span);
    this.addLane("trigger", id, v);
    return { kind: "node", id };
  }
}

function canonicalOutput(name: string): string {
  const m = /^(?:out|o|d)(\d+)$/.exec(name);
  return m ? `out${m[1]}` : name;
}

/** The value of the first onset in cycle 0, so a parameter starts right before its first event. */
function firstNumber(p: Pattern<MiniValue>): number {
  const first = p.queryArc(0, 1).find((h) => h.hasOnset() && typeof h.value === "number");
  return first ? (first.value as number) : 0;
}

/** Drop nodes no output reaches; renumber nodes and lanes densely in their original order. */
function prune(ir: GraphIR, lanes: CompiledLane[]): { ir: GraphIR; lanes: CompiledLane[] } {
  const live = new Set<number>();
  const visit = (id: number): void => {
    if (live.has(id)) return;
    live.add(id);
    for (const p of Object.values(ir.nodes[id]!.params)) if ("node" in p) visit(p.node);
  };
  for (const o of ir.outputs) visit(o.node);
  const newId = new Map<number, number>();
  const nodes: IRNode[] = [];
  for (const n of ir.nodes) {
    if (!live.has(n.id)) continue;
    newId.set(n.id, nodes.length);
    nodes.push(n);
  }
  const keptLanes = ir.lanes.filter((l) => live.has(l.node));
  const laneId = new Map(keptLanes.map((l, i) => [l.id, i]));
  const remap = (p: Param): Param =>
    "node" in p ? { node: newId.get(p.node)! } : "lane" in p ? { lane: laneId.get(p.lane)!, init: p.init } : p;
  return {
    ir: {
      ...ir,
      nodes: nodes.map((n) => ({
        ...n,
        id: newId.get(n.id)!,
        params: Object.fromEntries(Object.entries(n.params).map(([k, p]) => [k, remap(p)])),
      })),
      buses: ir.buses.filter((b) => live.has(b.node)).map((b) => ({ ...b, node: newId.get(b.node)! })),
      outputs: ir.outputs.map((o) => ({ ...o, node: newId.get(o.node)! })),
      lanes: keptLanes.map((l) => ({ ...l, id: laneId.get(l.id)!, node: newId.get(l.node)! })),
    },
    lanes: lanes.filter((l) => laneId.has(l.id)).map((l) => ({ ...l, id: laneId.get(l.id)! })),
  };
}

/** Parse and lower a whole file. Pure and deterministic. */
export function compile(text: string): CompileResult {
  const parsed = parse(text);
  const lowerer = new Lowerer(parsed.program, parsed.map);
  const ir = lowerer.run();
  const diagnostics = [...parsed.diagnostics, ...lowerer.diagnostics].sort((a, b) => a.span.start - b.span.start);
  const ok = !diagnostics.some((d) => d.severity === "error");
  if (ok && ir.outputs.length === 0) {
    diagnostics.push(diagnostic(parsed.map, "error", "nothing to play: add an output such as `out: sine 440 * 0.2`", { start: 0, end: 0 }));
  }
  const failed = diagnostics.some((d) => d.severity === "error");
  return { ...(failed ? {} : { ir }), lanes: failed ? [] : lowerer.lanes, diagnostics, map: parsed.map };
}

export { BUILTINS };
