//! Event batches: the flat Float64Array records the scheduler sends to the engine (layout shared with engine-rs/core/src/events.rs).

/** Record kinds. */
export const TRIGGER = 0;
export const SET = 1;

/** Field codes of a TRIGGER record. */
export const FIELD = { sample: 0, gain: 1, pan: 2, speed: 3 } as const;

/**
 * A growing batch of records `[frame, kind, lane, nfields, code0, value0, …]`. Frames are absolute
 * (frames since the engine started); records may be in any order.
 */
export class EventBatch {
  private buf = new Float64Array(256);
  private len = 0;
  count = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Float64Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  trigger(frame: number, lane: number, fields: ReadonlyArray<readonly [number, number]>): void {
    this.reserve(4 + 2 * fields.length);
    const b = this.buf;
    let i = this.len;
    b[i++] = frame;
    b[i++] = TRIGGER;
    b[i++] = lane;
    b[i++] = fields.length;
    for (const [code, value] of fields) {
      b[i++] = code;
      b[i++] = value;
    }
    this.len = i;
    this.count++;
  }

  set(frame: number, lane: number, value: number): void {
    this.reserve(6);
    const b = this.buf;
    const i = this.len;
    b[i] = frame;
    b[i + 1] = SET;
    b[i + 2] = lane;
    b[i + 3] = 1;
    b[i + 4] = 0;
    b[i + 5] = value;
    this.len = i + 6;
    this.count++;
  }

  /** The records so far (a view; valid until the next write). */
  view(): Float64Array {
    return this.buf.subarray(0, this.len);
  }

  clear(): void {
    this.len = 0;
    this.count = 0;
  }
}
