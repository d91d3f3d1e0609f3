//! Transforms as `.ph` sees them: the registry's table with Phonon's own meanings of some names (stut, swing, shuffle), and how a transform applies to a value (patterns inside it, or an effect switched in per cycle).
import type { Span } from "../ast.js";
import { faultMessage } from "./fault.js";
import type { Builtin } from "../catalogue.js";
import { Abandon } from "../diagnostics.js";
import { jitter, stutPhonon, swingPhonon } from "../pattern/ops/phonon.js";
import { type Pattern, pure } from "../pattern/pattern.js";
import { Rational } from "../pattern/rational.js";
import { type ArgInput, type ArgSpec, TRANSFORMS, type TransformFamily, type TransformSpec, applyTransform, lookupTransform as registryLookup } from "../pattern/registry.js";
import * as signals from "../pattern/signal.js";
import type { Evaluator } from "./evaluate.js";
import { type Sig, type Val, type Xf, describe, hasPattern, spanOf } from "./meaning.js";

export type { ArgInput };

/** A number as Phonon's own transforms take it (a patterned argument's values may be Rationals). */
const plain = (v: unknown): number => (v instanceof Rational ? v.toNumber() : Number(v));
const num = (name: string): ArgSpec => ({ name, kind: "number" });

/** A transform of Phonon's own: patterned as the registry's are, its arguments plain numbers. */
function phonon(name: string, family: TransformFamily, args: ArgSpec[], doc: string, f: (p: Pattern<any>, ...xs: number[]) => Pattern<any>): TransformSpec {
  return { name, aliases: [], family, args, doc, patterned: true, preserveSteps: false, stepJoin: false, impl: (p, ...xs: unknown[]) => f(p, ...xs.map(plain)) };
}

/** A registry transform under the name `.ph` spells it. */
function spelled(name: string, registryName: string, doc: string): TransformSpec {
  return { ...registryLookup(registryName)!, name, aliases: [], doc };
}

/**
 * Spellings Phonon's demos use that the registry lacks (`degrade_by`), and the names whose meaning
 * in `.ph` is Phonon's, not Tidal/Strudel's (../shared/language.md, "Where Phonon and Tidal use one
 * name for different things"): `stut n time decay`, `swing amt`, `shuffle amt` (and `humanize`,
 * which calls it, in the registry). Strudel's meanings stay reachable as `echo`, `stut_tidal`,
 * `swingBy`/`swing_by`, `shuffle_parts` and `scramble`. The registry (and so the Strudel oracle
 * and `phonon haps`) keeps Strudel's meanings under Strudel's names.
 */
const OVERRIDES: TransformSpec[] = [
  spelled("degrade_by", "degradeBy", "Same as degradeBy (a spelling Phonon's demos use)."),
  phonon(
    "stut",
    "layer",
    [num("count"), { name: "time", kind: "time" }, num("decay")],
    "Phonon's stut n time decay: n copies, time cycles apart, each decay times the previous one's gain (Strudel's echo n time decay).",
    (p, n, t, d) => stutPhonon(p, n, Rational.fromNumber(t), d),
  ),
  spelled("stut_tidal", "stut", "Tidal's stut count feedback time (the same sound as stut count time feedback)."),
  phonon(
    "swing",
    "time",
    [{ name: "amount", kind: "time" }],
    "Phonon's swing amt: in each cycle, every second event in time order starts amt cycles later (Tidal's swing n is swingBy 1/3 n).",
    (p, amt) => swingPhonon(p, Rational.fromNumber(amt)),
  ),
  spelled("swing_by", "swingBy", "Same as swingBy: delay the second half of each 1/n slice by amount/(2n)."),
  phonon(
    "shuffle",
    "random",
    [num("amount")],
    "Phonon's shuffle amt: each event moves randomly in time by up to ±amt cycles (seeded: the same every time). Tidal's shuffle n is shuffle_parts n.",
    (p, amt) => jitter(p, amt),
  ),
  spelled("shuffle_parts", "shuffle", "Tidal/Strudel's shuffle n: each cycle, its n slices in a random order, each once."),
];

const overrides = new Map(OVERRIDES.map((s) => [s.name, s]));

/**
 * Registry names that `.ph` does not see as transforms, because a Phonon builtin of that name
 * must keep its meaning there: `xfade` (Phonon's crossfade of two signals; Strudel's xfade of
 * two patterns stays in the registry, for the oracle and `phonon haps`).
 */
const HIDDEN = new Set(["xfade"]);

/** The transform `name` means in `.ph`: Phonon's own meaning, else the registry's (under its own name). */
export function phononTransform(name: string): TransformSpec | undefined {
  if (HIDDEN.has(name)) return undefined;
  return overrides.get(name) ?? registryLookup(name);
}

/** Every name `.ph` knows as a transform. */
export function phononTransformNames(): string[] {
  const names = new Set<string>(OVERRIDES.map((s) => s.name));
  for (const s of TRANSFORMS) {
    names.add(s.name);
    for (const a of s.aliases) names.add(a);
  }
  for (const h of HIDDEN) names.delete(h);
  return [...names];
}

/** Arguments that must be given. */
export function requiredArgs(s: TransformSpec): number {
  return s.args.filter((a) => !a.optional && !a.rest).length;
}

/** The most arguments before the pattern (Infinity for a rest argument). */
export function maxArgs(s: TransformSpec): number {
  return s.args.some((a) => a.rest) ? Infinity : s.args.length;
}

/** The kind of argument i (a rest argument repeats). */
export function argKind(s: TransformSpec, i: number): ArgSpec["kind"] {
  return s.args[Math.min(i, s.args.length - 1)]!.kind;
}

export function xf(ev: Evaluator, name: string, span: Span, pattern: ((p: Pattern<any>) => Pattern<any>) | undefined, apply?: (v: Val) => Val): Xf {
  const self: Xf = {
    t: "xf",
    name,
    span,
    ...(pattern ? { pattern } : {}),
    apply: apply ?? ((v) => mapPatterns(ev, v, pattern!, span)),
  };
  return self;
}

/** Apply a transform to a value; two transforms compose (the right one applies first). */
export function applyXf(ev: Evaluator, t: Xf, v: Val, span: Span): Val {
  if (v.t === "xf") {
    const inner = v;
    const pattern = t.pattern && inner.pattern ? (p: Pattern<any>) => t.pattern!(inner.pattern!(p)) : undefined;
    return xf(ev, `${t.name} . ${inner.name}`, span, pattern, (x) => t.apply(inner.apply(x)));
  }
  if (!hasPattern(v) && t.pattern) {
    ev.warn(`'${t.name}' has no pattern to act on here (${describe(v)}): it changes nothing`, t.span);
  }
  try {
    return t.apply(v);
  } catch (e) {
    if (e instanceof Abandon) throw e;
    return ev.error(`'${t.name}' cannot apply here: ${faultMessage(e)}`, t.span);
  }
}

/** Transform every pattern inside a value; shared parts without patterns stay shared. */
function mapPatterns(ev: Evaluator, v: Val, f: (p: Pattern<any>) => Pattern<any>, span: Span): Val {
  const tag = ev.subScope("xf");
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
function transform(ev: Evaluator, spec: TransformSpec, args: Val[], span: Span, nameSpan: Span): Val {
  const max = maxArgs(spec);
  const own = args.length > max ? args.slice(0, max) : args;
  const target = args.length > max ? args[max] : undefined;
  if (args.length > max + 1) ev.error(`'${spec.name}' takes ${max} argument${max === 1 ? "" : "s"} and then the pattern`, spanOf(args[max + 1]!, nameSpan));
  if (own.length < requiredArgs(spec)) {
    const sig = spec.args.map((a) => (a.optional ? `[${a.name}]` : a.rest ? `${a.name}…` : a.name)).join(" ");
    ev.error(`'${spec.name}' needs ${requiredArgs(spec)} argument${requiredArgs(spec) === 1 ? "" : "s"}: ${spec.name} ${sig}`, nameSpan, spec.doc);
  }
  // Phonon's `foldEvery [t1, t2] n`: each transform every n cycles.
  if (spec.name === "foldEvery" && own[0]?.t === "list" && own[0].items.every((x) => x.t === "xf") && own[1]?.t === "num") {
    const n = own[1].v;
    const fs = own[0].items as Xf[];
    const every = phononTransform("every")!;
    const t = fs.reduce<Val>((acc, f) => applyXf(ev, transform(ev, every, [{ t: "num", v: n }, f], span, nameSpan) as Xf, acc, span), xf(ev, "id", nameSpan, (p) => p));
    return target ? applyXf(ev, t as Xf, target, span) : t;
  }
  const converted: ArgInput[] = [];
  const effects: { index: number; xf: Xf }[] = [];
  own.forEach((a, i) => converted.push(transformArg(ev, spec, argKind(spec, i), a, i, span, effects)));
  const run = (p: Pattern<any>, a: ArgInput[]): Pattern<any> => {
    try {
      return applyTransform(spec, p, a);
    } catch (e) {
      if (e instanceof Abandon) throw e;
      return ev.error(`'${spec.name}': ${faultMessage(e)}`, nameSpan);
    }
  };
  // Fail now, not in the scheduler, when the arguments cannot work.
  run(pure(0), converted);
  let t: Xf;
  if (effects.length === 0) t = xf(ev, spec.name, nameSpan, (p) => run(p, converted));
  else t = xf(ev, spec.name, nameSpan, undefined, (v) => effectSwitch(ev, spec, converted, effects, v, nameSpan));
  return target ? applyXf(ev, t, target, span) : t;
}

function transformArg(ev: Evaluator, spec: TransformSpec, kind: string, a: Val, i: number, span: Span, effects: { index: number; xf: Xf }[]): ArgInput {
  const where = `argument ${i + 1} of '${spec.name}'`;
  switch (kind) {
    case "number":
    case "time": {
      if (a.t === "num") return a.v;
      if (a.t === "pat") return ev.midiPattern(a);
      if (a.t === "sig") return signalPattern(ev, a, where);
      return ev.error(`${where} must be a number or a pattern, not ${describe(a)}`, spanOf(a, span));
    }
    case "function": {
      if (a.t !== "xf") return ev.error(`${where} must be a transform such as \`(fast 2)\` or \`rev\`, not ${describe(a)}`, spanOf(a, span));
      if (!a.pattern) {
        effects.push({ index: i, xf: a });
        return (p: Pattern<any>) => p.fmap(() => 1);
      }
      return a.pattern;
    }
    case "list": {
      const items = a.t === "list" ? a.items : [a];
      return items.map((x, k) => (x.t === "num" ? x.v : ev.error(`item ${k + 1} of ${where} must be a number`, spanOf(x, span))));
    }
    case "patterns": {
      const items = a.t === "list" ? a.items : [a];
      return items.map((x) => ev.patternArg(x, spec.name, span)) as ArgInput[];
    }
    case "string": {
      if (a.t === "pat") return a.src.trim();
      return ev.error(`${where} must be a word in quotes`, spanOf(a, span));
    }
    default: {
      // pattern, value: any pattern as it is.
      if (a.t === "num") return a.v;
      if (a.t === "pat" || a.t === "sound") return a.p;
      if (a.t === "sig") return signalPattern(ev, a, where);
      return ev.error(`${where} must be a pattern, not ${describe(a)}`, spanOf(a, span));
    }
  }
}

/** An effect switched in per cycle (or per event): `every 4 (# lpf 300)`. */
function effectSwitch(ev: Evaluator, spec: TransformSpec, converted: ArgInput[], effects: { index: number; xf: Xf }[], v: Val, span: Span): Val {
  if (effects.length > 1) ev.error(`'${spec.name}' can switch one effect, not ${effects.length}`, span);
  const base: Pattern<number> = v.t === "sound" ? v.p.fmap(() => 0) : pure(0);
  const switchPat = applyTransform(spec, base, converted) as Pattern<number>;
  const wet = effects[0]!.xf.apply(v);
  const dry = ev.signalParam(v);
  return ev.sig("xfade", { a: dry, b: ev.signalParam(wet), pos: { t: "pat", p: switchPat, span, src: `${spec.name} switch` } }, span);
}

/** A signal as a pattern, for transform arguments: a plain LFO (`sine 0.25`) becomes the same wave as a 0…1 pattern. */
function signalPattern(ev: Evaluator, s: Sig, where: string): Pattern<number> {
  const waves: Record<string, Pattern<number>> = { sine: signals.sine, saw: signals.saw, square: signals.square, tri: signals.tri };
  const wave = waves[s.kind];
  const f = s.params.freq ?? { t: "num", v: 1 };
  if (!wave || f.t !== "num" || f.v <= 0) {
    return ev.error(`${where} must be a pattern; ${describe(s)} is computed by the engine, sample by sample`, s.span, "use a pattern string, or an LFO with a fixed rate such as `sine 0.25`");
  }
  // An LFO at f Hz has a period of cps/f cycles.
  return wave.slow(ev.cps / f.v);
}

/** For names that are both a builtin and a transform (range, struct, loop, legato, dur, add, sub). */
export function preferTransform(ev: Evaluator, b: Builtin, spec: TransformSpec, nargs: number, chainInput?: Val): boolean {
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

export function transformCall(ev: Evaluator, spec: TransformSpec, args: Val[], span: Span, nameSpan: Span, chainInput?: Val): Val {
  // `x # fast 2` applies the transform to x.
  return transform(ev, spec, chainInput ? [...args, chainInput] : args, span, nameSpan);
}
