//! A TypeScript port of ../shared/phonon-corpus/ekg-renders/features.py (onsets, RMS envelope, centroid), and the ways two feature sets are compared.
import { fft } from "./analysis.js";

/** The fields features.py prints for one render (and features.json holds per corpus file). */
export interface Features {
  sr: number;
  duration: number;
  peak: number;
  rms: number;
  onsets: number[];
  rms_db: number[];
  centroid_hz: number[];
}

/** features.py: FRAME = 0.05 s, the RMS-envelope and centroid frame. */
const FRAME = 0.05;

/** Python's round(x, digits) for the values features.py rounds (ties are rare in float data). */
function round(x: number, digits: number): number {
  const m = 10 ** digits;
  return Math.round(x * m) / m;
}

/** The median of the zero-padded window of `k` (odd) values centred on each element: scipy.signal.medfilt. */
function medfilt(x: Float64Array, k: number): Float64Array {
  const h = (k - 1) / 2;
  const out = new Float64Array(x.length);
  const win = new Float64Array(k);
  for (let i = 0; i < x.length; i++) {
    for (let j = -h; j <= h; j++) win[j + h] = i + j >= 0 && i + j < x.length ? x[i + j]! : 0;
    win.sort();
    out[i] = win[h]!;
  }
  return out;
}

/**
 * features.py `onsets`: scipy STFT (periodic Hann n, hop, no boundary or padding, spectrum scaling
 * 1/Σw), log1p(100|X|), positive flux summed over bins, normalised to its maximum; a frame is an
 * onset if it is a local maximum above the 15-frame median + 0.06; < 30 ms after the last is dropped;
 * time = (frame + 1)·hop/sr, rounded to ms.
 */
export function ekgOnsets(y: Float64Array, sr: number, n = 1024, hop = 256, comp = 100, med = 15, delta = 0.06, gap = 0.03): number[] {
  const frames = y.length >= n ? Math.floor((y.length - n) / hop) + 1 : 0;
  if (frames < 3) return [];
  const w = new Float64Array(n);
  let wsum = 0;
  for (let i = 0; i < n; i++) wsum += w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  const bins = n / 2 + 1;
  let prev = new Float64Array(bins);
  let cur = new Float64Array(bins);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const flux = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < n; i++) {
      re[i] = y[f * hop + i]! * w[i]!;
      im[i] = 0;
    }
    fft(re, im);
    for (let k = 0; k < bins; k++) cur[k] = Math.log1p((comp * Math.hypot(re[k]!, im[k]!)) / wsum);
    if (f > 0) {
      let s = 0;
      for (let k = 0; k < bins; k++) s += Math.max(0, cur[k]! - prev[k]!);
      flux[f] = s;
    }
    [prev, cur] = [cur, prev];
  }
  let max = 0;
  for (const v of flux) max = Math.max(max, v);
  if (max <= 0) return [];
  for (let i = 0; i < frames; i++) flux[i] = flux[i]! / max;
  const thr = medfilt(flux, med);
  const out: number[] = [];
  let last: number | undefined;
  for (let i = 1; i < frames - 1; i++) {
    const v = flux[i]!;
    if (v > thr[i]! + delta && v >= flux[i - 1]! && v >= flux[i + 1]!) {
      const t = ((i + 1) * hop) / sr;
      if (last === undefined || t - last > gap) {
        out.push(round(t, 3));
        last = t;
      }
    }
  }
  return out;
}

/** features.py `frames`: non-overlapping 50 ms frames, the trailing partial frame dropped. */
function frameCount(y: Float64Array, sr: number): { m: number; L: number } {
  const L = Math.round(sr * FRAME);
  return { m: Math.floor(y.length / L), L };
}

function frameRms(y: Float64Array, start: number, L: number): number {
  let s = 0;
  for (let i = start; i < start + L; i++) s += y[i]! * y[i]!;
  return Math.sqrt(s / L);
}

/** features.py `rms_env_db`: 20·log10(RMS) per 50 ms frame, floor 1e-6 (−120 dBFS), 0.1 dB. */
export function ekgRmsDb(y: Float64Array, sr: number): number[] {
  const { m, L } = frameCount(y, sr);
  return Array.from({ length: m }, (_, f) => round(20 * Math.log10(Math.max(frameRms(y, f * L, L), 1e-6)), 1));
}

/** features.py `centroid`: symmetric Hann per 50 ms frame, 4096-point FFT, magnitude-weighted mean Hz; 0 where RMS ≤ 1e-4. */
export function ekgCentroid(y: Float64Array, sr: number): number[] {
  const { m, L } = frameCount(y, sr);
  const N = 4096;
  const re = new Float64Array(N);
  const im = new Float64Array(N);
  const out: number[] = [];
  for (let f = 0; f < m; f++) {
    re.fill(0);
    im.fill(0);
    for (let i = 0; i < L; i++) re[i] = y[f * L + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (L - 1)));
    fft(re, im);
    let s = 0;
    let c = 0;
    for (let k = 0; k <= N / 2; k++) {
      const mag = Math.hypot(re[k]!, im[k]!);
      s += mag;
      c += mag * ((k * sr) / N);
    }
    out.push(frameRms(y, f * L, L) > 1e-4 ? Math.round(c / Math.max(s, 1e-12)) : 0);
  }
  return out;
}

/** features.py `features` for a mono signal. */
export function ekgFeatures(y: Float64Array, sr: number): Features {
  let peak = 0;
  let ss = 0;
  for (const v of y) {
    peak = Math.max(peak, Math.abs(v));
    ss += v * v;
  }
  return {
    sr,
    duration: round(y.length / sr, 3),
    peak: round(peak, 4),
    rms: round(Math.sqrt(ss / y.length), 5),
    onsets: ekgOnsets(y, sr),
    rms_db: ekgRmsDb(y, sr),
    centroid_hz: ekgCentroid(y, sr),
  };
}

/** Mono as features.py makes it: the mean of the channels. */
export function mixToMono(channels: Float32Array[]): Float64Array {
  const n = channels[0]!.length;
  const y = new Float64Array(n);
  for (const c of channels) for (let i = 0; i < n; i++) y[i] = y[i]! + c[i]! / channels.length;
  return y;
}

/** Onsets matched one-to-one within ±window s (greedy in time order): F1 and the median offset (ours − theirs, s). */
export function matchOnsets(ours: number[], theirs: number[], window = 0.03): { f1: number; medianOffset: number; matched: number } {
  const used = new Uint8Array(theirs.length);
  const offsets: number[] = [];
  for (const t of ours) {
    let best = -1;
    for (let j = 0; j < theirs.length; j++) {
      if (used[j] || Math.abs(theirs[j]! - t) > window + 1e-9) continue;
      if (best < 0 || Math.abs(theirs[j]! - t) < Math.abs(theirs[best]! - t)) best = j;
    }
    if (best >= 0) {
      used[best] = 1;
      offsets.push(t - theirs[best]!);
    }
  }
  const total = ours.length + theirs.length;
  const f1 = total === 0 ? 1 : (2 * offsets.length) / total;
  offsets.sort((a, b) => a - b);
  const medianOffset = offsets.length ? offsets[Math.floor(offsets.length / 2)]! : 0;
  return { f1, medianOffset, matched: offsets.length };
}

/** Pearson correlation of two equal-length series (0 when either is constant). */
export function correlation(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]! / n;
    mb += b[i]! / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** The median of a list (NaN when empty). */
export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
