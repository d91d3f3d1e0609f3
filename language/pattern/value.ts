//! Hap values: what mini-notation atoms hold, note names, chords, and helpers the scheduler uses to read a value.
import { Rational } from "./rational.js";

/**
 * The value of a mini-notation atom: a number when JavaScript's Number() accepts the word
 * ("1", "-.5", "1e3", "0x10"), else the word itself ("bd", "c4", "c4'maj", "~bus"); a `:` list
 * ("bd:3", "bd:3:0.5") is an array of those (["bd", 3], ["bd", 3, 0.5]).
 */
export type MiniValue = number | string | MiniValue[];

/** Control values ({s: "bd", n: 3}) made by s, n, note, gain, pan, speed, ... */
export type ControlMap = { [key: string]: unknown };

/** A plain object (not an array, not a Rational, not a function): the values that combine key-wise. */
export function isControlMap(x: unknown): x is ControlMap {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !(x instanceof Rational);
}

const NOTE_RE = /^([a-gA-G])([#bsf]*)(-?[0-9]*)$/;
const CHROMA: Record<string, number> = { c: 0, d: 2, e: 4, f: 5, g: 7, a: 9, b: 11 };

/** True for note names as Strudel reads them: a-g, accidentals # b s f, an optional octave. */
export function isNote(x: unknown): x is string {
  return typeof x === "string" && NOTE_RE.test(x);
}

/** MIDI number of a note name; the octave defaults to 3 as in Strudel ("a" → 57, "c4" → 60). */
export function noteToMidi(note: string, defaultOctave = 3): number {
  const m = NOTE_RE.exec(note);
  if (!m) throw new Error(`not a note: "${note}"`);
  const [, pc, acc, oct] = m as unknown as [string, string, string, string];
  let offset = 0;
  for (const ch of acc) offset += ch === "#" || ch === "s" ? 1 : -1;
  const octave = oct === "" ? defaultOctave : Number(oct);
  return (octave + 1) * 12 + CHROMA[pc.toLowerCase()]! + offset;
}

/** A number from a number, a numeric string or a note name; throws otherwise (Strudel's parseNumeral). */
export function parseNumeral(x: unknown): number {
  if (typeof x === "number") return x;
  if (x instanceof Rational) return x.toNumber();
  if (typeof x === "boolean") return x ? 1 : 0;
  const n = Number(x);
  if (!Number.isNaN(n)) return n;
  if (isNote(x)) return noteToMidi(x);
  throw new Error(`cannot parse as numeral: "${String(x)}"`);
}

/** JavaScript truthiness, which is what Strudel's struct/mask/when test ("0", ~ and false are off). */
export function truthy(x: unknown): boolean {
  if (x instanceof Rational) return x.n !== 0;
  return Boolean(x);
}

/**
 * Combine two values with op as Strudel's arithmetic does: two objects combine key-wise (keys
 * of both kept, op on shared keys); a plain value meeting an object is treated as {value: v}.
 */
export function composeValues(a: unknown, b: unknown, op: (x: any, y: any) => unknown): unknown {
  const ao = isControlMap(a);
  const bo = isControlMap(b);
  if (!ao && !bo) return op(a, b);
  const A: ControlMap = ao ? a : { value: a };
  const B: ControlMap = bo ? b : { value: b };
  const bKeys = Object.keys(B);
  if (B["value"] !== undefined && bKeys.length === 1) return A; // no arithmetic between a control map and a bare value
  const out: ControlMap = { ...A, ...B };
  for (const k of Object.keys(A)) if (k in B) out[k] = op(A[k], B[k]);
  return out;
}

// ---- helpers for the scheduler ----

/**
 * The sample a value names: "bd" → {bd, 0}, "bd:3" → {bd, 3}, ["bd", 3] → {bd, 3},
 * {s: "bd", n: 3} → {bd, 3}. Rests and numbers give undefined.
 */
export function sampleOf(value: unknown): { name: string; index: number } | undefined {
  if (typeof value === "string") {
    if (value === "~" || value === "-" || value === "") return undefined;
    const i = value.lastIndexOf(":");
    if (i > 0) {
      const idx = Number(value.slice(i + 1));
      if (Number.isInteger(idx)) return { name: value.slice(0, i), index: idx };
    }
    return { name: value, index: 0 };
  }
  if (Array.isArray(value)) {
    const [name, index] = value as unknown[];
    if (typeof name !== "string") return undefined;
    const n = typeof index === "number" && Number.isFinite(index) ? Math.trunc(index) : 0;
    return { name, index: n };
  }
  if (isControlMap(value)) {
    const s = value["s"] ?? value["sound"];
    if (typeof s !== "string") return undefined;
    const n = value["n"];
    const fromS = sampleOf(s);
    if (fromS === undefined) return undefined;
    return { name: fromS.name, index: typeof n === "number" && Number.isFinite(n) ? Math.trunc(n) : fromS.index };
  }
  return undefined;
}

/**
 * A value as a number: numbers and numeric strings as they are, note names as MIDI numbers,
 * Rationals as decimals, the first element of a list; undefined otherwise.
 */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (value instanceof Rational) return value.toNumber();
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string") {
    const n = Number(value);
    if (value.trim() !== "" && !Number.isNaN(n)) return n;
    if (isNote(value)) return noteToMidi(value, 4);
    return undefined;
  }
  if (Array.isArray(value) && value.length > 0) return numberOf(value[0]);
  return undefined;
}

/** Chord qualities for Phonon's chord atoms (`c4'maj`), as semitone offsets from the root. */
export const CHORDS: Readonly<Record<string, readonly number[]>> = {
  major: [0, 4, 7],
  maj: [0, 4, 7],
  M: [0, 4, 7],
  minor: [0, 3, 7],
  min: [0, 3, 7],
  m: [0, 3, 7],
  aug: [0, 4, 8],
  dim: [0, 3, 6],
  sus2: [0, 2, 7],
  sus4: [0, 5, 7],
  five: [0, 7],
  "5": [0, 7],
  six: [0, 4, 7, 9],
  "6": [0, 4, 7, 9],
  m6: [0, 3, 7, 9],
  min6: [0, 3, 7, 9],
  seven: [0, 4, 7, 10],
  dom7: [0, 4, 7, 10],
  "7": [0, 4, 7, 10],
  maj7: [0, 4, 7, 11],
  major7: [0, 4, 7, 11],
  m7: [0, 3, 7, 10],
  min7: [0, 3, 7, 10],
  minor7: [0, 3, 7, 10],
  dim7: [0, 3, 6, 9],
  m7b5: [0, 3, 6, 10],
  aug7: [0, 4, 8, 10],
  nine: [0, 4, 7, 10, 14],
  "9": [0, 4, 7, 10, 14],
  dom9: [0, 4, 7, 10, 14],
  maj9: [0, 4, 7, 11, 14],
  m9: [0, 3, 7, 10, 14],
  min9: [0, 3, 7, 10, 14],
  add9: [0, 4, 7, 14],
  eleven: [0, 4, 7, 10, 14, 17],
  "11": [0, 4, 7, 10, 14, 17],
  m11: [0, 3, 7, 10, 14, 17],
  thirteen: [0, 4, 7, 10, 14, 17, 21],
  "13": [0, 4, 7, 10, 14, 17, 21],
};

/**
 * The MIDI notes of a Phonon chord atom `root'quality` (`c4'maj` → [60, 64, 67]; the octave
 * defaults to 4 as in Phonon); undefined for anything else or an unknown quality.
 */
export function chordOf(value: unknown): number[] | undefined {
  if (typeof value !== "string") return undefined;
  const i = value.indexOf("'");
  if (i <= 0) return undefined;
  const root = value.slice(0, i);
  const quality = value.slice(i + 1);
  const offsets = CHORDS[quality];
  if (!offsets || !isNote(root)) return undefined;
  const base = noteToMidi(root, 4);
  return offsets.map((o) => base + o);
}

/** The value as JSON for the oracle's output: Rationals as numbers, objects with sorted keys. */
export function valueToJson(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === "number") return Number.isFinite(v) ? v : String(v);
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Rational) return v.toNumber();
  if (Array.isArray(v)) return v.map(valueToJson);
  if (typeof v === "function") return "<function>";
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = valueToJson((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}
