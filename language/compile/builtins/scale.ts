//! `scale`: degrees become semitones of a named scale (on numbers, patterns, or a sound's note).
import type { Span } from "../../ast.js";
import { didYouMean } from "../../diagnostics.js";
import { type Pattern, pure } from "../../pattern/pattern.js";
import { badAtoms, midiNumber } from "../atoms.js";
import type { Evaluator } from "../evaluate.js";
import { type Controls, type Val, describe, spanOf } from "../meaning.js";
import { scaleDegree, scaleNames } from "../pitch.js";
import type { Lower } from "./table.js";

export const lower: Record<string, Lower> = { scale: (ev, c) => scale(ev, c.args, c.span, c.nameSpan, c.chainInput) };

function scale(ev: Evaluator, args: Val[], span: Span, nameSpan: Span, chainInput?: Val): Val {
  const nameVal = args[0] ?? ev.error(`'scale' needs a scale name, e.g. scale "minor"`, nameSpan);
  const degrees = chainInput ?? args[1] ?? ev.error(`'scale' needs degrees: n "0 2 4" # scale "major"`, nameSpan);
  if (nameVal.t !== "pat") return ev.error(`the scale name must be a string, such as "minor"`, spanOf(nameVal, span));
  const bad = badAtoms(nameVal.p, (x) => typeof x === "string" && scaleDegree(x, 0) !== undefined);
  if (bad.length) ev.error(`unknown scale '${bad[0]}'`, nameVal.span, didYouMean(bad[0]!, scaleNames()) ?? `known scales: ${scaleNames().join(" ")}`);
  const apply = (d: Pattern<unknown>): Pattern<number> =>
    d.fmap((deg: unknown) => (name: unknown) => scaleDegree(String(name), midiNumber(deg) ?? 0) ?? 0).appLeft(nameVal.p) as Pattern<number>;
  if (degrees.t === "num") return { t: "pat", p: apply(pure(degrees.v)), span, src: `scale ${nameVal.src}` };
  if (degrees.t === "pat") return { ...degrees, p: apply(degrees.p) };
  if (degrees.t === "sound") {
    // On a sound, the scale maps its note (or n) control.
    const p = degrees.p.fmap((c: Controls) => (name: unknown): Controls => {
      const key = typeof c.note === "number" ? "note" : typeof c.n === "number" ? "n" : undefined;
      if (!key) return c;
      return { ...c, [key]: scaleDegree(String(name), c[key] as number) ?? c[key] };
    });
    return { ...degrees, p: p.appLeft(nameVal.p) };
  }
  return ev.error(`'scale' turns degrees into semitones; its input must be a pattern, not ${describe(degrees)}`, nameSpan);
}
