//! Transforms through the registry, with expectations worked out by hand from the Tidal/Strudel definitions.
import { describe, expect, it } from "vitest";
import type { Hap } from "../language/pattern/hap.js";
import { mini } from "../language/pattern/mini.js";
import type { Pattern } from "../language/pattern/pattern.js";
import { QueryLimitError } from "../language/pattern/limit.js";
import { type ArgInput, applyTransform } from "../language/pattern/registry.js";

type Fn = (p: Pattern<any>) => Pattern<any>;
const f = (name: string, ...args: ArgInput[]): Fn => (p) => applyTransform(name, p, args);

function show(haps: Hap<unknown>[]): string[] {
  return haps.map((h) => {
    const w = h.whole ? `${h.whole.begin}-${h.whole.end}` : "~";
    const p = `${h.part.begin}-${h.part.end}`;
    return `${w}${w === p ? "" : ` [${p}]`} ${typeof h.value === "string" ? h.value : JSON.stringify(h.value)}`;
  });
}
/** Apply one transform to a mini-notation pattern and show the haps over [from, to). */
function run(src: string, name: string, args: ArgInput[], from = 0, to = 1): string[] {
  return show(applyTransform(name, mini(src), args).queryArc(from, to));
}
const vals = (src: string, name: string, args: ArgInput[], from = 0, to = 1): unknown[] =>
  applyTransform(name, mini(src), args)
    .queryArc(from, to)
    .map((h) => h.value);

describe("time", () => {
  it("fast with a patterned factor", () => {
    expect(run("a b", "fast", ["<1 2>"], 0, 2)).toEqual(["0-1/2 a", "1/2-1 b", "1-5/4 a", "5/4-3/2 b", "3/2-7/4 a", "7/4-2 b"]);
  });
  it("rev reverses each cycle, with wholes reflected in the query's cycle", () => {
    expect(vals("a b c d", "rev", [])).toEqual(["d", "c", "b", "a"]);
    // "a b c".slow(2).rev() over 0..2 (strudel-semantics §4)
    expect(show(applyTransform("rev", mini("a b c").slow(2), []).queryArc(0, 2))).toEqual([
      "-1/3-1/3 [0-1/3] b",
      "1/3-1 a",
      "1-5/3 c",
      "5/3-7/3 [5/3-2] b",
    ]);
  });
  it("iter shifts the start by a quarter each cycle", () => {
    expect(vals("a b c d", "iter", [4], 1, 2)).toEqual(["b", "c", "d", "a"]);
    expect(vals("a b c d", "iterBack", [4], 1, 2)).toEqual(["d", "a", "b", "c"]);
  });
  it("palindrome reverses odd cycles", () => {
    expect(vals("a b c", "palindrome", [], 0, 2)).toEqual(["a", "b", "c", "c", "b", "a"]);
  });
  it("ply repeats each event inside its span", () => {
    expect(run("a b", "ply", [2])).toEqual(["0-1/4 a", "1/4-1/2 a", "1/2-3/4 b", "3/4-1 b"]);
  });
  it("linger repeats the start of the cycle", () => {
    expect(vals("a b c d", "linger", [0.25])).toEqual(["a", "a", "a", "a"]);
    expect(vals("a b c d", "linger", [0.5])).toEqual(["a", "b", "a", "b"]);
  });
  it("segment samples n times per cycle, keeping the source's fragments", () => {
    // "a b".segment(3) (strudel-semantics §4)
    expect(run("a b", "segment", [3])).toEqual(["0-1/3 a", "1/3-2/3 [1/3-1/2] a", "1/3-2/3 [1/2-2/3] b", "2/3-1 b"]);
  });
  it("hurry speeds up and sets speed", () => {
    expect(vals("a", "hurry", [2])).toEqual([
      { value: "a", speed: 2 },
      { value: "a", speed: 2 },
    ]);
  });
  it("swingBy delays the second half of each slice", () => {
    const onsets = applyTransform("swingBy", mini("x*4"), [1 / 3, 2])
      .queryArc(0, 1)
      .filter((h) => h.hasOnset())
      .map((h) => h.whole!.begin.toString());
    // slices of 1/2: the second event of each starts 1/3 · 1/4 = 1/12 later
    expect(onsets).toEqual(["0", "1/3", "1/2", "5/6"]);
  });
  it("brak squashes odd cycles into a half shifted by a quarter", () => {
    expect(run("a b", "brak", [], 1, 2)).toEqual(["5/4-3/2 a", "3/2-7/4 b"]);
  });
  it("press starts each event halfway in", () => {
    expect(run("a b", "press", [])).toEqual(["1/4-1/2 a", "3/4-1 b"]);
  });
  it("inside applies f to slowed cycles", () => {
    expect(vals("0 1 2 3", "inside", [2, f("rev")])).toEqual([1, 0, 3, 2]);
  });
  it("ribbon loops a stretch of cycles", () => {
    expect(vals("<a b c>", "ribbon", [1, 2], 0, 4)).toEqual(["b", "c", "b", "c"]);
  });
  it("trunc plays only the start of each cycle", () => {
    expect(run("a b c d", "trunc", [0.75])).toEqual(["0-1/4 a", "1/4-1/2 b", "1/2-3/4 c"]);
  });
  it("rot moves values along the events of a cycle", () => {
    expect(vals("a b c d", "rot", [1])).toEqual(["b", "c", "d", "a"]);
  });
});

describe("structure", () => {
  it("euclid and its rotation (right, as Strudel)", () => {
    expect(run("x", "euclid", [3, 8])).toEqual(["0-1/8 x", "3/8-1/2 x", "3/4-7/8 x"]);
    expect(run("x", "euclidRot", [3, 8, 2])).toEqual(["0-1/8 x", "1/4-3/8 x", "5/8-3/4 x"]);
  });
  it("euclidLegato holds each pulse until the next", () => {
    expect(run("x", "euclidLegato", [3, 8])).toEqual(["0-3/8 x", "3/8-3/4 x", "3/4-1 x"]);
  });
  it("struct takes the boolean pattern's structure (truthy values)", () => {
    expect(run("a", "struct", ["1 0 1 ~"])).toEqual(["0-1/4 a", "1/2-3/4 a"]);
  });
  it("mask keeps the structure and drops where false", () => {
    expect(run("a b c d", "mask", ["1 0"])).toEqual(["0-1/4 a", "1/4-1/2 b"]);
  });
  it("bite rearranges pieces of the cycle", () => {
    expect(vals("0 1 2 3", "bite", [4, "3 2 1 0"])).toEqual([3, 2, 1, 0]);
  });
  it("pick selects patterns by index", () => {
    expect(vals("0 1", "pick", [["a b", "c"]])).toEqual(["a", "c"]);
  });
  it("arp walks through a chord", () => {
    expect(vals("[c,e,g]", "arp", ["0 1 2"])).toEqual(["c", "e", "g"]);
  });
});

describe("conditional", () => {
  it("every applies on cycles 0, n, 2n", () => {
    const counts = [0, 1, 2, 3].map((c) => run("a b", "every", [3, f("fast", 2)], c, c + 1).length);
    expect(counts).toEqual([4, 2, 2, 4]);
  });
  it("lastOf applies on the last cycle of each n", () => {
    const counts = [0, 1, 2].map((c) => run("a", "lastOf", [3, f("fast", 2)], c, c + 1).length);
    expect(counts).toEqual([1, 1, 2]);
  });
  it("every' n o applies when cycle mod n = o; whenmod a b when cycle mod a >= b", () => {
    expect([0, 1, 2, 3].map((c) => run("a", "every'", [2, 1, f("fast", 2)], c, c + 1).length)).toEqual([1, 2, 1, 2]);
    expect([0, 1, 2, 3].map((c) => run("a", "whenmod", [4, 2, f("fast", 2)], c, c + 1).length)).toEqual([1, 1, 2, 2]);
  });
  it("foldEvery nests every", () => {
    // every 2 f (every 3 f a): on even cycles c, fast 2 sees inner cycles 2c and 2c+1, where
    // the inner pattern has 2 events on multiples of 3 and 1 otherwise.
    expect([0, 1, 2, 3, 4, 5, 6].map((c) => run("a", "foldEvery", [[2, 3], f("fast", 2)], c, c + 1).length)).toEqual([
      3, 1, 2, 2, 3, 1, 3,
    ]);
  });
  it("when applies f where the booleans are true", () => {
    expect(run("a b", "when", ["<1 0>", f("rev")], 0, 2)).toEqual(["0-1/2 b", "1/2-1 a", "1-3/2 a", "3/2-2 b"]);
  });
  it("within includes its end point (Strudel) and selects before transforming", () => {
    expect(vals("0 1 2 3", "within", [0, 0.5, f("rev")])).toEqual([2, 1, 0, 3]);
  });
  it("chunk transforms one quarter per cycle", () => {
    expect(vals("0 1 2 3", "chunk", [4, f("add", 10)], 1, 2)).toEqual([0, 11, 2, 3]);
  });
});

describe("layers", () => {
  it("off stacks a shifted, transformed copy", () => {
    expect(run("0", "off", [0.25, f("add", 12)]).sort()).toEqual(["-3/4-1/4 [0-1/4] 12", "0-1 0", "1/4-5/4 [1/4-1] 12"]);
  });
  it("superimpose keeps the original", () => {
    expect(run("a", "superimpose", [f("fast", 2)])).toEqual(["0-1 a", "0-1/2 a", "1/2-1 a"]);
  });
  it("echoWith applies f to every layer, the first included (Strudel)", () => {
    expect(vals("0", "echoWith", [2, 0.5, f("add", 1)]).sort()).toEqual([1, 1, 1]);
  });
  it("echo sets the gain of each copy", () => {
    const gains = applyTransform("echo", mini("a"), [3, 0.25, 0.5])
      .queryArc(0, 1)
      .filter((h) => h.hasOnset())
      .map((h) => (h.value as { gain: number }).gain);
    expect(gains).toEqual([1, 0.5, 0.25]);
  });
  it("jux pans the original left and the transformed copy right", () => {
    const pans = applyTransform("jux", mini("a"), [f("rev")])
      .queryArc(0, 1)
      .map((h) => (h.value as { pan: number }).pan)
      .sort();
    expect(pans).toEqual([0, 1]);
  });
});

describe("samples and values", () => {
  it("chop cuts events into begin/end slices", () => {
    expect(vals("bd", "chop", [2])).toEqual([
      { s: "bd", begin: 0, end: 0.5 },
      { s: "bd", begin: 0.5, end: 1 },
    ]);
  });
  it("striate interleaves slices across the pattern", () => {
    const v = applyTransform("striate", applyTransform("s", mini("a b"), []), [2])
      .queryArc(0, 1)
      .map((h) => `${(h.value as { s: string }).s}${(h.value as { begin: number }).begin}`);
    expect(v).toEqual(["a0", "b0", "a0.5", "b0.5"]);
  });
  it("s spreads : lists onto s, n and gain", () => {
    expect(vals("bd:3 sn:1:0.5", "s", [])).toEqual([
      { s: "bd", n: 3 },
      { s: "sn", n: 1, gain: 0.5 },
    ]);
  });
  it("add takes structure from the left and parses note names", () => {
    expect(vals("0 1", "add", ["10 20"])).toEqual([10, 21]);
    expect(vals("c3 a", "add", [7])).toEqual([55, 64]);
    expect(() => mini("hh").fmap((x) => x).queryArc(0, 1)).not.toThrow();
  });
  it("range scales 0..1", () => {
    expect(vals("0 0.5 1", "range", [10, 20])).toEqual([10, 15, 20]);
  });
  it("quantize rounds, smooth glides", () => {
    expect(vals("0.4 1.6", "quantize", [])).toEqual([0, 2]);
    const s = applyTransform("smooth", mini("0 10"), []);
    expect(s.queryArc(0.25, 0.25)[0]!.value).toBe(5);
  });
});

describe("runaway arguments", () => {
  it("are refused instead of building millions of copies", () => {
    for (const [name, args] of [
      ["striate", [1e9]],
      ["chop", [1e9]],
      ["iter", [1e9]],
      ["euclid", [3, 1e9]],
      ["echo", [1e9, 0.1, 0.5]],
      ["shuffle", [1e9]],
      ["ply", [1e9]],
      ["segment", [1e9]],
    ] as Array<[string, ArgInput[]]>) {
      expect(() => applyTransform(name, mini("a b"), args).queryArc(0, 1), name).toThrow(QueryLimitError);
    }
  });
});
