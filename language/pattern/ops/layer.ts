//! Layering transforms: superimpose, layer, off, echo/echoWith/stut, stutter, jux/juxBy, spin, weave, ghost/ghostWith.
import { Pattern, pure, stack, stackOf, type Time, toTime } from "../pattern.js";
import { checkCount } from "../limit.js";
import { Rational } from "../rational.js";
import { isControlMap } from "../value.js";
import { inside, ply } from "./time.js";
import { combine } from "./compose.js";
import { setControl } from "./controls.js";

type Fn<T> = (p: Pattern<T>) => Pattern<T>;

/** The pattern plus f applied to copies of it. */
export function superimpose<T>(pat: Pattern<T>, ...fs: Fn<T>[]): Pattern<T> {
  return stack(pat, ...fs.map((f) => f(pat)));
}
/** Only the copies: stack of f(pat) for each f. */
export function layer<T>(pat: Pattern<T>, ...fs: Fn<T>[]): Pattern<T> {
  return stackOf(fs.map((f) => f(pat)));
}
/** The pattern stacked with f applied to a copy delayed by t. */
export function off<T>(pat: Pattern<T>, t: Time, f: Fn<T>): Pattern<T> {
  return stack(pat, f(pat.late(t)));
}

/**
 * stack of f(pat.late(i·t), i) for i in 0..n-1. As in Strudel, f applies once to every layer,
 * including the undelayed one (Tidal's stutWith leaves layer 0 alone and applies f i times).
 */
export function echoWith<T>(pat: Pattern<T>, n: number, t: Time, f: (p: Pattern<T>, i: number) => Pattern<T>): Pattern<T> {
  const T = toTime(t);
  checkCount(n, "echo count");
  const layers: Pattern<T>[] = [];
  for (let i = 0; i <= n - 1; i++) layers.push(f(pat.late(T.mul(Rational.of(i))), i));
  return stackOf(layers);
}
/** n copies delayed by i·t, with gain set to fb^i. */
export function echo<T>(pat: Pattern<T>, n: number, t: Time, fb: number): Pattern<unknown> {
  return echoWith(pat as Pattern<unknown>, n, t, (p, i) => setControl(p, "gain", Math.pow(fb, i)));
}
/**
 * Tidal/Strudel's stut: n copies with feedback fb, each delayed by t (argument order count,
 * feedback, time as Tidal; Phonon wrote `stut n time decay`).
 */
export function stut<T>(pat: Pattern<T>, n: number, fb: number, t: Time): Pattern<unknown> {
  return echo(pat, n, t, fb);
}
/**
 * Tidal's stutter n t: n copies of each event, t apart (echoWith with no change). Without t
 * (Phonon's one-argument `stutter n`) it repeats each event n times inside its span, like ply.
 */
export function stutter<T>(pat: Pattern<T>, n: number, t?: Time): Pattern<T> {
  if (t === undefined) return ply(pat, n);
  return echoWith(pat, n, t, (p) => p);
}

function withPan(v: unknown, f: (pan: number) => number): unknown {
  const base = isControlMap(v) ? v : { value: v };
  const pan = typeof base["pan"] === "number" ? (base["pan"] as number) : 0.5;
  return { ...base, pan: f(pan) };
}
/** The pattern panned left by w/2 stacked with f(pattern) panned right by w/2. */
export function juxBy<T>(pat: Pattern<T>, w: number, f: Fn<unknown>): Pattern<unknown> {
  const by = w / 2;
  const left = pat.fmap((v) => withPan(v, (p) => p - by));
  const right = f(pat.fmap((v) => withPan(v, (p) => p + by)));
  return stack(left, right);
}
/** juxBy 1: the original hard left, f(original) hard right. */
export function jux<T>(pat: Pattern<T>, f: Fn<unknown>): Pattern<unknown> {
  return juxBy(pat, 1, f);
}

/** n copies, copy i shifted i/n cycles earlier and panned to i/n (Tidal's spin). */
export function spin<T>(pat: Pattern<T>, n: number): Pattern<unknown> {
  const k = Math.trunc(checkCount(n, "spin"));
  const layers: Pattern<unknown>[] = [];
  for (let i = 0; i < k; i++) {
    layers.push(setControl(pat.early(Rational.of(i, k)), "pan", i / k));
  }
  return stackOf(layers);
}

/**
 * Tidal's weaveWith: over t cycles, layer i is f_i applied inside t cycles to pat sped up t
 * times, shifted i/(number of functions) later; the whole is slowed by t.
 */
export function weave<T>(pat: Pattern<T>, t: Time, ...fs: Fn<T>[]): Pattern<T> {
  const T = toTime(t);
  const l = fs.length;
  if (l === 0) return pat;
  return stackOf(fs.map((f, i) => inside(pat.fast(T), T, f).late(Rational.of(i, l)))).slow(T);
}

/**
 * Tidal's ghostWith (Sound.Tidal.UI):
 * `ghostWith a f p = superimpose (((a*2.5) `rotR`) . f) $ superimpose (((a*1.5) `rotR`) . f) $ p`.
 * Taken literally, the outer superimpose also copies the inner ghost, so the result has four
 * layers: p, f p late 1.5a, f p late 2.5a, and f (f p) late 4a.
 */
export function ghostWith<T>(pat: Pattern<T>, a: Time, f: Fn<T>): Pattern<T> {
  const A = toTime(a);
  const inner = superimpose(pat, (p) => f(p).late(A.mul(Rational.of(3, 2))));
  return superimpose(inner, (p) => f(p).late(A.mul(Rational.of(5, 2))));
}

/**
 * Tidal's ghost notes: `ghost = ghost' (1/8)`, `ghost' a = ghostWith a ((|*| gain 0.7) . (|> end 0.2)
 * . (|*| speed 1.25))`. The multiplications union the controls as Tidal's value maps do (a
 * missing gain or speed takes the factor) but keep the pattern's structure (`|*`, Strudel's
 * `.mul`): Tidal's `|*|` takes structure from both sides, which against a pure value cuts an event
 * that crosses a cycle boundary in two, and the outer f does meet the first ghost shifted across
 * the boundary, so the literal form plays a spurious extra ghost onset; `|>` sets end, structure
 * from the left.
 */
export function ghost<T>(pat: Pattern<T>, a: Time = Rational.of(1, 8)): Pattern<unknown> {
  const f = (p: Pattern<unknown>): Pattern<unknown> =>
    combine(setControl(combine(p, "mul", pure({ speed: 1.25 })), "end", 0.2), "mul", pure({ gain: 0.7 }));
  return ghostWith(pat as Pattern<unknown>, a, f);
}
