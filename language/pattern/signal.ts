//! Continuous signals (saw, sine, tri, square, time, ...): valued at the start of each query span, as Strudel samples them.
import { Hap } from "./hap.js";
import { spendHaps } from "./limit.js";
import { Pattern, fastcat, signal } from "./pattern.js";
import { Rational } from "./rational.js";

export { signal };

/** A constant continuous value (no whole). */
export function steady<T>(value: T): Pattern<T> {
  return new Pattern<T>((span) => {
    spendHaps(1);
    return [new Hap(undefined, span, value)];
  });
}

/** Map unipolar 0..1 to bipolar -1..1. */
export function toBipolar(pat: Pattern<number>): Pattern<number> {
  return pat.fmap((x) => x * 2 - 1);
}
/** Map bipolar -1..1 to unipolar 0..1. */
export function fromBipolar(pat: Pattern<number>): Pattern<number> {
  return pat.fmap((x) => (x + 1) / 2);
}

/** Rises from 0 to 1 over each cycle (the value is the cycle position, as a float). */
export const saw: Pattern<number> = signal((t) => t.toNumber() % 1);
export const saw2 = toBipolar(saw);
/** Falls from 1 to 0 over each cycle. */
export const isaw: Pattern<number> = signal((t) => 1 - (t.toNumber() % 1));
export const isaw2 = toBipolar(isaw);
export const sine2: Pattern<number> = signal((t) => Math.sin(Math.PI * 2 * t.toNumber()));
/** 0..1 sine, one period per cycle, starting at 0.5 rising. */
export const sine = fromBipolar(sine2);
/** Sine shifted a quarter cycle earlier. */
export const cosine = sine.early(Rational.of(1, 4));
export const cosine2 = sine2.early(Rational.of(1, 4));
/** 0 in the first half of each cycle, 1 in the second. */
export const square: Pattern<number> = signal((t) => Math.floor((t.toNumber() * 2) % 2));
export const square2 = toBipolar(square);
/** Up then down: saw in the first half cycle, isaw in the second. */
export const tri = fastcat(saw, isaw);
export const tri2 = fastcat(saw2, isaw2);
/** Down then up. */
export const itri = fastcat(isaw, saw);
export const itri2 = fastcat(isaw2, saw2);
/** The cycle time itself, exact. */
export const time: Pattern<Rational> = signal((t) => t);

/** The signals the language knows by name. */
export const SIGNALS: Readonly<Record<string, Pattern<unknown>>> = {
  saw,
  saw2,
  isaw,
  isaw2,
  sine,
  sine2,
  cosine,
  cosine2,
  square,
  square2,
  tri,
  tri2,
  itri,
  itri2,
  time,
};
