//! For tests: a minimal program that uses a builtin with its required arguments, for every builtin that lowers to a kernel of its own.
import { BUILTINS, type Builtin } from "../language/catalogue.js";

/** Builtins the compiler builds itself or that need a special form (samples, note synths, sample modifiers). */
const SPECIAL = ["s", "sound", "synth", "sine_trig", "saw_trig", "square_trig", "tri_trig", "gain", "amp", "pan", "mtof"];

const arg = (type: string | undefined): string =>
  type === "gate" ? '"t ~ t t"' : type === "numbers" ? '"1 0.5"' : type === "word" ? '"out.wav"' : type === "vowel" ? '"a e"' : "1";

/** `out: <name> <required args>` for every builtin with a kernel, with the builtin. */
export function builtinPrograms(): { builtin: Builtin; src: string }[] {
  return BUILTINS.filter((b) => b.kernel && !b.unsupported && !SPECIAL.includes(b.name)).map((b) => {
    const required = b.params.filter((p, i) => p.default === undefined || (i === 0 && b.input === "chain"));
    const skipInput = b.input === "optional";
    const args = required.filter((p, i) => !(skipInput && i === 0 && p.name === "in")).map((p) => (p.name === "in" ? "(saw 1)" : arg(p.type)));
    return { builtin: b, src: `out: ${b.name} ${args.join(" ")}${b.variadic ? " 1 2" : ""}` };
  });
}
