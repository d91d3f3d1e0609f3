//! The transform registry as the language's name table: coverage of the catalogues, lookup, suggestions, argument checks.
import { describe, expect, it } from "vitest";
import { mini } from "../language/pattern/mini.js";
import {
  LEFT_OUT,
  TRANSFORMS,
  TransformError,
  applyTransform,
  checkTransform,
  lookupTransform,
  suggestNames,
  transformNames,
} from "../language/pattern/registry.js";

// Phonon's pattern transforms (reference/phonon-language.md §3.6 and the list).
const PHONON = `hurry squeeze fastGap focus trim trunc linger segment discretise loopAt fit chew rev palindrome
  mirror iter iterBack ply stutter dup euclid struct mask binary spin weave reset restart gap degrade
  degradeBy undegradeBy sometimes sometimesBy often rarely almostAlways almostNever always someCyclesBy
  shuffle scramble every every' whenmod foldEvery chunk within inside outside superimpose off jux juxBy
  echo stut echoWith chop striate slice splice bite swing swingBy groove legato range quantize smooth
  fast slow early late offset rotL rotR rot zoom compress compressGap accelerate loopback degradeSeed
  undegrade humanize loop staccato dur stretch walk stripe`;
// Named in §3.6 but with no Tidal/Strudel meaning we could follow: reported as left out, with the
// reason (stripe follows Tidal's, issue 16).
const NOT_IMPLEMENTED = ["wait"];

// The transforms the oracle README lists under "Transforms".
const ORACLE = `fast slow hurry rev revv every firstOf lastOf iter iterBack palindrome ply plyWith chop striate
  euclid euclidRot euclidLegato euclidLegatoRot off superimpose layer echoWith linger segment range
  early late rotL rotR add mul struct mask zoom compress fastGap inside outside chunk fastChunk when
  within repeatCycles bite ribbon brak press swingBy pace invert s degradeBy degrade undegradeBy
  sometimesBy someCyclesBy shuffle scramble`;

// Function-valued argument positions, from FN_ARGS in ../shared/oracle/haps.mjs.
const FN_ARGS: Record<string, number[] | "all"> = {
  every: [1], firstOf: [1], lastOf: [1], off: [1], superimpose: "all", layer: "all", when: [1], within: [2],
  inside: [1], outside: [1], chunk: [1], slowChunk: [1], chunkBack: [1], fastChunk: [1], sometimesBy: [1],
  someCyclesBy: [1], sometimes: [0], someCycles: [0], often: [0], rarely: [0], almostNever: [0],
  almostAlways: [0], always: [0], never: [0], plyWith: [1], echoWith: [2], stutWith: [2], jux: [0], juxBy: [1],
};

// Every method Strudel 1.2.6 puts on Pattern.prototype that is not a sound control (its
// `isControlName` false): Object.getOwnPropertyNames(Pattern.prototype) after importing
// @strudel/core and @strudel/mini 1.2.6 in ../shared/oracle, less `constructor` and `_`-names.
const STRUDEL_METHODS = `
  ad add adsr almostAlways almostNever always and appBoth appLeft apply applyN appRight appWhole ar arp arpWith
  as asNumber asym band beat bind bindWhole bite bjork blshift bmod bor brak brshift bxor bypass cat ceil
  chebyshev choose choose2 chop chunk chunkback chunkBack chunkbackinto chunkBackInto chunkinto chunkInto
  collect compress compressspan compressSpan contract control cpm cubic defragmentHaps degrade degradeBy
  degradeByWith diode discreteOnly div drawLine drop ds early echo echowith echoWith eish env eq eqt euclid
  euclidish euclidLegato euclidLegatoRot euclidrot euclidRot every expand extend fast fastcat fastchunk
  fastChunk fastgap fastGap filter filterHaps filterValues filterWhen firstCycle firstCycleValues firstOf fit
  floor fmap focus focusspan focusSpan fold fromBipolar func FX grow gt gte hard hasSteps hsl hsla hurry hush
  in inhabit inhabitmod innerBind innerJoin inside into inv invert iter iterback iterBack join jux juxby juxBy
  keep keepif keyDown lastOf late layer lfo linger log log2 logValues loopat loopAt loopatcps loopAtCps lt lte
  mask maskAll mix mod modulate mul ne net never off often onsetsOnly onTrigger onTriggerTime or out outerBind
  outerJoin outside pace palindrome partials phases pick pickF pickmod pickmodF pickmodOut pickmodReset
  pickmodRestart pickmodSqueeze pickOut pickReset pickRestart pickSqueeze ply plyforeach plyForEach plywith
  plyWith poly polyBind pow press pressBy queryArc range range2 rangex rarely ratio removeUndefineds
  repeatCycles replicate reset resetAll resetJoin restart restartAll restartJoin rev revv rib ribbon round
  s_add s_contract s_expand s_extend s_polymeter s_sub s_taper s_taperlist s_tour s_zip scramble scrub seed seg
  segment seq sequence set setContext setSteps showFirstCycle shrink shrinklist shuffle sinefold slice slow
  slowcat slowchunk slowChunk soft someCycles someCyclesBy sometimes sometimesBy sortHapsByPart sparsity speak
  splice splitQueries squeeze squeezeBind squeezeJoin squeezeout stack stepBind stepJoin steps striate
  stripContext struct structAll stut stutwith stutWith sub superimpose swing swingBy sysex tag take timeline
  toBipolar tour undegrade undegradeBy unjoin when whenKey withContext withHap withHaps withHapSpan withHapTime
  within withLoc withQuerySpan withQuerySpanMaybe withQueryTime withState withSteps withValue worklet xfade
  zoom zoomarc zoomArc`;

describe("registry", () => {
  it("has, or lists as left out with its reason, every method Strudel 1.2.6 registers on patterns", () => {
    const names = STRUDEL_METHODS.split(/\s+/).filter(Boolean);
    expect(names.length).toBe(298);
    expect(names.filter((n) => !lookupTransform(n) && LEFT_OUT[n] === undefined)).toEqual([]);
  });
  it("has every Phonon transform and every oracle transform", () => {
    const names = [...PHONON.split(/\s+/), ...ORACLE.split(/\s+/)].filter(Boolean);
    expect(names.filter((n) => !lookupTransform(n))).toEqual([]);
    for (const n of NOT_IMPLEMENTED) expect(lookupTransform(n)).toBeUndefined();
  });
  it("marks function arguments where the oracle passes functions", () => {
    for (const [name, pos] of Object.entries(FN_ARGS)) {
      const spec = lookupTransform(name)!;
      expect(spec, name).toBeDefined();
      const fnPositions = spec.args.map((a, i) => (a.kind === "function" ? i : -1)).filter((i) => i >= 0);
      if (pos === "all") expect(spec.args.every((a) => a.kind === "function"), name).toBe(true);
      else expect(fnPositions, name).toEqual(pos);
    }
  });
  it("lists names (with aliases) and resolves aliases to one spec", () => {
    const names = transformNames();
    expect(names).toContain("density");
    expect(lookupTransform("density")).toBe(lookupTransform("fast"));
    expect(new Set(TRANSFORMS.map((t) => t.name)).size).toBe(TRANSFORMS.length);
    for (const t of TRANSFORMS) expect(t.doc.length, t.name).toBeGreaterThan(5);
  });
  it("suggests near names", () => {
    expect(suggestNames("fsat")).toContain("fast");
    expect(suggestNames("pallindrome")[0]).toBe("palindrome");
    expect(suggestNames("degradeby")).toContain("degradeBy");
  });
  it("checks calls without running them", () => {
    expect(checkTransform("fast", ["number"])).toBeUndefined();
    expect(checkTransform("fast", ["string"])).toBeUndefined();
    expect(checkTransform("every", ["number", "function"])).toBeUndefined();
    expect(checkTransform("superimpose", ["function", "function"])).toBeUndefined();
    const unknown = checkTransform("fsat", ["number"])!;
    expect(unknown).toBeInstanceOf(TransformError);
    expect(unknown.suggestions).toContain("fast");
    expect(unknown.message).toMatch(/did you mean "fast"/);
    const count = checkTransform("every", ["number"])!;
    expect(count.message).toMatch(/every takes 2 arguments \(every n f\), got 1/);
    const kind = checkTransform("every", ["number", "number"])!;
    expect(kind.argIndex).toBe(1);
    expect(kind.message).toMatch(/must be a transform/);
    expect(checkTransform("fast", ["function"])!.argIndex).toBe(0);
    expect(checkTransform("stutter", ["number"])).toBeUndefined();
    expect(checkTransform("stutter", ["number", "number", "number"])).toBeInstanceOf(TransformError);
  });
  it("applies with plain, mini-notation and pattern arguments", () => {
    const a = applyTransform("fast", mini("a b"), [2]).queryArc(0, 1).length;
    const b = applyTransform("fast", mini("a b"), ["2"]).queryArc(0, 1).length;
    const c = applyTransform("fast", mini("a b"), [mini("<1 2>")]).queryArc(1, 2).length;
    expect([a, b, c]).toEqual([4, 4, 4]);
    expect(() => applyTransform("nope", mini("a"), [])).toThrow(TransformError);
  });
});
