//! Signal analysis for tests: RMS, FFT spectrum, dominant frequency, band energy, onset detection.

export function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / x.length);
}

/** In-place iterative radix-2 FFT over (re, im); length must be a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(ang * k);
        const wi = Math.sin(ang * k);
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b]! * wr - im[b]! * wi;
        const ti = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
      }
    }
  }
}

/** Power spectrum of a Hann-windowed signal zero-padded to a power of two ≥ `minSize`. */
export function powerSpectrum(x: Float32Array, sampleRate: number, minSize = 1 << 16): { power: Float64Array; binHz: number } {
  let n = 1;
  while (n < Math.max(x.length, minSize)) n <<= 1;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < x.length; i++) re[i] = x[i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (x.length - 1)));
  fft(re, im);
  const power = new Float64Array(n / 2);
  for (let k = 0; k < n / 2; k++) power[k] = re[k]! * re[k]! + im[k]! * im[k]!;
  return { power, binHz: sampleRate / n };
}

/** The frequency of the strongest spectral peak, refined by parabolic interpolation of log power. */
export function dominantFrequency(x: Float32Array, sampleRate: number): number {
  const { power, binHz } = powerSpectrum(x, sampleRate);
  let k = 1;
  for (let i = 1; i < power.length - 1; i++) if (power[i]! > power[k]!) k = i;
  const a = Math.log(power[k - 1]! + 1e-30);
  const b = Math.log(power[k]! + 1e-30);
  const c = Math.log(power[k + 1]! + 1e-30);
  const delta = (0.5 * (a - c)) / (a - 2 * b + c);
  return (k + delta) * binHz;
}

/** Sum of spectral power between lo and hi Hz. */
export function bandEnergy(x: Float32Array, sampleRate: number, lo: number, hi: number): number {
  const { power, binHz } = powerSpectrum(x, sampleRate);
  let s = 0;
  for (let k = Math.ceil(lo / binHz); k <= Math.min(power.length - 1, Math.floor(hi / binHz)); k++) s += power[k]!;
  return s;
}

/**
 * Onsets: sample indices where |x| first exceeds `threshold` and `ratio` times the largest |x| in
 * the `lookbackMs` that end `gapMs` earlier (the gap skips a sound's own attack ramp, so a new hit
 * over a decaying tail counts), at least `refractoryMs` apart.
 */
export function onsets(
  x: Float32Array,
  sampleRate: number,
  { threshold = 0.05, ratio = 3, lookbackMs = 10, gapMs = 2, refractoryMs = 50 } = {},
): number[] {
  const look = Math.round((lookbackMs / 1000) * sampleRate);
  const gap = Math.round((gapMs / 1000) * sampleRate);
  const refractory = Math.round((refractoryMs / 1000) * sampleRate);
  const found: number[] = [];
  for (let n = 0; n < x.length; n++) {
    const v = Math.abs(x[n]!);
    if (v < threshold) continue;
    if (found.length && n - found[found.length - 1]! < refractory) continue;
    let prev = 0;
    for (let i = Math.max(0, n - gap - look); i < n - gap; i++) prev = Math.max(prev, Math.abs(x[i]!));
    if (v > ratio * prev) found.push(n);
  }
  return found;
}
