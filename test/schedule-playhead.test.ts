//! The playhead, the scheduling loop `render` and `live` share: a render's windows give exactly the events of its cycles (none after the last), in the order of the cycles' own batches; a limit on events shortens a window to whole blocks, or holds it back unless forced.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../language/compile/lower.js";
import { Rational } from "../language/pattern/rational.js";
import { EventBatch } from "../language/schedule/events.js";
import { Playhead } from "../language/schedule/playhead.js";
import { Scheduler } from "../language/schedule/scheduler.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const SR = 48000;
const files = readdirSync(join(root, "patterns"))
  .filter((f) => f.endsWith(".ph"))
  .sort()
  .map((f) => join(root, "patterns", f));

const ids = new Map<string, number>();
const resolveSample = (name: string, index: number): number => {
  const k = `${name}:${index}`;
  if (!ids.has(k)) ids.set(k, ids.size);
  return ids.get(k)!;
};

function scheduler(text: string): Scheduler {
  const r = compile(text);
  expect(r.ir).toBeDefined();
  return new Scheduler(r.ir!, r.lanes, { sampleRate: SR, resolveSample, warn: () => {} });
}

/** The frames of a batch's records, in order. */
function frames(b: EventBatch): number[] {
  const v = b.view();
  const out: number[] = [];
  for (let i = 0; i < v.length; i += 4 + 2 * v[i + 3]!) out.push(v[i]!);
  return out;
}

describe("the playhead", () => {
  for (const file of files) {
    it(`${file.replace(root, "")}: a render's windows are its cycles' batches in turn, and nothing follows the last cycle`, () => {
      const text = readFileSync(file, "utf8");
      const whole = scheduler(text);
      const expected = new EventBatch();
      for (let c = 0; c <= 2; c++) whole.schedule(c, expected);

      const s = scheduler(text);
      const playhead = new Playhead(s);
      playhead.last = 2;
      const got = new EventBatch();
      let added = 0;
      for (let c = 0; c <= 2; c++) added += playhead.fill(s.frameAt(Rational.of(c + 1)) + 1, got);
      expect(added).toBe(expected.count);
      expect(got.view()).toEqual(expected.view());
      // Past the last cycle the windows are empty, however far they reach.
      const after = new EventBatch();
      expect(playhead.fill(s.frameAt(Rational.of(6)), after)).toBe(0);
      expect(after.count).toBe(0);
    });
  }

  it("shortens a window with too many events to whole blocks, and holds it back unless forced when one block is too many", () => {
    // 64 events a cycle, one every 750 frames (tempo 1 at 48 kHz).
    const text = 'tempo: 1\nout: s "hh*64"';
    const block = 512;
    const limited = new Playhead(scheduler(text));
    const b = new EventBatch();
    const n = limited.fill(SR, b, 10, false, block);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(10);
    expect(limited.scheduledTo % block).toBe(0);
    expect(limited.scheduledTo).toBeLessThan(SR);
    // The events it sent are those before where it stopped, every one of them.
    expect(frames(b).every((f) => f < limited.scheduledTo)).toBe(true);
    expect(n).toBe(Math.ceil(limited.scheduledTo / 750));

    const held = new Playhead(scheduler(text));
    expect(held.fill(SR, new EventBatch(), 0, false, block)).toBe(0);
    expect(held.scheduledTo).toBe(0);

    const forced = new Playhead(scheduler(text));
    const f = new EventBatch();
    // Forced: one block goes anyway (the event at frame 0).
    expect(forced.fill(SR, f, 0, true, block)).toBe(1);
    expect(forced.scheduledTo).toBe(block);
    expect(frames(f)).toEqual([0]);
  });

  it("starts where it is told: nothing before that frame or its cycle is scheduled", () => {
    const s = scheduler('tempo: 1\nout: s "bd*4"');
    const playhead = new Playhead(s);
    playhead.startAt(SR + 12000);
    expect(playhead.first).toBe(1);
    const b = new EventBatch();
    playhead.fill(3 * SR, b);
    // bd at a quarter of each cycle: cycle 1 from its second onset on, and cycle 2.
    expect(frames(b)).toEqual([SR + 12000, SR + 24000, SR + 36000, 2 * SR, 2 * SR + 12000, 2 * SR + 24000, 2 * SR + 36000]);
  });
});
