//! The playhead: how far a program's events have been scheduled, and the one loop that schedules its next window of frames (`live` asks for windows as it plays, `render` for one cycle's frames at a time).
import type { EventBatch } from "./events.js";
import type { Scheduler } from "./scheduler.js";

export class Playhead {
  /** The program's first cycle: nothing before it is scheduled. */
  first = 0;
  /** Its last cycle: nothing after it is scheduled (where a render ends). */
  last = Infinity;
  /** The events at frames before this one have been scheduled. */
  scheduledTo = 0;

  constructor(readonly scheduler: Scheduler) {}

  /** Play from frame `at`, whose cycle is the first: nothing before either is scheduled. */
  startAt(at: number): void {
    this.first = this.scheduler.cycleAt(at);
    this.scheduledTo = at;
  }

  /**
   * Add the events at frames [scheduledTo, upTo) to `batch`, in frame order, and move on to the
   * window's end. When they are more than `maxEvents`, the window is shortened (to whole blocks
   * of `block` frames, one block at the least), and when even that is too many, nothing is added
   * unless `force`. Returns the number of events added.
   */
  fill(upTo: number, batch: EventBatch, maxEvents = Infinity, force = false, block = 1): number {
    const from = this.scheduledTo;
    if (!(upTo > from)) return 0;
    let to = upTo;
    if (maxEvents < Infinity) {
      let n = this.scheduler.countFrames(from, to, this.first, this.last);
      // Too many for the engine's queue: a shorter window (whole blocks), or none until it drains.
      while (n > maxEvents && to - from > block) {
        to = from + Math.max(block, Math.floor((to - from) / 2 / block) * block);
        n = this.scheduler.countFrames(from, to, this.first, this.last);
      }
      if (n > maxEvents && !force) return 0;
    }
    const added = this.scheduler.scheduleFrames(from, to, batch, this.first, this.last);
    this.scheduledTo = to;
    return added;
  }

  /** Query now every cycle that frames up to `to` reach (they are cached for the windows that follow). */
  prefetch(to: number): void {
    for (const c of this.scheduler.cyclesIn(this.scheduledTo, to, this.first, this.last)) this.scheduler.plan(c);
  }
}
