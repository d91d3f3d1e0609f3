// The peer patches of ../shared/benchmarks.md §1 (P1 sine bank, P2n subtractive voices, P3 events): their parameters, .ph sources and correctness gates.
//
// The parameters (frequencies, amplitudes, LFO rates, event times) are computed here once; the
// .ph generators below and the SuperCollider score writer (score.mjs) both read them, so the two
// engines render the same numbers.
//
// `level` scales every voice's amplitude (no extra node): our master limiter acts above −1 dBFS
// and these patches peak higher (a naive saw through a Q 4 lowpass, P3's coincident partials),
// so the peer bench renders them at a lower level and divides the measured RMS by it.

/** P1: N sines, f_i = 100·2^(6i/N) Hz, amplitude 1/N. */
export function sineBankVoices(n) {
  return Array.from({ length: n }, (_, i) => ({ freq: 100 * 2 ** ((6 * i) / n), amp: 1 / n }));
}

/** P2n: N naive saws, f_i = 55·2^(3i/N) Hz, amplitude 1/N, each with a cutoff LFO at 0.1 + 0.4i/N Hz. */
export function subtractiveVoices(n) {
  return Array.from({ length: n }, (_, i) => ({ freq: 55 * 2 ** ((3 * i) / n), amp: 1 / n, lfo: 0.1 + (0.4 * i) / n }));
}

/** P2n's filter: cutoff = CENTRE + DEPTH·sin(2π·lfo·t) Hz, resonance Q (SC: rq = 1/Q). */
export const FILTER = { centre: 1200, depth: 800, q: 4 };

/** P3: event k at k/R s is a sine at 55·((7k mod 16)+1) Hz; the note cycle repeats every 16 events. */
export const EVENTS = { amp: 0.25, from: 1, to: 1e-4, decay: 0.5, delay: 0.375, feedback: 0.5, wet: 0.5, period: 16 };

/** The frequency of P3's event k. */
export function eventFreq(k) {
  return 55 * (((7 * k) % EVENTS.period) + 1);
}

/** P3's events over `seconds`: start time and frequency of each. */
export function eventList(rate, seconds) {
  return Array.from({ length: Math.round(rate * seconds) }, (_, k) => ({ time: k / rate, freq: eventFreq(k) }));
}

const num = (x) => String(+x.toFixed(6));

/** P1 as .ph: one sum of N sines. */
export function sineBank(n, level = 1) {
  const terms = sineBankVoices(n).map((v) => `sine ${v.freq.toFixed(6)} * ${v.amp * level}`);
  return `-- P1 sine bank, N = ${n}\nout: ${terms.join(" + ")}\n`;
}

/** P2n as .ph: N naive saws, each through its own lowpass swept by its own sine LFO. */
export function subtractive(n, level = 1) {
  const { centre, depth, q } = FILTER;
  const terms = subtractiveVoices(n).map((v) => `(saw_naive ${num(v.freq)} # lpf (sine ${num(v.lfo)} * ${depth} + ${centre}) ${q}) * ${v.amp * level}`);
  return `-- P2n subtractive voices, N = ${n}\nout: ${terms.join(" + ")}\n`;
}

/**
 * P3 as .ph: a synth bus of one decaying sine, triggered 16 times a cycle at R/16 cycles a second
 * (so event k lands at k/R s), each event transposed to its note, then dry + 0.5·(feedback delay).
 *
 * `pool` is how many voices one synth bus may sound at once (the engine's voice pool; the
 * language cannot set it). When R/2 voices would not fit, the events are dealt round-robin over
 * several identical buses, which sums to the same sound.
 */
export function events(rate, pool, level = 1) {
  const { amp, from, to, decay, delay, feedback, wet, period } = EVENTS;
  const buses = eventBuses(rate, pool);
  const names = Array.from({ length: buses }, (_, b) => `hit${b}`);
  // Semitones above 55 Hz: the voice's sine is tuned to 55 Hz and each event's note scales it by 2^(note/12).
  const notes = Array.from({ length: period }, (_, k) => num(12 * Math.log2(eventFreq(k) / 55)));
  const steps = Array.from({ length: period }, (_, k) => `~${names[k % buses]}`);
  const lines = [
    `-- P3 events, R = ${rate} a second: event k at k/R s, a ${decay} s exponentially decaying sine; dry + ${wet}·(feedback delay)`,
    `cps: ${num(rate / period)}`,
    ...names.map((b) => `~${b}: sine 55 # xline ${from} ${to} ${decay}`),
    `~hits: s "${steps.join(" ")}" # note "${notes.join(" ")}" # gain ${amp * level} # ar 0 0 # dur ${decay}`,
    `out: ~hits + (~hits # delay ${delay} ${feedback} 1) * ${wet}`,
  ];
  return lines.join("\n") + "\n";
}

/** How many synth buses P3 needs so that no bus sounds more than `pool` voices (a divisor of the 16-event period). */
export function eventBuses(rate, pool) {
  // A voice lasts `decay` s plus a frame: keep a quarter of the pool spare.
  const concurrent = Math.ceil(rate * EVENTS.decay);
  for (let b = 1; b < EVENTS.period; b *= 2) if (concurrent / b <= pool * 0.75) return b;
  return EVENTS.period;
}

/** Exact P1 RMS: N equal sines of amplitude 1/N at distinct frequencies. */
export function sineBankRms(n) {
  return Math.sqrt(n / 2) / n;
}
