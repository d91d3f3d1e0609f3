//! Combining two patterns' values (add, mul, set, keepif, ...) with Strudel's structure variants, plus struct, mask, segment and numeric maps.
import { Pattern, pure, reify, type Time, withSteps } from "../pattern.js";
import { composeValues, parseNumeral, truthy } from "../value.js";

/** Where the combined pattern takes its structure from. */
export type How = "in" | "out" | "mix" | "squeeze" | "squeezeout" | "reset" | "restart" | "poly";

type Op = (a: any, b: any) => unknown;

const mod = (n: number, m: number): number => ((n % m) + m) % m;
const numeral =
  (f: (a: number, b: number) => number): Op =>
  (a, b) =>
    f(parseNumeral(a), parseNumeral(b));

/** The binary value operators, by name (Strudel's composers). */
export const OPERATORS: Readonly<Record<string, Op>> = {
  set: (_a, b) => b,
  keep: (a) => a,
  keepif: (a, b) => (truthy(b) ? a : undefined),
  add: numeral((a, b) => a + b),
  sub: numeral((a, b) => a - b),
  mul: numeral((a, b) => a * b),
  div: numeral((a, b) => a / b),
  mod: numeral(mod),
  pow: numeral(Math.pow),
  log2: numeral((a) => Math.log2(a)),
  band: numeral((a, b) => a & b),
  bor: numeral((a, b) => a | b),
  bxor: numeral((a, b) => a ^ b),
  blshift: numeral((a, b) => a << b),
  brshift: numeral((a, b) => a >> b),
  lt: (a, b) => a < b,
  gt: (a, b) => a > b,
  lte: (a, b) => a <= b,
  gte: (a, b) => a >= b,
  eq: (a, b) => a == b,
  eqt: (a, b) => a === b,
  ne: (a, b) => a != b,
  net: (a, b) => a !== b,
  and: (a, b) => a && b,
  or: (a, b) => a || b,
};

/**
 * Combine `pat` with `other` using the named operator and structure variant:
 * `in` (default) keeps pat's structure, `out` other's, `mix` intersects both, `squeeze` fits a
 * cycle of other into each event of pat, `reset`/`restart` retrigger pat at other's onsets.
 */
export function combine<T>(pat: Pattern<T>, name: string, other: unknown, how: How = "in"): Pattern<any> {
  const op = OPERATORS[name];
  if (!op) throw new Error(`unknown operator "${name}"`);
  const o = reify(other) as Pattern<unknown>;
  const keepif = name === "keepif";
  const f = keepif ? op : (a: unknown, b: unknown) => composeValues(a, b, op);
  let result: Pattern<unknown>;
  switch (how) {
    case "in":
      result = pat.fmap((a) => (b: unknown) => f(a, b)).appLeft(o);
      break;
    case "out":
      result = pat.fmap((a) => (b: unknown) => f(a, b)).appRight(o);
      break;
    case "mix":
      result = pat.fmap((a) => (b: unknown) => f(a, b)).appBoth(o);
      break;
    case "squeeze":
      result = pat.fmap((a) => o.fmap((b) => f(a, b))).squeezeJoin();
      break;
    case "squeezeout":
      result = o.fmap((b) => pat.fmap((a) => f(a, b))).squeezeJoin();
      break;
    case "reset":
      result = o.fmap((b) => pat.fmap((a) => f(a, b))).resetJoin();
      break;
    case "restart":
      result = o.fmap((b) => pat.fmap((a) => f(a, b))).restartJoin();
      break;
    case "poly": {
      // Strudel's _opPoly: pat's structure, a cycle of `other` stretched stepwise to pat's step
      // count (extend by pat.steps / other.steps) under each event; note the operands' order,
      // op(other's value, pat's value), as Strudel's.
      const steps = pat.steps;
      if (steps === undefined) throw new Error(`${name}.poly needs a pattern with a step count`);
      result = pat
        .fmap((b) => {
          const inner = o.fmap((a) => f(a, b));
          if (inner.steps === undefined) throw new Error(`${name}.poly needs an argument with a step count`);
          const x = steps.div(inner.steps);
          return withSteps(inner.fast(x), inner.steps.mul(x));
        })
        .outerJoin();
      break;
    }
  }
  return keepif ? result.removeUndefineds() : result;
}

/** Take the structure of a boolean pattern (its truthy events), values from pat. */
export function struct<T>(pat: Pattern<T>, bools: unknown): Pattern<T> {
  return combine(pat, "keepif", bools, "out") as Pattern<T>;
}

/** Keep pat's structure, dropping it where the boolean pattern is falsy or silent. */
export function mask<T>(pat: Pattern<T>, bools: unknown): Pattern<T> {
  return combine(pat, "keepif", bools, "in") as Pattern<T>;
}

/** Reset pat to its cycle start at each onset of the other pattern (Strudel: keepif.reset, so a falsy trigger silences). */
export function reset<T>(pat: Pattern<T>, other: unknown): Pattern<T> {
  return combine(pat, "keepif", other, "reset") as Pattern<T>;
}
/** Restart pat from cycle zero at each onset of the other pattern (Strudel: keepif.restart). */
export function restart<T>(pat: Pattern<T>, other: unknown): Pattern<T> {
  return combine(pat, "keepif", other, "restart") as Pattern<T>;
}

/** Sample the pattern n times per cycle (discrete events; signals are sampled at each start). */
export function segment<T>(pat: Pattern<T>, n: Time): Pattern<T> {
  return struct(pat, pure(true).fast(n)).setSteps(n);
}

/** Scale 0..1 to min..max. */
export function range(pat: Pattern<unknown>, min: number, max: number): Pattern<unknown> {
  return combine(combine(pat, "mul", max - min), "add", min);
}
/** Scale 0..1 to min..max exponentially. */
export function rangex(pat: Pattern<unknown>, min: number, max: number): Pattern<unknown> {
  return range(pat, Math.log(min), Math.log(max)).fmap((v) => Math.exp(v as number));
}
/** Scale -1..1 to min..max. */
export function range2(pat: Pattern<unknown>, min: number, max: number): Pattern<unknown> {
  return range(
    pat.fmap((x) => ((x as number) + 1) / 2),
    min,
    max,
  );
}

export function asNumber(pat: Pattern<unknown>): Pattern<number> {
  return pat.fmap(parseNumeral);
}
export function round(pat: Pattern<unknown>): Pattern<number> {
  return asNumber(pat).fmap(Math.round);
}
export function floor(pat: Pattern<unknown>): Pattern<number> {
  return asNumber(pat).fmap(Math.floor);
}
export function ceil(pat: Pattern<unknown>): Pattern<number> {
  return asNumber(pat).fmap(Math.ceil);
}
/** Swap true and false (truthiness) in a boolean pattern. */
export function invert(pat: Pattern<unknown>): Pattern<boolean> {
  return pat.fmap((x) => !truthy(x));
}

/** Snap numbers to the nearest value of a list (Tidal's quantise-to-list; with a number n, round to 1/n steps). */
export function quantize(pat: Pattern<unknown>, to: number | number[]): Pattern<number> {
  if (typeof to === "number") {
    const n = to === 0 ? 1 : to;
    return asNumber(pat).fmap((v) => Math.round(v * n) / n);
  }
  const list = [...to].sort((a, b) => a - b);
  return asNumber(pat).fmap((v) => {
    let best = list[0] ?? v;
    for (const x of list) if (Math.abs(x - v) < Math.abs(best - v)) best = x;
    return best;
  });
}
