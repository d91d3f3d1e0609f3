//! A catalogue builtin as a DSP node: arguments in order and by keyword become its ports and data, in the form the engine takes them.
import type { Arg, Span } from "../ast.js";
import type { Builtin, ParamSpec } from "../catalogue.js";
import { badAtoms, signalNumber } from "./atoms.js";
import { portsOf } from "./builtins/table.js";
import type { Evaluator } from "./evaluate.js";
import { type Data, type Val, describe, spanOf } from "./meaning.js";

/** Envelope kernels: a chained input is multiplied by their output (they have no `in` port). */
const ENVELOPE_SHAPES = new Set(["env", "adsr", "ad", "ar", "asr", "line", "xline", "curve", "segments"]);

/** A DSP node from a catalogue entry: params in order, keyword params by name, defaults left to the engine. */
export function dsp(ev: Evaluator, b: Builtin, args: Val[], kw: Map<string, Val>, kwargs: (Arg & { type: "kwarg" })[], span: Span, nameSpan: Span, chainInput?: Val): Val {
  const values: Record<string, Val> = {};
  const data: Record<string, Data> = {};
  const params = b.params;
  let i = 0;
  if (chainInput) {
    if (b.input === "none" || params.length === 0) {
      ev.error(`'${b.name}' does not take an input from '#'`, nameSpan, "use it on its own, or chain into a filter or effect");
    }
    values[params[0]!.name] = chainInput;
    i = 1;
  } else if (b.input === "optional") i = 1;
  // A bare oscillator is Phonon's 1 Hz LFO: its frequency is written out, not left to a kernel default.
  if (b.bare && args.length === 0 && kwargs.length === 0 && !chainInput && params[0]?.default !== undefined && (params[0].type ?? "signal") === "signal") {
    values[params[0].name] = { t: "num", v: params[0].default };
  }
  const extra: Val[] = [];
  for (const a of args) {
    if (i < params.length) setParam(ev, b, params[i++]!, a, values, data, span);
    else extra.push(a);
  }
  if (extra.length) {
    if (b.variadic) extra.forEach((a, k) => (values[`in${k}`] = a));
    else {
      const takes = params.length - (chainInput || b.input === "optional" ? 1 : 0);
      ev.warn(`'${b.name}' takes ${takes} argument${takes === 1 ? "" : "s"} (${params.slice(params.length - takes).map((p) => p.name).join(", ")}); the extra one${extra.length === 1 ? " is" : "s are"} ignored`, spanOf(extra[0]!, span));
    }
  }
  for (const k of kwargs) {
    const p = params.find((x) => x.name === k.name || x.aliases?.includes(k.name));
    if (!p) {
      ev.error(`'${b.name}' has no parameter '${k.name}'`, k.span, `its parameters: ${params.map((x) => `:${x.name}`).join(" ")}`);
    }
    setParam(ev, b, p, kw.get(k.name)!, values, data, k.span);
  }
  for (const p of params) {
    if (p.type === "numbers" && p.default !== undefined && data[p.name] === undefined) data[p.name] = [p.default];
    if (p.default === undefined && values[p.name] === undefined && data[p.name] === undefined) {
      if (args.length === 0 && kwargs.length === 0 && !chainInput) {
        ev.error(`'${b.name}' needs arguments: ${params.map((x) => `${x.name}${x.default === undefined ? "" : `=${x.default}`}`).join(" ")}`, nameSpan, b.doc);
      }
      ev.error(`'${b.name}' needs its '${p.name}' argument (${p.unit})`, nameSpan);
    }
  }
  // A string tuned by a pattern is struck by each of its events: the kind replucks on a rising
  // gate (string.rs), and a lane's notes are new notes (`pluck "220 330 440"` plays three).
  const freq = values.freq;
  if ((b.kernel === "pluck" || b.kernel === "waveguide") && freq?.t === "pat" && values.gate === undefined) {
    values.gate = { t: "gatepat", p: freq.p.fmap(() => 1), span: freq.span, src: freq.src };
  }
  const kind = b.kernel!;
  if ((b.name === "gain" || b.name === "amp") && values.in) return ev.arith("*", values.in, values.amount ?? { t: "num", v: 1 }, span);
  const input = toPorts(ev, b, values, data, span);
  const node = ev.sig(kind, values, span, Object.keys(data).length ? { data } : {});
  // An envelope after `#` shapes its input: the input times the envelope.
  return input ? ev.arith("*", input, node, span) : node;
}

/**
 * Arguments the engine takes in another form than the catalogue states them: a semitone
 * `offset` folds into the oscillator's frequency; a builtin's own conversion (builtins/table.ts)
 * runs; an envelope's chain input is returned, to be multiplied by the envelope.
 */
function toPorts(ev: Evaluator, b: Builtin, values: Record<string, Val>, data: Record<string, Data>, span: Span): Val | undefined {
  if (values.offset !== undefined) {
    const o = values.offset;
    delete values.offset;
    if (o.t !== "num") ev.error(`the 'offset' of '${b.name}' must be a plain number of semitones`, spanOf(o, span));
    if (o.v !== 0) {
      const factor: Val = { t: "num", v: 2 ** (o.v / 12) };
      values.freq = ev.arith("*", values.freq ?? { t: "num", v: b.params[0]?.default ?? 440 }, factor, span);
    }
  }
  const input = portsOf(b.name)?.(ev, b, values, data, span);
  if (input) return input;
  if (ENVELOPE_SHAPES.has(b.kernel ?? "") && values.in !== undefined) {
    const chained = values.in;
    delete values.in;
    return chained;
  }
  return undefined;
}

function setParam(ev: Evaluator, b: Builtin, p: ParamSpec, a: Val, values: Record<string, Val>, data: Record<string, Data>, span: Span): void {
  switch (p.type ?? "signal") {
    case "signal":
      if (a.t === "xf" || a.t === "list") ev.error(`the '${p.name}' of '${b.name}' must be a signal or a pattern, not ${describe(a)}`, spanOf(a, span));
      values[p.name] = a.t === "sound" ? ev.commit(a) : a;
      return;
    case "const":
      if (a.t !== "num") ev.error(`the '${p.name}' of '${b.name}' must be a plain number (it is fixed when the sound is built)`, spanOf(a, span));
      data[p.name] = a.v;
      return;
    case "gate":
      values[p.name] = a.t === "num" || a.t === "sig" || a.t === "prev" ? a : gatePattern(ev, a, `the '${p.name}' of '${b.name}'`, span);
      return;
    case "word":
      if (a.t !== "pat") ev.error(`the '${p.name}' of '${b.name}' must be a word in quotes`, spanOf(a, span));
      data[p.name] = a.src.trim();
      return;
    case "numbers": {
      if (a.t === "num") {
        data[p.name] = [a.v];
        return;
      }
      if (a.t !== "pat") ev.error(`the '${p.name}' of '${b.name}' must be a string of numbers, such as "1 0.5 0.25"`, spanOf(a, span));
      const xs = a.src.trim().split(/\s+/).map(Number);
      if (xs.some((x) => !Number.isFinite(x))) ev.error(`the '${p.name}' of '${b.name}' must be a string of plain numbers`, a.span);
      data[p.name] = xs;
      return;
    }
    case "vowel": {
      if (a.t !== "pat") ev.error(`the vowel must be a pattern of a e i o u`, spanOf(a, span));
      const index: Record<string, number> = { a: 0, e: 1, i: 2, o: 3, u: 4 };
      const bad = badAtoms(a.p, (x) => typeof x === "string" && x in index);
      if (bad.length) ev.error(`'${bad[0]}' is not a vowel (a e i o u)`, a.span);
      values[p.name] = { t: "pat", p: a.p.fmap((x) => index[x as string] ?? 0), span: a.span, src: a.src };
      return;
    }
  }
}

/** A pattern whose events drive a gate: t/x/true/1 and other numbers. */
export function gatePattern(ev: Evaluator, a: Val, what: string, span: Span): Val {
  if (a.t === "pat") {
    const p = a.p.fmap((x) => {
      if (x === "t" || x === "x" || x === "true" || x === true) return 1;
      if (x === "f" || x === "false" || x === false) return 0;
      const n = signalNumber(x);
      return n === undefined ? 1 : n;
    });
    return { t: "gatepat", p, span: a.span, src: a.src };
  }
  if (a.t === "sound") return { t: "gatepat", p: a.p.fmap(() => 1), span: a.span, src: a.src };
  return ev.error(`${what} must be a pattern string such as "t ~ t t" or "x(3,8)"`, spanOf(a, span));
}
