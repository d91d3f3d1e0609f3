//! The transform registry: every pattern transform by name (defined in transforms.ts), the kinds of its arguments, and the checking and applying of a call; the language's name table.
import { mini } from "./mini.js";
import { stepJoin } from "./ops/stepwise.js";
import { Pattern, patternify, pure, withSteps } from "./pattern.js";
import { Rational } from "./rational.js";
import { TRANSFORMS, toPattern } from "./transforms.js";

export { TRANSFORMS };

/**
 * Argument kinds:
 * - `number`, `time`, `value`: a plain value or a pattern of them (patterned arguments, joined as
 *   Strudel does: "<1 2>" gives one value per cycle); `time` values are exact cycle counts;
 * - `pattern`: a pattern used as such (struct's booleans, add's operand, bite's indices);
 * - `function`: a pattern transform (`fast 2`, `rev`, `# speed 2`);
 * - `patterns`: a list (or named table) of patterns to pick from (pick, squeeze);
 * - `list`: a list of numbers (foldEvery's cycle counts, quantize's targets);
 * - `string`: a plain word (groove's template name).
 */
export type ArgKind = "number" | "time" | "value" | "pattern" | "patterns" | "function" | "list" | "string";

export interface ArgSpec {
  readonly name: string;
  readonly kind: ArgKind;
  /** May be left out (trailing arguments only). */
  readonly optional?: boolean;
  /** Takes any number of further arguments of this kind (last argument only). */
  readonly rest?: boolean;
}

/** What a transform does, broadly (its place in the reference). */
export type TransformFamily = "time" | "structure" | "conditional" | "random" | "layer" | "sample" | "value" | "control";

export interface TransformSpec {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly family: TransformFamily;
  readonly args: readonly ArgSpec[];
  readonly doc: string;
  /**
   * True when every argument may be a pattern and the call is "patternified" as Strudel's
   * register does: with all-constant arguments the implementation runs once; otherwise the first
   * argument's events give the structure (the others joined with appLeft) and the results are
   * flattened with innerJoin.
   */
  readonly patterned: boolean;
  /**
   * True for the transforms Strudel registers with `preserveSteps`: the result keeps the input's
   * step count (what pace and the stepwise functions read), whatever the arguments. Otherwise a
   * patterned call (a non-constant argument) has no step count, as Strudel's innerJoin.
   */
  readonly preserveSteps: boolean;
  /** True for Strudel's stepwise functions: patterned arguments are joined stepwise (stepJoin), not with innerJoin. */
  readonly stepJoin: boolean;
  /** The implementation: the pattern, then plain argument values in order (functions as functions). */
  readonly impl: (pat: Pattern<any>, ...args: any[]) => Pattern<any>;
}

/** A function argument: a pattern transform. */
export type Fn = (p: Pattern<any>) => Pattern<any>;

// ---- lookup ----

const table = new Map<string, TransformSpec>();
for (const s of TRANSFORMS) {
  for (const n of [s.name, ...s.aliases]) {
    if (table.has(n)) throw new Error(`registry: duplicate name ${n}`);
    table.set(n, s);
  }
}

/**
 * The methods Strudel 1.2.6 registers on patterns that are left out here, with the reason (the
 * language reference; an unknown-transform error quotes it). Strudel's several hundred sound
 * controls (lpf, room, delay, …) are not listed: in `.ph` the DSP builtins play that part, and the
 * pattern engine keeps the controls the scheduler plays (CONTROLS in ops/controls.ts).
 */
export const LEFT_OUT: Readonly<Record<string, string>> = Object.fromEntries(
  (
    [
      [
        "it takes a JavaScript function of values, haps or queries; the language has transforms instead",
        [
          "pickF", "pickmodF", "applyN", "plyForEach", "plyforeach", "arpWith", "filter", "filterHaps", "filterValues", "filterWhen",
          "withValue", "fmap", "withHap", "withHaps", "withHapSpan", "withHapTime", "withQuerySpan", "withQuerySpanMaybe",
          "withQueryTime", "withState", "withContext", "bind", "innerBind", "outerBind", "squeezeBind", "stepBind", "polyBind",
          "bindWhole", "appWhole", "appLeft", "appRight", "appBoth", "whenKey", "withSteps", "func",
        ],
      ],
      [
        "it joins or splits patterns of patterns, or returns a list, not a pattern (into, inhabit, squeeze and the stepwise functions cover their uses)",
        ["join", "innerJoin", "outerJoin", "squeezeJoin", "resetJoin", "restartJoin", "stepJoin", "unjoin", "collect", "shrinklist", "s_taperlist", "queryArc", "firstCycle", "firstCycleValues", "showFirstCycle", "hasSteps"],
      ],
      [
        "it takes a TimeSpan object; write compress b e, focus b e or zoom b e",
        ["compressSpan", "compressspan", "focusSpan", "focusspan", "zoomArc", "zoomarc"],
      ],
      [
        "Strudel's patterned method passes the random pattern's values where the pattern is meant; degradeBy and ? use it inside",
        ["degradeByWith"],
      ],
      [
        "it depends on the REPL's state (a global timeline, keys held, the scheduler), not on time",
        ["timeline", "keyDown", "onTrigger", "onTriggerTime", "log", "logValues"],
      ],
      [
        "it only annotates events for Strudel's editor or visuals (location, colour, labels, context): no sound",
        ["withLoc", "setContext", "stripContext", "color", "tag", "hsl", "hsla", "drawLine", "sortHapsByPart", "analyze", "fft"],
      ],
      [
        "it sets Strudel's sound controls for its own synths (a distortion algorithm, an envelope's stages, a waveform's partials or phases); in .ph the DSP builtins make the sound: # distort, # attack, # release, # ar and # adsr on a sound, and ad, adsr and ar are envelopes",
        ["soft", "hard", "cubic", "diode", "asym", "fold", "sinefold", "chebyshev", "adsr", "ad", "ds", "ar", "partials", "phases"],
      ],
      [
        "it drives Strudel's output rather than the pattern (MIDI control and SysEx messages, audio worklets, effect chains, modulators, tape scrubbing, speech)",
        ["control", "sysex", "worklet", "FX", "modulate", "lfo", "env", "bmod", "scrub", "speak"],
      ],
      [
        "Strudel 1.2.6 names it on patterns but leaves it undefined (the oracle answers 'unknown pattern method')",
        ["s_polymeter", "s_zip"],
      ],
      [
        "it is not in Strudel 1.2.6 (the oracle answers 'unknown pattern method'); Phonon lists wait n without saying what it does and no corpus file uses it; Tidal's wait is a transition between two patterns, which live reloading covers",
        ["wait"],
      ],
    ] as Array<[string, string[]]>
  ).flatMap(([why, names]) => names.map((n) => [n, why] as const)),
);


/** The transform called `name` (or one of its aliases). */
export function lookupTransform(name: string): TransformSpec | undefined {
  return table.get(name);
}

/** All names the registry answers to (names and aliases), sorted. */
export function transformNames(): string[] {
  return [...table.keys()].sort();
}

function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d = Array.from({ length: m + 1 }, (_, i) => [i, ...new Array<number>(n).fill(0)]);
  for (let j = 1; j <= n; j++) d[0]![j] = j;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      // A swap of two neighbouring letters ("fsat" → "fast") counts as one edit.
      if (i > 1 && j > 1 && a[i - 1]!.toLowerCase() === b[j - 2]!.toLowerCase() && a[i - 2]!.toLowerCase() === b[j - 1]!.toLowerCase()) {
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = v;
    }
  }
  return d[m]![n]!;
}

/** The names closest to `name` (for "did you mean"), best first; `among` defaults to the registry's names. */
export function suggestNames(name: string, max = 3, among: readonly string[] = transformNames()): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  return among
    .map((n) => ({ n, d: editDistance(name, n) }))
    .filter((x) => x.d <= limit || x.n.toLowerCase().startsWith(name.toLowerCase()))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, max)
    .map((x) => x.n);
}

/** A transform call that cannot work: unknown name, wrong number or kind of arguments. */
export class TransformError extends Error {
  constructor(
    message: string,
    /** The argument at fault (0-based), when there is one. */
    readonly argIndex?: number,
    /** Nearest known names, for an unknown transform. */
    readonly suggestions: readonly string[] = [],
  ) {
    super(message);
    this.name = "TransformError";
  }
}

/** What the language layer knows about an argument before running anything. */
export type GivenKind = "number" | "string" | "pattern" | "function" | "list";

function accepts(kind: ArgKind, given: GivenKind): boolean {
  switch (kind) {
    case "number":
    case "time":
      return given === "number" || given === "string" || given === "pattern";
    case "value":
      return given !== "function";
    case "pattern":
      return given === "number" || given === "string" || given === "pattern" || given === "list";
    case "function":
      return given === "function";
    case "patterns":
      return given === "list" || given === "pattern";
    case "list":
      return given === "list" || given === "number" || given === "string";
    case "string":
      return given === "string";
  }
}

function describe(spec: TransformSpec): string {
  const args = spec.args.map((a) => (a.rest ? `${a.name}...` : a.optional ? `[${a.name}]` : a.name));
  return [spec.name, ...args].join(" ");
}

/**
 * Check a call without running it: the name, the number of arguments and their kinds.
 * Returns undefined when it is fine, else the error (with suggestions for unknown names).
 */
export function checkTransform(name: string, given: readonly GivenKind[]): TransformError | undefined {
  const spec = table.get(name);
  if (!spec) {
    const why = LEFT_OUT[name];
    if (why !== undefined) return new TransformError(`"${name}" is left out: ${why}`);
    const s = suggestNames(name);
    return new TransformError(`unknown transform "${name}"${s.length ? `; did you mean ${s.map((x) => `"${x}"`).join(", ")}?` : ""}`, undefined, s);
  }
  return checkArgs(spec, given);
}

/** Check the number and kinds of a call's arguments against the transform's. */
function checkArgs(spec: TransformSpec, given: readonly GivenKind[]): TransformError | undefined {
  const required = spec.args.filter((a) => !a.optional && !a.rest).length;
  const rest = spec.args.length > 0 && spec.args[spec.args.length - 1]!.rest;
  const max = rest ? Infinity : spec.args.length;
  if (given.length < required || given.length > max) {
    const count = rest ? `at least ${required}` : required === spec.args.length ? `${required}` : `${required} to ${spec.args.length}`;
    return new TransformError(
      `${spec.name} takes ${count} argument${required === 1 && !rest ? "" : "s"} (${describe(spec)}), got ${given.length}`,
      given.length > max ? max : given.length,
    );
  }
  for (let i = 0; i < given.length; i++) {
    const a = spec.args[Math.min(i, spec.args.length - 1)]!;
    if (!accepts(a.kind, given[i]!)) {
      return new TransformError(`${spec.name}: argument ${i + 1} (${a.name}) must be ${kindText(a.kind)}, not a ${given[i]}`, i);
    }
  }
  return undefined;
}

function kindText(kind: ArgKind): string {
  switch (kind) {
    case "number":
      return "a number or a pattern of numbers";
    case "time":
      return "a number of cycles or a pattern of them";
    case "value":
      return "a value or a pattern";
    case "pattern":
      return "a pattern";
    case "function":
      return "a transform (e.g. (fast 2))";
    case "patterns":
      return "a list of patterns";
    case "list":
      return "a list of numbers";
    case "string":
      return "a name";
  }
}

/** An argument as the language or the oracle case format gives it. */
export type ArgInput = number | string | boolean | Rational | Pattern<unknown> | Fn | ArgInput[] | Record<string, unknown> | null;

function givenKind(a: ArgInput): GivenKind {
  if (typeof a === "number" || a instanceof Rational || typeof a === "boolean") return "number";
  if (typeof a === "string") return "string";
  if (typeof a === "function") return "function";
  if (Array.isArray(a)) return "list";
  return "pattern";
}


/**
 * Apply a transform: a registered one by name, or one given whole (the language's own meanings of
 * some names). Numbers, time and value arguments may be plain values, mini-notation strings or
 * patterns; pattern arguments may be strings or patterns; function arguments are pattern → pattern
 * functions. Throws TransformError on a bad call.
 */
export function applyTransform(transform: string | TransformSpec, pat: Pattern<any>, args: readonly ArgInput[]): Pattern<any> {
  const given = args.map(givenKind);
  const bad = typeof transform === "string" ? checkTransform(transform, given) : checkArgs(transform, given);
  if (bad) throw bad;
  const spec = typeof transform === "string" ? table.get(transform)! : transform;
  const result = applySpec(spec, pat, args);
  return spec.preserveSteps ? withSteps(result, pat.steps) : result;
}

function applySpec(spec: TransformSpec, pat: Pattern<any>, args: readonly ArgInput[]): Pattern<any> {
  const kinds = args.map((_, i) => spec.args[Math.min(i, spec.args.length - 1)]!.kind);
  if (!spec.patterned) {
    const vals = args.map((a, i) => {
      switch (kinds[i]) {
        case "pattern":
          return toPattern(a);
        case "list":
          return Array.isArray(a) ? a : [a];
        case "value":
          return typeof a === "string" ? mini(a) : a;
        default:
          return a;
      }
    });
    return spec.impl(pat, ...vals);
  }
  // Strudel's register: reify every argument; constant arguments run the plain implementation.
  const pats = args.map((a, i) => {
    if (kinds[i] === "function" || kinds[i] === "string" || kinds[i] === "list") return pure(a);
    return toPattern(a);
  });
  if (spec.stepJoin && !pats.every((p) => p.pure !== undefined)) {
    // Strudel's stepRegister: as patternify, joined stepwise.
    const [first, ...rest] = pats as [Pattern<unknown>, ...Pattern<unknown>[]];
    let acc: Pattern<unknown[]> = first.fmap((v) => [v]);
    for (const p of rest) acc = acc.fmap((vs) => (v: unknown) => [...vs, v]).appLeft(p);
    return stepJoin(acc.fmap((vs) => spec.impl(pat, ...vs)));
  }
  return patternify(pats, (...vals: unknown[]) => spec.impl(pat, ...vals));
}
