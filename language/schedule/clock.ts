//! The clock: maps exact cycle positions to frames and back, from an origin (frame, cycle) and a tempo, and rebases when the tempo changes so the cycle position never jumps.
import type { GraphIR } from "../compile/ir.js";
import { Rational } from "../pattern/rational.js";

/** A clock as plain data (it crosses threads as a message). */
export interface ClockData {
  sampleRate: number;
  cps: number;
  originFrame: number;
  /** The exact cycle position at originFrame, as [numerator, denominator]. */
  originCycle: [number, number];
}

/** The file's live commands (`setCycle`, `nudge`, `resetCycles`, `panic`). */
export type LiveControl = NonNullable<GraphIR["control"]>;

export class Clock {
  private readonly cpsQ: Rational;

  /**
   * @param sampleRate frames per second
   * @param cps cycles per second
   * @param originFrame the frame at which the cycle position is `originCycle`
   */
  constructor(
    readonly sampleRate: number,
    readonly cps: number,
    readonly originFrame = 0,
    readonly originCycle: Rational = Rational.ZERO,
  ) {
    if (!(cps > 0)) throw new RangeError(`cps must be positive, not ${cps}`);
    this.cpsQ = Rational.fromNumber(cps);
  }

  /** The frame (rounded to the nearest) at which cycle position t falls. */
  frameAt(t: Rational): number {
    // originFrame + (t − originCycle) · sr / cps, from exact fractions.
    const d = t.sub(this.originCycle);
    // A time beyond the safe integers (held as bigints) is converted once, to the nearest double.
    if (d.big !== null) return this.originFrame + Math.round((d.toNumber() * this.sampleRate) / this.cps);
    return this.originFrame + Math.round((d.n * this.sampleRate * this.cpsQ.d) / (d.d * this.cpsQ.n));
  }

  /**
   * frameAt(cycle + n/d) for an integer cycle and n/d (d > 0) given as integers, without building
   * a Rational: the same formula from the same exact integers (unreduced, which divides to the
   * same double), so the same frame. Undefined when a product would leave the safe integers (or
   * the origin or tempo is a bigint fraction): then the caller uses `frameAt`.
   */
  frameAtOffset(cycle: number, n: number, d: number): number | undefined {
    const o = this.originCycle;
    if (o.big !== null || this.cpsQ.big !== null) return undefined;
    // (cycle + n/d) − o.n/o.d = ((cycle·d + n)·o.d − o.n·d) / (d·o.d)
    const b = (cycle * d + n) * o.d;
    const c = o.n * d;
    const num = (b - c) * this.sampleRate * this.cpsQ.d;
    const den = d * o.d * this.cpsQ.n;
    if (!Number.isSafeInteger(b) || !Number.isSafeInteger(c) || !Number.isSafeInteger(num) || !Number.isSafeInteger(den)) return undefined;
    return this.originFrame + Math.round(num / den);
  }

  /** The exact cycle position at an integer frame. */
  cycleAt(frame: number): Rational {
    const df = Math.round(frame) - this.originFrame;
    return this.originCycle.add(Rational.of(df * this.cpsQ.n, this.sampleRate * this.cpsQ.d));
  }

  /** A clock at a new tempo that agrees with this one at `frame`: the cycle position is continuous there. */
  rebase(frame: number, cps: number): Clock {
    return new Clock(this.sampleRate, cps, Math.round(frame), this.cycleAt(frame));
  }

  toData(): ClockData {
    return { sampleRate: this.sampleRate, cps: this.cps, originFrame: this.originFrame, originCycle: [this.originCycle.n, this.originCycle.d] };
  }

  static fromData(d: ClockData): Clock {
    return new Clock(d.sampleRate, d.cps, d.originFrame, Rational.of(d.originCycle[0], d.originCycle[1]));
  }

  /** Whether both map every frame to the same cycle position. */
  equals(o: Clock): boolean {
    return this.sampleRate === o.sampleRate && this.cps === o.cps && this.cycleAt(0).eq(o.cycleAt(0));
  }
}

/**
 * The clock of a new program starting at frame `at` (live): it continues the running clock (a new
 * tempo rebases it there), unless the file's live commands say otherwise. Each command acts when
 * it appears or changes, not again on every save: `resetCycles` restarts at cycle 0, `setCycle N`
 * jumps to cycle N, `nudge S` shifts the timing by S seconds (a standing offset: changing it from
 * 0.1 to 0.15 moves the beat 50 ms). The first program starts at cycle 0 at `at`.
 */
export function continueClock(prev: { clock: Clock; control: LiveControl } | undefined, cps: number, now: LiveControl, at: number, sampleRate: number): Clock {
  const before = prev?.control ?? {};
  let clock = prev ? prev.clock.rebase(at, cps) : new Clock(sampleRate, cps, at);
  if (now.resetCycles && !before.resetCycles) clock = new Clock(sampleRate, cps, at);
  if (now.setCycle !== undefined && now.setCycle !== before.setCycle) clock = new Clock(sampleRate, cps, at, Rational.fromNumber(now.setCycle));
  const shift = (now.nudge ?? 0) - (before.nudge ?? 0);
  if (shift !== 0) clock = new Clock(sampleRate, cps, clock.originFrame + Math.round(shift * sampleRate), clock.originCycle);
  return clock;
}
