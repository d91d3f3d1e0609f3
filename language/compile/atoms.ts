//! What pattern atoms mean to the compiler: numbers, note names as MIDI or Hz, chord atoms, sample names and event controls.
import { Hap } from "../pattern/hap.js";
import type { Pattern } from "../pattern/pattern.js";
import { chordMidi, midiToHz, noteMidi } from "./pitch.js";
import type { Controls } from "./meaning.js";

/** A raw pattern value as a number for arithmetic: numbers, numeric words, note names as MIDI. */
export function midiNumber(x: unknown): number | undefined {
  if (typeof x === "number") return x;
  if (typeof x === "boolean") return x ? 1 : 0;
  if (typeof x === "string") {
    if (x === "t" || x === "true") return 1;
    if (x === "f" || x === "false") return 0;
    const n = Number(x);
    if (x.trim() !== "" && Number.isFinite(n)) return n;
    return noteMidi(x);
  }
  if (Array.isArray(x)) return midiNumber(x[0]);
  if (x && typeof x === "object" && "toNumber" in x) return (x as { toNumber(): number }).toNumber();
  return undefined;
}

/** A raw pattern value as a signal value: numbers as they are, note names as Hz. */
export function signalNumber(x: unknown): number | undefined {
  if (typeof x === "string" && !/^-?[\d.]/.test(x)) {
    const m = noteMidi(x);
    if (m !== undefined) return midiToHz(m);
  }
  return midiNumber(x);
}

/** A numeric pattern as a param lane's values: note names as Hz, a chord atom as its first note (atoms checked beforehand). */
export function laneNumbers(p: Pattern<unknown>): Pattern<number> {
  return p.fmap((x) => {
    if (typeof x === "string" && x.includes("'")) {
      const notes = chordMidi(x);
      if (notes) return midiToHz(notes[0]!);
    }
    return signalNumber(x) ?? 0;
  });
}

/** Replace each chord atom (`c4'maj`) by one event per chord note, valued by f(midi). */
export function expandChords<T>(p: Pattern<unknown>, f: (midi: number) => T, other: (x: unknown) => T): Pattern<T> {
  return p.withHaps((haps) =>
    haps.flatMap((h) => {
      if (typeof h.value === "string" && h.value.includes("'")) {
        const notes = chordMidi(h.value);
        if (notes) return notes.map((n) => new Hap(h.whole, h.part, f(n)));
      }
      return [new Hap(h.whole, h.part, other(h.value))];
    }),
  ) as Pattern<T>;
}

/**
 * The non-number atoms a pattern plays in its first cycles (for a diagnostic). Cycle by cycle, up
 * to 4, stopping once 250,000 events were seen: a pattern of 100,000 events a cycle (`bd!99999`)
 * is probed for 3 cycles, not 4; anything up to 62,500 a cycle is probed as before.
 */
export function badAtoms(p: Pattern<unknown>, ok: (x: unknown) => boolean): string[] {
  const bad = new Set<string>();
  let seen = 0;
  for (let c = 0; c < 4 && seen < 250_000; c++) {
    const haps = p.queryArc(c, c + 1);
    seen += haps.length;
    for (const h of haps) if (!ok(h.value)) bad.add(typeof h.value === "string" ? h.value : JSON.stringify(h.value));
  }
  return [...bad];
}

export function isSynthName(s: unknown): boolean {
  return typeof s === "string" && s.startsWith("~");
}

/** A sound pattern value as controls: `bd` → {s: bd}, `bd:3` → {s: bd, n: 3}, `~synth` → {s: ~synth}. */
export function toSoundControls(x: unknown): Controls {
  if (Array.isArray(x)) return { s: String(x[0]), ...(typeof x[1] === "number" ? { n: x[1] } : {}) };
  if (x && typeof x === "object") return x as Controls;
  const s = String(x);
  const i = s.lastIndexOf(":");
  if (i > 0 && /^\d+$/.test(s.slice(i + 1))) return { s: s.slice(0, i), n: Number(s.slice(i + 1)) };
  return { s };
}

/** Events whose `chord` control holds several notes become one event per note, each with `chordGain` 1/√N (times `gain`). */
export function expandChordControls(p: Pattern<Controls>): Pattern<Controls> {
  return p.withHaps((haps) =>
    haps.flatMap((h) => {
      const chord = h.value.chord as number[] | undefined;
      if (!chord) return [h];
      const { chord: _c, ...rest } = h.value;
      return chord.map((m) => new Hap(h.whole, h.part, { ...rest, midi: m, chordGain: 1 / Math.sqrt(chord.length) }));
    }),
    // Each hap becomes haps with its own spans and values derived from its value alone: the
    // period is kept.
  ).periodic(p.period);
}
