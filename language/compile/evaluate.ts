//! The evaluator: expressions become values (constants, patterns, sounds, signal nodes, transforms) by the rules of the .ph language.
import { type Arg, type BinaryOp, type Expr, type Program, type Span, type Statement, leftmostIsCall } from "../ast.js";
import { type Builtin, MIDI_BUS, MIDI_UNSUPPORTED, builtinNames, lookup } from "../catalogue.js";
import { Abandon, type Diagnostic, type SourceMap, diagnostic, didYouMean } from "../diagnostics.js";
import { MiniError, mini } from "../pattern/mini.js";
import { Pattern, pure } from "../pattern/pattern.js";
import * as compose from "../pattern/ops/compose.js";
import { badAtoms, expandChords, isSynthName, midiNumber } from "./atoms.js";
import { lowering } from "./builtins/table.js";
import { Expansions } from "./cycle.js";
import { chainDollar, dollar } from "./dollar.js";
import { faultMessage } from "./fault.js";
import { type Pat, type Sig, type Sound, type Val, type VoiceTemplate, describe, spanOf } from "./meaning.js";
import { dsp } from "./node.js";
import { chordMidi } from "./pitch.js";
import { applyXf, phononTransform, preferTransform, transformCall, phononTransformNames, xf } from "./transform.js";

export const DEFAULT_CPS = 0.5;
/**
 * The tempo range, in cycles per second: one cycle lasts at most 1000 s and at least 1 ms. The
 * engine clamps a tempo it is sent to the same range (events.rs, field CPS); beyond it the frame
 * arithmetic loses its meaning (a cycle of 10^9 s) or the scheduler has more cycles than frames.
 */
export const MIN_CPS = 0.001;
export const MAX_CPS = 1000;

/** Why a tempo cannot be played (with what to write instead), or undefined when it can. */
export function tempoProblem(cps: number, bpm: boolean): { message: string; suggestion: string } | undefined {
  if (Number.isFinite(cps) && cps >= MIN_CPS && cps <= MAX_CPS) return undefined;
  const shown = bpm ? `bpm ${+(cps * 60).toPrecision(6)}` : `tempo ${+cps.toPrecision(6)}`;
  return {
    message: `${shown} is out of range: the tempo must be ${MIN_CPS}…${MAX_CPS} cycles per second (bpm ${MIN_CPS * 60}…${MAX_CPS * 60})`,
    suggestion: bpm ? "for example `bpm: 120`" : "for example `tempo: 0.5` (one cycle every 2 s)",
  };
}

export type BusStmt = Statement & { type: "bus" };

/** Local names: function parameters. */
export type Env = Map<string, Val>;
export const GLOBAL: Env = new Map();

const STRUCTURE_OPS: Partial<Record<BinaryOp, [string, compose.How]>> = {
  "+": ["add", "mix"], "-": ["sub", "mix"], "*": ["mul", "mix"], "/": ["div", "mix"],
  "|+|": ["add", "mix"], "|-|": ["sub", "mix"], "|*|": ["mul", "mix"], "|/|": ["div", "mix"],
  "|+": ["add", "in"], "|-": ["sub", "in"], "|*": ["mul", "in"], "|/": ["div", "in"],
  "+|": ["add", "out"], "-|": ["sub", "out"], "*|": ["mul", "out"], "/|": ["div", "out"],
  "|>": ["set", "in"], ">|": ["set", "out"], "|<": ["keep", "in"], "<|": ["keep", "out"],
};
const SIGNAL_OPS: Record<string, string> = { "+": "add", "-": "sub", "*": "mul", "/": "div" };

const miniCache = new Map<string, Pattern<unknown>>();

/** Evaluates expressions to values (see meaning.ts): definitions, chains, `$`, transforms, calls, sounds. */
export class Evaluator {
  readonly diagnostics: Diagnostic[] = [];
  cps = DEFAULT_CPS;
  readonly buses = new Map<string, BusStmt>();
  readonly templates = new Map<string, Statement & { type: "template" }>();
  readonly patterns = new Map<string, Statement & { type: "pattern" }>();
  readonly fns = new Map<string, Statement & { type: "fn" }>();
  readonly busValues = new Map<string, Val>();
  private readonly patternValues = new Map<string, Val>();
  private readonly evaluating: string[] = [];
  private readonly failedBuses = new Set<string>();
  private readonly failedPatterns = new Set<string>();
  private readonly occ = new Map<string, number>();
  private readonly commits = new WeakMap<object, Val>();
  /** Definitions being expanded: one expanded inside itself is a cycle (compile/cycle.ts). */
  readonly expanding = new Expansions();
  /** Buses read one block late (feedback) … */
  private readonly fedBack = new Set<string>();
  /** … and their values, as emission reads them (a sound committed to its nodes). */
  readonly feedback = new Map<string, Val>();
  private scope = "";

  constructor(
    readonly program: Program,
    readonly map: SourceMap,
    readonly parseFailed = false,
    /** Told the source offset of each expression as evaluation reaches it (where a slow compile is). */
    private readonly progress?: (offset: number) => void,
  ) {
    for (const s of program.statements) {
      if (s.type === "bus") this.buses.set(s.name, s);
      else if (s.type === "template") this.templates.set(s.name, s);
      else if (s.type === "pattern") this.patterns.set(s.name, s);
      else if (s.type === "fn") this.fns.set(s.name, s);
      else if (s.type === "tempo") {
        const problem = tempoProblem(s.cps, map.text.slice(s.span.start, s.span.end).trimStart().startsWith("bpm"));
        if (problem) this.report("error", problem.message, s.span, problem.suggestion);
        else this.cps = s.cps;
      }
    }
  }

  // ---------------------------------------------------------------- diagnostics and scopes

  attempt(f: () => void): void {
    try {
      f();
    } catch (e) {
      if (!(e instanceof Abandon)) throw e;
    }
  }

  report(severity: "error" | "warning", message: string, span: Span, suggestion?: string, expected?: string): void {
    this.diagnostics.push(diagnostic(this.map, severity, message, span, { ...(suggestion ? { suggestion } : {}), ...(expected ? { expected } : {}) }));
  }

  error(message: string, span: Span, suggestion?: string, expected?: string): never {
    this.report("error", message, span, suggestion, expected);
    throw new Abandon();
  }

  warn(message: string, span: Span, suggestion?: string): void {
    this.report("warning", message, span, suggestion);
  }

  scoped<T>(scope: string, f: () => T): T {
    const saved = this.scope;
    this.scope = scope;
    try {
      return f();
    } finally {
      this.scope = saved;
    }
  }

  /** A sub-scope for one use of something (a function call, a modifier bus), numbered within the current scope. */
  subScope(tag: string): string {
    const k = `${this.scope}|${tag}`;
    const n = this.occ.get(k) ?? 0;
    this.occ.set(k, n + 1);
    return `${this.scope}/${tag}#${n}`;
  }

  /** A new DSP node value in the current scope. */
  sig(kind: string, params: Record<string, Val>, span: Span, extra: Partial<Sig> = {}): Sig {
    const k = `${this.scope}|${kind}`;
    const occ = this.occ.get(k) ?? 0;
    this.occ.set(k, occ + 1);
    for (const [name, v] of Object.entries(params)) {
      if (v.t === "sound") params[name] = this.commit(v);
      else if (v.t === "xf" || v.t === "list") {
        this.error(`${describe(v)} cannot be the '${name}' of '${kind}'`, v.span);
      }
    }
    return { t: "sig", kind, params, span, scope: this.scope, occ, ...extra };
  }

  // ---------------------------------------------------------------- definitions

  busValue(name: string, at: Span): Val {
    const done = this.busValues.get(name);
    if (done) return done;
    // A bus whose definition failed was reported once; its readers are abandoned quietly.
    if (this.failedBuses.has(name)) throw new Abandon();
    const def = this.buses.get(name)!;
    if (this.evaluating.includes(name)) {
      // Feedback: the bus reads its own value one block late (a stated one-block delay).
      this.fedBack.add(name);
      return { t: "prev", bus: name, span: at };
    }
    this.evaluating.push(name);
    try {
      const value = this.scoped(`bus:${name}`, () => this.expr(def.expr, GLOBAL));
      // Every reader of a pattern bus gets the one pattern, which remembers its last query: two
      // lanes that read it in the same cycle query it once (a cross-lane cache for a cycle).
      const v: Val = value.t === "pat" || value.t === "sound" || value.t === "gatepat" ? ({ ...value, p: value.p.shared() } as Val) : value;
      this.busValues.set(name, v);
      if (this.fedBack.has(name)) this.feedback.set(name, v.t === "sound" ? this.commit(v) : v);
      return v;
    } catch (e) {
      if (e instanceof Abandon) this.failedBuses.add(name);
      throw e;
    } finally {
      this.evaluating.pop();
    }
  }

  patternValue(name: string, at: Span): Val {
    const done = this.patternValues.get(name);
    if (done) return done;
    const def = this.patterns.get(name);
    if (!def) return this.error(`unknown pattern '%${name}'`, at, didYouMean(name, this.patterns.keys())?.replace(/'(\w+)'/g, "'%$1'"));
    if (this.failedPatterns.has(name)) throw new Abandon();
    try {
      const v = this.expanding.within(`%${name}`, () => this.scoped(`pat:${name}`, () => this.expr(def.expr, GLOBAL)));
      this.patternValues.set(name, v);
      return v;
    } catch (e) {
      if (e instanceof Abandon) this.failedPatterns.add(name);
      throw e;
    }
  }

  private busRef(e: Expr & { type: "bus" }, env: Env): Val {
    const def = this.buses.get(e.name);
    if (!def) {
      if (MIDI_BUS.test(e.name)) this.error(`'~${e.name}' is MIDI input, which is not supported`, e.span, `${MIDI_UNSUPPORTED} is out of scope for now: use a pattern, e.g. note "c4 e4 g4"`);
      const local = env.get(e.name);
      if (local) return local;
      this.error(`unknown bus '~${e.name}'`, e.span, this.busSuggestion(e.name));
    }
    if (e.path.length) this.error(`'~${e.name}:${e.path.join(":")}': bus paths are only used for MIDI input, which is not supported`, e.span);
    if (def.params.length > 0) {
      this.error(`'~${e.name}' is a function bus: call it with ${def.params.length} argument${def.params.length === 1 ? "" : "s"} (${def.params.join(", ")})`, e.span);
    }
    if (def.op === "#") {
      // A modifier bus is re-instantiated fresh at every use.
      return this.scoped(this.subScope(`mod:${e.name}`), () => this.expr(def.expr, GLOBAL));
    }
    return this.busValue(e.name, e.span);
  }

  busSuggestion(name: string): string | undefined {
    const s = didYouMean(name, this.buses.keys());
    if (s) return s.replace(/'(\w+)'/g, "'~$1'");
    if (lookup(name) || phononTransform(name)) return `'${name}' is a function: write it without '~'`;
    return undefined;
  }

  // ---------------------------------------------------------------- expressions

  expr(e: Expr, env: Env): Val {
    try {
      return this.evalExpr(e, env);
    } catch (err) {
      // Anything pattern code throws is reported at the innermost expression that raised it.
      if (err instanceof Abandon) throw err;
      return this.error(faultMessage(err), e.span);
    }
  }

  private evalExpr(e: Expr, env: Env): Val {
    this.progress?.(e.span.start);
    switch (e.type) {
      case "num":
        return { t: "num", v: e.value };
      case "str":
        return this.pattern(e);
      case "bus":
        return this.busRef(e, env);
      case "name":
        return this.callName(e.name, [], env, e.span, e.span);
      case "call":
        return this.callName(e.name, e.args, env, e.span, e.nameSpan);
      case "buscall":
        return this.busCall(e.name, e.args, env, e.span, e.nameSpan);
      case "neg":
        return this.negate(this.expr(e.expr, env), e.span);
      case "binary": {
        // A left-deep chain (`a + b + c …`, 1,024 terms in a sine bank) is folded in a loop,
        // not by recursion: the same order of evaluation, a stack depth of one.
        const spine: (Expr & { type: "binary" })[] = [];
        let x: Expr = e;
        while (x.type === "binary") {
          spine.push(x);
          x = x.left;
        }
        let acc = this.expr(x, env);
        for (let i = spine.length - 1; i >= 0; i--) {
          const b = spine[i]!;
          acc = this.binary(b.op, acc, this.expr(b.right, env), b.span);
        }
        return acc;
      }
      case "chain": {
        // `a # b # c …` is left-deep: walked down its left spine, then applied link by link
        // (the same order as the recursion, a stack depth of one).
        const links: (Expr & { type: "chain" })[] = [];
        let x: Expr = e;
        while (x.type === "chain") {
          links.push(x);
          x = x.left;
        }
        let acc = this.expr(x, env);
        for (let i = links.length - 1; i >= 0; i--) acc = this.chain(acc, links[i]!.right, env, links[i]!.span);
        return acc;
      }
      case "dollar":
        return dollar(this, e, env);
      case "section": {
        const body = e.body;
        return xf(this, "#", e.span, undefined, (v) => this.chain(v, body, env, e.span));
      }
      case "list":
        return { t: "list", items: e.items.map((x) => this.expr(x, env)), span: e.span };
      case "template": {
        const def = this.templates.get(e.name);
        if (!def) this.error(`unknown template '@${e.name}'`, e.span, didYouMean(e.name, this.templates.keys())?.replace(/'(\w+)'/g, "'@$1'"));
        return this.scoped(this.subScope(`@${e.name}`), () => this.expr(def.expr, GLOBAL));
      }
      case "patref":
        return this.patternValue(e.name, e.span);
    }
  }

  /** A string: mini-notation, parsed once per distinct text. */
  private pattern(e: Expr & { type: "str" }): Pat {
    let p = miniCache.get(e.value);
    if (!p) {
      try {
        p = mini(e.value) as Pattern<unknown>;
      } catch (err) {
        if (err instanceof MiniError) {
          const at = e.span.start + 1 + err.offset;
          this.error(`in pattern string: expected ${err.expected}`, { start: at, end: at + 1 });
        }
        this.error(`in pattern string: ${faultMessage(err)}`, e.span);
      }
      if (miniCache.size > 5000) miniCache.clear();
      miniCache.set(e.value, p);
    }
    return { t: "pat", p, span: e.span, src: e.value };
  }

  // ---------------------------------------------------------------- arithmetic

  private negate(v: Val, span: Span): Val {
    if (v.t === "num") return { t: "num", v: -v.v };
    if (v.t === "pat") return { ...v, p: this.midiPattern(v).fmap((x) => -x) };
    return this.arith("*", v, { t: "num", v: -1 }, span);
  }

  private binary(op: BinaryOp, a: Val, b: Val, span: Span): Val {
    if (op.startsWith("~")) return this.arith(op.slice(1), a, b, span);
    const patternish = (v: Val): boolean => v.t === "num" || v.t === "pat";
    if (a.t === "num" && b.t === "num" && SIGNAL_OPS[op]) return this.arith(op, a, b, span);
    if (patternish(a) && patternish(b)) {
      const [name, how] = STRUCTURE_OPS[op]!;
      const pa = a.t === "num" ? pure(a.v) : this.midiPattern(a as Pat);
      const pb = b.t === "num" ? pure(b.v) : this.midiPattern(b as Pat);
      const src = [a, b].map((v) => (v.t === "pat" ? `"${v.src}"` : v.t === "num" ? String(v.v) : "")).join(` ${op} `);
      return { t: "pat", p: compose.combine(pa, name, pb, how), span, src };
    }
    const signalOp = SIGNAL_OPS[op] ? op : SIGNAL_OPS[op.replace(/\|/g, "")] ? op.replace(/\|/g, "") : undefined;
    if (!signalOp || op === "|>" || op === "<|" || op === "|<" || op === ">|") {
      this.error(`'${op}' combines two patterns; here one side is ${describe(patternish(a) ? b : a)}`, span, "use + - * / for signals");
    }
    return this.arith(signalOp, a, b, span);
  }

  /** Per-sample arithmetic (constants folded). */
  arith(op: string, a: Val, b: Val, span: Span): Val {
    if (a.t === "num" && b.t === "num") {
      const x = a.v;
      const y = b.v;
      const v = op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : y === 0 ? 0 : x / y;
      if (!Number.isFinite(v) && Number.isFinite(x) && Number.isFinite(y)) this.error(`${x} ${op} ${y} is ${v}: too large a number for a sound`, span);
      return { t: "num", v };
    }
    for (const v of [a, b]) {
      if (v.t === "xf") this.error(`'${v.name}' is a transform and cannot be used in arithmetic; apply it with '$'`, v.span);
      if (v.t === "list") this.error("a list cannot be used in arithmetic; use `stack [...]`", v.span);
    }
    return this.sig(SIGNAL_OPS[op]!, { a: this.signalParam(a), b: this.signalParam(b) }, span);
  }

  /** A pattern of numbers for arithmetic: note names as MIDI, chords as one event per note. */
  midiPattern(v: Pat): Pattern<number> {
    const bad = badAtoms(v.p, (x) => midiNumber(x) !== undefined || (typeof x === "string" && chordMidi(x) !== undefined));
    if (bad.length) this.error(`'${bad[0]}' is not a number or a note name`, v.span);
    return expandChords(v.p, (m) => m, (x) => midiNumber(x) ?? 0);
  }

  /** The value as emitted: a sound pattern as the nodes it was committed to. */
  committed(v: Val): Val {
    return v.t === "sound" ? (this.commits.get(v) ?? v) : v;
  }

  /** A value used where a signal param goes: sounds are committed; the rest stays (patterns become lanes). */
  signalParam(v: Val): Val {
    return v.t === "sound" ? this.commit(v) : v;
  }

  /** Any value as something that can be an output. */
  asSignal(v: Val, span: Span): Val {
    if (v.t === "sound") return this.commit(v);
    if (v.t === "sig") return v;
    if (v.t === "xf") this.error(`'${v.name}' is a transform, not a sound: apply it to a pattern with '$'`, v.span);
    if (v.t === "list") this.error("a list is not a sound: use `stack [a, b]` to play several things together", v.span);
    if (v.t === "gatepat") this.error("a gate pattern is not a sound", v.span);
    return this.sig("mul", { a: v, b: { t: "num", v: 1 } }, span);
  }

  // ---------------------------------------------------------------- chains

  /** `input # right`: the rules of Phonon's chain. */
  chain(input: Val, right: Expr, env: Env, span: Span): Val {
    switch (right.type) {
      case "chain":
        return this.chain(this.chain(input, right.left, env, span), right.right, env, span);
      case "section":
        return this.chain(input, right.body, env, span);
      case "call":
        return this.callName(right.name, right.args, env, right.span, right.nameSpan, input);
      case "name":
        return this.callName(right.name, [], env, right.span, right.span, input);
      case "buscall":
        return this.busCall(right.name, right.args, env, right.span, right.nameSpan, input);
      case "bus": {
        const def = this.buses.get(right.name);
        if (!def) return this.busRef(right, env);
        if (def.params.length > 0) return this.busCall(right.name, [], env, right.span, right.span, input);
        // The bus's stored expression is re-instantiated with the chain input.
        return this.expanding.within(`~${right.name}`, () => this.scoped(this.subScope(`via:${right.name}`), () => this.chain(input, def.expr, GLOBAL, span)));
      }
      case "template": {
        const def = this.templates.get(right.name);
        if (!def) return this.expr(right, env);
        return this.scoped(this.subScope(`@${right.name}`), () => this.chain(input, def.expr, GLOBAL, span));
      }
      case "binary": {
        // `x # lpf 800 * 0.3` filters x, then scales: the input goes to the leftmost call.
        if (leftmostIsCall(right.left)) return this.binary(right.op, this.chain(input, right.left, env, span), this.expr(right.right, env), right.span);
        break;
      }
      case "neg":
        if (leftmostIsCall(right.expr)) return this.negate(this.chain(input, right.expr, env, span), right.span);
        break;
      case "dollar":
        return chainDollar(this, input, right, env, span);
      default:
        break;
    }
    if (input.t === "sound" && (right.type === "num" || right.type === "str")) {
      this.warn("the right side of '#' is not a function, so the left side is ignored", right.span, "write a function such as `gain 0.5` after '#'");
    } else {
      this.warn("the right side of '#' is not a function, so the left side is ignored", right.span, "write a function after '#', such as `lpf 800`");
    }
    return this.expr(right, env);
  }

  // ---------------------------------------------------------------- calls

  busCall(name: string, args: Arg[], env: Env, span: Span, nameSpan: Span, chainInput?: Val): Val {
    const def = this.buses.get(name);
    if (!def && ["add", "sub", "mul", "div"].includes(name)) {
      // `~add a b`: signal arithmetic.
      const vals = this.positional(args, env, name, nameSpan);
      const all = chainInput ? [chainInput, ...vals] : vals;
      if (all.length !== 2) this.error(`'~${name}' takes two signals`, nameSpan);
      return this.arith({ add: "+", sub: "-", mul: "*", div: "/" }[name]!, all[0]!, all[1]!, span);
    }
    if (!def) return this.error(`unknown bus '~${name}'`, nameSpan, this.busSuggestion(name));
    const vals = this.positional(args, env, `~${name}`, nameSpan);
    const all = chainInput ? [chainInput, ...vals] : vals;
    if (def.params.length === 0) {
      if (all.length === 0) return this.busValue(name, nameSpan);
      return this.error(`'~${name}' is not a function bus: it takes no arguments`, nameSpan, `define it with parameters, as in \`~${name} a b $ …\``);
    }
    if (all.length !== def.params.length) {
      this.error(`'~${name}' takes ${def.params.length} argument${def.params.length === 1 ? "" : "s"} (${def.params.join(", ")}), not ${all.length}`, nameSpan);
    }
    const local: Env = new Map(def.params.map((p, i) => [p, all[i]!]));
    return this.scoped(this.subScope(`fn:~${name}`), () => this.expr(def.expr, local));
  }

  private positional(args: Arg[], env: Env, fname: string, nameSpan: Span): Val[] {
    const kw = args.find((a) => a.type === "kwarg");
    if (kw) this.error(`'${fname}' takes no keyword arguments`, kw.span);
    void nameSpan;
    return (args as Expr[]).map((a) => this.expr(a, env));
  }

  /**
   * A call by name: a function parameter, a `fn`, a builtin, or a transform. `chainInput` is the
   * left side of `#`; `mapArgs` transforms the arguments' patterns (`x # lpf "300 900" $ fast 2`).
   */
  callName(name: string, args: Arg[], env: Env, span: Span, nameSpan: Span, chainInput?: Val, mapArgs?: (v: Val) => Val): Val {
    const local = env.get(name);
    if (local) {
      if (args.length) this.error(`'${name}' is a parameter, not a function`, nameSpan);
      if (chainInput) {
        if (local.t === "xf") return applyXf(this, local, chainInput, span);
        this.error(`'${name}' is not a function, so it cannot take an input from '#'`, nameSpan);
      }
      return local;
    }
    const fn = this.fns.get(name);
    if (fn) {
      const vals = this.positional(args, env, name, nameSpan).map((v) => (mapArgs ? mapArgs(v) : v));
      const all = chainInput ? [chainInput, ...vals] : vals;
      if (all.length !== fn.params.length) {
        this.error(`'${name}' takes ${fn.params.length} argument${fn.params.length === 1 ? "" : "s"} (${fn.params.join(", ")}), not ${all.length}`, nameSpan);
      }
      const scope = this.subScope(`fn:${name}`);
      return this.expanding.within(`fn:${name}`, () => this.scoped(scope, () => this.expr(fn.expr, new Map(fn.params.map((p, i) => [p, all[i]!])))));
    }

    const b = lookup(name);
    const spec = phononTransform(name);
    if (!b && !spec) {
      const known = [...builtinNames(), ...phononTransformNames(), ...this.fns.keys()];
      const isBus = this.buses.has(name);
      return this.error(`unknown function '${name}'`, nameSpan, isBus ? `to read the bus, write '~${name}'` : didYouMean(name, known));
    }
    if (b?.unsupported) {
      this.error(`'${name}' is ${b.unsupported}, which is not supported`, nameSpan, `${b.unsupported} is out of scope for now`);
    }

    const positionalArgs = args.filter((a): a is Expr => a.type !== "kwarg");
    const kwargs = args.filter((a): a is Arg & { type: "kwarg" } => a.type === "kwarg");
    const evalArgs = (): Val[] => positionalArgs.map((a) => (mapArgs ? mapArgs(this.expr(a, env)) : this.expr(a, env)));

    // Names that are both: as a transform when used with fewer arguments than the function needs.
    if (spec && b) {
      const useTransform = preferTransform(this, b, spec, positionalArgs.length + kwargs.length, chainInput);
      if (useTransform) return transformCall(this, spec, evalArgs(), span, nameSpan, chainInput);
    } else if (spec) {
      return transformCall(this, spec, evalArgs(), span, nameSpan, chainInput);
    }
    return this.builtin(b!, evalArgs(), kwargs, env, span, nameSpan, chainInput, mapArgs);
  }

  /** A builtin from the catalogue. */
  private builtin(b: Builtin, args: Val[], kwargs: (Arg & { type: "kwarg" })[], env: Env, span: Span, nameSpan: Span, chainInput?: Val, mapArgs?: (v: Val) => Val): Val {
    const kw = new Map<string, Val>();
    for (const k of kwargs) {
      const v = this.expr(k.value, env);
      kw.set(k.name, mapArgs ? mapArgs(v) : v);
    }
    // Its own lowering, when the compiler has one (compile/builtins/); else the node its entry names.
    const own = lowering(b.name)?.(this, { b, args, kw, kwargs, span, nameSpan, ...(chainInput ? { chainInput } : {}) });
    if (own) return own;
    if (chainInput?.t === "sound" && b.family === "envelope" && b.params.some((p) => p.name === "gate" && p.default !== undefined)) {
      // An envelope after a sound restarts at each of its events.
      const v = dsp(this, b, args, kw, kwargs, span, nameSpan, this.commit(chainInput));
      // `dsp` returns the input times the envelope: the gate goes on the envelope node, not on the `mul`.
      const envelope = v.t === "sig" && v.kind !== b.kernel && v.params.b?.t === "sig" && v.params.b.kind === b.kernel ? v.params.b : v;
      if (envelope.t === "sig") envelope.params.gate = { t: "gatepat", p: chainInput.p.fmap(() => 1), span: chainInput.span, src: chainInput.src };
      return v;
    }
    if (!b.kernel) return this.error(`internal: '${b.name}' has no lowering`, nameSpan);
    return dsp(this, b, args, kw, kwargs, span, nameSpan, chainInput);
  }

  // ---------------------------------------------------------------- arguments, as builtins take them

  numberArg(v: Val | undefined, fname: string, at: Span): number {
    if (!v) return this.error(`'${fname}' needs a number`, at);
    if (v.t !== "num") return this.error(`'${fname}' needs a plain number here, not ${describe(v)}`, spanOf(v, at));
    return v.v;
  }

  patternArg(v: Val | undefined, fname: string, at: Span): Pattern<unknown> {
    if (!v) return this.error(`'${fname}' needs a pattern`, at);
    if (v.t === "num") return pure(v.v);
    if (v.t === "pat") return v.p;
    if (v.t === "sound") return v.p;
    return this.error(`'${fname}' needs a pattern here, not ${describe(v)}`, spanOf(v, at));
  }

  listArg(args: Val[], fname: string, at: Span): Val[] {
    const list = args[0];
    if (!list || list.t !== "list" || args.length > 1) return this.error(`'${fname}' takes one list: ${fname} [a, b, c]`, list ? spanOf(list, at) : at);
    if (list.items.length === 0) return this.error(`'${fname}' needs at least one item`, list.span);
    return list.items;
  }

  // ---------------------------------------------------------------- sounds to nodes

  /** Commit a sound pattern to nodes: a sampler for the samples, a voices node per synth bus. */
  commit(sound: Sound): Val {
    const done = this.commits.get(sound);
    if (done) return done;
    const anon = sound.anon;
    const parts: Val[] = [];
    // `# voices N`: every node of the sound gets the limit.
    const limit = sound.voices === undefined ? {} : { data: { voices: sound.voices } };
    if (anon) {
      parts.push(this.sig("voices", {}, sound.span, { template: anon, trigger: { p: sound.p, span: sound.span, src: sound.src }, ...limit }));
    } else {
      const synths = new Set<string>();
      for (const m of sound.src.matchAll(/~([A-Za-z_]\w*)/g)) if (this.buses.has(m[1]!)) synths.add(m[1]!);
      const samples = /[A-Za-z0-9]/.test(sound.src.replace(/~[A-Za-z_]\w*/g, "").replace(/\(\s*[^)]*\)|[*/!@?%:]\s*[\d.<>\s]+|<[\d\s.]*>/g, ""));
      if (samples || synths.size === 0) {
        parts.push(this.sig("sampler", {}, sound.span, { trigger: { p: sound.p.filterValues((c) => !isSynthName(c.s)), span: sound.span, src: sound.src }, ...limit }));
      }
      for (const name of synths) {
        const def = this.buses.get(name)!;
        const template: VoiceTemplate = this.expanding.within(`synth ~${name}`, () => {
          const value = def.op === "#" ? this.scoped(`mod:${name}`, () => this.expr(def.expr, GLOBAL)) : this.busValue(name, sound.span);
          return { name, value: this.asTemplateValue(value, name, sound.span), span: def.span };
        });
        parts.push(this.sig("voices", {}, sound.span, { template, trigger: { p: sound.p.filterValues((c) => c.s === `~${name}`), span: sound.span, src: sound.src }, ...limit }));
      }
    }
    const out = parts.reduce((acc, x) => this.arith("+", acc, x, sound.span));
    this.commits.set(sound, out);
    return out;
  }

  private asTemplateValue(v: Val, name: string, span: Span): Val {
    if (v.t === "xf") return this.error(`'~${name}' is a transform, so it cannot play as a synth`, span);
    if (v.t === "sound") return this.commit(v);
    return v;
  }}
