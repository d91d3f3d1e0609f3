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
  /** Told each lane before its pattern is queried (where a slow query is). */
  progress?: (lane: number) => void;
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
/** A synth voice's attack when none is given, s: the engine's `DEFAULT_ATTACK` (engine-rs/core/src/voice/synth.rs). */
const VOICE_ATTACK = 0.01;
/** Field names by code, for warnings. */
const FIELD_NAME: Record<number, string> = {
  ...Object.fromEntries(Object.entries(FIELD).map(([name, code]) => [code, name])),
  [FIELD.ratio]: "pitch ratio (from note or n)",
  [FIELD.speed]: "speed (from speed, note or midi)",
  [FIELD.freq]: "frequency (from midi)",
};

const num = (x: unknown): number | undefined => (typeof x === "number" && Number.isFinite(x) ? x : undefined);

/**
 * One cycle's onsets in the order they are sent: by frame, and at equal frames in lane order, then
 * in the order the lane's query returned them (a stable sort of the lane-by-lane list). The engine
 * applies events by (frame, arrival), so this is the order it would apply them in anyway.
 */
interface CyclePlan {
  cycle: number;
  /** Frames, ascending. */
  frames: Float64Array;
  /** The frame of each onset's end (gate lanes; NaN for the others). */
  ends: Float64Array;
  lanes: CompiledLane[];
  /** The onsets; a periodic lane's are its base cycle's (the same but for their place in time). */
  haps: Hap<unknown>[];
}

/**
 * A periodic lane's onsets in one of its base cycles 0..P−1, with each one's begin and end as
 * offsets n/d from that cycle's start (NaN when not small integers): the same onsets in cycle
 * base + kP are at those offsets from that cycle's start, so their frames come from integers.
 */
interface BaseCycle {
  haps: Hap<unknown>[];
  bn: Float64Array;
  bd: Float64Array;
  en: Float64Array;
  ed: Float64Array;
}

/** One lane's onsets in a cycle: queried, or those of its base cycle `base` shifted to `cycle`. */
type LaneOnsets = Hap<unknown>[] | { base: number; at: BaseCycle };

/** Cycles whose onsets (and frame plans) are kept: the previous, the current and the next one or two. */
const CACHED_CYCLES = 4;

export class Scheduler {
  private readonly sampleIds = new Map<string, number | undefined>();
  private readonly warned = new Set<string>();
  /** Onsets by lane, per recently queried cycle: one query per lane per cycle. */
  private readonly cache = new Map<number, LaneOnsets[]>();
  /** Frame-sorted onsets per recently planned cycle (for the current clock). */
  private readonly plans = new Map<number, CyclePlan>();
  /**
   * Lanes whose pattern repeats every P cycles (`Pattern.period`): the onsets of cycles 0..P−1,
   * queried once; any other cycle's are those shifted by a multiple of P.
   */
  private readonly periodic = new Map<number, Map<number, BaseCycle>>();
  /** The trigger fields of a periodic lane's onsets (null: skipped), by hap. */
  private fieldsOf = new WeakMap<Hap<unknown>, [number, number][] | null>();
  /** Pattern queries made (for tests and benchmarks). */
  queries = 0;
  /** Milliseconds spent in pattern queries so far (cycles not cached). */
  queryMs = 0;
  /** Cycle positions to frames: cycle 0 at frame 0 unless a live session's clock says otherwise. */
  private clock: Clock;

  constructor(
    private readonly ir: GraphIR,
    private readonly lanes: CompiledLane[],
    private readonly opts: SchedulerOptions,
  ) {
    this.clock = opts.clock ?? new Clock(opts.sampleRate, ir.cps);
  }

  /** Where cycles fall in frames from now on. The queried onsets stay cached (they are in cycle time). */
  setClock(clock: Clock): void {
    this.clock = clock;
    this.plans.clear();
  }

  /** The frame (rounded to the nearest) at which cycle time t falls. */
  frameAt(t: Rational): number {
    return this.clock.frameAt(t);
  }

  /** The cycle that frame `frame` falls in. */
  cycleAt(frame: number): number {
    return this.clock.cycleAt(frame).floor();
  }

  /** The onsets of every lane in cycle `cycle`, queried once and cached. */
  onsets(cycle: number): Hap<unknown>[][] {
    return this.laneOnsets(cycle).map((o) => {
      if (Array.isArray(o)) return o;
      const shift = cycle - o.base;
      if (shift === 0) return o.at.haps;
      const d = Rational.of(shift);
      return o.at.haps.map((h) => h.withSpan((s) => new TimeSpan(s.begin.add(d), s.end.add(d))));
    });
  }

  /** Each lane's onsets in cycle `cycle`: a query, or a periodic lane's base cycle (queried once). */
  private laneOnsets(cycle: number): LaneOnsets[] {
    const hit = this.cache.get(cycle);
    if (hit) return hit;
    const t0 = performance.now();
    const haps = this.lanes.map((lane): LaneOnsets => {
      const period = lane.pattern.period;
      if (period !== undefined) {
        const base = ((cycle % period) + period) % period;
        let cycles = this.periodic.get(lane.id);
        if (!cycles) this.periodic.set(lane.id, (cycles = new Map()));
        let at = cycles.get(base);
        if (!at) cycles.set(base, (at = baseCycle(this.query(lane, base), base)));
        return { base, at };
      }
      return this.query(lane, cycle);
    });
    this.queryMs += performance.now() - t0;
    remember(this.cache, cycle, haps);
    return haps;
  }

  /** The onsets of one lane in one cycle, from its pattern; a failing pattern warns and is silent. */
  private query(lane: CompiledLane, cycle: number): Hap<unknown>[] {
    try {
      this.queries++;
      this.opts.progress?.(lane.id);
      return lane.pattern.queryArc(cycle, cycle + 1).filter((h) => h.hasOnset());
    } catch (e) {
      this.warnOnce(`lane:${lane.id}`, `the pattern at line ${this.ir.lanes[lane.id]!.loc.line} failed in cycle ${cycle}: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }

  /**
   * Cycle `cycle`'s onsets with their frames, sorted by frame (queried once; planned once per
   * clock). A periodic lane's frames come from its base cycle's offsets in integer arithmetic (no
   * shifted haps are built), the same frames `frameAt` gives.
   */
  plan(cycle: number): CyclePlan {
    const hit = this.plans.get(cycle);
    if (hit) return hit;
    const onsets = this.laneOnsets(cycle);
    let n = 0;
    for (const lane of this.lanes) {
      const o = onsets[lane.id]!;
      n += Array.isArray(o) ? o.length : o.at.haps.length;
    }
    let frames = new Float64Array(n);
    let ends = new Float64Array(n);
    const laneOf: CompiledLane[] = new Array(n);
    const hapOf: Hap<unknown>[] = new Array(n);
    let i = 0;
    let sorted = true;
    for (const lane of this.lanes) {
      const o = onsets[lane.id]!;
      const gate = lane.kind === "gate";
      const list = Array.isArray(o) ? o : o.at.haps;
      // The shift to this cycle, for the rare onset whose frame leaves the integer path.
      let shift: Rational | undefined;
      for (let k = 0; k < list.length; k++) {
        const hap = list[k]!;
        // An onset whose frame cannot be had, or is not a finite frame the engine takes, is left
        // out with one warning per lane (never a throw).
        let frame: number;
        let end = NaN;
        try {
          if (Array.isArray(o)) {
            frame = this.frameAt(hap.whole!.begin);
            if (gate) end = this.frameAt(hap.whole!.end);
          } else {
            const at = o.at;
            frame = this.clock.frameAtOffset(cycle, at.bn[k]!, at.bd[k]!) ?? this.frameAt(hap.whole!.begin.add((shift ??= Rational.of(cycle - o.base))));
            if (gate) end = this.clock.frameAtOffset(cycle, at.en[k]!, at.ed[k]!) ?? this.frameAt(hap.whole!.end.add((shift ??= Rational.of(cycle - o.base))));
          }
        } catch (e) {
          this.failed(lane.id, e);
          continue;
        }
        if (!Number.isFinite(frame) || frame > MAX_FRAME) {
          this.nonfinite(lane.id, "time (frame)", frame);
          continue;
        }
        frames[i] = frame;
        ends[i] = end;
        if (i > 0 && frames[i]! < frames[i - 1]!) sorted = false;
        laneOf[i] = lane;
        hapOf[i] = hap;
        i++;
      }
    }
    if (i < n) {
      // Some were left out.
      frames = frames.slice(0, i);
      ends = ends.slice(0, i);
      laneOf.length = i;
      hapOf.length = i;
      n = i;
    }
    let plan: CyclePlan;
    if (sorted) plan = { cycle, frames, ends, lanes: laneOf, haps: hapOf };
    else {
      // Stable: equal frames keep lane order, then query order.
      const order = stableOrder(frames);
      const f = new Float64Array(n);
      const e = new Float64Array(n);
      const l: CompiledLane[] = new Array(n);
      const h: Hap<unknown>[] = new Array(n);
      for (let k = 0; k < n; k++) {
        const j = order[k]!;
        f[k] = frames[j]!;
        e[k] = ends[j]!;
        l[k] = laneOf[j]!;
        h[k] = hapOf[j]!;
      }
      plan = { cycle, frames: f, ends: e, lanes: l, haps: h };
    }
    remember(this.plans, cycle, plan);
    return plan;
  }

  /** Add the events of cycle `cycle` to `batch`, in frame order. Returns the number of events added. */
  schedule(cycle: number, batch: EventBatch): number {
    return this.scheduleWindow(cycle, -Infinity, Infinity, batch);
  }

  /**
   * Add the events of cycle `cycle` whose frame is in [from, to) to `batch`, in frame order. The
   * cycle is queried once (cached); a window only selects and converts, so the windows of a
   * partition of the frames, concatenated, are exactly `schedule(cycle)`'s batch.
   */
  scheduleWindow(cycle: number, from: number, to: number, batch: EventBatch): number {
    const before = batch.count;
    let p: CyclePlan;
    try {
      p = this.plan(cycle);
    } catch (e) {
      // Never throws: a cycle whose query or clock fails is skipped with one warning.
      this.warnOnce("onsets", `scheduling cycle ${cycle} failed: ${e instanceof Error ? e.message : String(e)}; its events are skipped`);
      return 0;
    }
    // Frames before 0 are in the past (the engine takes 0…2^53): no window holds them.
    for (let i = lowerBound(p.frames, Math.max(0, from)), end = lowerBound(p.frames, to); i < end; i++) this.emit(p.lanes[i]!, p.haps[i]!, p.frames[i]!, p.ends[i]!, batch);
    return batch.count - before;
  }

  /** How many events `scheduleWindow(cycle, from, to)` would add (queries the cycle if needed). */
  countWindow(cycle: number, from: number, to: number): number {
    const p = this.plan(cycle);
    return Math.max(0, lowerBound(p.frames, to) - lowerBound(p.frames, Math.max(0, from)));
  }

  /**
   * The cycles that can have onsets at frames in [from, to), from cycle `first` to cycle `last`:
   * cycle c's onsets lie in [frameAt(c), frameAt(c + 1)] (rounding may put the last on the next
   * cycle's first frame). Does not query.
   */
  cyclesIn(from: number, to: number, first = -Infinity, last = Infinity): number[] {
    const out: number[] = [];
    if (!(to > from)) return out;
    const c0 = this.clock.cycleAt(Math.floor(from)).floor() - 1;
    const c1 = Math.min(last, this.clock.cycleAt(Math.ceil(to)).floor() + 1);
    for (let c = Math.max(c0, first); c <= c1; c++) {
      if (this.frameAt(Rational.of(c)) < to && this.frameAt(Rational.of(c + 1)) >= from) out.push(c);
    }
    return out;
  }

  /** Add the events at frames in [from, to) of every cycle from `first` to `last`. Returns the number added. */
  scheduleFrames(from: number, to: number, batch: EventBatch, first = -Infinity, last = Infinity): number {
    let n = 0;
    for (const c of this.cyclesIn(from, to, first, last)) n += this.scheduleWindow(c, from, to, batch);
    return n;
  }

  /** How many events `scheduleFrames(from, to, _, first, last)` would add (queries the cycles it needs). */
  countFrames(from: number, to: number, first = -Infinity, last = Infinity): number {
    let n = 0;
    for (const c of this.cyclesIn(from, to, first, last)) n += this.countWindow(c, from, to);
    return n;
  }

  /**
   * One event of a lane at `frame` into the batch (a gate's ends at frame `end`), unless a number
   * in it is not finite (then one warning per lane). Never throws.
   */
  private emit(lane: CompiledLane, hap: Hap<unknown>, frame: number, end: number, batch: EventBatch): void {
    try {
      // The engine takes frames 0…2^53; one before 0 (a nudge) is in the past anyway.
      if (!Number.isFinite(frame) || frame > MAX_FRAME) return this.nonfinite(lane.id, "time (frame)", frame);
      if (frame < 0) return;
      if (lane.kind === "param") {
        const v = num(hap.value);
        if (v !== undefined) batch.set(frame, lane.id, v);
      } else if (lane.kind === "gate") {
        const v = num(hap.value);
        if (v === undefined) return;
        const length = Math.max(1, end - frame);
        if (!Number.isFinite(length)) return this.nonfinite(lane.id, "length", length);
        batch.gate(frame, lane.id, v, length);
      } else {
        // A periodic lane's onsets are its base cycles' haps, the same objects every period:
        // their fields are worked out once (the sample bank changing forgets them).
        const periodic = lane.pattern.period !== undefined;
        let fields = periodic ? this.fieldsOf.get(hap) : undefined;
        if (fields === undefined) {
          fields = this.triggerFields(lane, hap);
          if (periodic) this.fieldsOf.set(hap, fields);
        }
        if (fields) batch.trigger(frame, lane.id, fields);
      }
    } catch (e) {
      this.failed(lane.id, e);
    }
  }

  /** A trigger lane's fields for an onset; null (with one warning per lane) when a number in them is not finite or its sample is missing. */
  private triggerFields(lane: CompiledLane, hap: Hap<unknown>): [number, number][] | null {
    const whole = hap.whole!;
    const seconds = whole.end.sub(whole.begin).toNumber() / this.ir.cps;
    const fields = lane.target === "voices" ? this.voiceFields(hap.value, seconds) : this.sampleFields(hap.value, lane.id, seconds);
    if (!fields) return null;
    for (const [code, v] of fields) {
      if (!Number.isFinite(v)) {
        this.nonfinite(lane.id, FIELD_NAME[code] ?? `field ${code}`, v);
        return null;
      }
    }
    return fields;
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
    const dur = num(c.duration ?? c.dur) ?? (clip !== undefined ? clip * seconds : always ? this.heldFor(c, seconds) : undefined);
    if (dur !== undefined) out.push([FIELD.dur, dur]);
  }

  /**
   * How long a synth voice with no `legato`/`dur` is held before its release. With a sustain or
   * decay (an ADSR) it holds for its event; otherwise it is an attack-release voice: reference
   * §3.1, "Bus-trigger voices default to a 10 ms attack and 300 ms release", so the release starts
   * when the attack ends (the engine's default attack, 10 ms, when none is given; one frame at least).
   */
  private heldFor(c: Controls, seconds: number): number {
    if (c.sustain !== undefined || c.decay !== undefined) return seconds;
    // At least one frame: the engine's attack is at least one frame, so `ar 0 1` still sounds.
    return Math.max(num(c.attack) ?? VOICE_ATTACK, 1 / this.opts.sampleRate);
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

  /**
   * The sample bank changed (a folder or file added, rewritten or removed while playing): forget
   * the ids looked up so far, and the warnings about missing samples, so names are looked up
   * again and a sample that disappears is warned about again.
   */
  forgetSamples(): void {
    this.sampleIds.clear();
    this.fieldsOf = new WeakMap();
    for (const k of [...this.warned]) if (k.startsWith("sample:")) this.warned.delete(k);
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
        `sample:${key}`,
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

/**
 * The indices of `frames` in ascending order of frame, equal frames in index order. Each
 * (frame − min, index) pair is packed into one exact double and the doubles sorted natively
 * (several times faster than a comparator); a comparator sort when they do not fit in 53 bits.
 */
function stableOrder(frames: Float64Array): ArrayLike<number> {
  const n = frames.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const f = frames[i]!;
    if (f < min) min = f;
    if (f > max) max = f;
  }
  const scale = 2 ** Math.ceil(Math.log2(n + 1));
  if (!((max - min + 1) * scale < 2 ** 53)) return Array.from({ length: n }, (_, k) => k).sort((a, b) => frames[a]! - frames[b]! || a - b);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = (frames[i]! - min) * scale + i;
  keys.sort();
  const order = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[k] = keys[k]! % scale;
  return order;
}

/** The first index whose frame is ≥ x (frames ascending). */
function lowerBound(frames: Float64Array, x: number): number {
  let lo = 0;
  let hi = frames.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (frames[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Keep `value` for `cycle`, forgetting the cycle furthest from it beyond CACHED_CYCLES. */
function remember<T>(map: Map<number, T>, cycle: number, value: T): void {
  map.set(cycle, value);
  while (map.size > CACHED_CYCLES) {
    let worst = cycle;
    for (const c of map.keys()) if (Math.abs(c - cycle) > Math.abs(worst - cycle)) worst = c;
    map.delete(worst);
  }
}

/** A periodic lane's base-cycle onsets with their begin and end offsets from the cycle's start. */
function baseCycle(haps: Hap<unknown>[], base: number): BaseCycle {
  const n = haps.length;
  const at: BaseCycle = { haps, bn: new Float64Array(n), bd: new Float64Array(n), en: new Float64Array(n), ed: new Float64Array(n) };
  const start = Rational.of(base);
  for (let k = 0; k < n; k++) {
    const w = haps[k]!.whole;
    // Left NaN (frameAtOffset then gives undefined, and the caller falls back to frameAt)
    // when there is no whole or the offset is a bigint fraction.
    at.bn[k] = at.bd[k] = at.en[k] = at.ed[k] = NaN;
    if (!w) continue;
    const b = w.begin.sub(start);
    const e = w.end.sub(start);
    if (b.big === null) [at.bn[k], at.bd[k]] = [b.n, b.d];
    if (e.big === null) [at.en[k], at.ed[k]] = [e.n, e.d];
  }
  return at;
}
