//! Tests of the first mini-notation subset: hap times worked out by hand from Strudel's rules.
import { describe, expect, it } from "vitest";
import { mini, MiniError } from "../language/pattern/mini.js";

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
