//! Event batches: the flat Float64Array records the scheduler sends to the engine (layout shared with engine-rs/core/src/events.rs).

/** Record kinds. */
export const TRIGGER = 0;
export const SET = 1;
/** A gate lane's event: fields VALUE (code 0) and LENGTH (code 1, in frames); the port holds the value for that long, then 0. */
export const GATE = 2;

/**
 * Field codes of a TRIGGER record. Only the fields an event sets are sent; the engine's defaults
 * apply to the rest. Times are in seconds.
 * - sample: sample id (sampler lanes);
 * - gain: linear; pan: 0 left … 1 right; speed: playback rate, the note's pitch ratio folded in (samples);
 * - freq: the voice's pitch in Hz (a note name or chord note; synth voices): the template's pitch ports play it;
 * - ratio: a pitch ratio (a numeric note, 2^(semitones/12); synth voices): pitch ports play base × ratio;
 * - attack, decay, sustain (level), release: the voice envelope;
 * - dur: how long the voice is held before its release (the event's length × legato, or `dur`);
 * - begin, end: the sample slice (0…1); cut: cut group; loop: 1 to loop; unit: 0 rate, 1 cycles;
 * - cps: the tempo, sent with unit 1 (a speed in cycles becomes a rate from it and the sample's length).
 */
export const FIELD = {
  sample: 0,
  gain: 1,
  pan: 2,
  speed: 3,
  freq: 4,
  ratio: 5,
  attack: 6,
  decay: 7,
  sustain: 8,
  release: 9,
  dur: 10,
  begin: 11,
  end: 12,
  cut: 13,
  loop: 14,
  unit: 15,
  cps: 16,
} as const;

/** Field codes of a GATE record. */
export const GATE_FIELD = { value: 0, length: 1 } as const;

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

  /** A gate lane's event: `value` from `frame` for `length` frames, then 0. */
  gate(frame: number, lane: number, value: number, length: number): void {
    this.reserve(8);
    const b = this.buf;
    const i = this.len;
    b[i] = frame;
    b[i + 1] = GATE;
    b[i + 2] = lane;
    b[i + 3] = 2;
    b[i + 4] = GATE_FIELD.value;
    b[i + 5] = value;
    b[i + 6] = GATE_FIELD.length;
    b[i + 7] = length;
    this.len = i + 8;
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
