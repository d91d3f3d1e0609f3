//! Core pattern model: exact time, spans, pure/stack/cat, time shifts, compress/zoom, joins, query limits (hand-worked expectations).
import { describe, expect, it } from "vitest";
import type { Hap } from "../language/pattern/hap.js";
import { mini } from "../language/pattern/mini.js";
import {
  Pattern,
  QueryLimitError,
  fastcat,
  pure,
  silence,
  slowcat,
  stack,
  timecat,
} from "../language/pattern/pattern.js";
import { MAX_TIME_BITS, Rational, TimeRangeError, q } from "../language/pattern/rational.js";
import { TimeSpan } from "../language/pattern/span.js";

/** "whole [part] value" with the part shown only when it differs; haps sorted by part begin. */
function show(haps: Hap<unknown>[]): string[] {
  return haps.map((h) => {
    const w = h.whole ? `${h.whole.begin}-${h.whole.end}` : "~";
    const p = `${h.part.begin}-${h.part.end}`;
    return `${w}${w === p ? "" : ` [${p}]`} ${typeof h.value === "string" ? h.value : JSON.stringify(h.value)}`;
  });
}
const arc = (p: Pattern<unknown>, b: number | Rational, e: number | Rational): string[] => show(p.queryArc(b, e));

describe("Rational", () => {
  it("reduces and keeps the sign on the numerator", () => {
    expect(Rational.of(2, 4).toString()).toBe("1/2");
    expect(Rational.of(3, -6).toFraction()).toBe("-1/2");
    expect(Rational.of(0, 5).toFraction()).toBe("0/1");
  });
  it("converts decimals as fraction.js does (best fraction with denominator up to 10^7)", () => {
    expect(Rational.fromNumber(0.1).toString()).toBe("1/10");
    expect(Rational.fromNumber(1 / 3).toString()).toBe("1/3");
    expect(Rational.fromNumber(1.5).toString()).toBe("3/2");
    expect(Rational.fromNumber(-0.25).toString()).toBe("-1/4");
    expect(Rational.fromNumber(0.0003).toString()).toBe("3/10000");
    expect(Rational.parse("7/3").toString()).toBe("7/3");
    // below 1/(10^7 + 1) nothing but 0 is close enough; near 1, 1
    expect(Rational.fromNumber(1e-9).toString()).toBe("0");
    expect(Rational.fromNumber(1 - 1e-12).toString()).toBe("1");
  });
  it("does exact arithmetic", () => {
    const a = q(1, 3);
    const b = q(1, 6);
    expect(a.add(b).toString()).toBe("1/2");
    expect(a.sub(b).toString()).toBe("1/6");
    expect(a.mul(b).toString()).toBe("1/18");
    expect(a.div(b).toString()).toBe("2");
    expect(a.cmp(b)).toBeGreaterThan(0);
    expect(q(2, 3).max(q(3, 4)).toString()).toBe("3/4");
  });
  it("finds the cycle of negative times", () => {
    expect(q(-1, 4).sam().toString()).toBe("-1");
    expect(q(-1, 4).cyclePos().toString()).toBe("3/4");
    expect(q(7, 3).nextSam().toString()).toBe("3");
  });
  it("takes a truncated remainder like fraction.js", () => {
    expect(q(5, 4).mod(Rational.ONE).toString()).toBe("1/4");
    expect(q(-1, 4).mod(Rational.ONE).toString()).toBe("-1/4");
  });
  // Beyond 2^53 the values are held as bigints; each expectation is computed here with bigint
  // arithmetic (an independent route), not taken from the class's output.
  it("stays exact beyond 2^53 (bigints) and returns to numbers when a result fits again", () => {
    const big = Rational.of(2 ** 52, 3).mul(Rational.of(2 ** 10, 7));
    expect(big.toFraction()).toBe(`${2n ** 62n}/21`);
    expect(big.big).not.toBeNull();
    const back = big.mul(Rational.of(21, 2 ** 52));
    expect(back.toFraction()).toBe("1024/1");
    expect(back.big).toBeNull();
    expect(back.eq(Rational.of(1024))).toBe(true);
    const t = 3n ** 40n;
    const x = Rational.ofBig(1n, t);
    expect(x.add(x).toFraction()).toBe(`2/${t}`);
    expect(x.sub(x).toFraction()).toBe("0/1");
    expect(Rational.ONE.add(x).toFraction()).toBe(`${t + 1n}/${t}`);
    expect(Rational.ONE.sub(x).mul(q(1, 2)).toFraction()).toBe(`${(t - 1n) / 2n}/${t}`); // t is odd
    expect(x.div(x).toFraction()).toBe("1/1");
    expect(x.inv().toFraction()).toBe(`${t}/1`);
    expect(x.neg().toFraction()).toBe(`-1/${t}`);
    expect(x.neg().sign()).toBe(-1);
  });
  it("compares, floors and converts values beyond 2^53", () => {
    const t = 3n ** 40n;
    const justOver = Rational.ofBig(1000n * t + 1n, t); // 1000 + 1/3^40
    expect(justOver.gt(Rational.of(1000))).toBe(true);
    expect(justOver.lt(Rational.of(1001))).toBe(true);
    expect(justOver.eq(Rational.ofBig(1000n * t + 1n, t))).toBe(true);
    expect(justOver.floor()).toBe(1000);
    expect(justOver.ceil()).toBe(1001);
    expect(justOver.sam().toFraction()).toBe("1000/1");
    expect(justOver.nextSam().toFraction()).toBe("1001/1");
    expect(justOver.cyclePos().toFraction()).toBe(`1/${t}`);
    expect(justOver.neg().sam().toFraction()).toBe("-1001/1");
    // within one ulp of 1000 (a double carries 53 bits; 1/3^40 is far below 1000's ulp)
    expect(justOver.toNumber()).toBe(1000);
    expect(Rational.ofBig(1n, t).toNumber()).toBeCloseTo(1 / 12157665459056928801, 30);
    // fraction.js's truncated remainder: (1000 + 1/3^40) mod 3 = 1 + 1/3^40
    expect(justOver.mod(Rational.of(3)).toFraction()).toBe(`${t + 1n}/${t}`);
    expect(Rational.fromNumber(2 ** 60).toFraction()).toBe(`${2n ** 60n}/1`);
    expect(Rational.parse(`${2n ** 70n}/3`).toFraction()).toBe(`${2n ** 70n}/3`);
  });
  // Values whose numerator and denominator are safe integers but whose cross products are not
  // (the sum or difference of two such products can land back in the safe range with the products'
  // rounding in it), and quotients within one ulp of an integer. The reference is bigint arithmetic
  // done here. Found by the Strudel fuzz (seed 90210: 259838841/189677285 − 51277755/37935457).
  it("adds, subtracts, floors and takes remainders exactly when cross products pass 2^53", () => {
    const ref = (n: bigint, d: bigint) => {
      const g = ((a: bigint, b: bigint): bigint => {
        a = a < 0n ? -a : a;
        while (b) [a, b] = [b, a % b];
        return a;
      })(n, d);
      return `${n / g}/${d / g}`;
    };
    const floorRef = (n: bigint, d: bigint) => (n >= 0n ? n / d : -((-n + d - 1n) / d));
    const big = (r: Rational): [bigint, bigint] => {
      const [n, d] = r.toFraction().split("/");
      return [BigInt(n!), BigInt(d!)];
    };
    const a = Rational.of(259838841, 189677285);
    const b = Rational.of(51277755, 37935457);
    expect(a.sub(b).toFraction()).toBe(ref(259838841n * 37935457n - 51277755n * 189677285n, 189677285n * 37935457n)); // 3450066/189677285
    let seed = 90210;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const wide = () => (next() % 2 ** 26) * 2 ** 26 + next(); // 26–52 bits
    for (let i = 0; i < 3000; i++) {
      const x = Rational.of((i % 3 === 0 ? -1 : 1) * (wide() % 2 ** (20 + (i % 33))), 1 + (wide() % 2 ** (12 + (i % 41))));
      const y = i % 5 === 0 ? Rational.of(next() % 1000) : Rational.of(wide() % 2 ** (20 + (i % 33)), 1 + (wide() % 2 ** (12 + (i % 41))));
      const [xn, xd] = big(x);
      const [yn, yd] = big(y);
      expect(x.add(y).toFraction(), `${x} + ${y}`).toBe(ref(xn * yd + yn * xd, xd * yd));
      expect(x.sub(y).toFraction(), `${x} − ${y}`).toBe(ref(xn * yd - yn * xd, xd * yd));
      expect(x.floor(), `floor ${x}`).toBe(Number(floorRef(xn, xd)));
      expect(x.sam().toFraction(), `sam ${x}`).toBe(`${floorRef(xn, xd)}/1`);
      expect(x.cyclePos().toFraction(), `cyclePos ${x}`).toBe(ref(xn - floorRef(xn, xd) * xd, xd));
      if (y.sign() !== 0) {
        const t = (xn * yd) / (yn * xd); // truncated quotient of x/y
        expect(x.mod(y).toFraction(), `${x} mod ${y}`).toBe(ref(xn * yd - t * yn * xd, xd * yd));
      }
    }
    // The closest a quotient of safe integers comes to an integer from below: (2^53 − 1)/2^52 =
    // 2 − 2^−52, one ulp below 2 (a double; it must not be taken for 2).
    const d = 2 ** 52;
    const nearTwo = Rational.of(2 ** 53 - 1, d);
    expect(nearTwo.floor()).toBe(1);
    expect(nearTwo.sam().toFraction()).toBe("1/1");
    expect(nearTwo.nextSam().toFraction()).toBe("2/1");
    expect(nearTwo.ceil()).toBe(2);
    expect(nearTwo.cyclePos().toFraction()).toBe(`${d - 1}/${d}`);
    expect(nearTwo.mod(Rational.ONE).toFraction()).toBe(`${d - 1}/${d}`);
  });
  it(`refuses a time beyond ${MAX_TIME_BITS} bits`, () => {
    expect(Rational.ofBig(1n << BigInt(MAX_TIME_BITS), 3n).toFraction()).toBe(`${1n << BigInt(MAX_TIME_BITS)}/3`);
    expect(() => Rational.ofBig((1n << BigInt(MAX_TIME_BITS)) + 1n, 3n)).toThrow(TimeRangeError);
    expect(() => Rational.ofBig(1n, 1n << BigInt(MAX_TIME_BITS + 1))).toThrow(TimeRangeError);
  });
});

describe("TimeSpan", () => {
  it("splits at cycle boundaries", () => {
    const spans = new TimeSpan(q(1, 2), q(9, 4)).spanCycles().map((s) => s.toString());
    expect(spans).toEqual(["1/2→1", "1→2", "2→9/4"]);
    expect(new TimeSpan(q(1, 2), q(1, 2)).spanCycles().map(String)).toEqual(["1/2→1/2"]);
  });
  it("intersects like Strudel: touching at an end is empty, a point at a begin is not", () => {
    const a = new TimeSpan(q(0), q(1, 2));
    expect(a.intersection(new TimeSpan(q(1, 2), q(1)))).toBeUndefined();
    expect(a.intersection(new TimeSpan(q(0), q(0)))?.toString()).toBe("0→0");
    expect(a.intersection(new TimeSpan(q(1, 4), q(1)))?.toString()).toBe("1/4→1/2");
  });
});

describe("pure, stack, cat", () => {
  it("pure has one event per cycle and splits a query at cycle boundaries", () => {
    expect(arc(pure("a"), q(1, 2), q(3, 2))).toEqual(["0-1 [1/2-1] a", "1-2 [1-3/2] a"]);
  });
  it("silence has no events", () => {
    expect(arc(silence, 0, 4)).toEqual([]);
  });
  it("stack plays everything at once", () => {
    expect(arc(stack(pure("a"), pure("b")), 0, 1).sort()).toEqual(["0-1 a", "0-1 b"]);
  });
  it("slowcat does not skip the cycles of its parts", () => {
    const p = slowcat(pure("a"), slowcat(pure("b"), pure("c")));
    expect(arc(p, 0, 4)).toEqual(["0-1 a", "1-2 b", "2-3 a", "3-4 c"]);
  });
  it("fastcat squeezes its parts into one cycle", () => {
    expect(arc(fastcat(pure("a"), pure("b"), pure("c")), 0, 1)).toEqual(["0-1/3 a", "1/3-2/3 b", "2/3-1 c"]);
  });
  it("timecat shares the cycle by weight", () => {
    expect(arc(timecat([[1, pure("a")], [3, pure("b")]]), 0, 1)).toEqual(["0-1/4 a", "1/4-1 b"]);
  });
});

describe("time", () => {
  it("fast and slow scale time", () => {
    expect(arc(pure("a").fast(2), 0, 1)).toEqual(["0-1/2 a", "1/2-1 a"]);
    expect(arc(pure("a").slow(2), q(1, 2), q(3, 2))).toEqual(["0-2 [1/2-3/2] a"]);
    expect(arc(pure("a").fast(0), 0, 1)).toEqual([]);
  });
  it("late keeps wholes that cross the window (strudel-semantics §4)", () => {
    expect(arc(mini("a b").late(q(1, 3)), 0, 1)).toEqual(["-1/6-1/3 [0-1/3] b", "1/3-5/6 a", "5/6-4/3 [5/6-1] b"]);
  });
  it("early is the opposite shift", () => {
    expect(arc(mini("a b c d").early(q(1, 4)), 0, 1)).toEqual(["0-1/4 b", "1/4-1/2 c", "1/2-3/4 d", "3/4-1 a"]);
  });
  it("compress squeezes a cycle into a span", () => {
    expect(arc(mini("a b").compress(q(1, 4), q(3, 4)), 0, 1)).toEqual(["1/4-1/2 a", "1/2-3/4 b"]);
  });
  it("fastGap plays the cycle once, then leaves a gap", () => {
    expect(arc(mini("a b").fastGap(2), 0, 2)).toEqual(["0-1/4 a", "1/4-1/2 b", "1-5/4 a", "5/4-3/2 b"]);
  });
  it("zoom stretches part of the cycle", () => {
    expect(arc(mini("a b c d").zoom(q(1, 4), q(3, 4)), 0, 1)).toEqual(["0-1/2 b", "1/2-1 c"]);
  });
  it("focus is compress without the gaps", () => {
    // cycle 0 squeezed into 1/2..1 and repeating: early(0), fast(2), late(1/2)
    expect(arc(mini("a b").focus(q(1, 2), q(1)), 0, 1)).toEqual(["0-1/4 a", "1/4-1/2 b", "1/2-3/4 a", "3/4-1 b"]);
  });
  it("repeatCycles plays each cycle n times", () => {
    expect(arc(mini("<a b>").repeatCycles(2), 0, 4)).toEqual(["0-1 a", "1-2 a", "2-3 b", "3-4 b"]);
  });
});

describe("joins", () => {
  const outer = fastcat(pure("x"), pure("y")).fmap((v) => (v === "x" ? mini("a b c") : mini("d")));
  it("innerJoin keeps the inner wholes", () => {
    expect(arc(outer.innerJoin(), 0, 1)).toEqual(["0-1/3 a", "1/3-2/3 [1/3-1/2] b", "0-1 [1/2-1] d"]);
  });
  it("outerJoin keeps the outer wholes", () => {
    expect(arc(outer.outerJoin(), 0, 1)).toEqual(["0-1/2 [0-1/3] a", "0-1/2 [1/3-1/2] b", "1/2-1 d"]);
  });
  it("squeezeJoin fits a whole inner cycle into each outer event", () => {
    expect(arc(outer.squeezeJoin(), 0, 1)).toEqual(["0-1/6 a", "1/6-1/3 b", "1/3-1/2 c", "1/2-1 d"]);
  });
  it("unwrapJoin intersects the wholes", () => {
    expect(arc(outer.unwrapJoin(), 0, 1)).toEqual(["0-1/3 a", "1/3-1/2 b", "1/2-1 d"]);
  });
});

describe("queries", () => {
  it("queryArc sorts by part begin", () => {
    const starts = mini("<a b c>").queryArc(0, 4).map((h) => h.part.begin.toString());
    expect(starts).toEqual(["0", "1", "2", "3"]);
  });
  it("refuses a runaway query instead of hanging", () => {
    expect(() => mini("a*1e9").queryArc(0, 1)).toThrow(QueryLimitError);
    expect(() => mini("[a*1000]*1000*1000").queryArc(0, 1)).toThrow(QueryLimitError);
  });
});

describe("shared (a pattern several lanes read)", () => {
  /** `mini(src)` with its queries counted. */
  function counted(src: string): { p: Pattern<unknown>; calls: () => number } {
    const inner = mini(src);
    let n = 0;
    const p = new Pattern<unknown>((span, c) => {
      n++;
      return inner.query(span, c);
    }, inner.steps).periodic(inner.period);
    return { p, calls: () => n };
  }

  it("answers a repeated span from memory, with the haps a fresh query gives, and asks again for another span", () => {
    const { p, calls } = counted("0 [1 2]? <3 4>");
    const s = p.shared();
    const span = (a: number, b: number): TimeSpan => new TimeSpan(Rational.of(a), Rational.of(b));
    for (let c = 0; c < 20; c++) {
      const first = s.query(span(c, c + 1));
      const second = s.query(span(c, c + 1));
      expect(show(second)).toEqual(show(first));
      expect(show(first)).toEqual(show(mini("0 [1 2]? <3 4>").query(span(c, c + 1))));
      // A reader that reorders its list does not reorder the next reader's.
      first.reverse();
      expect(show(s.query(span(c, c + 1)))).toEqual(show(second));
    }
    // One underlying query per cycle, not three.
    expect(calls()).toBe(20);
    s.query(span(0, 1));
    s.query(new TimeSpan(Rational.of(0), Rational.of(1, 2)));
    expect(calls()).toBe(22);
  });

  it("keeps the period and steps, and leaves a pure pattern as it is", () => {
    const p = mini("<a b c> d");
    expect(p.shared().period).toBe(3);
    expect(p.shared().steps?.toString()).toBe(p.steps?.toString());
    const one = pure(5);
    expect(one.shared()).toBe(one);
  });
});

describe("a pattern in use never changes", () => {
  // `silence` is one object every caller shares, and a mini-notation pattern is shared through the
  // parse cache; a transform that changed one in place (as Strudel's setSteps does) would change
  // every later use: iter 0 returned `silence` with the source's step count set on it, so after
  // `"a b c d e f" $ iter 0` every silence had 6 steps (found by bench/strudel-fuzz: a later
  // `hush $ tour …` in the same run then answered differently).
  it("leaves silence, nothing and cached patterns as they were, whatever the transforms return", async () => {
    const { applyTransform } = await import("../language/pattern/registry.js");
    const { nothing } = await import("../language/pattern/ops/stepwise.js");
    const shared = () => [silence, nothing, mini("a b c"), mini("<a b>"), mini("a? b")].map((p) => `${p.steps?.toString()} ${p.period}`);
    const before = shared();
    const calls: Array<[string, unknown[]]> = [
      ["iter", [0]], ["iter", [-1]], ["iterBack", [0]], ["fast", [0]], ["fast", [1]], ["late", [0]], ["early", [0]],
      ["setSteps", [7]], ["pace", [5]], ["segment", [0]], ["ply", [0]], ["linger", [0]], ["zoom", [1, 0]],
      ["compress", [1, 0]], ["chunk", [0, ["rev"]]], ["hush", []], ["extend", [3]], ["take", [0]], ["drop", [9]],
    ];
    for (const [name, args] of calls) {
      for (const src of [mini("a b c d e f"), mini("a b c"), mini("<a b>"), mini("a? b"), silence, nothing]) {
        try {
          const out = applyTransform(name, src as never, args as never);
          applyTransform("setSteps", out as never, [11]);
          applyTransform("pace", out as never, [3]);
        } catch {
          // A refused call (a count out of range) changes nothing either.
        }
      }
      expect(shared(), `after ${name} ${JSON.stringify(args)}`).toEqual(before);
    }
    expect(before[0]).toBe("1 1"); // silence: one step (Strudel's), period 1
  });
});
