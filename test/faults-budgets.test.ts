//! Issue 15, "Hangs": inputs that ran for seconds or overflowed the stack now compile fast when Strudel-valid, or give a located error naming the limit; each from the shortest input.
import { describe, expect, it } from "vitest";
import { compile } from "../language/compile/lower.js";
import { bjorklund } from "../language/pattern/euclid.js";
import { MAX_COUNT, MAX_HAPS_PER_QUERY } from "../language/pattern/limit.js";
import { mini } from "../language/pattern/mini.js";
import { MAX_TIME_BITS } from "../language/pattern/rational.js";
import { chunk } from "../language/pattern/ops/time.js";
import { scan } from "../language/pattern/ops/structure.js";

/** The errors of compiling `src`, as "line:col message". */
function errors(src: string): string[] {
  return compile(src)
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => `${d.line}:${d.col} ${d.message}`);
}

/** Tidal's Bjorklund as first written here: lists of groups, one pass per step (quadratic, but a plain reference). */
function bjorklundReference(ons: number, steps: number): number[] {
  if (ons >= steps) return new Array<number>(steps).fill(1);
  let counts: [number, number] = [ons, steps - ons];
  let xs: number[][] = Array.from({ length: ons }, () => [1]);
  let ys: number[][] = Array.from({ length: steps - ons }, () => [0]);
  while (Math.min(counts[0], counts[1]) > 1) {
    const [i, j] = counts;
    if (i > j) {
      const head = xs.slice(0, j).map((x, k) => x.concat(ys[k]!));
      ys = xs.slice(j);
      xs = head;
      counts = [j, i - j];
    } else {
      xs = xs.map((x, k) => x.concat(ys[k]!));
      ys = ys.slice(i);
      counts = [i, j - i];
    }
  }
  return xs.flat().concat(ys.flat());
}

describe("euclid sizes", () => {
  it("Bjorklund with groups taken a run at a time gives the reference's rhythm for every (k, n) up to 64 steps", () => {
    for (let n = 1; n <= 64; n++) {
      for (let k = 0; k <= n; k++) expect(bjorklund(k, n).join(""), `(${k},${n})`).toBe(bjorklundReference(k, n).join(""));
    }
  });

  it('`s "bd(3,65536)"` (8–16 s, then a stack overflow) compiles and plays three events a cycle at the Bjorklund onsets', () => {
    expect(errors('out: s "bd(3,65536)"')).toEqual([]);
    // (3, 65536): 65536 = 3·21845 + 1, so the groups are 21845, 21845 and 21846 steps long (the
    // longer last, as (3,7) is x.x.x..): onsets at steps 0, 21845 and 43690.
    const b = bjorklund(3, 65536);
    expect(b.flatMap((v, i) => (v ? [i] : []))).toEqual([0, 21845, 43690]);
    const haps = mini("bd(3,65536)").queryArc(0, 1);
    expect(haps.map((h) => h.whole!.begin.toFraction())).toEqual(["0/1", "21845/65536", "21845/32768"]);
  });
});

describe("counts with a stated limit", () => {
  it("`scan 123456789` (60 s, 3.5 GB) is an error at `scan` naming the limit", () => {
    expect(errors('out: s "bd" # n (scan 123456789)')).toEqual([
      `1:18 scan 123456789 is beyond the limit of ${MAX_COUNT.toLocaleString("en")} (the most copies, slices, steps or values a pattern may be built from)`,
    ]);
  });

  it("scan is lazy: cycle c plays run (c mod n + 1), also far into a large scan", () => {
    const p = scan(5000);
    expect(p.queryArc(4998, 4999).map((h) => h.value)).toEqual(Array.from({ length: 4999 }, (_, i) => i));
    expect(p.queryArc(5000, 5001).map((h) => h.value)).toEqual([0]);
  });

  it('`every_effect 1 456789` and the range `"0 .. 1e308"` ("Invalid array length") are located errors naming their limits', () => {
    const limit = `is beyond the limit of ${MAX_COUNT.toLocaleString("en")}`;
    const e1 = errors('out: s "bd" # every_effect 1 456789');
    expect(e1).toHaveLength(1);
    expect(e1[0]).toMatch(/^1:\d+ every 456789 /);
    expect(e1[0]).toContain(limit);
    const e2 = errors('out: n "0 .. 1e308"');
    expect(e2).toHaveLength(1);
    expect(e2[0]).toMatch(/^1:\d+ the range "0 \.\. 1e\+308": its length 1e\+308 /);
    expect(e2[0]).toContain(`is beyond the limit of ${MAX_HAPS_PER_QUERY.toLocaleString("en")} (the most events a query may give)`);
    // Found by fuzzing: a range of 65,536 took 2 s to build and query before the query limit.
    expect(errors('out: n "65536 .. 1"')).toEqual([
      `1:6 the range "65536 .. 1": its length 65536 is beyond the limit of ${MAX_HAPS_PER_QUERY.toLocaleString("en")} (the most events a query may give)`,
    ]);
    // Within it, with room for the other events the query counts: a range of 40,000 plays.
    expect(errors('out: n "1 .. 40000"')).toEqual([]);
  });

  it('`s "bd*1e9"` and `bd!99999` (2.5 s) are located errors naming the limit of events a query', () => {
    for (const src of ['out: s "bd*1e9"', 'out: s "bd!99999"']) {
      const e = errors(src);
      expect(e, src).toHaveLength(1);
      expect(e[0], src).toMatch(new RegExp(`^1:\\d+ pattern query refused: .* more than ${MAX_HAPS_PER_QUERY.toLocaleString("en")} events`));
    }
    // Just within the limit: one cycle of MAX_HAPS_PER_QUERY events compiles.
    expect(errors(`out: s "bd!${MAX_HAPS_PER_QUERY}"`)).toEqual([]);
  });
});

describe("found by fuzzing", () => {
  it('a range inside a dense euclid, `n "[1 .. 40000](40000,40000)"` (one like it ran for over ten minutes), is the located limit', () => {
    // Each of the 40,000 onsets rebuilt the 40,000-step range; now it is built once, and the
    // query stops at its limit of events.
    const e = errors('out: n "[1 .. 40000](40000,40000)"');
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^1:\d+ pattern query refused: .* more than 50,000 events/);
  });
});

describe("time precision", () => {
  it('a weight of 1e308, `n "1 .. 100@1e308"` (seconds of thousand-bit arithmetic a cycle), is a located error naming the limit', () => {
    const e = errors('out: n "1 .. 100@1e308"');
    expect(e).toEqual([`1:8 in pattern string: pattern time would need more than ${MAX_TIME_BITS} bits of precision: a number like 1e100 as a weight, speed or time makes events far too fine to play`]);
  });
});

describe("large but legal", () => {
  it("`chunk 65536` (a stack overflow) plays: cycle c speeds up step c mod 65536 of 65536", () => {
    const p = chunk(mini("a b"), 65536, (x) => x.fast(2));
    const onsets = (c: number): string[] =>
      p
        .queryArc(c, c + 1)
        .filter((h) => h.hasOnset())
        .map((h) => `${h.whole!.begin.toFraction()} ${h.whole!.end.toFraction()} ${h.value}`);
    // Cycle 0: chunk 0 is [0, 1/65536), where the fast copy's "a" [0, 1/4) starts; the plain "a"
    // [0, 1/2) resumes after it without an onset, then "b".
    expect(onsets(0)).toEqual(["0/1 1/4 a", "1/2 1/1 b"]);
    // Cycle 1: chunk 1 starts after 1 + 1/65536, where no fast event starts; the plain cycle plays.
    expect(onsets(1)).toEqual(["1/1 3/2 a", "3/2 2/1 b"]);
    expect(errors('out: s "bd" # chunk 65536 (fast 2)')).toEqual([]);
  });
});
