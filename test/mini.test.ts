//! Mini-notation tests: hap times worked out by hand from Strudel's rules (strudel-semantics.md §2).
import { describe, expect, it } from "vitest";
import { mini, MiniError, parseMini } from "../language/pattern/mini.js";
import { Rational } from "../language/pattern/rational.js";

/** Onset haps as "begin-end value" strings with exact fractions. */
function onsets(src: string, from = 0, to = 1): string[] {
  return mini(src)
    .queryArc(from, to)
    .filter((h) => h.hasOnset())
    .map((h) => `${h.whole!.begin}-${h.whole!.end} ${h.value}`);
}

describe("mini-notation subset", () => {
  it("divides the cycle evenly in a sequence", () => {
    expect(onsets("bd sn hh")).toEqual(["0-1/3 bd", "1/3-2/3 sn", "2/3-1 hh"]);
  });
  it("repeats with *n", () => {
    expect(onsets("bd*4")).toEqual(["0-1/4 bd", "1/4-1/2 bd", "1/2-3/4 bd", "3/4-1 bd"]);
  });
  it("nests sub-sequences and skips rests", () => {
    expect(onsets("bd [sn sn] ~ hh")).toEqual(["0-1/4 bd", "1/4-3/8 sn", "3/8-1/2 sn", "3/4-1 hh"]);
  });
  it("takes one step per cycle from < >", () => {
    expect(onsets("<a b c>", 0, 4)).toEqual(["0-1 a", "1-2 b", "2-3 c", "3-4 a"]);
  });
  it("stacks layers separated by commas", () => {
    expect(onsets("a b, c").sort()).toEqual(["0-1 c", "0-1/2 a", "1/2-1 b"].sort());
  });
  it("slows with /n: an event spans two cycles and starts only in even cycles", () => {
    expect(onsets("a/2", 0, 4)).toEqual(["0-2 a", "2-4 a"]);
  });
  it("reads numbers as numbers", () => {
    expect(mini("110 220.5").queryArc(0, 1).map((h) => h.value)).toEqual([110, 220.5]);
  });
  it("keeps fragments without onsets when a query starts mid-event", () => {
    const haps = mini("a b").queryArc(0.25, 0.75);
    expect(haps.map((h) => `${h.whole} ${h.part} ${h.hasOnset()}`)).toEqual([
      "0→1/2 1/4→1/2 false",
      "1/2→1 1/2→3/4 true",
    ]);
  });
  it("reports an unbalanced bracket at the end of the string", () => {
    let err: unknown;
    try {
      mini("bd [sn");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MiniError);
    expect((err as MiniError).offset).toBe(6);
  });
});

/** All haps as "whole [part] value", sorted by part begin; the part only when it differs. */
function haps(src: string, from: number | string = 0, to: number | string = 1): string[] {
  const t = (x: number | string) => (typeof x === "string" ? Rational.parse(x) : x);
  return mini(src)
    .queryArc(t(from), t(to))
    .map((h) => {
      const w = h.whole ? `${h.whole.begin}-${h.whole.end}` : "~";
      const p = `${h.part.begin}-${h.part.end}`;
      return `${w}${w === p ? "" : ` [${p}]`} ${typeof h.value === "string" ? h.value : JSON.stringify(h.value)}`;
    });
}
const values = (src: string, from = 0, to = 1): unknown[] => mini(src).queryArc(from, to).map((h) => h.value);

function errorOf(src: string): MiniError {
  try {
    parseMini(src);
  } catch (e) {
    if (e instanceof MiniError) return e;
    throw e;
  }
  throw new Error(`"${src}" parsed`);
}

describe("mini-notation: atoms", () => {
  it("reads every number form JavaScript's Number() accepts", () => {
    expect(values(".5 -.5 1e3 0x10 -1 2.5")).toEqual([0.5, -0.5, 1000, 16, -1, 2.5]);
  });
  it("keeps words with - _ . # ~ as single atoms", () => {
    expect(values("bd-1 a_b c#-1 A.B ~bus")).toEqual(["bd-1", "a_b", "c#-1", "A.B", "~bus"]);
  });
  it("keeps note names and Phonon's chord atoms as one string each", () => {
    expect(values("c#4 eb4 c4'maj e3'min7")).toEqual(["c#4", "eb4", "c4'maj", "e3'min7"]);
  });
  it("treats ~ and - alone as rests", () => {
    expect(haps("a ~ b -")).toEqual(["0-1/4 a", "1/2-3/4 b"]);
  });
  it("reads 0..3 without spaces as one atom", () => {
    expect(values("0..3")).toEqual(["0..3"]);
  });
});

describe("mini-notation: weights and replication", () => {
  it("@ weights share the cycle", () => {
    expect(haps("a@3 b")).toEqual(["0-3/4 a", "3/4-1 b"]);
    expect(haps("a@1.5 b")).toEqual(["0-3/5 a", "3/5-1 b"]);
  });
  it("_ elongates the element before it", () => {
    expect(haps("a _ _ b")).toEqual(["0-3/4 a", "3/4-1 b"]);
  });
  it("!n and bare ! repeat an element", () => {
    expect(haps("a!3 b")).toEqual(["0-1/4 a", "1/4-1/2 a", "1/2-3/4 a", "3/4-1 b"]);
    expect(haps("a ! ! b")).toEqual(haps("a!3 b"));
  });
  it("! repeats the same cycle of the element, unlike *", () => {
    expect(haps("<a b>!2", 0, 2)).toEqual(["0-1/2 a", "1/2-1 a", "1-3/2 b", "3/2-2 b"]);
    expect(haps("<a b>*2", 0, 2)).toEqual(["0-1/2 a", "1/2-1 b", "1-3/2 a", "3/2-2 b"]);
  });
});

describe("mini-notation: < > and { }", () => {
  it("<> plays one step per cycle and nested <> advance only when visited", () => {
    expect(haps("<a <b c>>", 0, 4)).toEqual(["0-1 a", "1-2 b", "2-3 a", "3-4 c"]);
  });
  it("a weight inside <> makes an event span several cycles", () => {
    expect(haps("<a@3 b>", 1.5, 3.5)).toEqual(["0-3 [3/2-3] a", "3-4 [3-7/2] b"]);
  });
  it("{} steps every layer at the first layer's rate", () => {
    expect(haps("{a b c, d e}", 1, 2)).toEqual(["1-4/3 a", "1-4/3 e", "4/3-5/3 b", "4/3-5/3 d", "5/3-2 c", "5/3-2 e"]);
  });
  it("{}%n sets the steps per cycle", () => {
    expect(values("{a b c}%4", 1, 2)).toEqual(["b", "c", "a", "b"]);
  });
});

describe("mini-notation: speed and modifiers", () => {
  it("*1.5 gives events that cross the cycle boundary unsplit", () => {
    expect(haps("a*1.5", 0, 2)).toEqual(["0-2/3 a", "2/3-4/3 a", "4/3-2 a"]);
  });
  it("/2 stretches an event over two cycles", () => {
    expect(haps("a b/2", 0, 2)).toEqual(["0-1/2 a", "1/2-3/2 [1/2-1] b", "1-3/2 a", "1-2 [3/2-2] b"]);
  });
  it("* takes a pattern: a*<2 3>", () => {
    expect(haps("a*<2 3>", 0, 2)).toEqual(["0-1/2 a", "1/2-1 a", "1-4/3 a", "4/3-5/3 a", "5/3-2 a"]);
  });
  it("euclid (3,8) is x..x..x. and the rotation goes right", () => {
    expect(haps("x(3,8)")).toEqual(["0-1/8 x", "3/8-1/2 x", "3/4-7/8 x"]);
    expect(haps("x(3,8,2)")).toEqual(["0-1/8 x", "1/4-3/8 x", "5/8-3/4 x"]);
  });
  it("euclid keeps the element's own values", () => {
    expect(haps("[a b](3,8)")).toEqual(["0-1/8 a", "3/8-1/2 a", "3/4-7/8 b"]);
  });
  it(": builds lists, element-wise patterned", () => {
    expect(values("bd:3 sn:1:0.5")).toEqual([["bd", 3], ["sn", 1, 0.5]]);
    expect(values("bd:<0 1>", 0, 2)).toEqual([["bd", 0], ["bd", 1]]);
  });
  it(".. expands a range into the element's slot", () => {
    expect(haps("a [0 .. 2]")).toEqual(["0-1/2 a", "1/2-2/3 0", "2/3-5/6 1", "5/6-1 2"]);
    expect(values("3 .. 1")).toEqual([3, 2, 1]);
  });
  it(". separates feet", () => {
    expect(haps("a b . c")).toEqual(["0-1/4 a", "1/4-1/2 b", "1/2-1 c"]);
  });
  it("? drops events deterministically (same answer every time)", () => {
    const a = haps("a*8?", 0, 4);
    expect(a.length).toBeGreaterThan(4);
    expect(a.length).toBeLessThan(28);
    expect(haps("a*8?", 0, 4)).toEqual(a);
  });
  it("| picks one alternative per cycle", () => {
    for (let c = 0; c < 8; c++) {
      const v = values("[a b | c]", c, c + 1).join(" ");
      expect(["a b", "c"]).toContain(v);
    }
  });
});

describe("mini-notation: errors point inside the string", () => {
  it("unbalanced brackets", () => {
    expect(errorOf("bd [sn").offset).toBe(6);
    expect(errorOf("bd sn]").offset).toBe(5);
    expect(errorOf("<a b").expected).toContain(">");
  });
  it("unexpected characters", () => {
    const e = errorOf("bd $ sn");
    expect(e.offset).toBe(3);
    expect(e.message).toContain("column 4");
  });
  it("| mixed with , at one level", () => {
    expect(errorOf("a | b, c").offset).toBe(5);
  });
});

describe("parseMini", () => {
  it("gives the AST with offsets", () => {
    const ast = parseMini("bd*2 sn");
    expect(ast.type).toBe("seq");
    if (ast.type !== "seq") return;
    expect(ast.elements.map((e) => [e.offset, e.ops.map((o) => o.type)])).toEqual([
      [0, ["fast"]],
      [5, []],
    ]);
  });
});
