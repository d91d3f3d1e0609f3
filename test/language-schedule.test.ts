//! The scheduler: exact frames, trigger fields for samples and synth voices, param and gate lanes, missing samples warned once.
import { records } from "./records.js";
import { describe, expect, it } from "vitest";
import { compile } from "../language/compile/lower.js";
import { Rational } from "../language/pattern/rational.js";
import { EventBatch, FIELD, GATE, SET, TRIGGER } from "../language/schedule/events.js";
import { Scheduler } from "../language/schedule/scheduler.js";

/** Decode a batch into readable records. */

function run(src: string, cycle = 0, sampleRate = 48000) {
  const r = compile(src);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const warnings: string[] = [];
  const ids = new Map<string, number>([["bd:0", 1], ["bd:3", 4], ["sn:0", 2]]);
  const s = new Scheduler(r.ir!, r.lanes, { sampleRate, resolveSample: (n, i) => ids.get(`${n}:${i}`), warn: (m) => warnings.push(m) });
  const batch = new EventBatch();
  s.schedule(cycle, batch);
  return { recs: records(batch), warnings, s };
}

describe("the scheduler", () => {
  it("turns exact cycle positions into frames", () => {
    const { s } = run('tempo: 0.5\nout: s "bd"', 0, 44100);
    // Cycle 1/3 at 0.5 cps is 2/3 s: frame 29400 at 44.1 kHz.
    expect(s.frameAt(Rational.of(1, 3))).toBe(29400);
    expect(s.frameAt(Rational.of(7, 2))).toBe(308700);
  });

  it("sends sample triggers with their fields: sample id, gain, pan 0…1, speed times the note's ratio, slice, cut", () => {
    const { recs } = run('tempo: 1\nout: s "bd:3 sn" # gain 0.5 # pan 1 # speed 2 # note 12 # begin 0.25 # cut 1');
    expect(recs).toEqual([
      { frame: 0, kind: TRIGGER, lane: 0, fields: { [FIELD.sample]: 4, [FIELD.gain]: 0.5, [FIELD.pan]: 1, [FIELD.speed]: 4, [FIELD.begin]: 0.25, [FIELD.cut]: 1 } },
      { frame: 24000, kind: TRIGGER, lane: 0, fields: { [FIELD.sample]: 2, [FIELD.gain]: 0.5, [FIELD.pan]: 1, [FIELD.speed]: 4, [FIELD.begin]: 0.25, [FIELD.cut]: 1 } },
    ]);
  });

  it("plays note names on samples relative to c4", () => {
    const { recs } = run('out: s "bd" # note "e4"');
    expect(recs[0]!.fields[FIELD.speed]).toBeCloseTo(2 ** (4 / 12), 12);
  });

  it("sends synth voices their pitch (Hz for names, a ratio for numbers), envelope and length", () => {
    const { recs } = run('tempo: 1\n~s: saw 220\nout: s "~s ~s" # note "a4 7" # legato 0.5 # adsr 0.01 0.1 0.5 0.2');
    const env = { [FIELD.attack]: 0.01, [FIELD.decay]: 0.1, [FIELD.sustain]: 0.5, [FIELD.release]: 0.2 };
    expect(recs).toEqual([
      // Each event lasts half a cycle (0.5 s at 1 cps); legato 0.5 holds the voice 0.25 s.
      { frame: 0, kind: TRIGGER, lane: 0, fields: { [FIELD.freq]: 440, ...env, [FIELD.dur]: 0.25 } },
      { frame: 24000, kind: TRIGGER, lane: 0, fields: { [FIELD.ratio]: 2 ** (7 / 12), ...env, [FIELD.dur]: 0.25 } },
    ]);
  });

  it("plays a synth voice with no length or sustain as attack-release: held for its attack only (reference §3.1: bus-trigger voices default to a 10 ms attack and 300 ms release)", () => {
    const held = (chain: string) => run(`tempo: 1\n~s: saw 220\nout: s "~s ~s"${chain}`).recs[0]!.fields[FIELD.dur];
    expect(held("")).toBe(0.01); // the engine's default attack, so the release follows it
    expect(held(" # ar 0.05 1")).toBe(0.05);
    expect(held(" # ar 0 1")).toBe(1 / 48000); // one frame: the engine's shortest attack, so it still sounds
    // An ADSR holds its sustain for the event (half a cycle at 1 cps); legato sets the length.
    expect(held(" # adsr 0.01 0.1 0.5 0.2")).toBe(0.5);
    expect(held(" # legato 2")).toBe(1);
  });

  it("scales each chord note's gain by 1/√N", () => {
    const { recs } = run('~s: sine 1\nout: s "~s" # note "c4\'maj" # gain 0.9');
    expect(recs.map((r) => r.fields[FIELD.gain])).toEqual([0.9, 0.9, 0.9].map((g) => g / Math.sqrt(3)));
    expect(recs.map((r) => +r.fields[FIELD.freq]!.toFixed(2))).toEqual([261.63, 329.63, 392]);
  });

  it("sets param lanes at each onset", () => {
    const { recs } = run('tempo: 1\nout: sine "100 ~ 200"');
    expect(recs).toEqual([
      { frame: 0, kind: SET, lane: 0, fields: { 0: 100 } },
      { frame: 32000, kind: SET, lane: 0, fields: { 0: 200 } },
    ]);
  });

  it("sends gate lanes their value and length in frames", () => {
    const { recs } = run('tempo: 1\nout: gate "1 ~ 0.5 t"');
    expect(recs).toEqual([
      { frame: 0, kind: GATE, lane: 0, fields: { 0: 1, 1: 12000 } },
      { frame: 24000, kind: GATE, lane: 0, fields: { 0: 0.5, 1: 12000 } },
      { frame: 36000, kind: GATE, lane: 0, fields: { 0: 1, 1: 12000 } },
    ]);
  });

  it("skips a missing sample with one warning naming it", () => {
    const { recs, warnings, s } = run('out: s "bd nope nope:2"');
    expect(recs).toHaveLength(1);
    s.schedule(1, new EventBatch());
    expect(warnings).toEqual(["sample 'nope' not found (line 1); looked in the built-in kit; it is skipped", "sample 'nope:2' not found (line 1); looked in the built-in kit; it is skipped"]);
  });
});
