//! Issue 16 (musical truth): Strudel's control keys for aliases, and Phonon's meanings of stut, swing and shuffle in `.ph`.
import { records } from "./records.js";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../language/compile/lower.js";
import type { Hap } from "../language/pattern/hap.js";
import type { Pattern } from "../language/pattern/pattern.js";
import { Rational } from "../language/pattern/rational.js";
import { applyTransform } from "../language/pattern/registry.js";
import { mini } from "../language/pattern/mini.js";
import { EventBatch, FIELD, TRIGGER } from "../language/schedule/events.js";
import { Scheduler } from "../language/schedule/scheduler.js";

/** Decode a batch into readable records. */

/** Compile `src` and schedule cycle `cycle` at 48 kHz (samples bd, sn, hh resolve to ids 1, 2, 3). */
function run(src: string, cycle = 0) {
  const r = compile(src);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const ids = new Map<string, number>([["bd:0", 1], ["sn:0", 2], ["hh:0", 3]]);
  const s = new Scheduler(r.ir!, r.lanes, { sampleRate: 48000, resolveSample: (n, i) => ids.get(`${n}:${i}`), warn: () => {} });
  const batch = new EventBatch();
  s.schedule(cycle, batch);
  return records(batch).filter((x) => x.kind === TRIGGER);
}

describe("control aliases store Strudel's keys", () => {
  const values = (name: string, arg: unknown) => applyTransform(name, mini("a").fmap((s) => ({ s })), [arg as number]).queryArc(0, 1).map((h) => h.value);

  it("legato is clip and dur is duration, as in Strudel", () => {
    expect(values("legato", 0.5)).toEqual([{ s: "a", clip: 0.5 }]);
    expect(values("clip", 0.5)).toEqual([{ s: "a", clip: 0.5 }]);
    expect(values("dur", 0.1)).toEqual([{ s: "a", duration: 0.1 }]);
    expect(values("duration", 0.1)).toEqual([{ s: "a", duration: 0.1 }]);
    expect(values("staccato", 0.25)).toEqual([{ s: "a", clip: 0.25 }]);
  });

  it("the scheduler holds a voice for clip × the event's length, or for duration seconds", () => {
    // tempo 1: each of two events lasts 0.5 s.
    expect(run('tempo: 1\nout: s "bd sn" # legato 0.5').map((r) => r.fields[FIELD.dur])).toEqual([0.25, 0.25]);
    expect(run('tempo: 1\nout: s "bd sn" # dur 0.1').map((r) => r.fields[FIELD.dur])).toEqual([0.1, 0.1]);
  });

  it("clip in .ph stays Phonon's hard clipper", () => {
    const r = compile("out: sine 440 # clip -0.5 0.5");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });
});

/** The trigger lane patterns of a program (one per sound), checked to compile cleanly. */
function lanes(src: string): Pattern<unknown>[] {
  const r = compile(src);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.lanes.filter((l) => l.kind === "trigger").map((l) => l.pattern);
}
type Ctl = Record<string, unknown>;
const onsetsOf = (p: Pattern<unknown>, from: number, to: number): Hap<Ctl>[] =>
  (p.queryArc(from, to) as Hap<Ctl>[]).filter((h) => h.hasOnset()).sort((a, b) => a.whole!.begin.cmp(b.whole!.begin));
const at = (hs: Hap<Ctl>[]): string[] => hs.map((h) => h.whole!.begin.toString());
/** An event as the scheduler sees it: its whole and its value (the part depends on the query). */
const ev = (hs: Hap<Ctl>[]): string[] => hs.map((h) => `${h.whole!.toString()} ${JSON.stringify(h.value)}`);

describe("Phonon's stut n time decay (reference §3: decaying copies; language.md: Strudel's echo n time decay)", () => {
  it('s "bd" $ stut 3 0.125 0.5: onsets at 0, 1/8, 2/8 with gains 1, 0.5, 0.25', () => {
    const hs = onsetsOf(lanes('out: s "bd" $ stut 3 0.125 0.5')[0]!, 0, 1);
    // The decay is kept apart from `gain` (as Phonon's stut_gain), so `# gain` after stut scales it.
    expect(hs.map((h) => [h.whole!.begin.toString(), h.value["s"], h.value["stutGain"]])).toEqual([
      ["0", "bd", 1],
      ["1/8", "bd", 0.5],
      ["1/4", "bd", 0.25],
    ]);
    // The same through the scheduler: frames 0, 1/8 and 2/8 of a 1 s cycle at 48 kHz.
    const recs = run('tempo: 1\nout: s "bd" $ stut 3 0.125 0.5');
    expect(recs.map((r) => [r.frame, r.fields[FIELD.gain]])).toEqual([
      [0, 1],
      [6000, 0.5],
      [12000, 0.25],
    ]);
  });

  it("each copy's gain is decay times the previous copy's, times the sound's own gain (set before or after)", () => {
    const gains = (src: string) => run(`tempo: 1\n${src}`).map((r) => r.fields[FIELD.gain]);
    expect(gains('out: stut 3 0.25 0.5 $ s "bd" # gain 0.5')).toEqual([0.5, 0.25, 0.125]);
    expect(gains('out: s "bd" # gain 0.5 $ stut 3 0.25 0.5')).toEqual([0.5, 0.25, 0.125]);
    // Nested stuts multiply.
    expect(gains('out: stut 2 0.5 0.5 $ stut 2 0.25 0.5 $ s "bd"')).toEqual([1, 0.5, 0.5, 0.25]);
  });

  it("copies that reach into the next cycle sound there (the pattern repeats each cycle)", () => {
    const hs = onsetsOf(lanes('out: s "bd" $ stut 4 0.5 0.5')[0]!, 1, 2);
    // Cycle 1 holds its own copies 0 and 1 and the previous cycle's copies 2 and 3.
    expect(hs.map((h) => [h.whole!.begin.toString(), h.value["stutGain"]])).toEqual([
      ["1", 1],
      ["1", 0.25],
      ["3/2", 0.5],
      ["3/2", 0.125],
    ]);
  });

  it("echo n time feedback (Strudel's meaning) and stut_tidal count feedback time sound the same", () => {
    const a = run('tempo: 1\nout: s "bd sn" $ stut 3 0.125 0.5');
    expect(a.length).toBe(6);
    expect(run('tempo: 1\nout: s "bd sn" $ echo 3 0.125 0.5')).toEqual(a);
    expect(run('tempo: 1\nout: s "bd sn" $ stut_tidal 3 0.5 0.125')).toEqual(a);
  });

  const stress = fileURLToPath(new URL("../../shared/bench/stress_extreme.ph", import.meta.url));
  it.skipIf(!existsSync(stress))("stress_extreme.ph: stut 16 0.03125 0.8 makes 16 echoes 1/32 cycle apart, each 0.8 of the last", () => {
    const pats = lanes(readFileSync(stress, "utf8"));
    expect(pats.length).toBeGreaterThanOrEqual(16);
    // o1: jux rev $ stut 16 0.03125 0.8 $ s "[bd sn hh cp]*8" # gain 0.03. Its left side (pan 0)
    // is the un-reversed one: in a steady cycle every 1/32 slot holds 16 onsets, the echoes
    // 0..15 of the events 0..15 slots before, with gains 0.03 · 0.8^i.
    const left = onsetsOf(pats[0]!, 1, 2).filter((h) => h.value["pan"] === 0);
    expect(left.length).toBe(32 * 16);
    const want = Array.from({ length: 16 }, (_, i) => +(0.03 * 0.8 ** i).toPrecision(10)).sort();
    for (let k = 0; k < 32; k++) {
      const t = Rational.of(32 + k, 32);
      const slot = left.filter((h) => h.whole!.begin.eq(t));
      const gain = (h: Hap<Ctl>): number => (h.value["gain"] as number) * (h.value["stutGain"] as number);
      expect(slot.map((h) => +gain(h).toPrecision(10)).sort(), `slot ${k}`).toEqual(want);
      // The loudest copy in each slot is the slot's own event; the source cycles bd sn hh cp.
      const loudest = slot.reduce((a, b) => (gain(a) > gain(b) ? a : b));
      expect(loudest.value["s"]).toBe(["bd", "sn", "hh", "cp"][k % 4]);
    }
  });
});

describe("Phonon's swing amt (reference §3: every second event later by amt cycles)", () => {
  it('s "bd sn hh cp" $ swing 0.05: the 2nd and 4th events start 0.05 cycle late', () => {
    const hs = onsetsOf(lanes('out: s "bd sn hh cp" $ swing 0.05')[0]!, 0, 1);
    expect(hs.map((h) => [h.whole!.begin.toString(), h.whole!.end.toString(), h.value["s"]])).toEqual([
      ["0", "1/4", "bd"],
      ["3/10", "11/20", "sn"],
      ["1/2", "3/4", "hh"],
      ["4/5", "21/20", "cp"],
    ]);
  });

  it("counts onsets by time within each cycle, so any query gives the same events", () => {
    const p = lanes('out: s "[bd sn hh cp]*2 bd" $ swing 0.1')[0]!;
    const whole = ev(onsetsOf(p, 0, 4));
    const pieces: string[] = [];
    for (let k = 0; k < 64; k++) pieces.push(...ev(onsetsOf(p, k / 16, (k + 1) / 16)));
    expect(pieces).toEqual(whole);
    // Nine onsets (eight sixteenths, then bd at 1/2): the 2nd, 4th, 6th and 8th move 1/10 later.
    const plain = at(onsetsOf(lanes('out: s "[bd sn hh cp]*2 bd"')[0]!, 0, 1));
    expect(plain.length).toBe(9);
    const swung = plain.map((t, i) => (i % 2 ? Rational.parse(t).add(Rational.of(1, 10)).toString() : t));
    expect(at(onsetsOf(p, 0, 1)).sort()).toEqual(swung.sort());
  });

  it("events that start together move together (a chord, or a stack)", () => {
    const hs = onsetsOf(lanes('out: s "[bd,hh] sn [bd,hh] sn" $ swing 0.125')[0]!, 0, 1);
    expect(hs.map((h) => `${h.whole!.begin} ${h.value["s"]}`)).toEqual(["0 bd", "0 hh", "3/8 sn", "1/2 bd", "1/2 hh", "7/8 sn"]);
  });

  it("swing_by x n is Strudel's swingBy", () => {
    const a = onsetsOf(lanes('out: s "hh*8" $ swing_by (1/3) 4')[0]!, 0, 1).map((h) => h.toString());
    expect(onsetsOf(lanes('out: s "hh*8" $ swingBy (1/3) 4')[0]!, 0, 1).map((h) => h.toString())).toEqual(a);
  });
});

describe("Phonon's shuffle amt (reference §3: each event shifted randomly by up to ±amt cycles, seeded)", () => {
  const src = 'out: s "hh*16" $ shuffle 0.02';
  it("moves every event by a seeded random amount within ±amt, keeping its length", () => {
    const p = lanes(src)[0]!;
    const hs = onsetsOf(p, 1, 33).filter((h) => h.whole!.begin.gte(Rational.of(1)));
    const shifts = hs.map((h) => {
      const t = h.whole!.begin.toNumber();
      expect(h.whole!.end.sub(h.whole!.begin).toNumber()).toBeCloseTo(1 / 16, 12);
      return t - Math.round(t * 16) / 16;
    });
    expect(shifts.length).toBeGreaterThan(16 * 30);
    expect(Math.max(...shifts.map(Math.abs))).toBeLessThanOrEqual(0.02);
    // Both ways, spread over the range, centred on zero.
    expect(Math.min(...shifts)).toBeLessThan(-0.015);
    expect(Math.max(...shifts)).toBeGreaterThan(0.015);
    expect(Math.abs(shifts.reduce((a, b) => a + b, 0) / shifts.length)).toBeLessThan(0.003);
    expect(new Set(shifts.map((x) => x.toFixed(6))).size).toBeGreaterThan(shifts.length * 0.9);
  });

  it("is reproducible and independent of how it is queried", () => {
    const p = lanes(src)[0]!;
    const whole = ev(onsetsOf(p, 0, 2));
    expect(ev(onsetsOf(lanes(src)[0]!, 0, 2))).toEqual(whole);
    const pieces: string[] = [];
    for (let k = 0; k < 40; k++) pieces.push(...ev(onsetsOf(p, k / 20, (k + 1) / 20)));
    expect(pieces.sort()).toEqual([...whole].sort());
  });

  it("humanize t v is shuffle t; shuffle_parts n is Strudel's shuffle", () => {
    const a = ev(onsetsOf(lanes(src)[0]!, 0, 2));
    expect(ev(onsetsOf(lanes('out: s "hh*16" $ humanize 0.02 0.1')[0]!, 0, 2))).toEqual(a);
    const parts = onsetsOf(lanes('out: s "a b c d" $ shuffle_parts 4')[0]!, 0, 8);
    for (let c = 0; c < 8; c++) {
      const cyc = parts.filter((h) => h.whole!.begin.floor() === c);
      expect(at(cyc).map((t) => Rational.parse(t).sub(Rational.of(c)).toString())).toEqual(["0", "1/4", "1/2", "3/4"]);
      expect(cyc.map((h) => h.value["s"]).sort()).toEqual(["a", "b", "c", "d"]);
    }
  });
});

describe("stripe n (Tidal's, listed by Phonon): n repetitions a cycle at random speeds that fill it", () => {
  it("plays the pattern n times a cycle, contiguously, each repetition 1–3 units of the cycle", () => {
    const p = applyTransform("stripe", mini("a b"), [3]);
    for (let c = 0; c < 16; c++) {
      const hs = onsetsOf(p as Pattern<unknown>, c, c + 1);
      expect(hs.map((h) => h.value)).toEqual(["a", "b", "a", "b", "a", "b"]);
      // Repetition i spans its two events; the three fill the cycle with no gap.
      const reps = [0, 2, 4].map((i) => [hs[i]!.whole!.begin, hs[i + 1]!.whole!.end] as const);
      expect(reps[0]![0].eq(Rational.of(c))).toBe(true);
      expect(reps[2]![1].eq(Rational.of(c + 1))).toBe(true);
      expect(reps[0]![1].eq(reps[1]![0]) && reps[1]![1].eq(reps[2]![0])).toBe(true);
      const lens = reps.map(([b, e]) => e.sub(b).toString());
      const shares: string[] = [];
      for (const w1 of [1, 2, 3]) for (const w2 of [1, 2, 3]) for (const w3 of [1, 2, 3]) {
        const t = w1 + w2 + w3;
        shares.push([w1, w2, w3].map((w) => Rational.of(w, t).toString()).join(" "));
      }
      expect(shares).toContain(lens.join(" "));
    }
  });

  it("varies from cycle to cycle and answers any query the same", () => {
    const p = applyTransform("stripe", mini("a b"), [2]) as Pattern<unknown>;
    const shapes = new Set<string>();
    for (let c = 0; c < 32; c++) shapes.add(at(onsetsOf(p, c, c + 1)).map((t) => Rational.parse(t).sub(Rational.of(c)).toString()).join(" "));
    expect(shapes.size).toBeGreaterThan(2);
    const whole = ev(onsetsOf(p, 0, 4));
    const pieces: string[] = [];
    for (let k = 0; k < 40; k++) pieces.push(...ev(onsetsOf(p, k / 10, (k + 1) / 10)));
    expect(pieces).toEqual(whole);
    expect(onsetsOf(applyTransform("stripe", mini("a"), [0]) as Pattern<unknown>, 0, 4)).toEqual([]);
  });
});

describe("Strudel's transforms that are left out say why", () => {
  it("names each with its reason, and none of them is also a transform", async () => {
    const { LEFT_OUT, lookupTransform, checkTransform } = await import("../language/pattern/registry.js");
    expect(Object.keys(LEFT_OUT).length).toBeGreaterThan(40);
    for (const [name, why] of Object.entries(LEFT_OUT)) {
      expect(lookupTransform(name), name).toBeUndefined();
      expect(checkTransform(name, [])?.message).toBe(`"${name}" is left out: ${why}`);
    }
    expect(() => applyTransform("wait", mini("a"), [2])).toThrow(/wait is a transition/);
  });
});

describe("the stepwise functions and ^ in .ph", () => {
  const s = (src: string, from = 0, to = 1): string[] => onsetsOf(lanes(src)[0]!, from, to).map((h) => `${h.whole!.begin} ${h.value["s"]}`);
  it("take, drop and extend count the steps of the sound's pattern", () => {
    expect(s('out: s "bd sn hh cp" $ take 2')).toEqual(["0 bd", "1/2 sn"]);
    expect(s('out: s "bd sn hh cp" $ drop 1')).toEqual(["0 sn", "1/3 hh", "2/3 cp"]);
    expect(s('out: s "bd sn hh cp" $ take 2 $ pace 4')).toEqual(["0 bd", "1/4 sn", "1/2 bd", "3/4 sn"]);
    expect(s('out: s "bd sn" $ extend 2 $ pace 2')).toEqual(["0 bd", "1/2 sn"]);
  });
  it("^ changes what they count, not what a plain pattern plays", () => {
    expect(s('out: s "bd sn, ^hh hh hh"')).toEqual(s('out: s "bd sn, hh hh hh"'));
    // Without the mark the stack has lcm(2, 3) = 6 steps; marked, the hats' 3.
    expect(s('out: s "bd sn, hh hh hh" $ pace 6')).toEqual(s('out: s "bd sn, hh hh hh"'));
    expect(s('out: s "bd sn, ^hh hh hh" $ pace 6')).toEqual(s('out: s "bd sn, hh hh hh" $ fast 2'));
  });
});
