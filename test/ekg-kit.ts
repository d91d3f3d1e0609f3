//! The synthetic drum kit ekg rendered the bench files with (ekg-renders/mkkit.py), ported to TypeScript: the same WAVs, byte for byte, without Python.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NumpyRng } from "./numpy-random.js";
import { encodeWav16 } from "./wav.js";

/*
 * mkkit.py, line by line. Each numpy expression is evaluated here in numpy's order (Python's
 * operators left to right, scalars folded first: `2*np.pi*190*tt` is ((2π)·190)·tt), `np.cumsum`
 * as a running sum, `np.diff` as a[j+1] − a[j], Python's `sum(...)` from 0; its draws come from
 * one `np.random.default_rng(1)` in the script's order (NumpyRng). Math.exp and Math.sin differ
 * from numpy's in the last places: against numpy 2.4.6 (x86-64, AVX-512) 70,207 of the 379,701
 * scaled values (y·32767 before truncation) differ, by at most 8e-10, while the nearest of
 * numpy's to an integer (where truncation would move) is 4.8e-7 away; so no 16-bit sample moves,
 * which test "our kit is mkkit.py's, byte for byte" checks file by file.
 */

const SR = 44100;
/** The kit's sounds (mkkit.py: bd sn hh oh cp lt mt ht), each with variants 0, 1, 2. */
export const KIT_SOUNDS = ["bd", "sn", "hh", "oh", "cp", "lt", "mt", "ht"] as const;
export const KIT_VARIANTS = 3;
/** Python's `2*np.pi`, the first product in every phase. */
const TWO_PI = 2 * Math.PI;

/** `t(d)`: `np.arange(int(sr*d))/sr`. */
function times(d: number): Float64Array {
  return Float64Array.from({ length: Math.trunc(SR * d) }, (_, j) => j / SR);
}

/** `w`'s scaling: y / (max|y| + 1e-9) · 0.9, then `(y * 32767).astype(np.int16)` (truncates toward zero). */
function toInt16(y: Float64Array): Int16Array {
  let peak = 0;
  for (const v of y) peak = Math.max(peak, Math.abs(v));
  const d = peak + 1e-9;
  return Int16Array.from(y, (v) => Math.trunc((v / d) * 0.9 * 32767));
}

/** Every file of the kit, in mkkit.py's order: `<name>/<i>.wav` and its samples. */
export function ekgKit(): { path: string; samples: Int16Array }[] {
  const rng = new NumpyRng(1);
  const out: { path: string; samples: Int16Array }[] = [];
  const w = (name: string, i: number, y: Float64Array) => out.push({ path: `${name}/${i}.wav`, samples: toInt16(y) });
  for (let i = 0; i < KIT_VARIANTS; i++) {
    {
      // bd: a sine swept from 150+10i Hz down to 50+10i, its phase the running sum of the frequency.
      const tt = times(0.45);
      const f = tt.map((t) => 50 + 10 * i + 100 * Math.exp(-t * 30));
      let sum = 0;
      const phase = f.map((v) => (sum += v));
      w("bd", i, phase.map((c, j) => Math.sin((TWO_PI * c) / SR) * Math.exp(-tt[j]! * 7)));
    }
    {
      const tt = times(0.3);
      const noise = rng.standardNormals(tt.length);
      w("sn", i, tt.map((t, j) => (0.5 * Math.sin(TWO_PI * 190 * t) + noise[j]!) * Math.exp(-t * 14)));
    }
    {
      const tt = times(0.12);
      const noise = rng.standardNormals(tt.length + 1);
      w("hh", i, tt.map((t, j) => (noise[j + 1]! - noise[j]!) * Math.exp(-t * 40)));
    }
    {
      const tt = times(0.5);
      const noise = rng.standardNormals(tt.length + 1);
      w("oh", i, tt.map((t, j) => (noise[j + 1]! - noise[j]!) * Math.exp(-t * 7)));
    }
    {
      // cp: three bursts 10 ms apart, `sum(...)` over k = 0, 1, 2 starting from 0.
      const tt = times(0.3);
      const e = tt.map((t) => {
        let s = 0;
        for (let k = 0; k < 3; k++) s += Math.exp(-Math.max(t - k * 0.01, 0) * 60) * (t >= k * 0.01 ? 1 : 0);
        return s;
      });
      const noise = rng.standardNormals(tt.length);
      w("cp", i, tt.map((t, j) => noise[j]! * e[j]! * Math.exp(-t * 8)));
    }
    for (const [name, f0] of [["lt", 90], ["mt", 130], ["ht", 180]] as const) {
      const tt = times(0.4);
      w(name, i, tt.map((t) => Math.sin(TWO_PI * f0 * (1 + 0.5 * Math.exp(-t * 20)) * t) * Math.exp(-t * 8)));
    }
  }
  return out;
}

/** Write the kit as mkkit.py does: `dir/<name>/<i>.wav`, 44.1 kHz 16-bit mono. Returns `dir`. */
export function writeEkgKit(dir: string): string {
  for (const { path, samples } of ekgKit()) {
    const file = join(dir, path);
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, encodeWav16(SR, samples));
  }
  return dir;
}
