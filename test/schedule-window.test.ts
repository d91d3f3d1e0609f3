//! Windowed scheduling: for every bundled pattern (and the ../shared/bench stress patches), the windows of a cycle, concatenated, are exactly that cycle's batch (frames, kinds, lanes and fields, in order), for windows of any size, with a live clock (an origin off frame 0 and a fractional cycle); windows across cycle boundaries equal the cycles' batches in turn; a cycle is queried once however many windows read it.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../language/compile/lower.js";
import { Rational } from "../language/pattern/rational.js";
import { Clock } from "../language/schedule/clock.js";
import { EventBatch } from "../language/schedule/events.js";
import { Scheduler } from "../language/schedule/scheduler.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const SR = 48000;
const stress = join(root, "..", "shared", "bench");
const files = [
  ...readdirSync(join(root, "patterns"))
    .filter((f) => f.endsWith(".ph"))
    .sort()
    .map((f) => join(root, "patterns", f)),
  ...(existsSync(stress) ? ["stress_extreme.ph", "m.ph", "q.ph", "voices.ph"].map((f) => join(stress, f)).filter(existsSync) : []),
];

/** A fixed id per sample name (the ids only need to be the same in both batches). */
const ids = new Map<string, number>();
const resolveSample = (name: string, index: number): number => {
  const k = `${name}:${index}`;
  if (!ids.has(k)) ids.set(k, ids.size);
  return ids.get(k)!;
};

function scheduler(file: string, clock?: (cps: number) => Clock): Scheduler {
  const r = compile(readFileSync(file, "utf8"));
  expect(r.ir, `${file} compiles`).toBeDefined();
  const s = new Scheduler(r.ir!, r.lanes, { sampleRate: SR, resolveSample, warn: () => {} });
  if (clock) s.setClock(clock(r.ir!.cps));
  return s;
}

/** A deterministic sequence of window lengths: single frames, odd sizes, blocks, long stretches. */
function lengths(seed: number): () => number {
  let x = seed;
  const sizes = [1, 7, 333, 375, 512, 750, 777, 1500, 2048, 3000, 4096, 6000, 10007, 12000, 48000];
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return sizes[x % sizes.length]!;
  };
}

/** A live clock: the program started at frame 12345 at cycle 7/3. */
const live = (cps: number): Clock => new Clock(SR, cps, 12345, Rational.of(7, 3));

describe("windowed scheduling", () => {
  for (const file of files) {
    const name = file.replace(root, "").replace(/^.*shared\//, "../shared/");
    it(`${name}: a cycle's windows, concatenated, are exactly its batch`, () => {
      for (const clock of [undefined, live]) {
        const whole = scheduler(file, clock);
        const windowed = scheduler(file, clock);
        const next = lengths(file.length);
        for (const cycle of [0, 1, 3]) {
          const a = new EventBatch();
          whole.schedule(cycle, a);
          // Cycle c's onsets lie in [frameAt(c), frameAt(c + 1)] (the last may round up onto the next cycle's first frame).
          const from = windowed.frameAt(Rational.of(cycle));
          const end = windowed.frameAt(Rational.of(cycle + 1)) + 1;
          // Two partitions of the cycle's frames: windows of assorted lengths, and windows that
          // start at every event's frame and just after it.
          const v = a.view();
          const at = new Set<number>([from, end]);
          for (let i = 0; i < v.length; i += 4 + 2 * v[i + 3]!) at.add(v[i]!).add(v[i]! + 1);
          const aligned = [...at].filter((f) => f >= from && f <= end).sort((x, y) => x - y);
          const assorted = [from];
          while (assorted.at(-1)! < end) assorted.push(Math.min(end, assorted.at(-1)! + next()));
          for (const bounds of [assorted, aligned]) {
            const b = new EventBatch();
            let counted = 0;
            let added = 0;
            for (let k = 0; k + 1 < bounds.length; k++) {
              counted += windowed.countWindow(cycle, bounds[k]!, bounds[k + 1]!);
              added += windowed.scheduleWindow(cycle, bounds[k]!, bounds[k + 1]!, b);
            }
            expect(added).toBe(a.count);
            expect(counted).toBe(a.count);
            expect(b.count).toBe(a.count);
            expect(b.view()).toEqual(a.view());
          }
        }
        // Every cycle was queried once per lane however many windows read it.
        expect(windowed.queries).toBe(whole.queries);
      }
    }, 60000);
  }

  it("windows across cycle boundaries (scheduleFrames) equal the cycles' batches in turn, from the first cycle on", () => {
    for (const file of files.slice(0, 12)) {
      for (const clock of [undefined, live]) {
        const whole = scheduler(file, clock);
        const windowed = scheduler(file, clock);
        const first = clock ? 2 : 0;
        const a = new EventBatch();
        for (let c = first; c < first + 3; c++) whole.schedule(c, a);
        const b = new EventBatch();
        const next = lengths(7);
        const start = windowed.frameAt(Rational.of(first));
        const end = windowed.frameAt(Rational.of(first + 3));
        for (let f = start; f < end; ) {
          const to = Math.min(end, f + next());
          windowed.scheduleFrames(f, to, b, first);
          f = to;
        }
        // The last cycle's onsets that round onto `end` itself belong to the window after it.
        const tail = whole.countWindow(first + 2, end, end + 1);
        expect(b.count + tail, file).toBe(a.count);
        expect(b.view(), file).toEqual(a.view().subarray(0, b.view().length));
      }
    }
  }, 60000);

  it("sends a cycle's events in frame order, equal frames in lane order", () => {
    const r = compile('tempo: 1\n~a: s "bd sn"\n~b: s "hh*4"\nout: ~a + ~b');
    const s = new Scheduler(r.ir!, r.lanes, { sampleRate: SR, resolveSample, warn: () => {} });
    const b = new EventBatch();
    s.schedule(0, b);
    const v = b.view();
    const recs: [number, number][] = [];
    for (let i = 0; i < v.length; i += 4 + 2 * v[i + 3]!) recs.push([v[i]!, v[i + 2]!]);
    const lanes = r.lanes.map((l) => l.id);
    expect(recs).toEqual([
      [0, lanes[0]!],
      [0, lanes[1]!],
      [12000, lanes[1]!],
      [24000, lanes[0]!],
      [24000, lanes[1]!],
      [36000, lanes[1]!],
    ]);
  });
});
