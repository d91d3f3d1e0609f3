//! The scheduler: queries each lane once per cycle, turns exact onset times into frames and fills event batches.
import type { CompiledLane } from "../compile/emit.js";
import type { GraphIR } from "../compile/ir.js";
import { midiToHz } from "../compile/pitch.js";
import type { Hap } from "../pattern/hap.js";
import { Rational } from "../pattern/rational.js";
import { TimeSpan } from "../pattern/span.js";
import { Clock } from "./clock.js";
import { EventBatch, FIELD } from "./events.js";

/** Finds a sample's engine id; undefined when the bank has no such sample. */
export type SampleResolver = (name: string, index: number) => number | undefined;

export interface SchedulerOptions {
  sampleRate: number;
  resolveSample: SampleResolver;
  /** Where samples were looked for (named in the missing-sample warning), highest priority first. */
  sampleRoots?: string[];
  /** Called once per distinct problem (e.g. a missing sample). */
  warn: (message: string) => void;
  /** Where cycles fall in frames (live mode rebases it on every reload); default: cycle 0 at frame 0 at the program's tempo. */
  clock?: Clock;
}

type Controls = { [key: string]: unknown };

/** `bd:3` → bd, 3; `bd` → bd, 0; `{s: "bd", n: 3}` → bd, 3. Numbers are not sample names. */
export function sampleName(value: unknown): { name: string; index: number } | undefined {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const c = value as Controls;
    const inner = sampleName(c.s);
    if (!inner) return undefined;
    return typeof c.n === "number" && Number.isFinite(c.n) ? { name: inner.name, index: Math.trunc(c.n) } : inner;
  }
  if (Array.isArray(value)) {
    const [name, index] = value as unknown[];
    if (typeof name !== "string") return undefined;
    return { name, index: typeof index === "number" ? Math.trunc(index) : 0 };
  }
  if (typeof value !== "string") return undefined;
  const m = /^([^:]+)(?::(-?\d+))?$/.exec(value);
  if (!m) return undefined;
  return { name: m[1]!, index: m[2] === undefined ? 0 : Number(m[2]) };
}

/** The largest frame the engine takes (events.rs: 2^53). */
const MAX_FRAME = 2 ** 53;
/** Field names by code, for warnings. */
const FIELD_NAME: Record<number, string> = {
  ...Object.fromEntries(Object.entries(FIELD).map(([name, code]) => [code, name])),
  [FIELD.ratio]: "pitch ratio (from note or n)",
  [FIELD.speed]: "speed (from speed, note or midi)",
  [FIELD.freq]: "frequency (from midi)",
};

const num = (x: unknown): number | undefined => (typeof x === "number" && Number.isFinite(x) ? x : undefined);

export class Scheduler {
  private readonly sampleIds = new Map<string, number | undefined>();
  private readonly warned = new Set<string>();
  /** Onset haps by lane for the cycle last queried: one query per lane per cycle. */
  private cache: { cycle: number; haps: Hap<unknown>[][] } | undefined;
  /**
   * Lanes whose pattern repeats every P cycles (`Pattern.period`): the onsets of cycles 0..P−1,
   * queried once; any other cycle's are those shifted by a multiple of P.
   */
  private readonly periodic = new Map<number, Map<number, Hap<unknown>[]>>();
  /** Pattern queries made (for tests and benchmarks). */
  queries = 0;
  /** Cycle positions to frames: cycle 0 at frame 0 unless a live session's clock says otherwise. */
  private readonly clock: Clock;

  constructor(
    private readonly ir: GraphIR,
    private readonly lanes: CompiledLane[],
    private readonly opts: SchedulerOptions,
  ) {
    this.clock = opts.clock ?? new Clock(opts.sampleRate, ir.cps);
  }

  /** The frame (rounded to the nearest) at which cycle time t falls. */
  frameAt(t: Rational): number {
    return this.clock.frameAt(t);
  }

  /** The onsets of every lane in cycle `cycle`, queried once and cached. */
  onsets(cycle: number): Hap<unknown>[][] {
    if (this.cache?.cycle === cycle) return this.cache.haps;
    const haps = this.lanes.map((lane) => {
      const period = lane.pattern.period;
      if (period !== undefined) {
        const base = ((cycle % period) + period) % period;
        let cycles = this.periodic.get(lane.id);
        if (!cycles) this.periodic.set(lane.id, (cycles = new Map()));
        let first = cycles.get(base);
        if (!first) cycles.set(base, (first = this.query(lane, base)));
        const shift = cycle - base;
        if (shift === 0) return first;
        const d = Rational.of(shift);
        return first.map((h) => h.withSpan((s) => new TimeSpan(s.begin.add(d), s.end.add(d))));
      }
      return this.query(lane, cycle);
    });
    this.cache = { cycle, haps };
    return haps;
  }

  /** The onsets of one lane in one cycle, from its pattern; a failing pattern warns and is silent. */
  private query(lane: CompiledLane, cycle: number): Hap<unknown>[] {
    try {
      this.queries++;
      return lane.pattern.queryArc(cycle, cycle + 1).filter((h) => h.hasOnset());
    } catch (e) {
      this.warnOnce(`lane:${lane.id}`, `the pattern at line ${this.ir.lanes[lane.id]!.loc.line} failed in cycle ${cycle}: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }

  /**
   * Add the events of cycle `cycle` to `batch`. Returns the number of events added. Never throws:
   * an event the engine would refuse (a value or a frame that is not a finite number, such as
   * the pitch ratio of `note "1e8"`) is left out with one warning per lane naming its line.
   */
  schedule(cycle: number, batch: EventBatch): number {
    const before = batch.count;
    let onsets: Hap<unknown>[][];
    try {
      onsets = this.onsets(cycle);
    } catch (e) {
      this.warnOnce("onsets", `scheduling cycle ${cycle} failed: ${e instanceof Error ? e.message : String(e)}; its events are skipped`);
      return 0;
    }
    for (const lane of this.lanes) {
      for (const hap of onsets[lane.id]!) {
        let frame: number;
        try {
          frame = this.frameAt(hap.whole!.begin);
        } catch (e) {
          this.failed(lane.id, e);
          continue;
        }
        this.emit(lane, hap, frame, batch);
      }
    }
    return batch.count - before;
  }

  /**
   * One event of a lane at `frame` into the batch, unless a number in it is not finite (then one
   * warning per lane). Never throws.
   */
  private emit(lane: CompiledLane, hap: Hap<unknown>, frame: number, batch: EventBatch): void {
    try {
      const whole = hap.whole!;
      // The engine takes frames 0…2^53; one before 0 (a nudge) is in the past anyway.
      if (!Number.isFinite(frame) || frame > MAX_FRAME) return this.nonfinite(lane.id, "time (frame)", frame);
      if (frame < 0) return;
      if (lane.kind === "param") {
        const v = num(hap.value);
        if (v !== undefined) batch.set(frame, lane.id, v);
      } else if (lane.kind === "gate") {
        const v = num(hap.value);
        if (v === undefined) return;
        const length = Math.max(1, this.frameAt(whole.end) - frame);
        if (!Number.isFinite(length)) return this.nonfinite(lane.id, "length", length);
        batch.gate(frame, lane.id, v, length);
      } else {
        const seconds = whole.end.sub(whole.begin).toNumber() / this.ir.cps;
        const fields = lane.target === "voices" ? this.voiceFields(hap.value, seconds) : this.sampleFields(hap.value, lane.id, seconds);
        if (!fields) return;
        for (const [code, v] of fields) if (!Number.isFinite(v)) return this.nonfinite(lane.id, FIELD_NAME[code] ?? `field ${code}`, v);
        batch.trigger(frame, lane.id, fields);
      }
    } catch (e) {
      this.failed(lane.id, e);
    }
  }

  /** Warn (once per lane) that an event could not be scheduled. */
  private failed(lane: number, e: unknown): void {
    this.warnOnce(`event:${lane}`, `the pattern at line ${this.line(lane)}: an event could not be scheduled (${e instanceof Error ? e.message : String(e)}); it is skipped`);
  }

  /** Warn (once per lane) that an event was left out because `what` came out as `value`. */
  private nonfinite(lane: number, what: string, value: number): void {
    this.warnOnce(
      `nonfinite:${lane}`,
      `the pattern at line ${this.line(lane)} gives an event whose ${what} is ${value}; events like it are skipped`,
    );
  }

  private line(lane: number): number | string {
    return this.ir.lanes[lane]?.loc.line ?? "?";
  }

  /** The fields both kinds of voice share: gain, pan, envelope, length. */
  private common(c: Controls, seconds: number, out: [number, number][], always: boolean): void {
    const put = (code: number, v: unknown): void => {
      const x = num(v);
      if (x !== undefined) out.push([code, x]);
    };
    if (c.gain !== undefined || c.chordGain !== undefined || c.stutGain !== undefined) out.push([FIELD.gain, (num(c.gain) ?? 1) * (num(c.chordGain) ?? 1) * (num(c.stutGain) ?? 1)]);
    put(FIELD.pan, c.pan);
    put(FIELD.attack, c.attack);
    put(FIELD.decay, c.decay);
    put(FIELD.sustain, c.sustain);
    put(FIELD.release, c.release);
    const clip = num(c.clip ?? c.legato); // Strudel's keys (clip, duration); the aliases' own keys still read
    const dur = num(c.duration ?? c.dur) ?? (clip !== undefined ? clip * seconds : always ? seconds : undefined);
    if (dur !== undefined) out.push([FIELD.dur, dur]);
  }

  private sampleFields(value: unknown, lane: number, seconds: number): [number, number][] | undefined {
    const c: Controls = value && typeof value === "object" && !Array.isArray(value) ? (value as Controls) : { s: value };
    const id = this.sample(c, lane);
    if (id === undefined) return undefined;
    const out: [number, number][] = [[FIELD.sample, id]];
    this.common(c, seconds, out, false);
    const semis = num(c.note) ?? (num(c.midi) !== undefined ? num(c.midi)! - 60 : undefined);
    const speed = num(c.speed);
    if (semis !== undefined || speed !== undefined) out.push([FIELD.speed, (speed ?? 1) * 2 ** ((semis ?? 0) / 12)]);
    for (const k of ["begin", "end", "cut", "loop"] as const) {
      const x = num(c[k]);
      if (x !== undefined) out.push([FIELD[k], x]);
    }
    // unit "c": speed counts cycles per sample, so the engine needs the tempo to turn it into a rate.
    const unit = c.unit === "c" ? 1 : c.unit === "r" ? 0 : num(c.unit);
    if (unit !== undefined) out.push([FIELD.unit, unit]);
    if (unit === 1) out.push([FIELD.cps, this.ir.cps]);
    return out;
  }

  private voiceFields(value: unknown, seconds: number): [number, number][] {
    const c = (value ?? {}) as Controls;
    const out: [number, number][] = [];
    const midi = num(c.midi);
    const semis = num(c.note) ?? num(c.n);
    if (midi !== undefined) out.push([FIELD.freq, midiToHz(midi)]);
    else if (semis !== undefined) out.push([FIELD.ratio, 2 ** (semis / 12)]);
    this.common(c, seconds, out, true);
    return out;
  }

  private sample(c: Controls, lane: number): number | undefined {
    const s = sampleName(c);
    const key = s ? `${s.name}:${s.index}` : String(c.s);
    if (this.sampleIds.has(key)) return this.sampleIds.get(key);
    const id = s ? this.opts.resolveSample(s.name, s.index) : undefined;
    this.sampleIds.set(key, id);
    if (id === undefined) {
      const where = this.ir.lanes[lane]!.loc;
      this.warnOnce(
        key,
        s ? `sample '${s.index ? key : s.name}' not found (line ${where.line}); looked in ${this.lookedIn()}; it is skipped` : `'${key}' is not a sample name (line ${where.line}); it is skipped`,
      );
    }
    return id;
  }

  private lookedIn(): string {
    const roots = this.opts.sampleRoots ?? [];
    return roots.length ? `the built-in kit and ${roots.join(", ")}` : "the built-in kit";
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.opts.warn(message);
  }
}
