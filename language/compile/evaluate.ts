//! The evaluator: expressions become values (constants, patterns, sounds, signal nodes, transforms) by the rules of the .ph language.
import { type Arg, type BinaryOp, type Expr, type Program, type Span, type Statement, flattenDollar, leftmostIsCall } from "../ast.js";
import { type Builtin, MIDI_BUS, MIDI_UNSUPPORTED, type ParamSpec, VOICE_LIMIT, builtinNames, lookup } from "../catalogue.js";
import { type Diagnostic, type SourceMap, diagnostic, didYouMean, nearest } from "../diagnostics.js";
import { Hap } from "../pattern/hap.js";
import { MiniError, mini } from "../pattern/mini.js";
import { Pattern, fastcat, pure, slowcat, stack, timecat } from "../pattern/pattern.js";
import * as compose from "../pattern/ops/compose.js";
import * as random from "../pattern/random.js";
import * as signals from "../pattern/signal.js";
import * as structure from "../pattern/ops/structure.js";
import * as time from "../pattern/ops/time.js";
import { Expansions } from "./cycle.js";
import { Emitter } from "./emit.js";
import { faultMessage } from "./fault.js";
import { chordMidi, chordIntervals, chordNames, midiToHz, noteMidi, scaleDegree, scaleNames } from "./pitch.js";
import { type ArgInput, type TransformSpec, argKind, lookupTransform, maxArgs, requiredArgs, transformNames } from "./transforms.js";
import { type Controls, type Sig, type Val, type VoiceTemplate, type Xf, describe, hasPattern, spanOf } from "./value.js";

/** Envelope kernels: a chained input is multiplied by their output (they have no `in` port). */
const ENVELOPE_SHAPES = new Set(["env", "adsr", "ad", "ar", "asr", "line", "xline", "curve", "segments"]);
import { badAtoms, expandChordControls, expandChords, isSynthName, midiNumber, signalNumber, toSoundControls } from "./atoms.js";

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

/** Raised inside lowering to abandon one statement after its diagnostic was recorded. */
export class Abandon extends Error {}

export type BusStmt = Statement & { type: "bus" };
type Sound = Val & { t: "sound" };
type Pat = Val & { t: "pat" };

/** Local names: function parameters. */
export type Env = Map<string, Val>;
export const GLOBAL: Env = new Map();

/** Sample parameters that set a control of each event when they follow `s`. */
const SAMPLE_CONTROLS = new Set(["gain", "pan", "speed", "n", "note", "cut", "begin", "end", "unit", "loop", "attack", "release", "decay", "sustain", "legato", "dur", "ar", "adsr", "voices"]);

const STRUCTURE_OPS: Partial<Record<BinaryOp, [string, compose.How]>> = {
  "+": ["add", "mix"], "-": ["sub", "mix"], "*": ["mul", "mix"], "/": ["div", "mix"],
  "|+|": ["add", "mix"], "|-|": ["sub", "mix"], "|*|": ["mul", "mix"], "|/|": ["div", "mix"],
  "|+": ["add", "in"], "|-": ["sub", "in"], "|*": ["mul", "in"], "|/": ["div", "in"],
  "+|": ["add", "out"], "-|": ["sub", "out"], "*|": ["mul", "out"], "/|": ["div", "out"],
  "|>": ["set", "in"], ">|": ["set", "out"], "|<": ["keep", "in"], "<|": ["keep", "out"],
};
const SIGNAL_OPS: Record<string, string> = { "+": "add", "-": "sub", "*": "mul", "/": "div" };

const miniCache = new Map<string, Pattern<unknown>>();

/** Evaluates expressions to values (see value.ts): definitions, chains, `$`, transforms, calls, sounds. */
export class Evaluator {
  readonly diagnostics: Diagnostic[] = [];
  cps = DEFAULT_CPS;
  readonly buses = new Map<string, BusStmt>();
  private readonly templates = new Map<string, Statement & { type: "template" }>();
  readonly patterns = new Map<string, Statement & { type: "pattern" }>();
  private readonly fns = new Map<string, Statement & { type: "fn" }>();
  readonly busValues = new Map<string, Val>();
  private readonly patternValues = new Map<string, Val>();
  private readonly evaluating: string[] = [];
  private readonly failedBuses = new Set<string>();
  private readonly failedPatterns = new Set<string>();
  private readonly occ = new Map<string, number>();
  readonly commits = new WeakMap<object, Val>();
  /** Definitions being expanded: one expanded inside itself is a cycle (compile/cycle.ts). */
  private readonly expanding = new Expansions();
  private scope = "";
  readonly emitter: Emitter;

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
    this.emitter = new Emitter({
      map,
      fail: (m, span, suggestion) => this.error(m, span, suggestion),
      busValue: (name) => {
        const v = this.busValues.get(name);
        return v?.t === "sound" ? this.commit(v) : v;
      },
      numeric: (v) => this.numericLane(v),
    });
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
  private subScope(tag: string): string {
    const k = `${this.scope}|${tag}`;
    const n = this.occ.get(k) ?? 0;
    this.occ.set(k, n + 1);
    return `${this.scope}/${tag}#${n}`;
  }

  /** A new DSP node value in the current scope. */
  private sig(kind: string, params: Record<string, Val>, span: Span, extra: Partial<Sig> = {}): Sig {
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
      return { t: "prev", bus: name, span: at };
    }
    this.evaluating.push(name);
    try {
      const v = this.scoped(`bus:${name}`, () => this.expr(def.expr, GLOBAL));
      this.busValues.set(name, v);
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

  private busSuggestion(name: string): string | undefined {
    const s = didYouMean(name, this.buses.keys());
    if (s) return s.replace(/'(\w+)'/g, "'~$1'");
    if (lookup(name) || lookupTransform(name)) return `'${name}' is a function: write it without '~'`;
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
        return this.dollar(e, env);
      case "section": {
        const body = e.body;
        return this.xf("#", e.span, undefined, (v) => this.chain(v, body, env, e.span));
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
  private midiPattern(v: Pat): Pattern<number> {
    const bad = badAtoms(v.p, (x) => midiNumber(x) !== undefined || (typeof x === "string" && chordMidi(x) !== undefined));
    if (bad.length) this.error(`'${bad[0]}' is not a number or a note name`, v.span);
    return expandChords(v.p, (m) => m, (x) => midiNumber(x) ?? 0);
  }

  /** A numeric pattern as a param lane: note names as Hz (first note of a chord). */
  private numericLane(v: Pat): Pattern<number> {
    const bad = badAtoms(v.p, (x) => signalNumber(x) !== undefined || (typeof x === "string" && chordMidi(x) !== undefined));
    if (bad.length) this.error(`'${bad[0]}' is not a number; this pattern sets a numeric parameter`, v.span);
    return v.p.fmap((x) => {
      if (typeof x === "string" && x.includes("'")) {
        const notes = chordMidi(x);
        if (notes) return midiToHz(notes[0]!);
      }
      return signalNumber(x) ?? 0;
    });
  }

  /** A value used where a signal param goes: sounds are committed; the rest stays (patterns become lanes). */
  private signalParam(v: Val): Val {
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
  private chain(input: Val, right: Expr, env: Env, span: Span): Val {
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
        return this.chainDollar(input, right, env, span);
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

  /** `x # f a $ t`: the transforms apply to f's arguments; `x # t $ f a`: to the chained result. */
  private chainDollar(input: Val, e: Expr & { type: "dollar" }, env: Env, span: Span): Val {
    // Leading transforms (`x # fast 2 $ fast 1 $ … $ rest`, 3,000 of them): as in `dollar`.
    const through = this.throughTransforms(e, env, (rest) => this.chain(input, rest, env, span));
    if (through !== undefined) return through;
    const items = flattenDollar(e);
    const head = items[0]!;
    if ((head.type === "call" || head.type === "name") && items.slice(1).every((x) => this.isTransform(x, env))) {
      const ts = items.slice(1).map((x) => this.transformValue(x, env));
      const args = head.type === "call" ? head.args : [];
      const name = head.name;
      return this.callName(name, args, env, head.span, head.type === "call" ? head.nameSpan : head.span, input, (v) => ts.reduce((acc, t) => this.applyXf(t, acc, e.span), v));
    }
    return this.chain(input, { ...e, type: "dollar" } as Expr, env, span);
  }

  // ---------------------------------------------------------------- $ and transforms

  /**
   * `t1 $ t2 $ … $ rest` whose heads are transforms: `last(rest)` with them applied, innermost
   * first; undefined when the first head is not a transform. Walked down the right spine, not by
   * recursion: the transforms are evaluated outermost first, as the recursion did.
   */
  private throughTransforms(e: Expr & { type: "dollar" }, env: Env, last: (rest: Expr) => Val): Val | undefined {
    const outer: { t: Xf; span: Span }[] = [];
    let inner: Expr = e;
    while (inner.type === "dollar" && this.isTransform(inner.left, env)) {
      outer.push({ t: this.transformValue(inner.left, env), span: inner.span });
      inner = inner.right;
    }
    if (outer.length === 0) return undefined;
    let v = last(inner);
    for (let i = outer.length - 1; i >= 0; i--) v = this.applyXf(outer[i]!.t, v, outer[i]!.span);
    return v;
  }

  private dollar(e: Expr & { type: "dollar" }, env: Env): Val {
    // Form 2, Tidal style: `fast 2 $ rev $ s "bd sn"` (the innermost applies first).
    const through = this.throughTransforms(e, env, (inner) => this.expr(inner, env));
    if (through !== undefined) return through;
    const items = flattenDollar(e);
    const head = items[0]!;
    // Form 1: `s "bd sn" $ fast 2 $ rev` (left to right).
    if (items.slice(1).every((x) => this.isTransform(x, env))) {
      let v = this.expr(head, env);
      for (const x of items.slice(1)) v = this.applyXf(this.transformValue(x, env), v, x.span);
      return v;
    }
    // Form 3: `f a $ x` appends x as f's last argument.
    if (head.type === "call" || head.type === "name") {
      const args = head.type === "call" ? head.args : [];
      return this.callName(head.name, [...args, e.right], env, e.span, head.type === "call" ? head.nameSpan : head.span);
    }
    if (head.type === "buscall") return this.busCall(head.name, [...head.args, e.right], env, e.span, head.nameSpan);
    if (head.type === "bus" && this.buses.get(head.name)?.params.length) return this.busCall(head.name, [e.right], env, e.span, head.span);
    const bad = items.slice(1).find((x) => !this.isTransform(x, env))!;
    return this.error("expected a transform after '$' (such as `fast 2` or `every 4 rev`)", bad.span, this.transformSuggestion(bad));
  }

  private transformSuggestion(e: Expr): string | undefined {
    const name = e.type === "call" || e.type === "name" ? e.name : undefined;
    if (!name) return undefined;
    const near = nearest(name, transformNames());
    return near.length ? `did you mean ${near.map((n) => `'${n}'`).join(", ")}?` : undefined;
  }

  /** Is this expression a transform (statically: by name, by definition)? */
  private isTransform(e: Expr, env: Env, depth = 0): boolean {
    if (depth > 20) return false;
    switch (e.type) {
      case "section":
        return true;
      case "name": {
        const local = env.get(e.name);
        if (local) return local.t === "xf";
        const fn = this.fns.get(e.name);
        if (fn) return fn.params.length === 0 && this.isTransform(fn.expr, GLOBAL, depth + 1);
        const spec = lookupTransform(e.name);
        const b = lookup(e.name);
        return spec !== undefined && (!b || this.preferTransform(b, spec, 0));
      }
      case "call": {
        if (env.has(e.name) || this.fns.has(e.name)) return false;
        const spec = lookupTransform(e.name);
        if (!spec) return false;
        const positional = e.args.filter((a) => a.type !== "kwarg").length;
        const b = lookup(e.name);
        return positional <= maxArgs(spec) && (!b || this.preferTransform(b, spec, positional));
      }
      case "bus": {
        const def = this.buses.get(e.name);
        if (!def || def.params.length) return false;
        return this.isTransform(def.expr, GLOBAL, depth + 1);
      }
      case "template": {
        const def = this.templates.get(e.name);
        return def ? this.isTransform(def.expr, GLOBAL, depth + 1) : false;
      }
      case "dollar":
        return this.isTransform(e.left, env, depth + 1) && this.isTransform(e.right, env, depth + 1);
      case "patref":
        return false;
      default:
        return false;
    }
  }

  private transformValue(e: Expr, env: Env): Xf {
    const v = this.expr(e, env);
    if (v.t !== "xf") this.error(`expected a transform here, found ${describe(v)}`, e.span);
    return v;
  }

  private xf(name: string, span: Span, pattern: ((p: Pattern<any>) => Pattern<any>) | undefined, apply?: (v: Val) => Val): Xf {
    const self: Xf = {
      t: "xf",
      name,
      span,
      ...(pattern ? { pattern } : {}),
      apply: apply ?? ((v) => this.mapPatterns(v, pattern!, span)),
    };
    return self;
  }

  /** Apply a transform to a value; two transforms compose (the right one applies first). */
  private applyXf(t: Xf, v: Val, span: Span): Val {
    if (v.t === "xf") {
      const inner = v;
      const pattern = t.pattern && inner.pattern ? (p: Pattern<any>) => t.pattern!(inner.pattern!(p)) : undefined;
      return this.xf(`${t.name} . ${inner.name}`, span, pattern, (x) => t.apply(inner.apply(x)));
    }
    if (!hasPattern(v) && t.pattern) {
      this.warn(`'${t.name}' has no pattern to act on here (${describe(v)}): it changes nothing`, t.span);
    }
    try {
      return t.apply(v);
    } catch (e) {
      if (e instanceof Abandon) throw e;
      return this.error(`'${t.name}' cannot apply here: ${faultMessage(e)}`, t.span);
    }
  }

  /** Transform every pattern inside a value; shared parts without patterns stay shared. */
  private mapPatterns(v: Val, f: (p: Pattern<any>) => Pattern<any>, span: Span): Val {
    const tag = this.subScope("xf");
    const memo = new Map<Val, Val>();
    const go = (x: Val): Val => {
      const done = memo.get(x);
      if (done) return done;
      let out: Val = x;
      switch (x.t) {
        case "pat":
        case "sound":
        case "gatepat":
          out = { ...x, p: f(x.p) } as Val;
          break;
        case "list":
          out = { ...x, items: x.items.map(go) };
          break;
        case "sig": {
          if (!hasPattern(x)) break;
          const params: Record<string, Val> = {};
          for (const [k, p] of Object.entries(x.params)) params[k] = go(p);
          out = { ...x, params, scope: `${x.scope}^${tag}`, ...(x.trigger ? { trigger: { ...x.trigger, p: f(x.trigger.p) } } : {}) };
          break;
        }
        default:
          break;
      }
      memo.set(x, out);
      return out;
    };
    void span;
    return go(v);
  }

  /** A transform from the table, with its arguments converted; with one argument more than it takes, it applies to that last one. */
  private transform(spec: TransformSpec, args: Val[], span: Span, nameSpan: Span): Val {
    const max = maxArgs(spec);
    const own = args.length > max ? args.slice(0, max) : args;
    const target = args.length > max ? args[max] : undefined;
    if (args.length > max + 1) this.error(`'${spec.name}' takes ${max} argument${max === 1 ? "" : "s"} and then the pattern`, spanOf(args[max + 1]!, nameSpan));
    if (own.length < requiredArgs(spec)) {
      const sig = spec.args.map((a) => (a.optional ? `[${a.name}]` : a.rest ? `${a.name}…` : a.name)).join(" ");
      this.error(`'${spec.name}' needs ${requiredArgs(spec)} argument${requiredArgs(spec) === 1 ? "" : "s"}: ${spec.name} ${sig}`, nameSpan, spec.doc);
    }
    // Phonon's `foldEvery [t1, t2] n`: each transform every n cycles.
    if (spec.name === "foldEvery" && own[0]?.t === "list" && own[0].items.every((x) => x.t === "xf") && own[1]?.t === "num") {
      const n = own[1].v;
      const fs = own[0].items as Xf[];
      const every = lookupTransform("every")!;
      const t = fs.reduce<Val>((acc, f) => this.applyXf(this.transform(every, [{ t: "num", v: n }, f], span, nameSpan) as Xf, acc, span), this.xf("id", nameSpan, (p) => p));
      return target ? this.applyXf(t as Xf, target, span) : t;
    }
    const converted: ArgInput[] = [];
    const effects: { index: number; xf: Xf }[] = [];
    own.forEach((a, i) => converted.push(this.transformArg(spec, argKind(spec, i), a, i, span, effects)));
    const run = (p: Pattern<any>, a: ArgInput[]): Pattern<any> => {
      try {
        return spec.apply(p, a);
      } catch (e) {
        if (e instanceof Abandon) throw e;
        return this.error(`'${spec.name}': ${faultMessage(e)}`, nameSpan);
      }
    };
    // Fail now, not in the scheduler, when the arguments cannot work.
    run(pure(0), converted);
    let t: Xf;
    if (effects.length === 0) t = this.xf(spec.name, nameSpan, (p) => run(p, converted));
    else t = this.xf(spec.name, nameSpan, undefined, (v) => this.effectSwitch(spec, converted, effects, v, nameSpan));
    return target ? this.applyXf(t, target, span) : t;
  }

  private transformArg(spec: TransformSpec, kind: string, a: Val, i: number, span: Span, effects: { index: number; xf: Xf }[]): ArgInput {
    const where = `argument ${i + 1} of '${spec.name}'`;
    switch (kind) {
      case "number":
      case "time": {
        if (a.t === "num") return a.v;
        if (a.t === "pat") return this.midiPattern(a);
        if (a.t === "sig") return this.signalPattern(a, where);
        return this.error(`${where} must be a number or a pattern, not ${describe(a)}`, spanOf(a, span));
      }
      case "function": {
        if (a.t !== "xf") return this.error(`${where} must be a transform such as \`(fast 2)\` or \`rev\`, not ${describe(a)}`, spanOf(a, span));
        if (!a.pattern) {
          effects.push({ index: i, xf: a });
          return (p: Pattern<any>) => p.fmap(() => 1);
        }
        return a.pattern;
      }
      case "list": {
        const items = a.t === "list" ? a.items : [a];
        return items.map((x, k) => (x.t === "num" ? x.v : this.error(`item ${k + 1} of ${where} must be a number`, spanOf(x, span))));
      }
      case "patterns": {
        const items = a.t === "list" ? a.items : [a];
        return items.map((x) => this.patternArg(x, spec.name, span)) as ArgInput[];
      }
      case "string": {
        if (a.t === "pat") return a.src.trim();
        return this.error(`${where} must be a word in quotes`, spanOf(a, span));
      }
      default: {
        // pattern, value: any pattern as it is.
        if (a.t === "num") return a.v;
        if (a.t === "pat" || a.t === "sound") return a.p;
        if (a.t === "sig") return this.signalPattern(a, where);
        return this.error(`${where} must be a pattern, not ${describe(a)}`, spanOf(a, span));
      }
    }
  }

  /** An effect switched in per cycle (or per event): `every 4 (# lpf 300)`. */
  private effectSwitch(spec: TransformSpec, converted: ArgInput[], effects: { index: number; xf: Xf }[], v: Val, span: Span): Val {
    if (effects.length > 1) this.error(`'${spec.name}' can switch one effect, not ${effects.length}`, span);
    const base: Pattern<number> = v.t === "sound" ? v.p.fmap(() => 0) : pure(0);
    const switchPat = spec.apply(base, converted) as Pattern<number>;
    const wet = effects[0]!.xf.apply(v);
    const dry = this.signalParam(v);
    return this.sig("xfade", { a: dry, b: this.signalParam(wet), pos: { t: "pat", p: switchPat, span, src: `${spec.name} switch` } }, span);
  }

  /** A signal as a pattern, for transform arguments: a plain LFO (`sine 0.25`) becomes the same wave as a 0…1 pattern. */
  private signalPattern(s: Sig, where: string): Pattern<number> {
    const waves: Record<string, Pattern<number>> = { sine: signals.sine, saw: signals.saw, square: signals.square, tri: signals.tri };
    const wave = waves[s.kind];
    const f = s.params.freq ?? { t: "num", v: 1 };
    if (!wave || f.t !== "num" || f.v <= 0) {
      return this.error(`${where} must be a pattern; ${describe(s)} is computed by the engine, sample by sample`, s.span, "use a pattern string, or an LFO with a fixed rate such as `sine 0.25`");
    }
    // An LFO at f Hz has a period of cps/f cycles.
    return wave.slow(this.cps / f.v);
  }

  // ---------------------------------------------------------------- calls

  private busCall(name: string, args: Arg[], env: Env, span: Span, nameSpan: Span, chainInput?: Val): Val {
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
  private callName(name: string, args: Arg[], env: Env, span: Span, nameSpan: Span, chainInput?: Val, mapArgs?: (v: Val) => Val): Val {
    const local = env.get(name);
    if (local) {
      if (args.length) this.error(`'${name}' is a parameter, not a function`, nameSpan);
      if (chainInput) {
        if (local.t === "xf") return this.applyXf(local, chainInput, span);
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
    const spec = lookupTransform(name);
    if (!b && !spec) {
      const known = [...builtinNames(), ...transformNames(), ...this.fns.keys()];
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
      const useTransform = this.preferTransform(b, spec, positionalArgs.length + kwargs.length, chainInput);
      if (useTransform) return this.transformCall(spec, evalArgs(), span, nameSpan, chainInput);
    } else if (spec) {
      return this.transformCall(spec, evalArgs(), span, nameSpan, chainInput);
    }
    return this.builtin(b!, evalArgs(), kwargs, env, span, nameSpan, chainInput, mapArgs);
  }

  /** For names that are both a builtin and a transform (range, struct, loop, legato, dur, add, sub). */
  private preferTransform(b: Builtin, spec: TransformSpec, nargs: number, chainInput?: Val): boolean {
    const signalInput = chainInput !== undefined && (chainInput.t === "sig" || chainInput.t === "prev");
    switch (b.name) {
      case "range":
        return chainInput ? !signalInput && chainInput.t !== "sound" : nargs < 3;
      case "struct":
        return nargs < 2;
      case "loop":
      case "legato":
      case "dur":
        return chainInput?.t !== "sound";
      case "clip": // the DSP clip in .ph; Strudel's clip control is spelled legato there
        return false;
      default:
        return chainInput ? chainInput.t === "pat" || chainInput.t === "num" : nargs <= maxArgs(spec) && nargs < b.params.length;
    }
  }

  private transformCall(spec: TransformSpec, args: Val[], span: Span, nameSpan: Span, chainInput?: Val): Val {
    // `x # fast 2` applies the transform to x.
    return this.transform(spec, chainInput ? [...args, chainInput] : args, span, nameSpan);
  }

  /** A builtin from the catalogue. */
  private builtin(b: Builtin, args: Val[], kwargs: (Arg & { type: "kwarg" })[], env: Env, span: Span, nameSpan: Span, chainInput?: Val, mapArgs?: (v: Val) => Val): Val {
    const kw = new Map<string, Val>();
    for (const k of kwargs) {
      const v = this.expr(k.value, env);
      kw.set(k.name, mapArgs ? mapArgs(v) : v);
    }
    const special = this.special(b, args, kw, kwargs, span, nameSpan, chainInput);
    if (special) return special;
    if (chainInput?.t === "sound" && b.family === "envelope" && b.params.some((p) => p.name === "gate" && p.default !== undefined)) {
      // An envelope after a sound restarts at each of its events.
      const v = this.dsp(b, args, kw, kwargs, span, nameSpan, this.commit(chainInput));
      // `dsp` returns the input times the envelope: the gate goes on the envelope node, not on the `mul`.
      const envelope = v.t === "sig" && v.kind !== b.kernel && v.params.b?.t === "sig" && v.params.b.kind === b.kernel ? v.params.b : v;
      if (envelope.t === "sig") envelope.params.gate = { t: "gatepat", p: chainInput.p.fmap(() => 1), span: chainInput.span, src: chainInput.src };
      return v;
    }
    if (!b.kernel) return this.error(`internal: '${b.name}' has no lowering`, nameSpan);
    return this.dsp(b, args, kw, kwargs, span, nameSpan, chainInput);
  }

  /** A DSP node from a catalogue entry: params in order, keyword params by name, defaults left to the engine. */
  private dsp(b: Builtin, args: Val[], kw: Map<string, Val>, kwargs: (Arg & { type: "kwarg" })[], span: Span, nameSpan: Span, chainInput?: Val): Val {
    const values: Record<string, Val> = {};
    const data: Record<string, string | number | number[]> = {};
    const params = b.params;
    let i = 0;
    if (chainInput) {
      if (b.input === "none" || params.length === 0) {
        this.error(`'${b.name}' does not take an input from '#'`, nameSpan, "use it on its own, or chain into a filter or effect");
      }
      values[params[0]!.name] = chainInput;
      i = 1;
    } else if (b.input === "optional") i = 1;
    // A bare oscillator is Phonon's 1 Hz LFO: its frequency is written out, not left to a kernel default.
    if (b.bare && args.length === 0 && kwargs.length === 0 && !chainInput && params[0]?.default !== undefined && (params[0].type ?? "signal") === "signal") {
      values[params[0].name] = { t: "num", v: params[0].default };
    }
    const extra: Val[] = [];
    for (const a of args) {
      if (i < params.length) this.setParam(b, params[i++]!, a, values, data, span);
      else extra.push(a);
    }
    if (extra.length) {
      if (b.variadic) extra.forEach((a, k) => (values[`in${k}`] = a));
      else {
        const takes = params.length - (chainInput || b.input === "optional" ? 1 : 0);
        this.warn(`'${b.name}' takes ${takes} argument${takes === 1 ? "" : "s"} (${params.slice(params.length - takes).map((p) => p.name).join(", ")}); the extra one${extra.length === 1 ? " is" : "s are"} ignored`, spanOf(extra[0]!, span));
      }
    }
    for (const k of kwargs) {
      const p = params.find((x) => x.name === k.name || x.aliases?.includes(k.name));
      if (!p) {
        this.error(`'${b.name}' has no parameter '${k.name}'`, k.span, `its parameters: ${params.map((x) => `:${x.name}`).join(" ")}`);
      }
      this.setParam(b, p, kw.get(k.name)!, values, data, k.span);
    }
    for (const p of params) {
      if (p.type === "numbers" && p.default !== undefined && data[p.name] === undefined) data[p.name] = [p.default];
      if (p.default === undefined && values[p.name] === undefined && data[p.name] === undefined) {
        if (args.length === 0 && kwargs.length === 0 && !chainInput) {
          this.error(`'${b.name}' needs arguments: ${params.map((x) => `${x.name}${x.default === undefined ? "" : `=${x.default}`}`).join(" ")}`, nameSpan, b.doc);
        }
        this.error(`'${b.name}' needs its '${p.name}' argument (${p.unit})`, nameSpan);
      }
    }
    const kind = b.kernel!;
    if ((b.name === "gain" || b.name === "amp") && values.in) return this.arith("*", values.in, values.amount ?? { t: "num", v: 1 }, span);
    const input = this.toPorts(b, values, data, span);
    const node = this.sig(kind, values, span, Object.keys(data).length ? { data } : {});
    // An envelope after `#` shapes its input: the input times the envelope.
    return input ? this.arith("*", input, node, span) : node;
  }

  /**
   * Arguments the engine takes in another form than the catalogue states them: a semitone
   * `offset` folds into the oscillator's frequency; an envelope's chain input is returned, to be
   * multiplied by the envelope; `timer` measures its input as a gate; `segments` lists become the
   * numbered ports level0…level4 and time0…time3 (up to 5 levels).
   */
  private toPorts(b: Builtin, values: Record<string, Val>, data: Record<string, string | number | number[]>, span: Span): Val | undefined {
    if (values.offset !== undefined) {
      const o = values.offset;
      delete values.offset;
      if (o.t !== "num") this.error(`the 'offset' of '${b.name}' must be a plain number of semitones`, spanOf(o, span));
      if (o.v !== 0) {
        const factor: Val = { t: "num", v: 2 ** (o.v / 12) };
        values.freq = this.arith("*", values.freq ?? { t: "num", v: b.params[0]?.default ?? 440 }, factor, span);
      }
    }
    if (b.name === "soft_saw") {
      // The first 8 harmonics at 1/k².
      for (let k = 1; k <= 8; k++) values[`a${k}`] = { t: "num", v: 1 / (k * k) };
    }
    if (b.name === "struct") {
      // Phonon's fixed percussive envelope on each true event: 1 ms attack, 100 ms decay.
      values.attack = { t: "num", v: 0.001 };
      values.decay = { t: "num", v: 0.1 };
      const input = values.in;
      delete values.in;
      return input;
    }
    if (b.name === "timer" && values.in !== undefined) {
      values.gate = values.in;
      delete values.in;
    }
    if (b.name === "select") {
      // The engine's select has four inputs, a…d.
      const inputs = Object.keys(values).filter((k) => /^in\d+$/.test(k)).sort((x, y) => Number(x.slice(2)) - Number(y.slice(2)));
      if (inputs.length > 4) this.error(`'select' chooses among at most 4 inputs, not ${inputs.length}`, span);
      inputs.forEach((k, i) => {
        values["abcd"[i]!] = values[k]!;
        delete values[k];
      });
    }
    if (ENVELOPE_SHAPES.has(b.kernel ?? "") && values.in !== undefined) {
      const input = values.in;
      delete values.in;
      if (b.name === "segments") this.segmentPorts(b, values, data, span);
      return input;
    }
    if (b.name === "segments") this.segmentPorts(b, values, data, span);
    return undefined;
  }

  private segmentPorts(b: Builtin, values: Record<string, Val>, data: Record<string, string | number | number[]>, span: Span): void {
    const levels = (data.levels as number[] | undefined) ?? [];
    const times = (data.times as number[] | undefined) ?? [];
    delete data.levels;
    delete data.times;
    if (levels.length > 5 || times.length > 4) {
      this.warn(`'${b.name}' plays its first 5 levels and 4 times; the engine has no room for the other ${Math.max(levels.length - 5, times.length - 4)}`, span);
    }
    levels.slice(0, 5).forEach((v, i) => (values[`level${i}`] = { t: "num", v }));
    times.slice(0, 4).forEach((v, i) => (values[`time${i}`] = { t: "num", v }));
  }

  private setParam(b: Builtin, p: ParamSpec, a: Val, values: Record<string, Val>, data: Record<string, string | number | number[]>, span: Span): void {
    switch (p.type ?? "signal") {
      case "signal":
        if (a.t === "xf" || a.t === "list") this.error(`the '${p.name}' of '${b.name}' must be a signal or a pattern, not ${describe(a)}`, spanOf(a, span));
        values[p.name] = a.t === "sound" ? this.commit(a) : a;
        return;
      case "const":
        if (a.t !== "num") this.error(`the '${p.name}' of '${b.name}' must be a plain number (it is fixed when the sound is built)`, spanOf(a, span));
        data[p.name] = a.v;
        return;
      case "gate":
        values[p.name] = a.t === "num" || a.t === "sig" || a.t === "prev" ? a : this.gatePattern(a, `the '${p.name}' of '${b.name}'`, span);
        return;
      case "word":
        if (a.t !== "pat") this.error(`the '${p.name}' of '${b.name}' must be a word in quotes`, spanOf(a, span));
        data[p.name] = a.src.trim();
        return;
      case "numbers": {
        if (a.t === "num") {
          data[p.name] = [a.v];
          return;
        }
        if (a.t !== "pat") this.error(`the '${p.name}' of '${b.name}' must be a string of numbers, such as "1 0.5 0.25"`, spanOf(a, span));
        const xs = a.src.trim().split(/\s+/).map(Number);
        if (xs.some((x) => !Number.isFinite(x))) this.error(`the '${p.name}' of '${b.name}' must be a string of plain numbers`, a.span);
        data[p.name] = xs;
        return;
      }
      case "vowel": {
        if (a.t !== "pat") this.error(`the vowel must be a pattern of a e i o u`, spanOf(a, span));
        const index: Record<string, number> = { a: 0, e: 1, i: 2, o: 3, u: 4 };
        const bad = badAtoms(a.p, (x) => typeof x === "string" && x in index);
        if (bad.length) this.error(`'${bad[0]}' is not a vowel (a e i o u)`, a.span);
        values[p.name] = { t: "pat", p: a.p.fmap((x) => index[x as string] ?? 0), span: a.span, src: a.src };
        return;
      }
    }
  }

  /** A pattern whose events drive a gate: t/x/true/1 and other numbers. */
  private gatePattern(a: Val, what: string, span: Span): Val {
    if (a.t === "pat") {
      const p = a.p.fmap((x) => {
        if (x === "t" || x === "x" || x === "true" || x === true) return 1;
        if (x === "f" || x === "false" || x === false) return 0;
        const n = signalNumber(x);
        return n === undefined ? 1 : n;
      });
      return { t: "gatepat", p, span: a.span, src: a.src };
    }
    if (a.t === "sound") return { t: "gatepat", p: a.p.fmap(() => 1), span: a.span, src: a.src };
    return this.error(`${what} must be a pattern string such as "t ~ t t" or "x(3,8)"`, spanOf(a, span));
  }

  // ---------------------------------------------------------------- the compiler's own builtins

  private special(b: Builtin, args: Val[], kw: Map<string, Val>, kwargs: (Arg & { type: "kwarg" })[], span: Span, nameSpan: Span, chainInput?: Val): Val | undefined {
    const name = b.name;
    // Sample parameters after a sound set each event's controls.
    if (SAMPLE_CONTROLS.has(name) && chainInput?.t === "sound") return this.sampleParam(name, chainInput, args, kw, span, nameSpan);
    if ((name === "note" || name === "n") && chainInput && (chainInput.t === "sig" || chainInput.t === "prev")) {
      return this.inlineSynth(chainInput, args[0] ?? this.error(`'${name}' needs a pattern`, nameSpan), name, span);
    }
    if (name === "voices") this.misplacedVoices(nameSpan, chainInput);
    if (SAMPLE_CONTROLS.has(name) && chainInput && !["gain", "pan", "adsr", "attack", "release", "ar", "n", "note"].includes(name)) {
      this.error(`'${name}' sets a sample parameter, so it must follow \`s "…"\` (or another sample parameter)`, nameSpan, "sample parameters go right after the sound, before filters and effects");
    }
    switch (name) {
      case "s":
      case "sound":
        return this.sound(args, kw, kwargs, span, nameSpan, chainInput);
      case "synth":
      case "sine_trig":
      case "saw_trig":
      case "square_trig":
      case "tri_trig":
        if (chainInput) this.error(`'${name}' plays notes and takes no input from '#'`, nameSpan);
        return this.noteSynth(b, args, kw, span, nameSpan);
      case "range":
        if (chainInput && (chainInput.t === "sig" || chainInput.t === "prev")) {
          if (args.length !== 2) this.error("'range' takes min and max: `x # range 200 800`", nameSpan);
          return this.sig("range", { min: args[0]!, max: args[1]!, in: chainInput }, span);
        }
        return undefined;
      case "n":
      case "note":
        return this.notePattern(args, nameSpan, name);
      case "scale":
        return this.scale(args, span, nameSpan, chainInput);
      case "chord":
        return this.chord(args, span, nameSpan, chainInput);
      case "mtof": {
        const x = chainInput ?? args[0] ?? this.error("'mtof' needs a MIDI note number", nameSpan);
        if (x.t === "num") {
          const hz = midiToHz(x.v);
          if (!Number.isFinite(hz)) this.error(`mtof ${x.v} is ${hz} Hz: no sound has that pitch`, span, "MIDI notes run 0…127 (60 is middle C, 440 Hz is 69)");
          return { t: "num", v: hz };
        }
        if (x.t === "pat") return { ...x, p: this.midiPattern(x).fmap(midiToHz) };
        return undefined;
      }
      case "attack":
      case "release":
      case "ar": {
        if (!chainInput && name === "ar") return undefined;
        if (!chainInput) return this.error(`'${name}' needs an input: write \`x # ${name} …\``, nameSpan);
        // On a signal: an attack-release envelope.
        const a = name === "release" ? undefined : args[0];
        const r = name === "attack" ? undefined : name === "ar" ? args[1] : args[0];
        return this.sig("ar", { in: this.signalParam(chainInput), ...(a ? { attack: a } : {}), ...(r ? { release: r } : {}) }, span);
      }
      case "pan":
        if (!chainInput) return this.error("'pan' needs an input: write `x # pan 0.3`", nameSpan);
        return this.sig("pan2", { in: this.signalParam(chainInput), pos: args[0] ?? { t: "num", v: 0 } }, span);
      case "stack":
        return this.stackOf(this.listArg(args, name, nameSpan), span);
      case "cat":
      case "slowcat":
      case "fastcat":
        return this.catOf(this.listArg(args, name, nameSpan), name === "fastcat", span);
      case "sew":
      case "stitch":
        return this.sew(name, args, span, nameSpan);
      case "choose":
      case "wchoose":
        return this.choose(name, this.listArg(args, name, nameSpan), span);
      case "mix": {
        if (args.length === 0) return this.error("'mix' needs signals to sum", nameSpan);
        return args.reduce((acc, x) => this.arith("+", acc, x, span));
      }
      case "rand":
        return { t: "pat", p: compose.segment(random.rand, 1), span, src: "rand" };
      case "irand":
        return { t: "pat", p: compose.segment(random.irand(this.numberArg(args[0], "irand", nameSpan)), 1), span, src: "irand" };
      case "run":
        return { t: "pat", p: structure.run(this.numberArg(args[0], "run", nameSpan)), span, src: "run" };
      case "scan": {
        const n = this.numberArg(args[0], "scan", nameSpan);
        return { t: "pat", p: structure.scan(n), span, src: "scan" };
      }
      case "cosine":
        return { t: "pat", p: compose.segment(signals.cosine, 16), span, src: "cosine" };
      case "wedge": {
        if (args.length === 0) return { t: "pat", p: compose.segment(signals.saw, 16), span, src: "wedge" };
        const r = this.numberArg(args[0], "wedge", nameSpan);
        const a = this.patternArg(args[1], "wedge", nameSpan);
        const c = this.patternArg(args[2], "wedge", nameSpan);
        if (!(r > 0 && r < 1)) return this.error("the ratio of 'wedge' must be between 0 and 1", nameSpan);
        return { t: "pat", p: timecat([[r, a.fast(1 / r)], [1 - r, c.fast(1 / (1 - r))]]), span, src: "wedge" };
      }
      case "every_val":
      case "sometimes_val":
      case "sometimes_by_val":
      case "whenmod_val":
        return this.valueSwitch(name, args, span, nameSpan);
      case "every_effect":
      case "sometimes_effect":
      case "whenmod_effect":
        return this.effectFunction(name, args, span, nameSpan);
      case "speed":
      case "cut":
      case "begin":
      case "end":
      case "unit":
      case "loop":
      case "decay":
      case "sustain":
      case "legato":
      case "dur":
        return this.error(`'${name}' sets a sample parameter: write it after a sound, as in \`s "bd" # ${name} …\``, nameSpan);
      default:
        return undefined;
    }
  }

  private numberArg(v: Val | undefined, fname: string, at: Span): number {
    if (!v) return this.error(`'${fname}' needs a number`, at);
    if (v.t !== "num") return this.error(`'${fname}' needs a plain number here, not ${describe(v)}`, spanOf(v, at));
    return v.v;
  }

  private patternArg(v: Val | undefined, fname: string, at: Span): Pattern<unknown> {
    if (!v) return this.error(`'${fname}' needs a pattern`, at);
    if (v.t === "num") return pure(v.v);
    if (v.t === "pat") return v.p;
    if (v.t === "sound") return v.p;
    return this.error(`'${fname}' needs a pattern here, not ${describe(v)}`, spanOf(v, at));
  }

  private listArg(args: Val[], fname: string, at: Span): Val[] {
    const list = args[0];
    if (!list || list.t !== "list" || args.length > 1) return this.error(`'${fname}' takes one list: ${fname} [a, b, c]`, list ? spanOf(list, at) : at);
    if (list.items.length === 0) return this.error(`'${fname}' needs at least one item`, list.span);
    return list.items;
  }

  // ---- sounds ----

  /** `s "bd sn:2 ~synth"`: a sound pattern. */
  private sound(args: Val[], kw: Map<string, Val>, kwargs: (Arg & { type: "kwarg" })[], span: Span, nameSpan: Span, chainInput?: Val): Val {
    if (chainInput) this.error("'s' starts a sound and takes no input from '#'", nameSpan);
    const arg = args[0];
    if (!arg || args.length > 1) return this.error(`'s' takes one pattern string of sample names, e.g. s "bd sn"`, arg ? spanOf(args[1] ?? arg, span) : nameSpan);
    let sound: Sound;
    if (arg.t === "sound") sound = arg;
    else if (arg.t === "pat") {
      const bad = badAtoms(arg.p, (x) => typeof x === "string" || Array.isArray(x));
      if (bad.length) this.error(`'${bad[0]}' is not a sample name`, arg.span);
      sound = { t: "sound", p: arg.p.fmap(toSoundControls), span: arg.span, src: arg.src };
      this.checkSynthNames(arg);
    } else return this.error(`'s' needs a pattern string of sample names, not ${describe(arg)}`, spanOf(arg, span));
    for (const k of kwargs) sound = this.sampleParam(k.name, sound, [kw.get(k.name)!], new Map(), k.span, k.span) as Sound;
    return sound;
  }

  /** Report `~name` atoms in a sound pattern that name no bus. */
  private checkSynthNames(arg: Pat): void {
    for (const m of arg.src.matchAll(/~([A-Za-z_]\w*)/g)) {
      const name = m[1]!;
      if (this.buses.has(name)) continue;
      const at = arg.span.start + 1 + m.index!;
      if (MIDI_BUS.test(name)) this.error(`'~${name}' is MIDI input, which is not supported`, { start: at, end: at + name.length + 1 });
      this.error(`unknown bus '~${name}' in the sound pattern`, { start: at, end: at + name.length + 1 }, this.busSuggestion(name));
    }
  }

  /** `sound # gain 0.5`, `# note "c e g"`, `# ar 0.01 0.3`: each event's controls; `# voices 64`: the sound's voice limit. */
  private sampleParam(name: string, sound: Sound, args: Val[], kw: Map<string, Val>, span: Span, nameSpan: Span): Val {
    const need = (i: number, what: string): Val => args[i] ?? kw.get(what) ?? this.error(`'${name}' needs its ${what}`, nameSpan);
    if (name === "voices") return { ...sound, voices: this.voiceLimit(args[0] ?? kw.get("limit"), span, nameSpan) };
    if (name === "ar") return this.setControls(this.setControls(sound, "attack", need(0, "attack"), span), "release", need(1, "release"), span);
    if (name === "adsr") {
      const names = ["attack", "decay", "sustain", "release"];
      let s: Val = sound;
      names.forEach((n, i) => {
        const v = args[i] ?? kw.get(n);
        if (v) s = this.setControls(s as Sound, n, v, span);
      });
      if (s === sound) this.error("'adsr' needs its attack and decay", nameSpan);
      return s;
    }
    const v = need(0, "value");
    if (v.t === "sig" || v.t === "prev") {
      // A signal cannot be read at each event's onset: gain multiplies the sound instead.
      if (name === "gain") return this.arith("*", this.commit(sound), v, span);
      this.error(`'${name}' after a sound needs a number or a pattern, not ${describe(v)}`, spanOf(v, span));
    }
    return this.setControls(sound, name, v, span);
  }

  private setControls(sound: Sound, name: string, v: Val, span: Span): Sound {
    const conv = this.controlConverter(name, v, span);
    if (v.t === "num") {
      const c = conv(v.v);
      return { ...sound, p: sound.p.fmap((x) => ({ ...x, ...c })), src: sound.src };
    }
    if (v.t !== "pat") return this.error(`'${name}' needs a number or a pattern, not ${describe(v)}`, spanOf(v, span));
    const merged = sound.p.fmap((x: Controls) => (y: unknown) => ({ ...x, ...conv(y) })).appLeft(v.p);
    return { ...sound, p: name === "note" || name === "n" ? expandChordControls(merged) : merged };
  }

  /** How a param value becomes controls (pan −1…1 to 0…1, note names to MIDI, unit r/c to 0/1). */
  private controlConverter(name: string, v: Val, span: Span): (x: unknown) => Controls {
    const number = (ok: (x: unknown) => boolean = (x) => midiNumber(x) !== undefined): void => {
      if (v.t === "pat") {
        const bad = badAtoms(v.p, ok);
        if (bad.length) this.error(`'${bad[0]}' is not a valid value for '${name}'`, v.span);
      }
    };
    switch (name) {
      case "pan":
        number();
        return (x) => ({ pan: ((midiNumber(x) ?? 0) + 1) / 2 });
      case "note":
      case "n": {
        number((x) => midiNumber(x) !== undefined || (typeof x === "string" && chordMidi(x) !== undefined));
        return (x) => {
          if (typeof x === "string" && (x.includes("'") || !/^-?[\d.]/.test(x))) {
            const chord = chordMidi(x);
            if (chord) return { chord };
            const m = noteMidi(x);
            if (m !== undefined) return { midi: m };
          }
          return { [name]: midiNumber(x) ?? 0 };
        };
      }
      case "unit":
        if (v.t === "pat") {
          const bad = badAtoms(v.p, (x) => x === "r" || x === "c" || x === "0" || x === "1" || x === 0 || x === 1);
          if (bad.length) this.error(`'${bad[0]}' is not a unit: use "r" (rate) or "c" (cycles)`, v.span);
        }
        return (x) => ({ unit: x === "c" || x === 1 || x === "1" ? 1 : 0 });
      default: {
        number();
        const key = name === "legato" ? "clip" : name === "dur" ? "duration" : name; // Strudel's keys for the aliases
        return (x) => ({ [key]: midiNumber(x) ?? 0 });
      }
    }
  }

  /**
   * The number of `# voices N`: how many voices the sound's nodes may play at once. It sizes their
   * voice pools when the engine builds the program, so it is one whole number in 1…VOICE_LIMIT.max
   * (a string holding one number is accepted, as for other controls); a pattern, a signal or a
   * number out of range is an error that says what is expected and suggests a value.
   */
  private voiceLimit(v: Val | undefined, span: Span, nameSpan: Span): number {
    const { max } = VOICE_LIMIT;
    const expected = `a whole number from 1 to ${max}`;
    if (!v) return this.error(`'voices' needs a number: how many voices this sound may play at once`, nameSpan, `write for example \`# voices ${max}\``, expected);
    let n: number;
    if (v.t === "num") n = v.v;
    else if (v.t === "pat" && /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/.test(v.src)) n = Number(v.src);
    else if (v.t === "pat") {
      const counts = (v.src.match(/\d+(\.\d+)?/g) ?? []).map(Number);
      const most = Math.min(max, Math.max(1, Math.ceil(Math.max(0, ...counts))));
      return this.error(
        `the voice limit is fixed when the sound is built, so 'voices' takes one number, not the pattern "${v.src}"`,
        v.span,
        `write the most voices the sound needs at once, e.g. \`# voices ${most}\``,
        expected,
      );
    } else return this.error(`'voices' needs one number, not ${describe(v)}: the voice limit is fixed when the sound is built`, spanOf(v, span), `write for example \`# voices ${max}\``, expected);
    if (Number.isInteger(n) && n >= 1 && n <= max) return n;
    const at = v.t === "pat" ? v.span : span;
    const suggestion =
      n > max
        ? `${max} is the most one sound can play at once: write \`# voices ${max}\`, or split the pattern into two sounds`
        : n < 1
          ? "write `# voices 1` for one voice at a time (each event fades out the one before)"
          : `write \`# voices ${Math.min(max, Math.max(1, Math.round(n)))}\``;
    return this.error(`the voice limit must be ${expected}, not ${n}`, at, suggestion, expected);
  }

  /** `voices` anywhere but after a sound. */
  private misplacedVoices(nameSpan: Span, chainInput?: Val): void {
    if (chainInput?.t === "sound") return;
    const supersaw = chainInput?.t === "sig" && chainInput.kind === "supersaw";
    this.error(
      `'voices' sets how many voices a sound may play at once, so it must follow a sound, as in \`s "hh*32" # voices 256\``,
      nameSpan,
      supersaw ? "the detuned voices of 'supersaw' are its keyword `:voices`, as in `supersaw 110 :voices 5`" : 'put `# voices N` right after `s "…"` or a note pattern, before filters and effects',
    );
  }

  /** `osc # note "c e g"`: the oscillator becomes a synth voice, one per note event. */
  private inlineSynth(osc: Val, notes: Val, name: string, span: Span): Val {
    if (notes.t !== "pat" && notes.t !== "num") return this.error(`'${name}' needs a pattern of notes`, spanOf(notes, span));
    const template: VoiceTemplate = { name: this.subScope("synth"), value: osc, span };
    const p = notes.t === "num" ? pure(notes.v) : notes.p;
    const conv = this.controlConverter(name, notes, span);
    const events = expandChordControls(p.fmap((x) => ({ s: "~", ...conv(x) }) as Controls));
    return { t: "sound", p: events, span, src: notes.t === "pat" ? notes.src : String(notes.v), anon: template };
  }

  /** Commit a sound pattern to nodes: a sampler for the samples, a voices node per synth bus. */
  private commit(sound: Sound): Val {
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
  }

  // ---- pitch ----

  /** `n "0 3 7"`, `note "c4 e4"`: a numeric pattern (note names as Hz, chords as one event per note). */
  private notePattern(args: Val[], nameSpan: Span, name: string): Val {
    const a = args[0] ?? this.error(`'${name}' needs a pattern, e.g. ${name} "0 3 7"`, nameSpan);
    if (args.length > 1) this.error(`'${name}' takes one pattern`, spanOf(args[1]!, nameSpan));
    if (a.t === "num") return a;
    if (a.t !== "pat") return this.error(`'${name}' needs a pattern, not ${describe(a)}`, spanOf(a, nameSpan));
    const bad = badAtoms(a.p, (x) => signalNumber(x) !== undefined || (typeof x === "string" && chordMidi(x) !== undefined));
    if (bad.length) this.error(`'${bad[0]}' is not a number or a note name`, a.span);
    return { ...a, p: expandChords(a.p, (m) => midiToHz(m), (x) => signalNumber(x) ?? 0) };
  }

  private scale(args: Val[], span: Span, nameSpan: Span, chainInput?: Val): Val {
    const nameVal = args[0] ?? this.error(`'scale' needs a scale name, e.g. scale "minor"`, nameSpan);
    const degrees = chainInput ?? args[1] ?? this.error(`'scale' needs degrees: n "0 2 4" # scale "major"`, nameSpan);
    if (nameVal.t !== "pat") return this.error(`the scale name must be a string, such as "minor"`, spanOf(nameVal, span));
    const bad = badAtoms(nameVal.p, (x) => typeof x === "string" && scaleDegree(x, 0) !== undefined);
    if (bad.length) this.error(`unknown scale '${bad[0]}'`, nameVal.span, didYouMean(bad[0]!, scaleNames()) ?? `known scales: ${scaleNames().join(" ")}`);
    const apply = (d: Pattern<unknown>): Pattern<number> =>
      d.fmap((deg: unknown) => (name: unknown) => scaleDegree(String(name), midiNumber(deg) ?? 0) ?? 0).appLeft(nameVal.p) as Pattern<number>;
    if (degrees.t === "num") return { t: "pat", p: apply(pure(degrees.v)), span, src: `scale ${nameVal.src}` };
    if (degrees.t === "pat") return { ...degrees, p: apply(degrees.p) };
    if (degrees.t === "sound") {
      // On a sound, the scale maps its note (or n) control.
      const p = degrees.p.fmap((c: Controls) => (name: unknown): Controls => {
        const key = typeof c.note === "number" ? "note" : typeof c.n === "number" ? "n" : undefined;
        if (!key) return c;
        return { ...c, [key]: scaleDegree(String(name), c[key] as number) ?? c[key] };
      });
      return { ...degrees, p: p.appLeft(nameVal.p) };
    }
    return this.error(`'scale' turns degrees into semitones; its input must be a pattern, not ${describe(degrees)}`, nameSpan);
  }

  private chord(args: Val[], span: Span, nameSpan: Span, chainInput?: Val): Val {
    const nameVal = args[0] ?? this.error(`'chord' needs a chord name, e.g. chord "maj"`, nameSpan);
    if (nameVal.t !== "pat") return this.error(`the chord name must be a string, such as "maj min7"`, spanOf(nameVal, span));
    const bad = badAtoms(nameVal.p, (x) => typeof x === "string" && chordIntervals(x) !== undefined);
    if (bad.length) this.error(`unknown chord '${bad[0]}'`, nameVal.span, didYouMean(bad[0]!, chordNames()));
    const intervals = (x: unknown): number[] => chordIntervals(String(x)) ?? [0];
    const roots: Pattern<number> = !chainInput ? pure(0) : chainInput.t === "num" ? pure(chainInput.v) : chainInput.t === "pat" ? this.midiPattern(chainInput) : this.error(`'chord' stacks intervals on numbers or a pattern, not ${describe(chainInput)}`, nameSpan);
    const p = roots
      .fmap((r: number) => (name: unknown) => intervals(name).map((i) => r + i))
      .appLeft(nameVal.p)
      .withHaps((haps) => haps.flatMap((h) => (h.value as number[]).map((v) => new Hap(h.whole, h.part, v))));
    return { t: "pat", p, span, src: nameVal.src };
  }

  // ---- combinators ----

  private stackOf(items: Val[], span: Span): Val {
    if (items.every((x) => x.t === "sound")) {
      const sounds = items as Sound[];
      // Sounds with their own synths or different voice limits stay separate nodes.
      const limits = new Set(sounds.map((s) => s.voices));
      if (sounds.some((s) => s.anon) || limits.size > 1) return items.map((x) => this.commit(x as Sound)).reduce((a, b) => this.arith("+", a, b, span));
      return { t: "sound", p: stack(...sounds.map((s) => s.p)), span, src: sounds.map((s) => s.src).join(", "), ...limitOf(sounds) };
    }
    if (items.every((x) => x.t === "xf")) {
      // `stack [fast 2, rev]` as a transform: the layers of each.
      const fs = items as Xf[];
      return this.xf("stack", span, undefined, (v) => fs.map((f) => this.signalParam(f.apply(v))).reduce((a, b) => this.arith("+", a, b, span)));
    }
    return items.map((x) => this.signalParam(x)).reduce((a, b) => this.arith("+", a, b, span));
  }

  private catOf(items: Val[], fast: boolean, span: Span): Val {
    const join = fast ? fastcat : slowcat;
    if (items.some((x) => x.t === "sound")) {
      const ps = items.map((x) => (x.t === "sound" ? x.p : x.t === "pat" ? x.p.fmap(toSoundControls) : this.error(`'cat' of sounds cannot hold ${describe(x)}`, spanOf(x, span))));
      return { t: "sound", p: join(...ps), span, src: items.map((x) => ("src" in x ? x.src : "")).join(" | "), ...limitOf(items) };
    }
    const ps = items.map((x) => (x.t === "pat" ? x.p : x.t === "num" ? pure(x.v) : this.error(`'cat' takes patterns and sounds, not ${describe(x)}`, spanOf(x, span))));
    return { t: "pat", p: join(...ps), span, src: items.map((x) => (x.t === "pat" ? x.src : x.t === "num" ? String(x.v) : "")).join(" | ") };
  }

  private sew(name: string, args: Val[], span: Span, nameSpan: Span): Val {
    if (args.length !== 3) return this.error(`'${name}' takes a boolean pattern and two patterns: ${name} "t f" "bd*2" "hh*4"`, nameSpan);
    const bools = this.patternArg(args[0], name, nameSpan);
    const isSound = args[1]!.t === "sound" || args[2]!.t === "sound" || name === "stitch" || name === "sew";
    const toP = (v: Val): Pattern<unknown> => (v.t === "sound" ? v.p : isSound && v.t === "pat" ? v.p.fmap(toSoundControls) : this.patternArg(v, name, nameSpan));
    const a = toP(args[1]!);
    const b = toP(args[2]!);
    const inv = compose.invert(bools);
    const p = name === "sew" ? stack(compose.mask(a, bools), compose.mask(b, inv)) : stack(compose.struct(a, bools), compose.struct(b, inv));
    return isSound ? { t: "sound", p: p as Pattern<Controls>, span, src: name, ...limitOf(args.slice(1, 3)) } : { t: "pat", p, span, src: name };
  }

  private choose(name: string, items: Val[], span: Span): Val {
    const raw = (v: Val): unknown => {
      if (v.t === "num") return v.v;
      if (v.t === "pat") return v.src.trim();
      return this.error(`'${name}' picks among numbers and words, not ${describe(v)}`, spanOf(v, span));
    };
    if (name === "choose") return { t: "pat", p: random.chooseCycles(...items.map(raw)) as Pattern<unknown>, span, src: name };
    const pairs = items.map((v): [unknown, number] => {
      if (v.t !== "list" || v.items.length !== 2 || v.items[1]!.t !== "num") return this.error(`'wchoose' takes pairs [value, weight]`, spanOf(v, span));
      return [raw(v.items[0]!), (v.items[1] as { v: number }).v];
    });
    return { t: "pat", p: random.wchooseCycles(...pairs) as Pattern<unknown>, span, src: name };
  }

  private valueSwitch(name: string, args: Val[], span: Span, nameSpan: Span): Val {
    const n = (i: number): number => this.numberArg(args[i], name, nameSpan);
    const pick = (on: number, off: number, f: (p: Pattern<number>, g: (p: Pattern<number>) => Pattern<number>) => Pattern<number>): Val => ({
      t: "pat",
      p: f(pure(off), (p) => p.fmap(() => on)),
      span,
      src: name,
    });
    switch (name) {
      case "every_val":
        return pick(n(1), n(2), (p, g) => time.firstOf(p, Math.round(n(0)), g));
      case "sometimes_val":
        return pick(n(0), n(1), (p, g) => random.someCyclesBy(p, 0.5, g));
      case "sometimes_by_val":
        return pick(n(1), n(2), (p, g) => random.someCyclesBy(p, n(0), g));
      default:
        return pick(n(2), n(3), (p, g) => time.whenmod(p, Math.round(n(0)), Math.round(n(1)), g));
    }
  }

  private effectFunction(name: string, args: Val[], span: Span, nameSpan: Span): Val {
    const input = args[0] ?? this.error(`'${name}' needs an input signal`, nameSpan);
    const fx = args[args.length - 1]!;
    const wet = fx.t === "xf" ? fx.apply(input) : fx;
    const n = (i: number): number => this.numberArg(args[i], name, nameSpan);
    const one = (p: Pattern<number>): Pattern<number> => p.fmap(() => 1);
    const sw =
      name === "every_effect" ? time.firstOf(pure(0), Math.round(n(1)), one) : name === "sometimes_effect" ? random.someCyclesBy(pure(0), 0.5, one) : time.whenmod(pure(0), Math.round(n(1)), Math.round(n(2)), one);
    return this.sig("xfade", { a: this.signalParam(input), b: this.signalParam(wet), pos: { t: "pat", p: sw, span, src: name } }, span);
  }

  /** `synth "c3 e3" "saw" a d s r`, `sine_trig "c4 e4" a d s r`: an oscillator voice per note, with the envelope given. */
  private noteSynth(b: Builtin, args: Val[], kw: Map<string, Val>, span: Span, nameSpan: Span): Val {
    const waves: Record<string, string> = { sine: "sine", saw: "saw", square: "square", tri: "tri", triangle: "tri" };
    let wave = b.name.replace(/_trig$/, "");
    let rest = args.slice(1);
    const notes = args[0] ?? this.error(`'${b.name}' needs a pattern of notes`, nameSpan);
    if (b.name === "synth") {
      if (args.length === 1 && notes.t === "pat" && waves[notes.src.trim()]) {
        this.error(`'synth "${notes.src.trim()}"' plays MIDI input, which is not supported`, nameSpan, `${MIDI_UNSUPPORTED} is out of scope for now: give notes, as in synth "c3 e3 g3" "saw"`);
      }
      const w = args[1] ?? kw.get("wave");
      if (!w || w.t !== "pat" || !waves[w.src.trim()]) return this.error(`the wave of 'synth' must be "sine", "saw", "square" or "tri"`, w ? spanOf(w, span) : nameSpan);
      wave = waves[w.src.trim()]!;
      rest = args.slice(2);
    }
    if (notes.t !== "pat" && notes.t !== "num") return this.error(`'${b.name}' needs a pattern of notes, not ${describe(notes)}`, spanOf(notes, span));
    const osc = this.sig(wave, {}, span);
    const template: VoiceTemplate = { name: this.subScope("synth"), value: osc, span };
    const p = notes.t === "num" ? pure(notes.v) : notes.p;
    if (notes.t === "pat") {
      const bad = badAtoms(p, (x) => midiNumber(x) !== undefined || (typeof x === "string" && chordMidi(x) !== undefined));
      if (bad.length) this.error(`'${bad[0]}' is not a note`, notes.span);
    }
    // Notes given as numbers are MIDI numbers here.
    const events = expandChordControls(
      p.fmap((x): Controls => {
        if (typeof x === "string") {
          const chord = chordMidi(x);
          if (chord) return { s: "~", chord };
        }
        return { s: "~", midi: midiNumber(x) ?? 60 };
      }),
    );
    let sound: Sound = { t: "sound", p: events, span, src: notes.t === "pat" ? notes.src : String(notes.v), anon: template };
    const envParams = b.params.filter((x) => ["attack", "decay", "sustain", "release"].includes(x.name));
    envParams.forEach((param, i) => {
      const v = rest[i] ?? kw.get(param.name) ?? { t: "num", v: param.default ?? 0 };
      sound = this.setControls(sound, param.name, v, span);
    });
    return sound;
  }
}

/**
 * The voice limit of one sound made of several (`stack` of equal limits, `cat`, `sew`, `stitch`):
 * the largest any part sets, a part without one counting as the default; none when no part sets one.
 */
function limitOf(parts: Val[]): { voices?: number } {
  const limits = parts.map((x) => (x.t === "sound" ? x.voices : undefined));
  if (limits.every((v) => v === undefined)) return {};
  return { voices: Math.max(...limits.map((v) => v ?? VOICE_LIMIT.default)) };
}
