//! The clock: maps exact cycle positions to frames and back, from an origin (frame, cycle) and a tempo, and rebases when the tempo changes so the cycle position never jumps.
import { Rational } from "../pattern/rational.js";

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
    return this.originFrame + Math.round((d.n * this.sampleRate * this.cpsQ.d) / (d.d * this.cpsQ.n));
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
}
