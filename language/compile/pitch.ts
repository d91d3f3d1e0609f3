//! Pitch as Phonon reads it: note names (octave 4 when omitted, solfège too) to MIDI and Hz, chord atoms like c4'maj, and scales.

const CHROMA: Record<string, number> = { c: 0, d: 2, e: 4, f: 5, g: 7, a: 9, b: 11 };
const SOLFEGE: Record<string, number> = { do: 0, re: 2, mi: 4, fa: 5, sol: 7, so: 7, la: 9, si: 11, ti: 11 };

const NOTE = /^([a-gA-G]|do|re|mi|fa|sol|so|la|si|ti)((?:#|s|b|f)*)(-?\d+)?$/;

/** MIDI number of a note name (`c4` = 60, `a4` = 69, `e#3`, `eb3`, `cs2`, `do4`); undefined when it is not one. */
export function noteMidi(name: string): number | undefined {
  const m = NOTE.exec(name);
  if (!m) return undefined;
  const [, pc, acc, oct] = m as unknown as [string, string, string, string | undefined];
  const base = CHROMA[pc.toLowerCase()] ?? SOLFEGE[pc];
  if (base === undefined) return undefined;
  let offset = 0;
  for (const ch of acc) offset += ch === "#" || ch === "s" ? 1 : -1;
  const octave = oct === undefined ? 4 : Number(oct);
  return (octave + 1) * 12 + base + offset;
}

export function midiToHz(midi: number): number {
  return 440 * 2 ** ((midi - 69) / 12);
}

/** Tidal's chord table (Sound.Tidal.Chords), with the usual aliases. */
const CHORDS: Record<string, number[]> = {};
const chord = (names: string[], notes: number[]): void => {
  for (const n of names) CHORDS[n] = notes;
};
chord(["major", "maj", "M"], [0, 4, 7]);
chord(["aug", "plus", "sharp5"], [0, 4, 8]);
chord(["six", "6"], [0, 4, 7, 9]);
chord(["sixNine", "six9", "sixby9", "6by9"], [0, 4, 7, 9, 14]);
chord(["major7", "maj7"], [0, 4, 7, 11]);
chord(["major9", "maj9"], [0, 4, 7, 11, 14]);
chord(["add9", "major9add", "add2"], [0, 4, 7, 14]);
chord(["major11", "maj11"], [0, 4, 7, 11, 14, 17]);
chord(["add11"], [0, 4, 7, 17]);
chord(["major13", "maj13"], [0, 4, 7, 11, 14, 21]);
chord(["add13"], [0, 4, 7, 21]);
chord(["dom7", "7", "seven"], [0, 4, 7, 10]);
chord(["dom9"], [0, 4, 7, 14]);
chord(["dom11"], [0, 4, 7, 17]);
chord(["dom13"], [0, 4, 7, 21]);
chord(["sevenFlat5", "7f5"], [0, 4, 6, 10]);
chord(["sevenSharp5", "7s5"], [0, 4, 8, 10]);
chord(["sevenFlat9", "7f9"], [0, 4, 7, 10, 13]);
chord(["nine", "9"], [0, 4, 7, 10, 14]);
chord(["eleven", "11"], [0, 4, 7, 10, 14, 17]);
chord(["thirteen", "13"], [0, 4, 7, 10, 14, 17, 21]);
chord(["minor", "min", "m"], [0, 3, 7]);
chord(["diminished", "dim"], [0, 3, 6]);
chord(["minorSharp5", "msharp5", "mS5"], [0, 3, 8]);
chord(["minor6", "min6", "m6"], [0, 3, 7, 9]);
chord(["minorSixNine", "minor69", "min69", "minSixNine", "m69", "mSixNine", "m6by9"], [0, 3, 9, 7, 14]);
chord(["minor7flat5", "min7flat5", "m7flat5", "m7f5", "halfdim"], [0, 3, 6, 10]);
chord(["minorMajor7", "minMaj7", "mmaj7"], [0, 3, 7, 11]);
chord(["diminished7", "dim7"], [0, 3, 6, 9]);
chord(["minor7", "min7", "m7"], [0, 3, 7, 10]);
chord(["minor9", "min9", "m9"], [0, 3, 7, 10, 14]);
chord(["minor11", "min11", "m11"], [0, 3, 7, 10, 14, 17]);
chord(["minor13", "min13", "m13"], [0, 3, 7, 10, 14, 17, 21]);
chord(["minorMajor9", "minMaj9", "mmaj9"], [0, 3, 7, 11, 14]);
chord(["one", "1"], [0]);
chord(["five", "5"], [0, 7]);
chord(["sus2"], [0, 2, 7]);
chord(["sus4"], [0, 5, 7]);
chord(["sevenSus2", "7sus2"], [0, 2, 7, 10]);
chord(["sevenSus4", "7sus4"], [0, 5, 7, 10]);
chord(["nineSus4", "ninesus4", "9sus4"], [0, 5, 7, 10, 14]);
chord(["sevenFlat10", "7f10"], [0, 4, 7, 10, 15]);
chord(["nineSharp5", "9sharp5", "9s5"], [0, 1, 13]);
chord(["minor9sharp5", "minor9s5", "min9sharp5", "min9s5", "m9sharp5", "m9s5"], [0, 1, 14]);
chord(["sevenSharp5flat9", "7s5f9"], [0, 4, 8, 10, 13]);
chord(["minor7sharp5", "min7sharp5", "min7s5", "m7sharp5", "m7s5"], [0, 3, 8, 10]);
chord(["elevenSharp", "11s"], [0, 4, 7, 10, 14, 18]);
chord(["minor11sharp", "m11sharp", "m11s"], [0, 3, 7, 10, 14, 18]);

export function chordNames(): string[] {
  return Object.keys(CHORDS);
}

/**
 * The intervals of a chord name. A name followed by a count (`maj3`, Tidal's `maj'3`) takes that
 * many notes, climbing octaves when the chord has fewer.
 */
export function chordIntervals(name: string): number[] | undefined {
  const direct = CHORDS[name];
  if (direct) return direct;
  const m = /^(.*?)(\d+)$/.exec(name);
  if (m && CHORDS[m[1]!]) {
    const base: number[] = CHORDS[m[1]!]!;
    const count = Number(m[2]);
    return Array.from({ length: count }, (_, i) => base[i % base.length]! + 12 * Math.floor(i / base.length));
  }
  return undefined;
}

/** A chord atom `root'quality` (`c4'maj`, `e3'min7`, `c'maj`): its MIDI notes; undefined when it is not one. */
export function chordMidi(atom: string): number[] | undefined {
  const i = atom.indexOf("'");
  if (i <= 0) return undefined;
  const root = noteMidi(atom.slice(0, i));
  const parts = atom.slice(i + 1).split("'");
  let intervals = chordIntervals(parts[0]!);
  if (root === undefined || !intervals) return undefined;
  // Tidal's modifiers after a second quote: a number of notes (`c'maj'5`), `i` inversion, `o` open, `d` drop.
  for (const mod of parts.slice(1)) {
    if (/^\d+$/.test(mod)) {
      const base: number[] = intervals;
      intervals = Array.from({ length: Number(mod) }, (_, k): number => base[k % base.length]! + 12 * Math.floor(k / base.length));
    } else if (mod === "i") intervals = [...intervals.slice(1), intervals[0]! + 12];
    else if (mod === "o" && intervals.length > 2) intervals = [intervals[0]! - 12, intervals[2]! - 12, ...intervals.filter((_, k) => k !== 0 && k !== 2)];
    else if (/^d\d*$/.test(mod)) {
      const n = Number(mod.slice(1) || "1");
      const k: number = intervals.length - n;
      if (k >= 0) intervals = [intervals[k]! - 12, ...intervals.filter((_, j) => j !== k)];
    } else return undefined;
  }
  return intervals.map((x) => root + x);
}

const SCALES: Record<string, number[]> = {};
const scale = (names: string[], steps: number[]): void => {
  for (const n of names) SCALES[n] = steps;
};
scale(["major", "ionian"], [0, 2, 4, 5, 7, 9, 11]);
scale(["minor", "aeolian"], [0, 2, 3, 5, 7, 8, 10]);
scale(["harmonic", "harmonic_minor", "harmonicMinor"], [0, 2, 3, 5, 7, 8, 11]);
scale(["melodic", "melodic_minor", "melodicMinor"], [0, 2, 3, 5, 7, 9, 11]);
scale(["pentatonic", "pent", "major_pentatonic", "majPent"], [0, 2, 4, 7, 9]);
scale(["minor_pentatonic", "minPent", "minor_pent"], [0, 3, 5, 7, 10]);
scale(["blues"], [0, 3, 5, 6, 7, 10]);
scale(["dorian"], [0, 2, 3, 5, 7, 9, 10]);
scale(["phrygian"], [0, 1, 3, 5, 7, 8, 10]);
scale(["lydian"], [0, 2, 4, 6, 7, 9, 11]);
scale(["mixolydian"], [0, 2, 4, 5, 7, 9, 10]);
scale(["locrian"], [0, 1, 3, 5, 6, 8, 10]);
scale(["wholetone", "whole", "whole_tone"], [0, 2, 4, 6, 8, 10]);
scale(["chromatic"], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);

export function scaleNames(): string[] {
  return Object.keys(SCALES);
}

/** Semitones of a scale degree (wrapping octaves: degree 7 of a 7-note scale is 12); undefined for an unknown scale. */
export function scaleDegree(name: string, degree: number): number | undefined {
  const steps = SCALES[name];
  if (!steps) return undefined;
  const d = Math.round(degree);
  const k = steps.length;
  const octave = Math.floor(d / k);
  return steps[((d % k) + k) % k]! + 12 * octave + (degree - d);
}
