//! Reloads that keep every sound: a text-only edit (comments, blank lines, spacing) or a reordering of statements changes nothing audible, and a structural edit of one output leaves the others' reverb and delay tails untouched.
import { describe, expect, it } from "vitest";
import { Engine } from "../cli/engine.js";
import { compile } from "../language/compile/lower.js";
import { EventBatch } from "../language/schedule/events.js";
import { Scheduler } from "../language/schedule/scheduler.js";
import { Rational } from "../language/pattern/rational.js";

const SR = 44100;

/** A drum loop through plate, lush, comb and a feedback delay, and a pad: two outputs. */
const BASE = `tempo: 0.5
~hits: s "bd ~ ~ ~ sn ~ ~ ~" # gain 0.4
~wet: ~hits # plate 0.02 2.5 0.7 0.3 0.3 0.6 # comb 220 0.6
~pad: saw 110 # lpf 800 0.7 # lush 3 0.7 0.3 0.3 0.2 0 0.5
out: ~wet * 0.5 + ~hits # delay 0.3 0.6 0.5
o2: ~pad * 0.1
`;

/**
 * Renders `cycles` cycles of `texts[0]`, switching to `texts[k]` at cycle `at[k - 1]` (each a
 * reload at a cycle boundary, as `live` does at a block boundary: the new program's events are
 * pushed from there on). Returns the interleaved stereo output.
 */
function play(texts: string[], at: number[], cycles: number): Float32Array {
  const engine = new Engine(SR, 512);
  let scheduler: Scheduler | undefined;
  const load = (text: string): void => {
    const r = compile(text);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    engine.load(r.ir!);
    scheduler = new Scheduler(r.ir!, r.lanes, { sampleRate: SR, resolveSample: (n, i) => engine.sampleId(n, i), warn: () => {} });
  };
  load(texts[0]!);
  const parts: Float32Array[] = [];
  const batch = new EventBatch();
  let done = 0;
  for (let c = 0; c < cycles; c++) {
    const k = at.indexOf(c);
    if (k >= 0) load(texts[k + 1]!);
    batch.clear();
    scheduler!.schedule(c, batch);
    if (batch.count) engine.pushEvents(batch.view());
    const end = scheduler!.frameAt(Rational.of(c + 1));
    parts.push(engine.renderBuffer(end - done));
    done = end;
  }
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The first index where `a` and `b` differ (as numbers), or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe("reloads keep every sound", () => {
  // Bound: 0 for every case. A text-only edit leaves the graph's structure hash unchanged
  // (engine-rs/core/src/loader.rs: positions and pattern text are not structure), so the running
  // plan stays with its state; a reordering moves every kernel's state into the new plan.
  const plain = play([BASE], [], 6);

  it("the loop makes sound, below the master limiter's threshold", () => {
    expect(plain.some((x) => Math.abs(x) > 0.05)).toBe(true);
    // Under −1 dBFS (0.891) everywhere, so the limiter never acts: its state cannot differ
    // between the renders compared below.
    expect(plain.every((x) => Math.abs(x) < 0.85)).toBe(true);
  });

  it("a comment, blank lines and spacing change nothing audible", () => {
    const edited = `-- a comment at the top\n\n${BASE.replace("out: ~wet", "out:   ~wet").replace("o2:", "\n\no2:")}`;
    expect(firstDifference(plain, play([BASE, edited], [2], 6))).toBe(-1);
  });

  it("reordering two definitions changes nothing audible", () => {
    const lines = BASE.split("\n");
    const pad = lines.findIndex((l) => l.startsWith("~pad"));
    const wet = lines.findIndex((l) => l.startsWith("~wet"));
    [lines[pad], lines[wet]] = [lines[wet]!, lines[pad]!];
    const reordered = lines.join("\n");
    expect(reordered).not.toBe(BASE);
    expect(firstDifference(plain, play([BASE, reordered], [3], 6))).toBe(-1);
  });

  it("a structural edit of one output leaves the other output's tails untouched", () => {
    // o2 changes from a saw pad to a silent sine (a new key: it fades out and the sine fades
    // in); `out`, with its plate, comb and delay tails, must continue exactly. Compared with a
    // program whose o2 is silent from the start, after the 15 ms fade.
    const silentPad = BASE.replace("o2: ~pad * 0.1", "o2: sine 1 * 0");
    const reference = play([silentPad], [], 6);
    const edited = play([BASE, silentPad], [2], 6);
    const cycleFrames = 2 * SR; // tempo 0.5: one cycle per 2 s
    const after = (2 * cycleFrames + Math.round(0.015 * SR) + 1) * 2; // interleaved
    // Before the edit the two differ (the pad sounds); after the fade they are the same.
    expect(firstDifference(reference.subarray(0, after), edited.subarray(0, after))).toBeGreaterThanOrEqual(0);
    expect(firstDifference(reference.subarray(after), edited.subarray(after))).toBe(-1);
  });
});
