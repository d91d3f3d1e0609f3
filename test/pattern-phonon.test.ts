//! Phonon-named transforms added from Tidal (ghostWith, ghost, stretch) and Phonon (walk), with expectations worked out by hand.
import { describe, expect, it } from "vitest";
import type { Hap } from "../language/pattern/hap.js";
import { mini } from "../language/pattern/mini.js";
import type { Pattern } from "../language/pattern/pattern.js";
import { applyTransform } from "../language/pattern/registry.js";
import { phononTransform as languageLookup } from "../language/compile/transform.js";

function show(haps: Hap<unknown>[]): string[] {
  return haps.map((h) => {
    const w = h.whole ? `${h.whole.begin}-${h.whole.end}` : "~";
    const p = `${h.part.begin}-${h.part.end}`;
    return `${w}${w === p ? "" : ` [${p}]`} ${typeof h.value === "string" ? h.value : JSON.stringify(h.value)}`;
  });
}
/** Onsets in [from, to), sorted by time: "onset value". */
function onsets(pat: Pattern<unknown>, from: number, to: number): Array<[string, unknown]> {
  return pat
    .queryArc(from, to)
    .filter((h) => h.hasOnset())
    .sort((a, b) => a.whole!.begin.toNumber() - b.whole!.begin.toNumber())
    .map((h) => [String(h.whole!.begin), h.value]);
}

describe("ghostWith / ghost", () => {
  it("ghostWith nests two superimposes, so f (f p) also sounds 4a late", () => {
    // ghostWith a f p = superimpose ((2.5a ~>) . f) (superimpose ((1.5a ~>) . f) p), a = 1/8:
    //   inner = p + (3/16 ~> f p); result = inner + (5/16 ~> f inner)
    //         = p + (3/16 ~> f p) + (5/16 ~> f p) + (1/2 ~> f (f p)).
    // "a" has one event per cycle, so cycle 1 has onsets 1 (a), 1+3/16 (a'), 1+5/16 (a'), 1+1/2 (a'').
    const tick = (p: Pattern<any>): Pattern<any> => p.fmap((v: string) => `${v}'`);
    const pat = applyTransform("ghostWith", mini("a"), [0.125, tick]);
    expect(onsets(pat, 1, 2)).toEqual([
      ["1", "a"],
      ["19/16", "a'"],
      ["21/16", "a'"],
      ["3/2", "a''"],
    ]);
  });

  it("ghost is ghostWith 1/8 with gain ×0.7, end 0.2, speed ×1.25", () => {
    // f = (|* gain 0.7) . (|> end 0.2) . (|* speed 1.25) (structure from the pattern, so the ghost that
    // crosses into the next cycle stays one event); "sn" has no gain or speed, so |* takes
    // the factor (Tidal's union of value maps): f "sn" = {value: sn, speed: 1.25, end: 0.2, gain: 0.7};
    // f (f "sn") = speed 1.25·1.25 = 1.5625, gain 0.7·0.7 = 0.49, end 0.2.
    const got = onsets(applyTransform("ghost", mini("sn"), []), 1, 2);
    expect(got.map(([t]) => t)).toEqual(["1", "19/16", "21/16", "3/2"]);
    expect(got[0]![1]).toBe("sn");
    for (const i of [1, 2]) expect(got[i]![1]).toEqual({ value: "sn", speed: 1.25, end: 0.2, gain: 0.7 });
    const last = got[3]![1] as Record<string, number>;
    expect(last["speed"]).toBe(1.5625);
    expect(last["end"]).toBe(0.2);
    expect(last["gain"]).toBeCloseTo(0.49, 12);
  });

  it("ghost multiplies an existing gain, and ghost' takes the time", () => {
    // "sn" # gain 0.5: the ghosts have gain 0.5·0.7 = 0.35.
    // ghost' (1/4): in [0,1) onsets 0 (p), 1.5/4 = 3/8, 2.5/4 = 5/8, and f (f p) 4/4 = 1 late, so
    // cycle −1's event lands on 0 (a second onset at 0, gain 0.49).
    const withGain = applyTransform("gain", mini("sn"), [0.5]);
    const got = onsets(applyTransform("ghost", withGain, []), 0, 1);
    expect((got[1]![1] as Record<string, number>)["gain"]).toBeCloseTo(0.35, 12);
    expect(onsets(applyTransform("ghost'", mini("sn"), [0.25]), 0, 1).map(([t]) => t)).toEqual(["0", "0", "3/8", "5/8"]);
  });

  it("the language's ghost is the registry's (one definition)", () => {
    expect(languageLookup("ghost")!.doc).toContain("ghostWith");
  });
});

describe("stretch", () => {
  it("cuts the silence at both ends of the cycle", () => {
    // "~ 0 1 ~": events at [1/4,1/2) and [1/2,3/4); enclosing arc [1/4,3/4) → zoom 1/4 3/4:
    // t ↦ (t − 1/4)/(1/2), so 0 at [0,1/2), 1 at [1/2,1).
    expect(show(applyTransform("stretch", mini("~ 0 1 ~"), []).queryArc(0, 1))).toEqual(["0-1/2 0", "1/2-1 1"]);
    // A partial query still zooms by the whole cycle's events.
    expect(show(applyTransform("stretch", mini("~ 0 1 ~"), []).queryArc(1 / 4, 1 / 2))).toEqual(["0-1/2 [1/4-1/2] 0"]);
  });

  it("works per cycle (Tidal's example shape)", () => {
    // cycle 0 of "<[~ a b] [a ~ ~ b ~]>": a [1/3,2/3), b [2/3,1) → arc [1/3,1), d = 2/3:
    //   a → [0,1/2), b → [1/2,1).
    // cycle 1: a [1,6/5), b [8/5,9/5) → arc [1,9/5), cycleArc [0,4/5), d = 4/5:
    //   a → [1, 1+(1/5)/(4/5)) = [1,5/4), b → [1+(3/5)/(4/5), 2) = [7/4,2).
    expect(show(applyTransform("stretch", mini("<[~ a b] [a ~ ~ b ~]>"), []).queryArc(0, 2))).toEqual([
      "0-1/2 a",
      "1/2-1 b",
      "1-5/4 a",
      "7/4-2 b",
    ]);
  });

  it("leaves a pattern without edge silence, and an empty cycle, alone", () => {
    // "a b": arc [0,1) → zoom 0 1 = identity; "~": no events, nothing to play.
    expect(show(applyTransform("stretch", mini("a b"), []).queryArc(0, 1))).toEqual(["0-1/2 a", "1/2-1 b"]);
    expect(applyTransform("stretch", mini("~"), []).queryArc(0, 1)).toEqual([]);
  });
});

describe("walk", () => {
  // Strudel's legacy rand at t: xorwise(trunc(frac(t/300)·2^29)) in 32-bit ints, |x mod 2^29| / 2^29.
  // t = 0: seed 0 → xorwise(0) = 0 → rand 0.
  // t = 1/2: trunc(2^29/600) = 894784; a = x<<13 ^ x, b = a>>17 ^ a, b<<5 ^ b = 676715378
  //   → rand = 676715378 / 2^29 = 0.2604806162416935.
  // t = 1 (seed 1 at onset 0): trunc(2^29/300) = 1789569 → 1352668900 → rand 0.5195421651005745.
  it("moves each event by step·(2·rand(onset) − 1)", () => {
    // "1 2" walk 0.5: 1 + 0.5·(0 − 1) = 0.5; 2 + 0.5·(2·0.2604806162416935 − 1) = 1.7604806162416935.
    const v = applyTransform("walk", mini("1 2"), [0.5]).queryArc(0, 1).map((h) => h.value as number);
    expect(v[0]).toBeCloseTo(0.5, 12);
    expect(v[1]).toBeCloseTo(1.7604806162416935, 12);
  });

  it("follows the seed and is the same however it is queried", () => {
    // seed 1: rand at 0 + 1 = 0.5195421651005745 → 1 + 0.5·(2·0.5195421651005745 − 1) = 1.0195421651005745.
    const walked = applyTransform("walk", mini("1 2"), [0.5]);
    const seeded = applyTransform("seed", walked, [1]).queryArc(0, 1 / 2);
    expect(seeded[0]!.value as number).toBeCloseTo(1.0195421651005745, 12);
    const whole = walked.queryArc(0, 1)[1]!.value;
    const part = walked.queryArc(3 / 4, 1)[0]!.value;
    expect(part).toBe(whole);
  });

  it("never moves a value by step or more", () => {
    for (const h of applyTransform("walk", mini("0*16"), [0.25]).queryArc(0, 8)) {
      expect(Math.abs(h.value as number)).toBeLessThanOrEqual(0.25);
    }
  });
});
