// The RMS that P3 should have, computed from its definition in double precision, for a given rule placing each event on a frame.
//
// At R = 256 about eight voices of each frequency overlap, so the output is a coherent sum whose
// level depends on the exact onset frames: an engine that starts events sample-accurately and one
// that starts them on control-block boundaries render different, equally correct, levels. This
// model computes each: every event a sine from phase 0 at its onset frame, amplitude decaying
// exponentially from `from` to `to` over `decay` s and then cut, summed; the sum through a
// feedback delay (line = x + fb·wet, wet = the line `delay` s ago, read with linear interpolation
// when the delay is not a whole number of frames); out = x + wet·echoes.
import { EVENTS, eventList } from "./patches.mjs";

/** Onset rules: ours rounds k/R s to the nearest frame; scsynth -N runs an event from the start of the control block holding its time. */
export const ONSETS = {
  nearest: (seconds, sr) => Math.round(seconds * sr),
  block: (block) => (seconds, sr) => Math.floor((seconds * sr) / block) * block,
};

/**
 * RMS of P3 at `rate` events a second over `frames` frames at `sr`, events over `seconds`.
 * `onset(seconds, sr)` gives an event's first frame; `delayFrames(seconds, sr)` the echo delay in
 * frames (fractional: linear interpolation).
 */
export function eventsRms({ rate, seconds, frames, sr, onset, delayFrames }) {
  const { amp, from, to, decay, delay, feedback, wet } = EVENTS;
  const x = new Float64Array(frames);
  const length = Math.round(decay * sr);
  const fall = (to / from) ** (1 / length);
  for (const e of eventList(rate, seconds)) {
    const o = onset(e.time, sr);
    const w = (2 * Math.PI * e.freq) / sr;
    // The phasor z = fall^i·e^(jwi), scaled by amp·from; its imaginary part is the decaying sine.
    const c = fall * Math.cos(w);
    const s = fall * Math.sin(w);
    let re = amp * from;
    let im = 0;
    const end = Math.min(frames, o + length);
    for (let n = o; n < end; n++) {
      x[n] += im;
      const r = re * c - im * s;
      im = re * s + im * c;
      re = r;
    }
  }
  const d = delayFrames(delay, sr);
  const whole = Math.floor(d);
  const frac = d - whole;
  const line = new Float64Array(frames);
  let sum = 0;
  for (let n = 0; n < frames; n++) {
    const a = n - whole >= 0 ? line[n - whole] : 0;
    const b = n - whole - 1 >= 0 ? line[n - whole - 1] : 0;
    const echo = a + frac * (b - a);
    line[n] = x[n] + feedback * echo;
    const y = x[n] + wet * echo;
    sum += y * y;
  }
  return Math.sqrt(sum / frames);
}
