//! Emission: evaluated values become GraphIR nodes, lanes and voice templates (each shared value once, children before parents).
import type { Span } from "../ast.js";
import { BUILTINS } from "../catalogue.js";
import { Abandon, type Diagnostic, type SourceMap, diagnostic } from "../diagnostics.js";
import type { Pattern } from "../pattern/pattern.js";
import { badAtoms, laneNumbers, signalNumber } from "./atoms.js";
import type { IRLane, IRNode, IRTemplate, Loc, Param } from "./ir.js";
import { nodeKey } from "./key.js";
import { chordMidi } from "./pitch.js";
import type { Controls, Sig, Val, VoiceTemplate } from "./meaning.js";

/** A lane's pattern as the scheduler uses it. */
export interface CompiledLane {
  id: number;
  kind: "trigger" | "param" | "gate";
  /** trigger: Controls; param and gate: numbers. */
  pattern: Pattern<unknown>;
  /** Trigger lanes: what the node plays. */
  target?: "sampler" | "voices";
  /** Set when the lane drives a node of that template. */
  template?: number;
}

interface Graph {
  nodes: IRNode[];
  /** Nodes made for plain values used as signals (numbered for their keys). */
  values: number;
  memo: Map<Val, number>;
  template?: number;
  /** Template graphs: the global nodes their voices read, by input index. */
  inputs?: number[];
  patches: { node: number; param: string; bus: string; span: Span }[];
}

const OSCILLATOR_KERNELS = new Set(BUILTINS.filter((b) => b.family === "oscillator" && b.params[0]?.name === "freq").map((b) => b.kernel!));

export class Emitter {
  readonly lanes: IRLane[] = [];
  readonly compiled: CompiledLane[] = [];
  readonly templates: IRTemplate[] = [];
  readonly global: Graph = { nodes: [], values: 0, memo: new Map(), patches: [] };
  private readonly templateIds = new Map<string, number>();
  private readonly building: string[] = [];
  private readonly templateInputs = new Map<number, number[]>();

  constructor(
    private readonly map: SourceMap,
    /** Where an error is recorded before the current output is abandoned. */
    private readonly diagnostics: Diagnostic[],
    /** The values of the buses read one block late (feedback), by name. */
    private readonly feedback: ReadonlyMap<string, Val>,
  ) {}

  /** Record an error at span and abandon the current output. */
  private fail(message: string, span: Span, suggestion?: string): never {
    this.diagnostics.push(diagnostic(this.map, "error", message, span, suggestion ? { suggestion } : {}));
    throw new Abandon();
  }

  private loc(span: Span): Loc {
    return this.map.position(span.start);
  }

  /** The node already emitted for `v` in the global graph, if any. */
  emitted(v: Val): number | undefined {
    return this.global.memo.get(v);
  }

  /** A pattern that sets a numeric parameter: its values as numbers (note names as Hz). */
  private numeric(v: Val & { t: "pat" }): Pattern<number> {
    const bad = badAtoms(v.p, (x) => signalNumber(x) !== undefined || (typeof x === "string" && chordMidi(x) !== undefined));
    if (bad.length) this.fail(`'${bad[0]}' is not a number; this pattern sets a numeric parameter`, v.span);
    return laneNumbers(v.p);
  }

  /** The node that computes `v` in the global graph. */
  output(v: Val, span: Span): number {
    const id = this.node(v, this.global, span);
    this.resolvePatches(this.global);
    return id;
  }

  /** Emit `v` as a node of graph g (once per value). */
  node(v: Val, g: Graph, span: Span): number {
    const done = g.memo.get(v);
    if (done !== undefined) return done;
    let id: number;
    switch (v.t) {
      case "sig":
        // A voice that plays events (a bus of sounds used as a synth) reads them from the global graph.
        if (g.template !== undefined && needsGlobal(v)) {
          id = this.add(g, "mul", { b: { t: "num", v: 1 } }, undefined, v.scope, v.occ, v.span, undefined, { a: { input: this.templateInput(v, g, v.span) } });
        } else {
          if (g.template === undefined) this.emitInputsFirst(v, g);
          id = this.sig(v, g);
        }
        break;
      case "num":
      case "pat":
      case "prev":
        // A value used as a signal on its own: a node that outputs it.
        id = this.add(g, "mul", { a: v, b: { t: "num", v: 1 } }, undefined, "value", g.values++, span);
        break;
      case "sound":
        return this.fail("internal: a sound pattern reached emission uncommitted", v.span);
      case "xf":
        return this.fail(`'${v.name}' is a transform, not a sound: apply it to a pattern with '$', as in \`s "bd sn" $ ${v.name} …\``, v.span);
      case "list":
        return this.fail("a list is not a sound: use `stack [a, b]` to play several things together", v.span);
      case "gatepat":
        return this.fail("a gate pattern can only drive a gate parameter", v.span);
    }
    g.memo.set(v, id);
    return id;
  }

  /**
   * Emits the signal inputs of `root` in the global graph, deepest first, with an explicit stack
   * instead of recursion: a 1,024-term sum is a left-deep chain of `add`s 1,023 deep. Same
   * order as the recursive emission (each node after its inputs, inputs in parameter order), so
   * node ids and keys do not change; when `root` is then emitted every input is already done.
   * A `voices` node is emitted whole by the recursion (its template comes before its inputs);
   * the walk does not descend into it.
   */
  private emitInputsFirst(root: Sig, g: Graph): void {
    const inputs = (s: Sig): Sig[] =>
      s.template ? [] : Object.values(s.params).filter((p): p is Sig => p.t === "sig" && !g.memo.has(p));
    const stack: { s: Sig; next: number; kids: Sig[] }[] = [{ s: root, next: 0, kids: inputs(root) }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.kids.length) {
        const kid = top.kids[top.next++]!;
        if (!g.memo.has(kid)) stack.push({ s: kid, next: 0, kids: inputs(kid) });
      } else {
        stack.pop();
        if (top.s !== root && !g.memo.has(top.s)) this.node(top.s, g, top.s.span);
      }
    }
  }

  private sig(s: Sig, g: Graph): number {
    const data: Record<string, string | number | number[]> = { ...(s.data ?? {}) };
    const extra: Record<string, Param> = {};
    if (s.kind === "voices" && s.template) {
      if (g.template !== undefined) return this.fail("a synth voice cannot itself trigger synth voices of a bus", s.span);
      const t = this.template(s.template);
      data.template = t.id;
      (this.templateInputs.get(t.id) ?? []).forEach((node, k) => {
        extra[`in${k}`] = { node };
      });
    }
    return this.add(g, s.kind, s.params, data, s.scope, s.occ, s.span, s.trigger, extra);
  }

  /** Add a node with its params (children first), its lanes, and its key. */
  private add(
    g: Graph,
    kind: string,
    values: Record<string, Val>,
    data: Record<string, string | number | number[]> | undefined,
    scope: string,
    occ: number,
    span: Span,
    trigger?: Sig["trigger"],
    extra: Record<string, Param> = {},
  ): number {
    // The engine takes finite numbers only (JSON has no Infinity or NaN): say where one came from.
    for (const [name, v] of Object.entries(values)) {
      if (v.t === "num" && !Number.isFinite(v.v)) this.fail(`the '${name}' of '${kind}' is ${v.v}: it must be a finite number`, span);
    }
    for (const [name, d] of Object.entries(data ?? {})) {
      if ((typeof d === "number" && !Number.isFinite(d)) || (Array.isArray(d) && d.some((x) => !Number.isFinite(x)))) {
        this.fail(`the '${name}' of '${kind}' holds ${String(d)}: it must be finite numbers`, span);
      }
    }
    // Children first, so that every node comes after its inputs.
    const params: Record<string, Param> = {};
    const pending: [string, Val][] = [];
    for (const [name, v] of Object.entries(values)) {
      const p = this.childParam(v, g, span);
      if (p) params[name] = p;
      else pending.push([name, v]);
    }
    Object.assign(params, extra);
    const id = g.nodes.length;
    for (const [name, v] of pending) {
      if (v.t === "pat") params[name] = this.paramLane("param", id, name, v.src, this.numeric(v), v.span, g);
      else if (v.t === "gatepat") params[name] = this.paramLane("gate", id, name, v.src, v.p, v.span, g);
      else if (v.t === "prev") {
        params[name] = { prev: -1 };
        g.patches.push({ node: id, param: name, bus: v.bus, span: v.span });
      }
    }
    // In the order the values were given (params needing lanes were filled in last).
    const ordered: Record<string, Param> = {};
    for (const k of [...Object.keys(values), ...Object.keys(extra)]) if (params[k]) ordered[k] = params[k]!;
    const hasData = data && Object.keys(data).length > 0;
    const keyed = hasData ? keyedData(kind, data) : undefined;
    const key = nodeKey(kind, scope, occ, ordered, keyed, (i) => g.nodes[i]!.key, (k) => this.global.nodes[g.inputs![k]!]!.key);
    g.nodes.push({ id, key, kind, params: ordered, ...(hasData ? { data } : {}), loc: this.loc(span) });
    if (trigger) this.triggerLane(id, kind === "voices" ? "voices" : "sampler", trigger, g);
    return id;
  }

  /** The param for a value that needs no lane: a constant or another node; undefined for lanes and feedback. */
  private childParam(v: Val, g: Graph, span: Span): Param | undefined {
    switch (v.t) {
      case "num":
        return { const: v.v };
      case "pat":
      case "gatepat":
      case "prev":
        return undefined;
      case "sig":
        if (g.template !== undefined && needsGlobal(v)) return { input: this.templateInput(v, g, span) };
        return { node: this.node(v, g, span) };
      default:
        return { node: this.node(v, g, span) };
    }
  }

  private templateInput(v: Val, g: Graph, span: Span): number {
    const id = this.node(v, this.global, span);
    const inputs = (g.inputs ??= []);
    const k = inputs.indexOf(id);
    if (k >= 0) return k;
    inputs.push(id);
    return inputs.length - 1;
  }

  private paramLane(kind: "param" | "gate", node: number, param: string, src: string, pattern: Pattern<number>, span: Span, g: Graph): Param {
    const init = kind === "gate" ? 0 : this.firstValue(pattern, span);
    const id = this.lanes.length;
    this.lanes.push({ id, kind, node, param, ...(g.template !== undefined ? { template: g.template } : {}), pattern: src, loc: this.loc(span) });
    this.compiled.push({ id, kind, pattern, ...(g.template !== undefined ? { template: g.template } : {}) });
    return { lane: id, init };
  }

  private triggerLane(node: number, target: "sampler" | "voices", trigger: NonNullable<Sig["trigger"]>, g: Graph): void {
    this.check(trigger.p, trigger.span);
    const id = this.lanes.length;
    this.lanes.push({ id, kind: "trigger", node, ...(g.template !== undefined ? { template: g.template } : {}), pattern: trigger.src, loc: this.loc(trigger.span) });
    this.compiled.push({ id, kind: "trigger", pattern: trigger.p, target, ...(g.template !== undefined ? { template: g.template } : {}) });
  }

  /** Query the start of a lane, so that a pattern that cannot be played fails now with a diagnostic (a short window: queries can be costly). */
  private check(p: Pattern<unknown>, span: Span): void {
    try {
      p.queryArc(0, 1 / 64);
    } catch (e) {
      this.fail(`this pattern cannot be played: ${e instanceof Error ? e.message : String(e)}`, span);
    }
  }

  /** The value of the first onset in cycle 0, so a parameter starts right before its first event. */
  private firstValue(p: Pattern<number>, span: Span): number {
    let haps;
    try {
      haps = p.queryArc(0, 1);
    } catch (e) {
      return this.fail(e instanceof Error ? e.message : String(e), span);
    }
    const first = haps.find((h) => h.hasOnset());
    const v = first ? first.value : haps[0]?.value;
    return typeof v === "number" && Number.isFinite(v) ? v : 0;
  }

  private template(t: VoiceTemplate): IRTemplate {
    const known = this.templateIds.get(t.name);
    if (known !== undefined) return this.templates[known]!;
    if (this.building.includes(t.name)) return this.fail(`the synth '~${t.name}' triggers itself`, t.span);
    this.building.push(t.name);
    const id = this.templates.length;
    const g: Graph = { nodes: [], values: 0, memo: new Map(), template: id, patches: [] };
    const entry: IRTemplate = { id, name: t.name, nodes: g.nodes, output: -1, pitch: [] };
    this.templates.push(entry);
    this.templateIds.set(t.name, id);
    try {
      entry.output = this.node(t.value, g, t.span);
      this.resolvePatches(g);
    } finally {
      this.building.pop();
    }
    // Pitch ports: oscillators at audio rate (a constant of 20 Hz or more); LFOs keep their rate.
    // A template of bare oscillators only (`~synth: saw`, Phonon's idiom) has its 1 Hz ports follow the note.
    const oscillators = g.nodes.filter((n) => OSCILLATOR_KERNELS.has(n.kind));
    for (const n of oscillators) if (n.params.freq === undefined) n.params.freq = { const: 1 };
    const constant = oscillators.filter((n) => "const" in n.params.freq!);
    const audio = constant.filter((n) => (n.params.freq as { const: number }).const >= 20);
    for (const n of audio.length ? audio : constant) entry.pitch.push({ node: n.id, param: "freq", base: (n.params.freq as { const: number }).const });
    this.templateInputs.set(id, g.inputs ?? []);
    return entry;
  }

  /** Point feedback reads at their bus's node (emitting it if nothing else did). */
  private resolvePatches(g: Graph): void {
    while (g.patches.length) {
      const p = g.patches.shift()!;
      const v = this.feedback.get(p.bus);
      if (!v) this.fail(`internal: feedback bus '~${p.bus}' has no value`, p.span);
      const id = this.node(v, g, p.span);
      g.nodes[p.node]!.params[p.param] = { prev: id };
    }
  }
}

/**
 * The data that goes into a node's key: all of it, except a sampler's or synth voices node's
 * voice limit (`voices`), so an edit of `# voices N` keeps the node and its sounding voices (the
 * engine rebuilds the pool and carries over what fits) instead of restarting it and what follows it.
 */
function keyedData(kind: string, data: Record<string, string | number | number[]>): Record<string, string | number | number[]> | undefined {
  if (kind !== "sampler" && kind !== "voices") return data;
  const rest = Object.fromEntries(Object.entries(data).filter(([k]) => k !== "voices"));
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/** A value whose node must live in the global graph even when a voice reads it: anything that plays events. */
function needsGlobal(v: Val, seen = new Set<Val>()): boolean {
  if (seen.has(v)) return false;
  seen.add(v);
  if (v.t !== "sig") return false;
  if (v.trigger) return true;
  return Object.values(v.params).some((p) => needsGlobal(p, seen));
}

export type { Controls };
