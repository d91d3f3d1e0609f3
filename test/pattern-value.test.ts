//! Hap values: note names, Phonon chords, and the helpers the scheduler uses (sampleOf, numberOf).
import { describe, expect, it } from "vitest";
import { mini } from "../language/pattern/mini.js";
import { chordOf, composeValues, noteToMidi, numberOf, parseNumeral, sampleOf } from "../language/pattern/value.js";

describe("values", () => {
  it("note names as Strudel reads them (octave 3 by default)", () => {
    expect(noteToMidi("c4")).toBe(60);
    expect(noteToMidi("a")).toBe(57);
    expect(noteToMidi("c#4")).toBe(61);
    expect(noteToMidi("eb4")).toBe(63);
    expect(noteToMidi("bb2")).toBe(46);
    expect(parseNumeral("c3")).toBe(48);
    expect(() => parseNumeral("hh")).toThrow(/cannot parse as numeral/);
  });
  it("Phonon chords expand from the root (octave 4 by default)", () => {
    expect(chordOf("c4'maj")).toEqual([60, 64, 67]);
    expect(chordOf("e3'min7")).toEqual([52, 55, 59, 62]);
    expect(chordOf("c'maj")).toEqual([60, 64, 67]);
    expect(chordOf("c4'nope")).toBeUndefined();
    expect(chordOf("bd")).toBeUndefined();
  });
  it("sampleOf reads names and indices in every form", () => {
    const [bd3] = mini("bd:3").queryArc(0, 1);
    expect(sampleOf(bd3!.value)).toEqual({ name: "bd", index: 3 });
    expect(sampleOf("sn")).toEqual({ name: "sn", index: 0 });
    expect(sampleOf("sn:2")).toEqual({ name: "sn", index: 2 });
    expect(sampleOf({ s: "hh", n: 5 })).toEqual({ name: "hh", index: 5 });
    expect(sampleOf("~")).toBeUndefined();
    expect(sampleOf(3)).toBeUndefined();
  });
  it("numberOf reads numbers, numeric strings and notes (octave 4)", () => {
    expect(numberOf(440)).toBe(440);
    expect(numberOf("0.5")).toBe(0.5);
    expect(numberOf("a4")).toBe(69);
    expect(numberOf("bd")).toBeUndefined();
    expect(numberOf([2, "x"])).toBe(2);
  });
  it("objects combine key-wise; a plain value becomes {value}", () => {
    expect(composeValues({ n: 1, s: "bd" }, { n: 2 }, (a: number, b: number) => a + b)).toEqual({ n: 3, s: "bd" });
    expect(composeValues("bd", { speed: 2 }, (a: number, b: number) => a * b)).toEqual({ value: "bd", speed: 2 });
  });
});
