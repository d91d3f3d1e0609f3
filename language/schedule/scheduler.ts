//! The scheduler: queries each lane once per cycle, turns exact onset times into frames and fills event batches.
import type { CompiledLane } from "../compile/lower.js";
import type { GraphIR } from "../compile/ir.js";
import type { Hap } from "../pattern/hap.js";
import type { MiniValue } from "../pattern/mini.js";
import { Rational } from "../pattern/rational.js";
import { EventBatch, FIELD } from "./events.js";

/** Finds a sample's engine id; undefined when the bank has no such sample. */
export type SampleResolver = (name: string, index: number) => number | undefined;

export interface SchedulerOptions {
  sampleRate: number;
  resolveSample: SampleResolver;
  /** Called once per distinct problem (e.g. a missing sample). */
  warn: (message: string) => void;
}

/** `bd:3` → bd, 3; `bd` → bd, 0. Numbers are not sample names. */
export function sampleName(value: MiniValue): { name: string; index: number } | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^([^:]+)(?::(-?\d+))?$/.exec(value);
  if (!m) return undefined;
  return { name: m[1]!, index: m[2] === undefined ? 0 : Number(m[2]) };
}

export class Scheduler {
  private readonly cps: Rational;
  private readonly sr: number;
  private readonly sampleIds = new Map<string, number | undefined>();
  private readonly warned = new Set<string>();
  /** Onset haps by lane for the cycle last queried: one query per lane per cycle. */
  private cache: { cycle: number; haps: Hap<MiniValue>[][] } | undefined;
  /** Frame at which cycle 0 starts. */
  readonly originFrame = 0;

  constructor(
    private readonly ir: GraphIR,
    private readonly lanes: CompiledLane[],
    private readonly opts: SchedulerOptions,
  ) {
    this.cps = Rational.fromNumber(ir.cps);
    this.sr = opts.sampleRate;
  }

  /** The frame (rounded to the nearest) at which cycle time t falls. */
  frameAt(t: Rational): number {
    // t · sr / cps, computed from the exact fractions: (t.n · sr · cps.d) / (t.d · cps.n).
    return this.originFrame + Math.round((t.n * this.sr * this.cps.d) / (t.d * this.cps.n));
  }

  /** The onsets of every lane in cycle `cycle`, queried once and cached. */
  onsets(cycle: number): Hap<MiniValue>[][] {
    if (this.cache?.cycle === cycle) return this.cache.haps;
    const haps = this.lanes.map((lane) => lane.pattern.queryArc(cycle, cycle + 1).filter((h) => h.hasOnset()));
    this.cache = { cycle, haps };
    return haps;
  }

  /** Add the events of cycle `cycle` to `batch`. Returns the number of events added. */
  schedule(cycle: number, batch: EventBatch): number {
    const before = batch.count;
    const onsets = this.onsets(cycle);
    for (const lane of this.lanes) {
      const haps = onsets[lane.id]!;
      for (const hap of haps) {
        const frame = this.frameAt(hap.whole!.begin);
        if (lane.kind === "param") {
          if (typeof hap.value === "number") batch.set(frame, lane.id, hap.value);
          continue;
        }
        const id = this.sample(hap.value, lane.id);
        if (id !== undefined) batch.trigger(frame, lane.id, [[FIELD.sample, id]]);
      }
    }
    return batch.count - before;
  }

  private sample(value: MiniValue, lane: number): number | undefined {
    const key = String(value);
    if (this.sampleIds.has(key)) return this.sampleIds.get(key);
    const s = sampleName(value);
    const id = s ? this.opts.resolveSample(s.name, s.index) : undefined;
    this.sampleIds.set(key, id);
    if (id === undefined && !this.warned.has(key)) {
      this.warned.add(key);
      const where = this.ir.lanes[lane]!.loc;
      this.opts.warn(
        s ? `sample '${key}' not found (line ${where.line}); it is skipped` : `'${key}' is not a sample name (line ${where.line}); it is skipped`,
      );
    }
    return id;
  }
}
