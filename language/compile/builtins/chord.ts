//! `chord`: named chords stacked on roots (one event per chord note).
import type { Span } from "../../ast.js";
import { didYouMean } from "../../diagnostics.js";
import { Hap } from "../../pattern/hap.js";
import { type Pattern, pure } from "../../pattern/pattern.js";
import { badAtoms } from "../atoms.js";
import type { Evaluator } from "../evaluate.js";
import { type Val, describe, spanOf } from "../meaning.js";
import { chordIntervals, chordNames } from "../pitch.js";
import type { Lower } from "./table.js";

export const lower: Record<string, Lower> = { chord: (ev, c) => chord(ev, c.args, c.span, c.nameSpan, c.chainInput) };

function chord(ev: Evaluator, args: Val[], span: Span, nameSpan: Span, chainInput?: Val): Val {
  const nameVal = args[0] ?? ev.error(`'chord' needs a chord name, e.g. chord "maj"`, nameSpan);
  if (nameVal.t !== "pat") return ev.error(`the chord name must be a string, such as "maj min7"`, spanOf(nameVal, span));
  const bad = badAtoms(nameVal.p, (x) => typeof x === "string" && chordIntervals(x) !== undefined);
  if (bad.length) ev.error(`unknown chord '${bad[0]}'`, nameVal.span, didYouMean(bad[0]!, chordNames()));
  const intervals = (x: unknown): number[] => chordIntervals(String(x)) ?? [0];
  const roots: Pattern<number> = !chainInput ? pure(0) : chainInput.t === "num" ? pure(chainInput.v) : chainInput.t === "pat" ? ev.midiPattern(chainInput) : ev.error(`'chord' stacks intervals on numbers or a pattern, not ${describe(chainInput)}`, nameSpan);
  const p = roots
    .fmap((r: number) => (name: unknown) => intervals(name).map((i) => r + i))
    .appLeft(nameVal.p)
    .withHaps((haps) => haps.flatMap((h) => (h.value as number[]).map((v) => new Hap(h.whole, h.part, v))));
  return { t: "pat", p, span, src: nameVal.src };
}
