//! Continuous signals and Strudel's random generator: sampling at the query start, the legacy hash, degrade and choice.
import { describe, expect, it } from "vitest";
import { mini } from "../language/pattern/mini.js";
import { segment } from "../language/pattern/ops/compose.js";
import { pure, type Pattern } from "../language/pattern/pattern.js";
import {
  chooseCycles,
  degradeBy,
  irand,
  perlin,
  rand,
  randAt,
  scramble,
  shuffle,
  sometimesBy,
  undegradeBy,
  withSeed,
} from "../language/pattern/random.js";
import { Rational } from "../language/pattern/rational.js";
import { cosine, isaw, saw, sine, square, time, tri } from "../language/pattern/signal.js";

const seg = (p: Pattern<unknown>, n: number, from = 0, to = 1): unknown[] =>
  segment(p, n)
    .queryArc(from, to)
    .map((h) => h.value);

describe("signals", () => {
  it("are sampled at the start of each query span (Strudel; Tidal samples the midpoint)", () => {
    expect(seg(saw, 4)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(seg(isaw, 4)).toEqual([1, 0.75, 0.5, 0.25]);
  });
  it("have no whole", () => {
    const [h] = saw.queryArc(Rational.of(1, 4), Rational.of(1, 2));
    expect(h!.whole).toBeUndefined();
    expect(h!.value).toBe(0.25);
  });
  it("sine starts at 0.5 rising, cosine a quarter cycle ahead", () => {
    const s = seg(sine, 4) as number[];
    expect(s[0]).toBeCloseTo(0.5, 12);
    expect(s[1]).toBeCloseTo(1, 12);
    expect(s[3]).toBeCloseTo(0, 12);
    expect((seg(cosine, 4) as number[])[0]).toBeCloseTo(1, 12);
  });
  it("square is 0 then 1, tri rises then falls", () => {
    expect(seg(square, 4)).toEqual([0, 0, 1, 1]);
    expect(seg(tri, 4)).toEqual([0, 0.5, 1, 0.5]);
  });
  it("time is the exact cycle position", () => {
    expect(seg(time, 3, 1, 2).map(String)).toEqual(["1", "4/3", "5/3"]);
  });
});

describe("Strudel's legacy random hash", () => {
  // Expected values computed with an independent implementation of the formula in
  // strudel-semantics.md §3 (xorshift of trunc(frac(t/300)·2^29) in 32-bit integers).
  it("matches the formula", () => {
    expect(randAt(0)).toBe(0);
    expect(randAt(0.5)).toBe(0.2604806162416935);
    expect(randAt(1)).toBe(0.5195421651005745);
    expect(randAt(1.25)).toBe(0.7287282031029463);
    expect(randAt(10.75)).toBe(0.15156161971390247);
    expect(randAt(-1)).toBe(0.520488191395998);
  });
  it("rand is the hash of the query start, and seed shifts the time", () => {
    expect(rand.queryArc(0.5, 1)[0]!.value).toBe(randAt(0.5));
    expect(withSeed(rand, 1).queryArc(0.5, 1)[0]!.value).toBe(randAt(1.5));
  });
  it("perlin interpolates between the random values at whole cycles", () => {
    expect(perlin.queryArc(3, 3)[0]!.value).toBe(randAt(3));
    const mid = perlin.queryArc(3.5, 3.5)[0]!.value as number;
    expect(mid).toBeCloseTo((randAt(3) + randAt(4)) / 2, 12);
  });
  it("irand gives integers below n", () => {
    for (const v of seg(irand(8), 16, 0, 4)) {
      expect(Number.isInteger(v)).toBe(true);
      expect(v as number).toBeGreaterThanOrEqual(0);
      expect(v as number).toBeLessThan(8);
    }
  });
});

describe("degrading and choosing", () => {
  const hats = mini("hh*8");
  const count = (p: Pattern<unknown>, cycles = 64): number => p.queryArc(0, cycles).filter((h) => h.hasOnset()).length;

  it("degradeBy keeps about 1 - x of the events", () => {
    const n = count(degradeBy(hats, 0.25));
    expect(n).toBeGreaterThan(512 * 0.75 - 40);
    expect(n).toBeLessThan(512 * 0.75 + 40);
  });
  it("degradeBy(x) and undegradeBy(1 - x) split the events between them exactly", () => {
    const a = degradeBy(hats, 0.3).queryArc(0, 16).map((h) => h.whole!.begin.toString());
    const b = undegradeBy(hats, 0.7).queryArc(0, 16).map((h) => h.whole!.begin.toString());
    expect(a.filter((x) => b.includes(x))).toEqual([]);
    expect([...a, ...b].sort()).toEqual(hats.queryArc(0, 16).map((h) => h.whole!.begin.toString()).sort());
  });
  it("sometimesBy transforms a random subset and keeps the rest", () => {
    const p = sometimesBy(mini("0*8") as Pattern<number>, 0.5, (x) => x.fmap((v) => v + 10));
    const vals = p.queryArc(0, 32).map((h) => h.value);
    expect(vals.length).toBe(256);
    const tens = vals.filter((v) => v === 10).length;
    expect(tens).toBeGreaterThan(90);
    expect(tens).toBeLessThan(166);
  });
  it("two ? in one string use different random streams", () => {
    const a = mini("a*16?").queryArc(0, 8).map((h) => h.whole!.begin.toString());
    const b = mini("[a*16?, b*16?]").queryArc(0, 8).filter((h) => h.value === "b").map((h) => h.whole!.begin.toString());
    expect(a).not.toEqual(b);
  });
  it("chooseCycles plays one whole alternative per cycle", () => {
    const p = chooseCycles(mini("a b"), mini("c"));
    for (let c = 0; c < 16; c++) {
      expect(["a b", "c"]).toContain(p.queryArc(c, c + 1).map((h) => h.value).join(" "));
    }
  });
  it("shuffle plays every slice once per cycle; scramble draws slices", () => {
    const src = mini("a b c d");
    for (let c = 0; c < 16; c++) {
      expect(shuffle(src, 4).queryArc(c, c + 1).map((h) => h.value).sort()).toEqual(["a", "b", "c", "d"]);
      const s = scramble(src, 4).queryArc(c, c + 1).map((h) => h.value);
      expect(s.length).toBe(4);
      for (const v of s) expect(["a", "b", "c", "d"]).toContain(v);
    }
  });
  it("random patterns are reproducible", () => {
    const p = degradeBy(pure("x").fast(16), 0.5);
    expect(p.queryArc(0, 4).length).toBe(p.queryArc(0, 4).length);
  });
});
