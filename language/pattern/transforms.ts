//! Every pattern transform the registry knows: its name and aliases, family, typed arguments, doc and implementation (registry.ts looks them up, checks calls and applies them).
import { euclid, euclidFull, euclidInv, euclidish, euclidLegato, euclidLegatoRot, euclidRot } from "./euclid.js";
import { mini } from "./mini.js";
import {
  asNumber,
  ceil,
  combine,
  floor,
  type How,
  invert,
  mask,
  OPERATORS,
  quantize,
  range,
  range2,
  rangex,
  reset,
  restart,
  round,
  segment,
  struct,
} from "./ops/compose.js";
import { asControl, asMapping, CONTROLS, setControl, smooth, walk } from "./ops/controls.js";
import { echo, echoWith, ghost, ghostWith, jux, juxBy, layer, off, spin, stut, stutter, superimpose, weave } from "./ops/layer.js";
import { bite, chew, chop, fit, gap, loopAt, loopAtCps, slice, splice, striate } from "./ops/sample.js";
import { arp, binary, binaryN, defragment, groove, type Lookup, pace, pickWith, type PickJoin } from "./ops/structure.js";
import {
  brak,
  chunk,
  chunkInto,
  into,
  chunkBack,
  everyOffset,
  fastChunk,
  firstOf,
  foldEvery,
  hurry,
  inside,
  iter,
  iterBack,
  lastOf,
  linger,
  loopFirstCycles,
  outside,
  palindrome,
  ply,
  plyWith,
  press,
  pressBy,
  rev,
  revv,
  ribbon,
  rot,
  stretch,
  swing,
  swingBy,
  trim,
  trunc,
  when,
  whenmod,
  within,
} from "./ops/time.js";
import { jitter, stripe } from "./ops/phonon.js";
import { contract, drop, expand, extend, grow, replicate, shrink, take, tour } from "./ops/stepwise.js";
import { Pattern, type Time, fastcat, fastcatOf, pure, reify, silence, slowcat, stack, toTime, withSteps } from "./pattern.js";
import {
  chooseWith,
  degradeBy,
  scramble,
  shuffle,
  someCyclesBy,
  sometimesBy,
  undegradeBy,
  withSeed,
} from "./random.js";
import { Rational } from "./rational.js";
import type { ArgInput, ArgSpec, Fn, TransformFamily, TransformSpec } from "./registry.js";


const specs: TransformSpec[] = [];
function def(
  name: string,
  family: TransformFamily,
  args: ArgSpec[],
  doc: string,
  impl: (pat: Pattern<any>, ...args: any[]) => Pattern<any>,
  opts: { aliases?: string[]; patterned?: boolean; preserveSteps?: boolean; stepJoin?: boolean } = {},
): void {
  const preserveSteps = opts.preserveSteps ?? PRESERVE_STEPS.has(name);
  specs.push({
    name,
    aliases: opts.aliases ?? [],
    family,
    args,
    doc,
    patterned: opts.patterned ?? true,
    preserveSteps,
    stepJoin: opts.stepJoin ?? false,
    impl,
  });
}
/** Strudel 1.2.6's transforms registered with preserveSteps. */
const PRESERVE_STEPS = new Set([
  "fast", "early", "late", "linger", "invert", "rev", "palindrome", "iter", "iterBack", "repeatCycles",
  "chunk", "chunkBack", "fastChunk", "bypass", "degradeBy", "degrade", "undegradeBy", "undegrade",
]);
const num = (name: string, optional = false): ArgSpec => ({ name, kind: "number", optional });
const time = (name: string, optional = false): ArgSpec => ({ name, kind: "time", optional });
const fn = (name: string): ArgSpec => ({ name, kind: "function" });
const patArg = (name: string, optional = false): ArgSpec => ({ name, kind: "pattern", optional });
/** Strudel's composers take any number of patterns and play them in sequence (`sequence(...args)`, fastcatOf here): `add(1, 2)` adds "1 2", `add()` adds silence. */
const patArgs = (name: string): ArgSpec => ({ name, kind: "pattern", rest: true });
/** The same with at least one pattern (struct, mask and the reset family: no argument is an error here). */
const oneOrMore = (name: string): ArgSpec[] => [patArg(name), patArgs("more")];

const T = (v: unknown): Rational => toTime(v as Time);
const N = (v: unknown): number => {
  if (typeof v === "number") return v;
  if (v instanceof Rational) return v.toNumber();
  if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  throw new TypeError(`expected a number, got ${JSON.stringify(v)}`);
};

// ---- time ----
def("fast", "time", [time("factor")], "Speed up by a factor (0 gives silence).", (p, f) => p.fast(T(f)), { aliases: ["density"] });
def("slow", "time", [time("factor")], "Slow down by a factor.", (p, f) => p.slow(T(f)), { aliases: ["sparsity"] });
def("hurry", "time", [num("factor")], "fast, and multiply the sample speed by the same factor.", (p, r) => hurry(p, N(r)));
def("early", "time", [time("cycles")], "Shift earlier in time (Tidal's <~ / rotL).", (p, t) => p.early(T(t)), { aliases: ["rotL", "<~"] });
def("late", "time", [time("cycles")], "Shift later in time (Tidal's ~> / rotR; Phonon's offset).", (p, t) => p.late(T(t)), {
  aliases: ["rotR", "~>", "offset"],
});
def("zoom", "time", [time("begin"), time("end")], "Play only the begin..end part of each cycle, stretched to the cycle.", (p, b, e) =>
  p.zoom(T(b), T(e)),
);
def("compress", "time", [time("begin"), time("end")], "Squeeze each cycle into begin..end, silence elsewhere.", (p, b, e) =>
  p.compress(T(b), T(e)), { aliases: ["compressGap"] });
def("fastGap", "time", [time("factor")], "Speed up but leave a gap: each cycle plays once in its first 1/factor.", (p, f) =>
  p.fastGap(T(f)), { aliases: ["fastgap"] });
def("focus", "time", [time("begin"), time("end")], "Like compress, but the cycle repeats instead of leaving gaps.", (p, b, e) =>
  p.focus(T(b), T(e)),
);
def("linger", "time", [time("fraction")], "Repeat the first fraction of each cycle to fill it (negative: the last part).", (p, t) =>
  linger(p, T(t)),
);
def("segment", "time", [time("n")], "Sample the pattern n times per cycle (turns signals into events).", (p, n) => segment(p, T(n)), {
  aliases: ["seg", "discretise"],
});
def("ply", "time", [time("n")], "Repeat each event n times within its span.", (p, n) => ply(p, T(n)), { aliases: ["dup"] });
def("plyWith", "time", [num("n"), fn("f")], "Repeat each event n times, applying f cumulatively to the repeats.", (p, n, f) =>
  plyWith(p, N(n), f), { aliases: ["plywith"] });
def(
  "stutter",
  "time",
  [num("n"), time("time", true)],
  "Tidal's stutter n t: n copies of each event t apart. With one argument (Phonon), as ply n.",
  (p, n, t) => stutter(p, N(n), t === undefined ? undefined : T(t)),
);
def("rev", "time", [], "Reverse each cycle.", (p) => rev(p));
def("revv", "time", [], "Reverse time as a whole (t → −t).", (p) => revv(p));
def("palindrome", "time", [], "Reverse every other cycle (Phonon's mirror).", (p) => palindrome(p), { aliases: ["mirror"] });
def("loopback", "time", [], "Phonon: each cycle forwards then backwards, both squeezed into the cycle.", (p) => fastcat(p, rev(p)));
def("iter", "time", [time("n")], "Cycle k starts (k mod n)/n of the way through the pattern.", (p, n) => iter(p, T(n)));
def("iterBack", "time", [time("n")], "As iter, going backwards.", (p, n) => iterBack(p, T(n)), { aliases: ["iterback"] });
def("swingBy", "time", [num("amount"), time("n")], "Delay the second half of each 1/n slice by amount/(2n).", (p, x, n) =>
  swingBy(p, N(x), T(n)),
);
def(
  "swing",
  "time",
  [time("n")],
  "swingBy 1/3 n (Tidal/Strudel). In .ph, `swing amt` is Phonon's: every second event later by amt cycles.",
  (p, n) => swing(p, T(n)),
);
def("groove", "time", [{ name: "template", kind: "string" }, num("amount", true)], "Phonon: a swing template (mpc, hiphop, reggae, jazz, house, drunken).", (p, name, amt) =>
  groove(p, String(name), amt === undefined ? 1 : N(amt)),
);
def("brak", "time", [], "On odd cycles, squash the cycle into its first half and shift it by a quarter.", (p) => brak(p));
def("press", "time", [], "Each event starts halfway into its span.", (p) => press(p));
def("pressBy", "time", [time("fraction")], "Each event starts the given fraction into its span.", (p, r) => pressBy(p, T(r)));
def("inside", "time", [time("n"), fn("f")], "Apply f inside n cycles: f(slow n pat) sped up n.", (p, n, f) => inside(p, T(n), f));
def("outside", "time", [time("n"), fn("f")], "Apply f outside n cycles: f(fast n pat) slowed n.", (p, n, f) => outside(p, T(n), f));
def("ribbon", "time", [time("offset"), time("cycles")], "Loop `cycles` cycles starting at `offset`.", (p, o, c) => ribbon(p, T(o), T(c)), {
  aliases: ["rib"],
});
def("loop", "time", [time("cycles")], "Phonon: loop the first n cycles (ribbon 0 n).", (p, n) => loopFirstCycles(p, T(n)));
def("repeatCycles", "time", [time("n")], "Play every cycle n times.", (p, n) => p.repeatCycles(T(n)));
def("trunc", "time", [time("fraction")], "Play only the first fraction of each cycle; silence for the rest.", (p, t) => trunc(p, T(t)));
def("trim", "time", [time("begin"), time("end")], "Phonon: play only the begin..end part of each cycle, in place.", (p, b, e) =>
  trim(p, T(b), T(e)),
);
def(
  "stretch",
  "time",
  [],
  "Tidal's stretch: zoom each cycle in on the arc its events span, cutting silence at its ends (Phonon's stretch was legato 1).",
  (p) => stretch(p),
);
def("rot", "time", [num("n")], "Shift values among the events of each cycle by n places, keeping the rhythm.", (p, n) => rot(p, N(n)));
def("setSteps", "time", [num("steps")], "Stepwise: say the pattern has this many steps per cycle, without changing it (what pace, take, drop and polymeter count).", (p, n) =>
  withSteps(p, Rational.fromNumber(N(n))), { patterned: false });
def("hush", "structure", [], "Silence (Strudel's hush: mute one layer of a stack).", () => silence);
def("pace", "time", [time("steps")], "Change speed so the pattern has this many steps per cycle.", (p, n) => pace(p, T(n)), {
  aliases: ["steps"],
});

// ---- stepwise (Strudel 1.2.6): patterns measured in steps ----
def("take", "time", [num("steps")], "Stepwise: keep the first n steps of each cycle (negative: the last |n|), as an n-step pattern; nothing without a step count.", (p, n) =>
  take(p, n), { aliases: ["s_add"], stepJoin: true });
def("drop", "time", [num("steps")], "Stepwise: leave out the first n steps of each cycle (negative: the last |n|).", (p, n) => drop(p, n), {
  aliases: ["s_sub"],
  stepJoin: true,
});
def("expand", "time", [num("factor")], "Stepwise: multiply the step count (the events are unchanged).", (p, f) => expand(p, f), {
  aliases: ["s_expand"],
  stepJoin: true,
});
def("contract", "time", [num("factor")], "Stepwise: divide the step count (the events are unchanged).", (p, f) => contract(p, f), {
  aliases: ["s_contract"],
  stepJoin: true,
});
def("extend", "time", [num("factor")], "Stepwise: fast factor, with factor times the steps (so each step keeps its length when played stepwise).", (p, f) =>
  extend(p, f), { aliases: ["s_extend"], stepJoin: true });
def("replicate", "time", [num("factor")], "Stepwise: play each cycle factor times in a cycle, with factor times the steps.", (p, f) =>
  replicate(p, f), { stepJoin: true });
def("shrink", "time", [num("amount")], "Stepwise: the pattern, then shorter by amount steps, again and again (negative: from the end), stepcat together.", (p, a) =>
  shrink(p, a), { aliases: ["s_taper"], stepJoin: true });
def("grow", "time", [num("amount")], "Stepwise: as shrink backwards, from the shortest to the whole pattern.", (p, a) => grow(p, a), { stepJoin: true });
def("tour", "time", [{ name: "patterns", kind: "pattern", rest: true }], "Stepwise: the pattern takes a tour through the others, one place earlier each time.", (p, ...xs) =>
  tour(p, ...xs), { aliases: ["s_tour"], patterned: false });

// ---- structure ----
def("euclid", "structure", [num("pulses"), num("steps")], "Euclidean rhythm (Bjorklund): pulses onsets spread over steps.", (p, k, n) =>
  euclid(p, N(k), N(n)),
);
def(
  "euclidRot",
  "structure",
  [num("pulses"), num("steps"), num("rotation")],
  "Euclid rotated right by `rotation` steps (Strudel's direction; Tidal rotates left).",
  (p, k, n, r) => euclidRot(p, N(k), N(n), N(r)),
  { aliases: ["euclidrot"] },
);
def("euclidInv", "structure", [num("pulses"), num("steps"), num("rotation", true)], "Play on the off-steps of the euclidean rhythm.", (p, k, n, r) =>
  euclidInv(p, N(k), N(n), r === undefined ? 0 : N(r)),
);
def("euclidFull", "structure", [num("pulses"), num("steps"), patArg("other")], "pat on the rhythm's onsets, other on its off-steps.", (p, k, n, o) =>
  euclidFull(p, N(k), N(n), toPattern(o as ArgInput)),
);
def("euclidLegato", "structure", [num("pulses"), num("steps")], "Euclid with each onset held until the next.", (p, k, n) =>
  euclidLegato(p, N(k), N(n)),
);
def(
  "euclidLegatoRot",
  "structure",
  [num("pulses"), num("steps"), num("rotation")],
  "euclidLegato shifted later by rotation/steps.",
  (p, k, n, r) => euclidLegatoRot(p, N(k), N(n), T(r)),
);
def(
  "euclidish",
  "structure",
  [num("pulses"), num("steps"), num("amount")],
  "Morph a euclidean rhythm towards evenly spaced pulses (0 = euclid, 1 = even).",
  (p, k, n, a) => euclidish(p, N(k), N(n), N(a)),
  { aliases: ["eish"] },
);
def("struct", "structure", oneOrMore("booleans"), "Take the structure of a boolean pattern (truthy events), values from this one (several play in sequence).", (p, ...b) =>
  struct(p, fastcatOf(b)), { patterned: false });
def("mask", "structure", oneOrMore("booleans"), "Keep this structure, silent where the boolean pattern is false or silent (several play in sequence).", (p, ...b) =>
  mask(p, fastcatOf(b)), { patterned: false });
def("reset", "structure", oneOrMore("triggers"), "Restart the pattern's cycle at each onset of the trigger pattern.", (p, ...t) => reset(p, fastcatOf(t)), {
  patterned: false,
});
def("restart", "structure", oneOrMore("triggers"), "Restart the pattern from cycle 0 at each onset of the trigger pattern.", (p, ...t) =>
  restart(p, fastcatOf(t)), { patterned: false });
def("structAll", "structure", oneOrMore("pattern"), "As struct, keeping every event of the other pattern, false ones too (keep.out).", (p, ...b) =>
  combine(p, "keep", fastcatOf(b), "out"), { patterned: false });
def("maskAll", "structure", oneOrMore("pattern"), "As mask, keeping this pattern where the other has any event, false ones too (keep.in).", (p, ...b) =>
  combine(p, "keep", fastcatOf(b), "in"), { patterned: false });
def("resetAll", "structure", oneOrMore("triggers"), "As reset, at every onset of the trigger pattern, false ones too (keep.reset).", (p, ...t) =>
  combine(p, "keep", fastcatOf(t), "reset"), { patterned: false });
def("restartAll", "structure", oneOrMore("triggers"), "As restart, at every onset of the trigger pattern, false ones too (keep.restart).", (p, ...t) =>
  combine(p, "keep", fastcatOf(t), "restart"), { patterned: false });
def("bjork", "structure", [{ name: "euclid", kind: "list" }], "Euclid from a list [pulses, steps = pulses, rotation = 0].", (p, e) => {
  const xs = (Array.isArray(e) ? e : [e]).map(N);
  return euclidRot(p, xs[0]!, xs[1] ?? xs[0]!, xs[2] ?? 0);
});
def("beat", "structure", [num("step"), num("division")], "One event per cycle at step t of div steps (a pattern of steps gives several).", (p, t, d) => {
  const div = T(d);
  const b = T(t).mod(div).div(div);
  return p.fmap((x: unknown) => pure(x).compress(b, b.add(Rational.ONE.div(div)))).innerJoin();
});
def("binary", "structure", [num("n")], "Structure from the bits of n (most significant first).", (p, n) => struct(p, binary(N(n))));
def("binaryN", "structure", [num("n"), num("bits")], "Structure from the given number of bits of n.", (p, n, b) =>
  struct(p, binaryN(N(n), N(b))),
);
def("bite", "structure", [patArg("n"), patArg("indices")], "Cut each cycle into n pieces and play them in the order of the index pattern.", (p, n, i) =>
  bite(p, n, i), { patterned: false });
def("chew", "sample", [patArg("n"), patArg("indices")], "As bite, changing the playback speed with the squeeze (Tidal's chew).", (p, n, i) =>
  chew(p, n, i), { patterned: false });
const lookupArg = (lookup: unknown): Lookup => {
  if (Array.isArray(lookup)) return lookup.map((x) => toPattern(x as ArgInput));
  if (lookup !== null && typeof lookup === "object" && !(lookup instanceof Pattern)) {
    return Object.fromEntries(Object.entries(lookup).map(([k, v]) => [k, toPattern(v as ArgInput)]));
  }
  return [toPattern(lookup as ArgInput)];
};
const PICKS: Array<[string, PickJoin, string, string[]]> = [
  ["pick", "inner", "the chosen pattern keeps its structure", []],
  ["pickOut", "outer", "the picking event's whole is kept", []],
  ["pickRestart", "restart", "the chosen pattern restarts from cycle 0 at each picking event", []],
  ["pickReset", "reset", "the chosen pattern is reset to the picking event's cycle position", []],
  ["inhabit", "squeeze", "a cycle of the chosen pattern is squeezed into the picking event", ["pickSqueeze"]],
];
for (const [name, join, what, aliases] of PICKS) {
  const lookup = { name: "lookup", kind: "patterns" } as const;
  def(name, "structure", [lookup], `Values of this pattern pick patterns from a list (index rounded, clamped to the list) or a table by name; ${what}.`, (p, xs) =>
    pickWith(p, lookupArg(xs), false, join), { patterned: false, aliases });
  const mod = name === "inhabit" ? "inhabitmod" : name.replace(/^pick/, "pickmod");
  def(mod, "structure", [lookup], `As ${name}, list indices wrapping around the list.`, (p, xs) => pickWith(p, lookupArg(xs), true, join), {
    patterned: false,
    aliases: name === "inhabit" ? ["pickmodSqueeze"] : [],
  });
}
def("arp", "structure", [patArg("indices")], "Play the notes of stacked chords one after another, by index.", (p, i) => arp(p, i), {
  patterned: false,
});
def("gap", "sample", [num("n")], "Tidal's gap: chop each event into n and keep every other part.", (p, n) => gap(p, N(n)));

// ---- conditional ----
def("every", "conditional", [num("n"), fn("f")], "Apply f on cycles 0, n, 2n, ...", (p, n, f) => firstOf(p, N(n), f), { aliases: ["firstOf", "every_"] });
def("lastOf", "conditional", [num("n"), fn("f")], "Apply f on cycles n-1, 2n-1, ...", (p, n, f) => lastOf(p, N(n), f));
def("every'", "conditional", [num("n"), num("offset"), fn("f")], "Apply f on cycles c with c mod n = offset (Tidal's every').", (p, n, o, f) =>
  everyOffset(p, N(n), N(o), f), { aliases: ["everyOffset"] });
def("whenmod", "conditional", [num("a"), num("b"), fn("f")], "Apply f on cycles c with c mod a >= b.", (p, a, b, f) =>
  whenmod(p, N(a), N(b), f),
);
def("foldEvery", "conditional", [{ name: "ns", kind: "list" }, fn("f")], "every n1 f (every n2 f ...) for each n (Tidal).", (p, ns, f) =>
  foldEvery(p, (ns as unknown[]).map(N), f), { patterned: false });
def("when", "conditional", [{ name: "booleans", kind: "value" }, fn("f")], "Apply f where the boolean pattern is true.", (p, on, f) =>
  when(p, on, f), { patterned: false });
def(
  "within",
  "conditional",
  [num("begin"), num("end"), fn("f")],
  "Apply f to the events starting in cycle positions begin..end (end included, as Strudel; compared as numbers, as Strudel does).",
  (p, b, e, f) => within(p, N(b), N(e), f),
);
def("chunk", "conditional", [num("n"), fn("f")], "Cycle k applies f to chunk k mod n of n (source cycles repeat n times).", (p, n, f) =>
  chunk(p, N(n), f), { aliases: ["slowChunk", "slowchunk"] });
def("chunkBack", "conditional", [num("n"), fn("f")], "As chunk, going backwards.", (p, n, f) => chunkBack(p, N(n), f), { aliases: ["chunkback"] });
def("chunkInto", "conditional", [num("n"), fn("f")], "As chunk, looping the chunk through f.", (p, n, f) => chunkInto(p, N(n), f), {
  aliases: ["chunkinto"],
});
def("chunkBackInto", "conditional", [num("n"), fn("f")], "As chunkInto, going backwards.", (p, n, f) => chunkInto(p, N(n), f, true), {
  aliases: ["chunkbackinto"],
});
def("into", "conditional", [patArg("pieces"), fn("f")], "Loop the stretches where the boolean pattern is true through f.", (p, b, f) =>
  into(p, b, f), { patterned: false });
def("apply", "conditional", [fn("f")], "Apply f.", (p, f) => f(p));
// Strudel tests parseInt(on): an exact fraction reads as its decimal (1/3 → "0.333…" → 0, plays), not as "1/3".
def("bypass", "conditional", [num("on")], "Silence when on is 1.", (p, on) =>
  (Boolean(parseInt(String(on instanceof Rational ? on.toNumber() : on), 10)) ? silence : p));
def("fastChunk", "conditional", [num("n"), fn("f")], "As chunk, without repeating source cycles.", (p, n, f) => fastChunk(p, N(n), f), {
  aliases: ["fastchunk"],
});

// ---- combining with other patterns (Strudel's methods: pat.stack(x) = stack(pat, x)) ----
def("stack", "structure", [{ name: "patterns", kind: "pattern", rest: true }], "Play with the other patterns at once.", (p, ...xs) =>
  stack(p, ...xs), { patterned: false });
def("cat", "structure", [{ name: "patterns", kind: "pattern", rest: true }], "One cycle each, in turn: this pattern then the others.", (p, ...xs) =>
  slowcat(p, ...xs), { patterned: false, aliases: ["slowcat"] });
def("fastcat", "structure", [{ name: "patterns", kind: "pattern", rest: true }], "This pattern and the others squeezed into one cycle.", (p, ...xs) =>
  fastcat(p, ...xs), { patterned: false, aliases: ["seq", "sequence"] });

// ---- random ----
def("degradeBy", "random", [num("probability")], "Drop each event with the given probability.", (p, x) => degradeBy(p, N(x)));
def("degrade", "random", [], "Drop each event with probability 0.5.", (p) => degradeBy(p, 0.5));
def(
  "undegradeBy",
  "random",
  [num("probability")],
  "Keep exactly the events degradeBy(1 − x) would drop (Strudel: also removes about a fraction x).",
  (p, x) => undegradeBy(p, N(x)),
);
def("undegrade", "random", [], "undegradeBy 0.5.", (p) => undegradeBy(p, 0.5));
def("degradeSeed", "random", [num("seed")], "Phonon: degrade with another random seed.", (p, s) => withSeed(degradeBy(p, 0.5), N(s)));
def("sometimesBy", "random", [num("probability"), fn("f")], "Apply f to a random selection of events.", (p, x, f) => sometimesBy(p, N(x), f));
for (const [name, x, doc] of [
  ["sometimes", 0.5, "half of the events"],
  ["often", 0.75, "75% of the events"],
  ["rarely", 0.25, "25% of the events"],
  ["almostAlways", 0.9, "90% of the events"],
  ["almostNever", 0.1, "10% of the events"],
] as const) {
  def(name, "random", [fn("f")], `Apply f to ${doc}, chosen at random.`, (p, f) => sometimesBy(p, x, f));
}
def("always", "random", [fn("f")], "Apply f (always).", (p, f) => f(p));
def("never", "random", [fn("f")], "Leave the pattern unchanged.", (p) => p);
def("someCyclesBy", "random", [num("probability"), fn("f")], "Apply f to whole cycles chosen at random.", (p, x, f) =>
  someCyclesBy(p, N(x), f),
);
def("someCycles", "random", [fn("f")], "someCyclesBy 0.5.", (p, f) => someCyclesBy(p, 0.5, f), { aliases: ["somecycles"] });
def(
  "shuffle",
  "random",
  [num("n")],
  "Each cycle, play its n slices in a random order (Tidal/Strudel; spelled shuffle_parts in .ph, where shuffle amt is Phonon's jitter).",
  (p, n) => shuffle(p, N(n)),
);
def("scramble", "random", [num("n")], "Each cycle, play n randomly chosen slices (with repetition).", (p, n) => scramble(p, N(n)));
def(
  "humanize",
  "random",
  [num("amount"), num("velocity", true)],
  "Phonon: move each event randomly in time by up to ±amount cycles, as Phonon's shuffle (velocity is ignored, as in Phonon).",
  (p, a) => jitter(p, N(a)),
);
def("stripe", "random", [num("n")], "Tidal's stripe (Phonon lists it): each cycle plays the pattern n times at random speeds (weights 1–3) that fill the cycle.", (p, n) =>
  stripe(p, N(n)));
def("seed", "random", [num("seed")], "Use another random seed for everything below.", (p, n) => withSeed(p, N(n)));

// ---- layering ----
def("superimpose", "layer", [{ name: "f", kind: "function", rest: true }], "The pattern plus f applied to copies of it.", (p, ...fs: Fn[]) =>
  superimpose(p, ...fs), { patterned: false });
def("layer", "layer", [{ name: "f", kind: "function", rest: true }], "Only the transformed copies: stack of f(pattern).", (p, ...fs: Fn[]) =>
  layer(p, ...fs), { patterned: false });
def("off", "layer", [time("time"), fn("f")], "The pattern plus f applied to a copy delayed by time.", (p, t, f) => off(p, T(t), f));
def("echo", "layer", [num("count"), time("time"), num("feedback")], "count copies delayed by i·time, gain feedback^i.", (p, n, t, fb) =>
  echo(p, N(n), T(t), N(fb)),
);
def(
  "echoWith",
  "layer",
  [num("count"), time("time"), fn("f")],
  "Stack of f applied to copies delayed by i·time (f applies to every copy, as Strudel).",
  (p, n, t, f) => echoWith(p, N(n), T(t), (q) => f(q)),
  { aliases: ["stutWith", "echowith", "stutwith"] },
);
def(
  "stut",
  "layer",
  [num("count"), num("feedback"), time("time")],
  "Tidal's stut count feedback time (spelled stut_tidal in .ph, where `stut n time decay` is Phonon's: echo n time decay).",
  (p, n, fb, t) => stut(p, N(n), N(fb), T(t)),
);
def("jux", "layer", [fn("f")], "The pattern panned left, f(pattern) panned right.", (p, f) => jux(p, f));
def("juxBy", "layer", [num("width"), fn("f")], "As jux with a stereo width (1 = hard left/right).", (p, w, f) => juxBy(p, N(w), f), {
  aliases: ["juxby"],
});
def("spin", "layer", [num("n")], "n copies, copy i shifted i/n earlier and panned to i/n (Tidal).", (p, n) => spin(p, N(n)));
def(
  "ghostWith",
  "layer",
  [time("time"), fn("f")],
  "Tidal's ghostWith a f: superimpose f-copies 1.5a and 2.5a late, nested (so f (f p) also sounds 4a late).",
  (p, a, f) => ghostWith(p, T(a), f),
  { aliases: ["ghostwith"] },
);
def(
  "ghost",
  "layer",
  [time("time", true)],
  "Tidal's ghost notes: ghostWith (1/8, or the time given as ghost' a) with gain ×0.7, end 0.2, speed ×1.25.",
  (p, a) => ghost(p, a === undefined ? undefined : T(a)),
  { aliases: ["ghost'"] },
);
def("weave", "layer", [time("cycles"), { name: "f", kind: "function", rest: true }], "Tidal's weaveWith: functions offset across a cycles-long loop.", (p, t, ...fs: Fn[]) =>
  weave(p, T(t), ...fs), { patterned: false });

// ---- samples ----
def("chop", "sample", [num("n")], "Cut each event into n parts playing successive parts of its sample.", (p, n) => chop(p, N(n)));
def("striate", "sample", [num("n")], "Play the pattern n times per cycle, repetition i playing slice i of each sample.", (p, n) =>
  striate(p, N(n)),
);
def("slice", "sample", [patArg("n"), patArg("indices")], "Play slices of each sample chosen by the index pattern.", (p, n, i) =>
  slice(p, n, i), { patterned: false });
def("splice", "sample", [patArg("n"), patArg("indices")], "As slice, with the speed set so each slice fills its event.", (p, n, i) =>
  splice(p, n, i), { patterned: false });
def("loopAt", "sample", [time("cycles")], "Fit samples to the given number of cycles (speed from the tempo) and slow down.", (p, n) =>
  loopAt(p, n as Time), { aliases: ["loopat"] });
def("loopAtCps", "sample", [time("cycles"), num("cps")], "loopAt with the cycle rate given.", (p, n, c) => loopAtCps(p, n as Time, N(c)), {
  aliases: ["loopatcps"],
});
def("fit", "sample", [time("cycles", true)], "Set each sample's speed so it fills its event (with cycles: slowed first).", (p, n) =>
  fit(p, n === undefined ? undefined : T(n)),
);

// ---- values ----
const HOWS: Array<[How, string]> = [
  ["in", "structure from this pattern"],
  ["out", "structure from the argument"],
  ["mix", "structure from both"],
  ["squeeze", "a cycle of the argument squeezed into each event"],
  ["squeezeout", "each event of this pattern squeezed into the argument's events"],
  ["reset", "this pattern reset at each argument event"],
  ["restart", "this pattern restarted at each argument event"],
  ["poly", "a cycle of the argument stretched stepwise to this pattern's steps, under each event"],
];
/** The ways Strudel also spells as a method of their own, meaning set.<way> (pat.out(x) is pat.set.out(x)). */
const SET_HOWS = new Set<How>(["in", "out", "mix", "squeeze", "squeezeout", "poly"]);
for (const name of Object.keys(OPERATORS)) {
  for (const [how, what] of HOWS) {
    def(
      how === "in" ? name : `${name}.${how}`,
      "value",
      [patArgs("other")],
      `Combine values with ${name} (${what}); several patterns play in sequence, none is silence (as Strudel's).`,
      (p, ...o) => combine(p, name, fastcatOf(o), how),
      // Strudel's pat.squeeze(x) is set.squeeze (and pat.in/out/mix/squeezeout/poly the same for their ways).
      { patterned: false, aliases: name === "set" && SET_HOWS.has(how) ? [how] : [] },
    );
  }
}
def("ratio", "value", [], "Turn `:` lists into ratios (3:2 → 1.5).", (p) =>
  p.fmap((v: unknown) => (Array.isArray(v) ? v.slice(1).reduce((acc: number, n: unknown) => acc / Number(n), Number(v[0])) : v)),
);
def("choose", "random", [{ name: "values", kind: "pattern", rest: true }], "The values of this pattern (0..1) choose among the given ones.", (p, ...xs) =>
  chooseWith(p, xs), { patterned: false });
def("choose2", "random", [{ name: "values", kind: "pattern", rest: true }], "As choose, for a pattern of -1..1.", (p, ...xs) =>
  chooseWith(p.fmap((x: number) => (x + 1) / 2), xs), { patterned: false });
// (Strudel's filterHaps and splitQueries leave no step count; filterValues keeps it.)
def("onsetsOnly", "structure", [], "Only the events that start in the query (drop fragments that began earlier).", (p) =>
  withSteps(p.onsetsOnly(), undefined));
def("discreteOnly", "structure", [], "Drop continuous events (those without a whole).", (p) => withSteps(p.discreteOnly(), undefined));
def("removeUndefineds", "structure", [], "Drop events whose value is undefined.", (p) => p.removeUndefineds());
def("splitQueries", "structure", [], "Split queries at cycle boundaries (events crossing them come as fragments).", (p) => withSteps(p.splitQueries(), undefined));
def("defragmentHaps", "structure", [], "Join touching fragments of the same event (and drop continuous events).", (p) => defragment(p));
def("cpm", "time", [num("cpm")], "Cycles per minute relative to 1 cps: fast cpm/60 (Strudel core's cpm, without a clock).", (p, c) =>
  p.fast(Rational.fromNumber(N(c) / 60)));
def("xfade", "layer", [{ name: "position", kind: "value" }, patArg("other")], "Cross-fade to the other pattern by position 0..1 (gains: this 1 → 0 over 0.5..1, the other 0 → 1 over 0..0.5).", (p, pos, b) => {
  const fade = (x: number): number => (x < 0.5 ? 1 : 1 - (x - 0.5) / 0.5);
  const at = (reify(pos) as Pattern<unknown>).fmap((v) => Number(v));
  return stack(combine(p, "mul", at.fmap((v) => ({ gain: fade(v) }))), combine(b, "mul", at.fmap((v) => ({ gain: fade(1 - v) }))));
}, { patterned: false });
def("range", "value", [num("min"), num("max")], "Scale 0..1 to min..max.", (p, a, b) => range(p, N(a), N(b)));
def("rangex", "value", [num("min"), num("max")], "Scale 0..1 to min..max exponentially.", (p, a, b) => rangex(p, N(a), N(b)));
def("range2", "value", [num("min"), num("max")], "Scale -1..1 to min..max.", (p, a, b) => range2(p, N(a), N(b)));
def("round", "value", [], "Round numbers.", (p) => round(p));
def("floor", "value", [], "Round numbers down.", (p) => floor(p));
def("ceil", "value", [], "Round numbers up.", (p) => ceil(p));
def("asNumber", "value", [], "Parse values as numbers (note names as MIDI).", (p) => asNumber(p));
def("invert", "value", [], "Swap true and false.", (p) => invert(p), { aliases: ["inv"] });
def("toBipolar", "value", [], "Map 0..1 to -1..1.", (p) => p.fmap((x: number) => x * 2 - 1));
def("fromBipolar", "value", [], "Map -1..1 to 0..1.", (p) => p.fmap((x: number) => (x + 1) / 2));
def(
  "quantize",
  "value",
  [{ name: "to", kind: "value", optional: true }],
  "Round numbers: to integers, to multiples of 1/n, or to the nearest of a list.",
  (p, to) => quantize(p, to === undefined ? 1 : Array.isArray(to) ? to.map(N) : N(to)),
  { aliases: ["quantise"], patterned: false },
);
def(
  "walk",
  "random",
  [num("step")],
  "Phonon's walk: move each event's number by a random step in [-step, step) (seeded random at its onset).",
  (p, st) => walk(p, N(st)),
);
def("smooth", "value", [], "Glide linearly from each event's value to the next (a continuous pattern).", (p) => smooth(p));

// ---- controls ----
for (const name of Object.keys(CONTROLS)) {
  if (name === "sound") continue;
  def(
    name,
    "control",
    [{ name: "value", kind: "value", optional: true }],
    CONTROLS[name]![0] === name
      ? `Set the ${name} control (without an argument: turn the values into ${name} controls).`
      : `Set the ${CONTROLS[name]![0]} control, under its key ${CONTROLS[name]![0]} as Strudel (${name} is its alias).`,
    (p, v) => (v === undefined ? asControl(p, name) : setControl(p, name, v)),
    { patterned: false, aliases: name === "s" ? ["sound"] : [] },
  );
}
def("as", "control", [{ name: "mapping", kind: "value" }], "Turn each value (or : list) into the controls the mapping's : list names, in order (\"a:1 b:2\" $ as \"s:n\").", (p, m) =>
  asMapping(p, m),
);
def("staccato", "control", [num("fraction")], "Phonon: shorten notes to the given fraction of their slot (the legato control, stored as clip).", (p, f) =>
  setControl(p, "clip", N(f)),
);

/** Every transform, once each. */
export const TRANSFORMS: readonly TransformSpec[] = specs;

/** A pattern from an argument: strings are mini-notation, other values become pure. */
export function toPattern(a: ArgInput): Pattern<unknown> {
  if (a instanceof Pattern) return a;
  if (typeof a === "string") return mini(a);
  if (Array.isArray(a)) return fastcatOf(a.map(toPattern));
  return pure(a);
}
