//! `phonon live`'s warning about NaN/Inf: the engine's master flushes them to 0 and counts them (stats().render.nonfinite); one warning when they start, not one per block.

/** Quiet this long and a new burst is warned about again. */
export const QUIET_MS = 10_000;

/**
 * Turns the engine's running count of flushed NaN/Inf samples into warnings: one when samples
 * start being flushed, then nothing while it goes on; once it has stopped for QUIET_MS, a new
 * burst gets a new warning (with the total so far).
 */
export class NonfiniteWatch {
  private last = 0;
  private lastRise = -Infinity;
  private active = false;

  /** Called with the count now; returns a warning when one is due. */
  check(count: number, now: number): string | undefined {
    if (count < this.last) this.last = 0; // a new engine
    const rose = count > this.last;
    this.last = count;
    if (!rose) {
      if (this.active && now - this.lastRise >= QUIET_MS) this.active = false;
      return undefined;
    }
    this.lastRise = now;
    if (this.active) return undefined;
    this.active = true;
    return `NaN/Inf samples are being flushed to 0 (${count} so far): a feedback loop or a filter blew up, so the output is silent where they are; lower a feedback gain, or press p (panic) to clear every voice and tail`;
  }
}
