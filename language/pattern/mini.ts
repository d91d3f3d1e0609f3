//! Mini-notation: parse a string with grammar/mini.ohm into an AST, then build the Pattern it denotes (Strudel's semantics).
import type * as ohm from "ohm-js";
import { loadGrammar } from "../grammars.js";
import { euclidRot } from "./euclid.js";
import { CountLimitError, queryLimit } from "./limit.js";
import { fastcatOf, lcmStepsOf, Pattern, patternify, pure, silence, stackOf, timecat, toTime, withSteps } from "./pattern.js";
import { miniChoose, miniDegrade } from "./random.js";
import { Rational } from "./rational.js";
import type { MiniValue } from "./value.js";

export type { MiniValue };

const grammar = loadGrammar("mini.ohm");

/** A node of the mini-notation AST. Offsets are 0-based positions inside the string. */
export type MiniNode =
  | { type: "atom"; value: MiniValue; source: string; offset: number; length: number }
  | { type: "seq"; elements: MiniElement[]; offset: number; stepsSource?: boolean }
  | { type: "stack"; layers: MiniNode[]; offset: number }
  | { type: "choose"; layers: MiniNode[]; seed: number; offset: number }
  | { type: "feet"; groups: MiniNode[]; seed: number; offset: number }
  | { type: "alt"; layers: MiniNode[]; offset: number }
  | { type: "poly"; layers: MiniNode[]; steps: MiniNode | undefined; offset: number };

/** One element of a sequence: a slice with its weight, replication count and modifiers, in order. */
export interface MiniElement {
  body: MiniNode;
  weight: number;
  reps: number;
  ops: MiniOp[];
  offset: number;
  length: number;
}

export type MiniOp =
  | { type: "fast" | "slow"; arg: MiniNode }
  | { type: "replicate"; amount: number }
  | { type: "euclid"; pulse: MiniNode; step: MiniNode; rotation: MiniNode | undefined }
  | { type: "degrade"; amount: number | undefined; seed: number }
  | { type: "tail"; arg: MiniNode }
  | { type: "range"; arg: MiniNode };

/** A mini-notation error, with the 0-based offset inside the string and what was expected there. */
export class MiniError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly expected: string,
  ) {
    super(message);
    this.name = "MiniError";
  }
}

// Seeds for `?`, `|` and `.` are numbered in parse order (inner first, left to right), per string.
let seedCounter = 0;

type Modifier = (el: MiniElement) => void;

const semantics = grammar.createSemantics();
semantics.addOperation<any>("ast", {
  Root(body, _end) {
    return body.ast();
  },
  StackOrChoose_stack(head, _commas, tail) {
    return { type: "stack", layers: [head.ast(), ...tail.children.map((c) => c.ast())], offset: this.source.startIdx };
  },
  StackOrChoose_choose(head, _pipes, tail) {
    const layers = [head.ast(), ...tail.children.map((c) => c.ast())];
    return { type: "choose", layers, seed: seedCounter++, offset: this.source.startIdx };
  },
  StackOrChoose_feet(head, _dots, tail) {
    const groups = [head.ast(), ...tail.children.map((c) => c.ast())];
    return { type: "feet", groups, seed: seedCounter++, offset: this.source.startIdx };
  },
  StackOrChoose_single(seq) {
    return seq.ast();
  },
  PolyStack(list) {
    return list.asIteration().children.map((c) => c.ast());
  },
  Sequence(mark, elements) {
    const seq: MiniNode = { type: "seq", elements: elements.children.map((c) => c.ast()), offset: this.source.startIdx };
    if (mark.children.length) seq.stepsSource = true;
    return seq;
  },
  Element(slice, ops) {
    const el: MiniElement = {
      body: slice.ast(),
      weight: 1,
      reps: 1,
      ops: [],
      offset: this.source.startIdx,
      length: this.source.endIdx - this.source.startIdx,
    };
    for (const op of ops.children) (op.ast() as Modifier)(el);
    return el;
  },
  Slice_sub(_open, body, _close) {
    return body.ast();
  },
  Slice_poly(_open, layers, _close, steps) {
    const ls = layers.ast() as MiniNode[];
    const s = steps.children.length ? (steps.children[0]!.ast() as MiniNode) : undefined;
    return { type: "poly", layers: ls, steps: s, offset: this.source.startIdx };
  },
  Slice_alt(_open, layers, _close) {
    return { type: "alt", layers: layers.ast(), offset: this.source.startIdx };
  },
  Slice_word(w) {
    return w.ast();
  },
  PolySteps(_pct, slice) {
    return slice.ast();
  },
  Op_weight(op) {
    return op.ast();
  },
  weightOp(_sym, num) {
    const n = num.children.length ? Number(num.sourceString) : 2;
    return ((el: MiniElement) => {
      // Strudel's (weight ?? 1) + (a ?? 2) - 1, left to right: in floats 1 + (n - 1) can differ from (1 + n) - 1.
      el.weight = el.weight + n - 1;
    }) as Modifier;
  },
  Op_euclid(_open, pulse, _c1, step, _c2, rotation, _close) {
    const p = (pulse.ast() as MiniElement).body;
    const s = (step.ast() as MiniElement).body;
    const r = rotation.children.length ? (rotation.children[0]!.ast() as MiniElement).body : undefined;
    return ((el: MiniElement) => {
      el.ops.push({ type: "euclid", pulse: p, step: s, rotation: r });
    }) as Modifier;
  },
  Op_slow(_sym, slice) {
    const arg = slice.ast() as MiniNode;
    return ((el: MiniElement) => el.ops.push({ type: "slow", arg })) as Modifier;
  },
  Op_fast(_sym, slice) {
    const arg = slice.ast() as MiniNode;
    return ((el: MiniElement) => el.ops.push({ type: "fast", arg })) as Modifier;
  },
  Op_replicate(op) {
    return op.ast();
  },
  replicateOp(_sym, num) {
    const n = num.children.length ? Number(num.sourceString) : 2;
    return ((el: MiniElement) => {
      // "a!3" and "a!!" both mean three copies; the copies take one weight unit each.
      el.reps = el.reps + n - 1;
      el.ops = el.ops.filter((o) => o.type !== "replicate");
      el.ops.push({ type: "replicate", amount: el.reps });
      el.weight = el.reps;
    }) as Modifier;
  },
  Op_degrade(op) {
    return op.ast();
  },
  degradeOp(_sym, num) {
    const amount = num.children.length ? Number(num.sourceString) : undefined;
    const seed = seedCounter++;
    return ((el: MiniElement) => el.ops.push({ type: "degrade", amount, seed })) as Modifier;
  },
  Op_tail(_sym, slice) {
    const arg = slice.ast() as MiniNode;
    return ((el: MiniElement) => el.ops.push({ type: "tail", arg })) as Modifier;
  },
  Op_range(_sym, slice) {
    const arg = slice.ast() as MiniNode;
    return ((el: MiniElement) => el.ops.push({ type: "range", arg })) as Modifier;
  },
  word(_chars) {
    const text = this.sourceString;
    const num = Number(text);
    const value: MiniValue = Number.isNaN(num) ? text : num;
    return { type: "atom", value, source: text, offset: this.source.startIdx, length: text.length };
  },
});

const WORD_PARTS = new Set(['"\'"', '"_"', '"^"', '"."', '"#"', '"-"', '"~"', "a digit", "a letter"]);
const MODIFIERS = new Set(['".."', '":"', '"?"', '"!"', '"*"', '"/"', '"("', '"@"']);

/** Ohm's list of expected things, condensed: word characters become "a word", modifiers one entry. */
function condenseExpected(text: string): string {
  const items = text.split(/, or |, | or /).map((s) => s.trim()).filter(Boolean);
  const out: string[] = [];
  let word = false;
  let mod = false;
  for (const it of items) {
    if (WORD_PARTS.has(it)) {
      if (!word) out.push("a word or a rest");
      word = true;
    } else if (MODIFIERS.has(it)) {
      if (!mod) out.push("a modifier (* / ! @ ? : .. or (k,n))");
      mod = true;
    } else if (it === "end of input") {
      out.push("the end of the pattern");
    } else {
      out.push(it);
    }
  }
  return out.length <= 1 ? (out[0] ?? text) : `${out.slice(0, -1).join(", ")} or ${out[out.length - 1]}`;
}

/** Parse mini-notation into its AST; throws MiniError with the offset of the problem. */
export function parseMini(source: string): MiniNode {
  const m = grammar.match(source);
  if (m.failed()) {
    const offset = m.getRightmostFailurePosition();
    const expected = condenseExpected(m.getExpectedText());
    const ch = source[offset];
    const found = ch === undefined ? "end of pattern" : `"${ch}"`;
    let hint = "";
    if ((ch === "," && /\|/.test(source.slice(0, offset))) || (ch === "|" && /,/.test(source.slice(0, offset)))) {
      hint = " (\",\" and \"|\" cannot be mixed at one level: group with [ ])";
    } else if (ch === "|") {
      hint = " (\"|\" is not allowed inside < > or { })";
    }
    throw new MiniError(`mini-notation: unexpected ${found} at column ${offset + 1}; expected ${expected}${hint}`, offset, expected);
  }
  seedCounter = 0;
  return semantics(m).ast() as MiniNode;
}

interface Built {
  pat: Pattern<any>;
  /** Total weight of a sequence (its step count), used by < > and { }. */
  weight: Rational;
  /**
   * Strudel's `__steps_source`: the node, or a node inside it, is marked with `^`, so the step
   * count of the sequence or stack holding it follows the marked parts (see `build`).
   */
  src: boolean;
}


const isRest = (n: MiniNode): boolean => n.type === "atom" && (n.source === "~" || n.source === "-");

function arrayRange(a: any, b: any): any[] {
  const length = Math.abs(b - a) + 1;
  // A range plays within one step, so one longer than a query's events could never play.
  if (!(length <= queryLimit())) throw new CountLimitError(`the range "${a} .. ${b}": its length`, length, queryLimit(), "the most events a query may give");
  const n = Number.isFinite(length) ? Math.max(0, Math.floor(length)) : 0;
  return Array.from({ length: n }, (_, i) => (a < b ? a + i : a - i));
}

/** A value as mini-notation writes it: a `:` list as a:b. */
const shown = (v: unknown): string => (Array.isArray(v) ? v.map(shown).join(":") : String(v));

/**
 * `a .. b` as a sequence, built once per pair: it is rebuilt at every event of the pattern around
 * it otherwise, and 65,536 events each building a range of 65,536 never end.
 */
const ranges = new Map<string, Pattern<unknown>>();
function rangeSequence(a: unknown, b: unknown): Pattern<unknown> {
  const key = `${String(a)} ${String(b)}`;
  let p = ranges.get(key);
  if (p === undefined) {
    p = fastcatOf(arrayRange(a, b).map((x) => pure(x)));
    if (ranges.size > 1000) ranges.clear();
    ranges.set(key, p);
  }
  return p;
}

function timeOf(v: unknown, at: MiniNode): Rational {
  if (typeof v === "number" || v instanceof Rational) return toTime(v);
  throw new MiniError(`mini-notation: "${shown(v)}" is not a number, and a number is needed here`, at.offset, "a number");
}
function intOf(v: unknown, at: MiniNode): number {
  if (typeof v === "number") return v;
  throw new MiniError(`mini-notation: "${shown(v)}" is not a number, and a number is needed here`, at.offset, "a number");
}

/** An argument of a modifier: a bare word stays pure (so plain numbers take the direct path). */
function argPattern(node: MiniNode): Pattern<any> {
  if (node.type === "atom") return isRest(node) ? silence : pure(node.value);
  return build(node).pat;
}
/** A numeric argument (of * / % and euclid): a bare word must be a number, caught before any query. */
function numericArg(node: MiniNode): Pattern<any> {
  if (node.type === "atom" && !isRest(node) && typeof node.value !== "number") {
    throw new MiniError(`mini-notation: "${node.source}" at column ${node.offset + 1} is not a number`, node.offset, "a number");
  }
  return argPattern(node);
}

/**
 * An element's modifiers, in order. Step counts ("tactus") change as Strudel's: `*` keeps them
 * (even with a patterned factor), `/` only with a plain factor, `!` keeps them, a euclid rhythm has `steps` steps (when
 * its arguments are plain numbers), `?` and `:` keep them, `..` has none.
 */
function applyOps(pat: Pattern<any>, el: MiniElement): Pattern<any> {
  for (const op of el.ops) {
    const steps = pat.steps;
    switch (op.type) {
      case "fast": {
        const p = pat;
        pat = withSteps(patternify([numericArg(op.arg)], (v) => p.fast(timeOf(v, op.arg))), steps);
        break;
      }
      case "slow": {
        const p = pat;
        pat = withSteps(
          patternify([numericArg(op.arg)], (v) => {
            const f = timeOf(v, op.arg);
            return f.n === 0 ? silence : p.fast(Rational.ONE.div(f));
          }),
          // Strudel's slow keeps the count only for a plain factor (a pure argument); by a
          // pattern (`/[1 3]`, `/<2 3>`) it is joined and has none (fast keeps it either way).
          op.arg.type === "atom" ? steps : undefined,
        );
        break;
      }
      case "replicate":
        pat = withSteps(pat.repeatCycles(op.amount).fast(op.amount), steps);
        break;
      case "euclid": {
        const p = pat;
        const args = [numericArg(op.pulse), numericArg(op.step)];
        if (op.rotation) args.push(numericArg(op.rotation));
        const constant = args.every((a) => a.pure !== undefined);
        pat = patternify(args, (k, n, r) =>
          euclidRot(p, intOf(k, op.pulse), intOf(n, op.step), r === undefined ? 0 : intOf(r, op.rotation!)),
        );
        pat = withSteps(pat, constant ? Rational.fromNumber(Math.abs(intOf(args[1]!.pure!.value, op.step))) : undefined);
        break;
      }
      case "degrade":
        pat = withSteps(miniDegrade(pat, op.amount ?? 0.5, op.seed), steps);
        break;
      case "tail": {
        const friend = argPattern(op.arg);
        pat = withSteps(pat.fmap((a: unknown) => (b: unknown) => (Array.isArray(a) ? [...a, b] : [a, b])).appLeft(friend), steps);
        break;
      }
      case "range": {
        const friend = argPattern(op.arg);
        pat = withSteps(pat.squeezeBind((a: unknown) => friend.bind((b: unknown) => rangeSequence(a, b))), undefined);
        break;
      }
    }
  }
  return pat;
}

/**
 * Strudel's lcm of the marked parts' step counts, `lcm(...marked.map((x) => Fraction(x._steps)))`:
 * a marked part without a count is Fraction(undefined), 0, and makes the lcm 0.
 */
function srcSteps(parts: Built[]): Rational | undefined {
  const marked = parts.filter((b) => b.src).map((b) => b.pat.steps);
  return marked.some((s) => s === undefined) ? Rational.ZERO : lcmStepsOf(marked);
}

/**
 * The pattern a node denotes, with Strudel's step count ("tactus", what pace, polymeter and
 * the stepwise functions read):
 * - a word is one step; a sequence has as many steps as its elements' weights add up to, times
 *   the lcm of the step counts of its parts marked with `^` (a part without a count makes it 0,
 *   as Strudel's `weightSum.mul(undefined)`);
 * - a stack (`,`), `< >` and `|` take the lcm of their marked layers' counts when a layer is
 *   marked; otherwise a stack and `< >` the lcm of all layers, `|` none;
 * - `{ }` the lcm of its layers' counts; `.` feet one step per foot;
 * - a `^` anywhere inside a node marks it for the node around it.
 * Only the stepwise functions read step counts: `^` never changes the events of a plain query.
 */
function build(node: MiniNode): Built {
  switch (node.type) {
    case "atom":
      return { pat: isRest(node) ? silence : pure(node.value), weight: Rational.ONE, src: false };
    case "seq": {
      let total = Rational.ZERO;
      const parts: Array<[Rational, Pattern<any>]> = [];
      const built: Built[] = [];
      for (const el of node.elements) {
        // Strudel takes `weight || Fraction(1)`: a weight of 0 (a!0, a@0) counts as 1.
        const w = Rational.fromNumber(el.weight || 1);
        total = total.add(w);
        const b = build(el.body);
        const child = { ...b, pat: applyOps(b.pat, el) };
        built.push(child);
        parts.push([w, child.pat]);
      }
      const anySrc = built.some((b) => b.src);
      let steps: Rational | undefined = total;
      if (anySrc) {
        const l = srcSteps(built);
        steps = l === undefined ? Rational.ZERO : total.mul(l);
      }
      return { pat: withSteps(timecat(parts), steps), weight: total, src: anySrc || node.stepsSource === true };
    }
    case "stack": {
      const layers = node.layers.map((l) => build(l));
      const src = layers.some((l) => l.src);
      const pat = stackOf(layers.map((l) => l.pat));
      return { pat: src ? withSteps(pat, srcSteps(layers)) : pat, weight: Rational.ONE, src };
    }
    case "choose": {
      const layers = node.layers.map((l) => build(l));
      const src = layers.some((l) => l.src);
      const pat = miniChoose(layers.map((l) => l.pat), node.seed);
      return { pat: withSteps(pat, src ? srcSteps(layers) : undefined), weight: Rational.ONE, src };
    }
    case "feet": {
      const groups = node.groups.map((g) => build(g));
      return { pat: withSteps(fastcatOf(groups.map((g) => g.pat)), Rational.of(groups.length)), weight: Rational.ONE, src: groups.some((g) => g.src) };
    }
    case "alt": {
      const layers = node.layers.map((l) => build(l));
      const src = layers.some((l) => l.src);
      const steps = src ? srcSteps(layers) : lcmStepsOf(layers.map((l) => l.pat.steps));
      return { pat: withSteps(stackOf(layers.map((l) => l.pat.slow(l.weight))), steps), weight: Rational.ONE, src };
    }
    case "poly": {
      const layers = node.layers.map((l) => build(l));
      const first = layers[0]!.weight;
      const steps: Pattern<Rational> = node.steps
        ? numericArg(node.steps).fmap((x: unknown) => timeOf(x, node.steps!))
        : pure(first).fmap((x) => x);
      const aligned = layers.map((l) =>
        patternify([steps.fmap((x) => x.div(l.weight))], (f: Rational) => l.pat.fast(f)),
      );
      return {
        pat: withSteps(stackOf(aligned), lcmStepsOf(layers.map((l) => l.pat.steps))),
        weight: Rational.ONE,
        src: layers.some((l) => l.src),
      };
    }
  }
}

/** Build the pattern an AST describes. */
export function astToPattern(node: MiniNode): Pattern<MiniValue> {
  return build(node).pat;
}

const cache = new Map<string, Pattern<MiniValue>>();

/** Parse and build (cached by source): the pattern a mini-notation string denotes. */
export function mini(source: string): Pattern<MiniValue> {
  const hit = cache.get(source);
  if (hit !== undefined) return hit;
  const pat = astToPattern(parseMini(source));
  if (cache.size > 2000) cache.clear();
  cache.set(source, pat);
  return pat;
}
