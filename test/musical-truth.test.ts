//! Issue 16 (musical truth): Strudel's control keys for aliases, and Phonon's meanings of stut, swing and shuffle in `.ph`.
import { describe, expect, it } from "vitest";
import { compile } from "../language/compile/lower.js";
import { applyTransform } from "../language/pattern/registry.js";
import { mini } from "../language/pattern/mini.js";
import { EventBatch, FIELD, TRIGGER } from "../language/schedule/events.js";
import { Scheduler } from "../language/schedule/scheduler.js";

/** Decode a batch into readable records. */
function records(batch: EventBatch): { frame: number; kind: number; lane: number; fields: Record<number, number> }[] {
  const v = batch.view();
  const out = [];
  for (let i = 0; i < v.length; ) {
    const n = v[i + 3]!;
    const fields: Record<number, number> = {};
    for (let k = 0; k < n; k++) fields[v[i + 4 + 2 * k]!] = v[i + 5 + 2 * k]!;
    out.push({ frame: v[i]!, kind: v[i + 1]!, lane: v[i + 2]!, fields });
    i += 4 + 2 * n;
  }
  return out;
}

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
